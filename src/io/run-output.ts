/**
 * The files of one run directory:
 *   manifest.json          resolved scenario, derived groups, backend, versions, status
 *   metrics.csv            one row per output time (appended, fsync'd)
 *   fields/fields_NNNN.vti ξ, c̃ (c/c0) and φ (V) as VTK ImageData cell data
 *   png/{xi,c,phi}_NNNN.png maps (2D; the mid-plane z slice in 3D)
 * Every file is written atomically (complete or absent).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDir, safeJoin, writeFileAtomic } from './atomic.ts';
import { MetricsCsv } from './csv.ts';
import { midPlaneSlice, renderFieldPng } from './png.ts';
import { encodeVti } from './vti.ts';
import type { Scenario } from '../model/scenario.ts';
import type { DerivedGroup } from '../model/derived.ts';
import { metricColumns, type MetricsRow } from '../solver/metrics.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function packageVersion(): string {
  try { return JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version; } catch { return 'unknown'; }
}

export function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch { return null; }
}

export type RunStatus =
  | { state: 'running' }
  | { state: 'finished' }
  | { state: 'interrupted'; signal: string }
  | { state: 'failed'; reason: string };

/** Physical fields at one output time. */
export interface OutputFields { xi: Float64Array; c: Float64Array; phi: Float64Array }

export class RunWriter {
  private csv: MetricsCsv;
  private started = Date.now();
  private outputs: { index: number; time: number; files: string[] }[] = [];

  constructor(readonly dir: string, private s: Scenario, private meta: { groups: DerivedGroup[]; backend: string; device: string; warnings: string[]; argv: string[] }) {
    ensureDir(dir);
    ensureDir(join(dir, 'fields'));
    if (s.grid.dims === 2 || s.output.png) ensureDir(join(dir, 'png'));
    this.csv = new MetricsCsv(join(dir, 'metrics.csv'), metricColumns(s.grid.dims));
  }

  writeManifest(status: RunStatus, extra: Record<string, unknown> = {}): void {
    const mem = process.resourceUsage();
    const manifest = {
      lidendrite: packageVersion(),
      gitCommit: gitCommit(),
      status,
      scenario: this.s,
      derived: this.meta.groups,
      warnings: this.meta.warnings,
      backend: this.meta.backend,
      device: this.meta.device,
      node: process.version,
      argv: this.meta.argv,
      startedAt: new Date(this.started).toISOString(),
      wallSeconds: (Date.now() - this.started) / 1000,
      peakRssMiB: Math.round(mem.maxRSS / 1024),
      units: {
        metrics: this.s.grid.dims === 2 ? 'amounts per metre of depth (mol/m, A/m); lengths in µm' : 'totals (mol, A); lengths in µm',
        fields: 'xi: phase field (1 = Li metal); c: Li+ concentration / c0; phi: potential in V',
      },
      outputs: this.outputs,
      ...extra,
    };
    writeFileAtomic(join(this.dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  }

  /** Writes the files of output number `index` and appends the metrics row. */
  writeOutput(index: number, time: number, f: OutputFields, row: MetricsRow): void {
    const s = this.s;
    const [nx, ny, nz] = s.grid.n;
    const tag = String(index).padStart(4, '0');
    const files: string[] = [];
    if (s.output.vti) {
      const rel = `fields/fields_${tag}.vti`;
      writeFileAtomic(safeJoin(this.dir, rel), encodeVti({
        dims: [nx, ny, nz], spacing: [s.grid.dx, s.grid.dx, s.grid.dx],
        fields: [{ name: 'xi', data: f.xi }, { name: 'c', data: f.c }, { name: 'phi', data: f.phi }],
        fieldData: { TIME: time, STEP: row.step },
      }));
      files.push(rel);
    }
    if (s.output.png) {
      const slice = (a: Float64Array) => (nz > 1 ? midPlaneSlice(a, nx, ny, nz, 'z') : a);
      const xi = slice(f.xi);
      const where = nz > 1 ? ` (z mid-plane)` : '';
      const maps = [
        { name: 'xi', data: xi, title: `${s.name} xi t=${time.toPrecision(4)} s${where}`, unit: '-', colormap: 'viridis' as const, range: [0, 1] as [number, number] },
        { name: 'c', data: slice(f.c), title: `${s.name} c/c0 t=${time.toPrecision(4)} s${where}`, unit: 'c/c0', colormap: 'cividis' as const, range: undefined },
        { name: 'phi', data: slice(f.phi), title: `${s.name} phi t=${time.toPrecision(4)} s${where}`, unit: 'V', colormap: 'coolwarm' as const, range: undefined },
      ];
      for (const m of maps) {
        const rel = `png/${m.name}_${tag}.png`;
        writeFileAtomic(safeJoin(this.dir, rel), renderFieldPng({
          data: m.data, nx, ny, dxMeters: s.grid.dx, title: m.title, unit: m.unit, colormap: m.colormap, range: m.range,
          contour: { data: xi, level: 0.5 },
        }));
        files.push(rel);
      }
    }
    this.csv.append(row);
    this.outputs.push({ index, time, files });
  }
}
