/** Shared helpers of the reliability tests (not a test file itself). */
import { spawn } from 'node:child_process';
import { vi } from 'vitest';
import { runCli, type CliHooks } from '../../src/cli/main.ts';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend, PotentialReport, Reductions, SolveReport, StepStats, TransportReport } from '../../src/backends/backend.ts';
import type { Fields } from '../../src/model/initial.ts';

export const BIN = join(__dirname, '..', '..', 'bin', 'lidendrite.mjs');

export function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `lid-rel-${prefix}-`));
}

/** A small 2D plating scenario: 48 x 16 cells, checkpoints every 0.004 s, outputs every 0.02 s. */
export function smallScenario(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'reliability',
    grid: { dims: 2, n: [48, 16], dx: '0.25 um' },
    time: { end: '0.08 s', output: '0.02 s' },
    voltage: '-0.45 V',
    initial: { layer: '3 um' },
    noise: { amplitude: 0.04, seed: 2 },
    output: { png: false, checkpointEvery: '0.004 s' },
    ...over,
  };
}

export function scenarioFile(obj: unknown, dir = tmp('scn')): string {
  const f = join(dir, 'scenario.json');
  writeFileSync(f, JSON.stringify(obj));
  return f;
}

export interface Proc {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** Spawns the CLI; `onStart` gets the child (to signal it) once it runs, and its pid. */
export function cli(
  args: string[],
  onStart?: (kill: (sig: NodeJS.Signals) => void, pid: number) => void,
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: opts.cwd,
      env: opts.env ?? process.env,
    });
    let out = '',
      err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, out, err }));
    onStart?.((sig) => child.kill(sig), child.pid ?? -1);
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `cond()` holds (polling), or throws after `ms`. */
export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Cells whose bits differ (−0 ≠ +0; NaN equal only with the same payload). */
export function bitDiffs(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  const ua = new BigUint64Array(a.slice().buffer),
    ub = new BigUint64Array(b.slice().buffer);
  let n = 0;
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) n++;
  return n;
}

export interface FaultPlan {
  /** After the transport stage of this step (1-based, as Simulation.step after it) ... */
  atStep: number;
  /** ... set `field` at cell `index` to `value` ... */
  field: 'xi' | 'c';
  index: number;
  value: number;
  /** ... on at most this many attempts (Infinity: every time the step is taken). */
  times: number;
}

/**
 * A backend wrapper that injects faults: a bad value into a field after a given step (read,
 * modify, init — init also resets ∂ξ/∂t and ξ-at-last-solve, fine for a fault), or a potential
 * solve reported as not converged.
 */
export class FaultyBackend implements Backend {
  injected = 0;
  potentialFailures = 0;
  mechanicsFailures = 0;
  /** A mechanics solve reported as not converged at the start of step atStep, `times` times. */
  failMechanics: { atStep: number; times: number } | null = null;
  private curStep = 0;
  constructor(
    readonly inner: Backend,
    private plan: FaultPlan | null,
    private failPotential: { atStep: number; times: number } | null = null,
  ) {}
  get name() {
    return this.inner.name;
  }
  get device() {
    return `${this.inner.device} + fault injection`;
  }
  init(f: Fields): Promise<void> {
    return this.inner.init(f);
  }
  async potential(tol: number, maxIter: number): Promise<PotentialReport> {
    const r = await this.inner.potential(tol, maxIter);
    const fp = this.failPotential;
    // the solve at the start of step curStep + 1
    if (fp && this.curStep + 1 === fp.atStep && this.potentialFailures < fp.times) {
      this.potentialFailures++;
      return { ...r, converged: false, residual: 0.5 };
    }
    return r;
  }
  async mechanics(tol: number, maxIter: number): Promise<SolveReport> {
    const r = await this.inner.mechanics(tol, maxIter);
    const fm = this.failMechanics;
    if (fm && this.curStep + 1 === fm.atStep && this.mechanicsFailures < fm.times) {
      this.mechanicsFailures++;
      return { ...r, converged: false, residual: 0.5 };
    }
    return r;
  }
  async phase(dt: number, step: number): Promise<SolveReport | null> {
    this.curStep = step;
    return this.inner.phase(dt, step);
  }
  async transport(dt: number, tol: number, maxIter: number): Promise<TransportReport> {
    const r = await this.inner.transport(dt, tol, maxIter);
    const p = this.plan;
    if (p && this.curStep + 1 === p.atStep && this.injected < p.times) {
      this.injected++;
      const f = await this.inner.read();
      f[p.field][p.index] = p.value;
      await this.inner.init({ xi: f.xi, c: f.c, psi: f.psi });
    }
    return r;
  }
  stepStats(): Promise<StepStats> {
    return this.inner.stepStats();
  }
  reductions(): Promise<Reductions> {
    return this.inner.reductions();
  }
  setVoltage(v: number): Promise<void> {
    return this.inner.setVoltage(v);
  }
  read() {
    return this.inner.read();
  }
  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}

/** A stack trace line ("    at f (file:1:2)"): failures print one line, stacks only with --debug. */
export const STACK = /^\s+at /m;

/** Every file under `dir` (relative paths, sorted) with its bytes, to show a directory was not touched. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) out.set(r, 'symlink');
      else if (e.isDirectory()) {
        out.set(`${r}/`, '');
        walk(r);
      } else out.set(r, readFileSync(join(dir, r)).toString('base64'));
    }
  };
  walk('');
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Runs the CLI in this process (no start-up cost); returns the exit code and what it printed. */
export async function cliIn(args: string[], hooks: CliHooks = {}): Promise<{ code: number; out: string; err: string }> {
  const err: string[] = [];
  const out: string[] = [];
  const cap =
    (to: string[]) =>
    (...a: unknown[]) => {
      to.push(a.map(String).join(' '));
    };
  const e = vi.spyOn(console, 'error').mockImplementation(cap(err));
  const w = vi.spyOn(console, 'warn').mockImplementation(cap(err));
  const l = vi.spyOn(console, 'log').mockImplementation(cap(out));
  try {
    const code = await runCli(args, hooks);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    e.mockRestore();
    w.mockRestore();
    l.mockRestore();
  }
}

/** A tiny 2D run (24 x 8 cells, a second or two): outputs every 0.01 s to `end`. */
export function tinyScenario(over: Record<string, unknown> = {}, end = '0.02 s'): Record<string, unknown> {
  return smallScenario({
    name: 'tiny',
    grid: { dims: 2, n: [24, 8], dx: '0.25 um' },
    initial: { layer: '1.5 um' },
    time: { end, output: '0.01 s' },
    ...over,
  });
}
