/**
 * Pieces shared by the benchmark suites (bench/cpu.ts, bench/gpu.ts): argument parsing, the
 * benchmark scenario, the stage timers, the machine description, tables and the results file.
 * Speed is reported, never asserted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../src/backends/backend.ts';
import { parseScenario, type Scenario } from '../src/model/scenario.ts';

export function parseList(v: string | undefined, what: string): string[] {
  if (!v) throw new Error(`bench: ${what} needs a value`);
  return v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

/** "256" → 256×256, "256x128", "64x64x64", "64^3". */
export function parseSize(s: string): number[] {
  const parts = s
    .toLowerCase()
    .replace('^3', `x${s.split('^')[0]}x${s.split('^')[0]}`)
    .split('x')
    .map(Number);
  const n = parts.length === 1 ? [parts[0], parts[0]] : parts;
  if (n.length < 2 || n.length > 3 || n.some((v) => !Number.isInteger(v) || v < 4))
    throw new Error(`bench: bad grid size "${s}" (e.g. 256, 256x128, 64x64x64, 64^3)`);
  return n;
}

export function parsePositive(v: string | undefined, what: string, integer = false): number {
  const x = Number(v);
  if (!(x > 0) || (integer && !Number.isInteger(x)))
    throw new Error(`bench: ${what} must be a positive ${integer ? 'integer' : 'number'} (got "${v}")`);
  return x;
}

/** Splits "--key=value" / "--key value" arguments; `val()` takes the value. */
export function eachArg(argv: string[], on: (key: string, val: () => string | undefined, raw: string) => void): void {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const [key, inline] = eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    on(key, () => inline ?? argv[++i], a);
  }
}

export const gridName = (n: number[]): string => n.join('×');
export const cellsOf = (n: number[]): number => n.reduce((a, b) => a * b, 1);

/** A coupled electrodeposition scenario on the given grid: layer, nuclei, anisotropy, noise. */
export function benchScenario(n: number[]): Scenario {
  const dims = n.length as 2 | 3;
  const dx = 0.25e-6;
  const Lx = n[0] * dx,
    Ly = n[1] * dx,
    Lz = dims === 3 ? n[2] * dx : 0;
  const layer = Math.max(1e-6, 0.1 * Lx);
  const nuclei: { center: number[]; radius: number }[] = [];
  const count = Math.max(1, Math.round(Ly / 8e-6));
  for (let q = 0; q < count; q++) {
    const y = ((q + 0.5) / count) * Ly;
    nuclei.push({ center: dims === 3 ? [layer, y, ((q % 2) + 0.5) * 0.5 * Lz] : [layer, y], radius: Math.min(1.5e-6, 0.25 * Ly) });
  }
  return parseScenario({
    name: `bench-${n.join('x')}`,
    grid: { dims, n, dx },
    time: { end: 1, output: 1 },
    voltage: -0.25,
    anisotropy: { delta: dims === 2 ? 0.04 : 0.03, omega: 4 },
    initial: { layer, nuclei },
    noise: { amplitude: 0.05, seed: 11 },
  });
}

export type StageName = 'potential' | 'phase' | 'transport';

export interface StageAcc {
  potential: number;
  phase: number;
  transport: number;
  potCalls: number;
  potIters: number;
  trCalls: number;
  trIters: number;
  phaseCalls: number;
}

/**
 * Wraps the backend's stage calls with timers (ms) and iteration counters. With `drain`, every
 * stage call is timed up to the end of drain() (e.g. the GPU queue's onSubmittedWorkDone), so a
 * stage that only submits work is charged for that work and not the next stage.
 */
export function instrument(b: Backend, drain?: () => Promise<unknown>) {
  const acc: StageAcc = { potential: 0, phase: 0, transport: 0, potCalls: 0, potIters: 0, trCalls: 0, trIters: 0, phaseCalls: 0 };
  const wrap = <K extends StageName>(name: K) => {
    const orig = (b[name] as (...a: unknown[]) => Promise<unknown>).bind(b);
    (b as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const t0 = performance.now();
      const r = (await orig(...args)) as { iterations?: number } | undefined;
      if (drain) await drain();
      acc[name] += performance.now() - t0;
      if (name === 'potential') {
        acc.potCalls++;
        acc.potIters += r?.iterations ?? 0;
      }
      if (name === 'transport') {
        acc.trCalls++;
        acc.trIters += r?.iterations ?? 0;
      }
      if (name === 'phase') acc.phaseCalls++;
      return r;
    };
  };
  wrap('potential');
  wrap('phase');
  wrap('transport');
  const reset = () => {
    for (const k of Object.keys(acc) as (keyof StageAcc)[]) acc[k] = 0;
  };
  /** Puts the backend's own stage methods back. */
  const restore = () => {
    for (const k of ['potential', 'phase', 'transport']) delete (b as unknown as Record<string, unknown>)[k];
  };
  return { acc, reset, restore };
}

export function machine() {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    logicalCores: cpus.length,
    availableParallelism: os.availableParallelism(),
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

/** Mcell/s with two decimals; '–' for a missing rate. */
export const M = (v: number | null | undefined): string => (v === null || v === undefined || !(v > 0) ? '–' : (v / 1e6).toFixed(2));

/** A plain-text table: the columns in `left` left-aligned (default: the first), the others right-aligned. */
export function formatTable(head: string[], rows: string[][], left: number[] = [0]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (left.includes(i) ? c.padEnd(w[i]) : c.padStart(w[i])))
      .join('  ')
      .trimEnd();
  return [line(head), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(line)].join('\n');
}

/** The results folder, bench/results (or a folder below it). */
export function resultsDir(sub = ''): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), 'results', sub);
}

/**
 * The value of `--out`: a results file, checked when the options are read (a run can take an
 * hour; a directory or a missing parent must not fail only when it writes at the end).
 */
export function parseOut(v: string | undefined): string {
  if (!v) throw new Error('bench: --out needs a file path (e.g. --out results.json)');
  const file = path.resolve(v);
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new Error(`bench: --out must name a file, and ${v} is a directory`);
  if (!fs.existsSync(path.dirname(file))) throw new Error(`bench: --out ${v}: its folder ${path.dirname(file)} does not exist`);
  return v;
}

/** A suite's options from its parser, or null once the parser's refusal is printed (the suite then exits 2). */
export function optionsOrReport<T>(parse: (argv: string[]) => T, argv: string[]): T | null {
  try {
    return parse(argv);
  } catch (e) {
    console.error((e as Error).message);
    return null;
  }
}

/** <dir>/<name>-<hostname>[-quick].json, or `out` when given; dir defaults to bench/results. */
export function resultsFile(name: string, quick: boolean, out = '', dir = resultsDir()): string {
  if (out) return path.resolve(out);
  const host = os.hostname().replace(/[^A-Za-z0-9._-]/g, '_');
  return path.join(dir, `${name}-${host}${quick ? '-quick' : ''}.json`);
}

export function writeJson(file: string, doc: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // (atomic: a file interrupted mid-write never replaces a complete one)
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(doc, null, 2) + '\n');
  fs.renameSync(tmp, file);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

export function loadNote(): string | null {
  const load = os.loadavg()[0];
  return load > 0.5
    ? `note: load average ${load.toFixed(2)} before the start: other work shares these cores, expect noisy (and pessimistic threaded) numbers`
    : null;
}
