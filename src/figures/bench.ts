/**
 * The GPU-vs-CPU benchmark chart: million cell-updates per second per grid and stage (coupled
 * step, potential, phase, transport) for every backend result file of the gpu suite
 * (bench/results/gpu-vs-cpu/*.json, written by `npm run bench -- --backend all`). A software
 * adapter (SwiftShader) keeps its label on every bar: its numbers are a CPU emulation, not GPU
 * speed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

interface BenchResult {
  backend: string;
  label: string | null;
  device: string;
  grid: string;
  cells: number;
  cellUpdatesPerSecond?: Record<string, number>;
}
interface BenchFile {
  suite?: string;
  backend?: string;
  date?: string;
  label?: string | null;
  machine?: { hostname?: string; cpuModel?: string };
  results?: BenchResult[];
  hong?: { backend: string; grid: string; simulatedTime: number; runSeconds: number; label?: string | null } | null;
}

export interface BenchRow {
  file: string;
  series: string;
  grid: string;
  cells: number;
  stage: string;
  mcells: number;
}

export const BENCH_STAGES = ['step', 'potential', 'phase', 'transport'] as const;

/** Reads every gpu-suite JSON under `dir`; files of other suites are skipped. */
export function readBenchResults(dir: string): { rows: BenchRow[]; files: string[]; notes: string[] } {
  if (!existsSync(dir)) return { rows: [], files: [], notes: [`${dir} does not exist`] };
  const rows: BenchRow[] = [];
  const files: string[] = [];
  const notes: string[] = [];
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    let d: BenchFile;
    try {
      d = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    } catch (e) {
      notes.push(`${name}: not JSON (${(e as Error).message})`);
      continue;
    }
    if (d.suite !== 'gpu-vs-cpu' || !Array.isArray(d.results)) {
      notes.push(`${name}: not a gpu-suite result file, skipped`);
      continue;
    }
    files.push(name);
    for (const r of d.results) {
      const host = d.machine?.hostname ? ` @ ${d.machine.hostname}` : '';
      const series = `${r.backend}${r.label ? ` (${r.label})` : ''}${host}`;
      for (const stage of BENCH_STAGES) {
        const v = r.cellUpdatesPerSecond?.[stage];
        if (typeof v === 'number' && v > 0)
          rows.push({ file: basename(name), series, grid: r.grid, cells: r.cells, stage, mcells: v / 1e6 });
      }
    }
  }
  return { rows, files, notes };
}

export function benchSpec(rows: BenchRow[], files: string[], devices: string[] = []): Record<string, unknown> {
  if (rows.length === 0) throw new Error('bench: no gpu-suite results to plot (run `npm run bench -- --backend all`)');
  const grids = [...new Map(rows.map((r) => [r.grid, r.cells])).entries()].sort((a, b) => a[1] - b[1]).map(([g]) => g);
  return {
    title: {
      text: 'Benchmark: WebGPU vs CPU backend (cell-updates per second)',
      subtitle: [
        `files: ${files.map((f) => `bench/results/gpu-vs-cpu/${f}`).join(', ')}`,
        ...devices,
        'higher is better; "step" = one coupled time step (potential re-solve when due, phase, transport)',
      ],
    },
    data: { values: rows },
    facet: { column: { field: 'stage', type: 'nominal', title: 'stage', sort: [...BENCH_STAGES] } },
    spec: {
      width: 170,
      height: 240,
      mark: { type: 'bar', tooltip: true },
      encoding: {
        x: { field: 'grid', type: 'nominal', title: 'grid', sort: grids, axis: { labelAngle: -30 } },
        xOffset: { field: 'series', type: 'nominal' },
        y: { field: 'mcells', type: 'quantitative', title: 'million cell-updates / s', scale: { type: 'log' }, stack: null },
        color: {
          field: 'series',
          type: 'nominal',
          title: 'backend (adapter) @ machine',
          legend: { orient: 'bottom', direction: 'vertical' },
        },
      },
    },
    resolve: { scale: { y: 'shared' } },
  };
}

/** Adapter/device lines for the subtitle (one per distinct device). */
export function benchDevices(dir: string, files: string[]): string[] {
  const out = new Set<string>();
  for (const f of files) {
    try {
      const d = JSON.parse(readFileSync(join(dir, f), 'utf8')) as BenchFile;
      for (const r of d.results ?? [])
        out.add(
          `${r.backend}: ${r.device}${d.machine?.cpuModel ? ` (host CPU ${d.machine.cpuModel})` : ''}${d.date ? `, ${d.date.slice(0, 10)}` : ''}`,
        );
    } catch {
      /* reported by readBenchResults */
    }
  }
  return [...out];
}
