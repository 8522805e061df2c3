/** Shared helpers of the sweep tests (not a test file itself). */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'lidendrite.mjs');

export function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `lid-sweep-${prefix}-`));
}

/** A tiny 2D plating case (~1 s per run on one thread), checkpoints every 0.005 s, no field files. */
export function baseScenario(): Record<string, unknown> {
  return {
    name: 'base',
    grid: { dims: 2, n: [48, 16], dx: '0.25 um' },
    time: { end: '0.06 s', output: '0.02 s' },
    voltage: '-0.45 V',
    initial: { layer: '3 um' },
    noise: { amplitude: 0.04, seed: 2 },
    output: { png: false, vti: false, checkpointEvery: '0.005 s' },
  };
}

/** The 2 x 2 test sweep: voltage x temperature (a range), base scenario in its own file. */
export function sweepFiles(dir = tmp('def')): string {
  writeFileSync(join(dir, 'base.json'), JSON.stringify(baseScenario()));
  const sweep = {
    name: 'vt',
    base: 'base.json',
    axes: [
      { path: 'voltage', values: ['-0.40 V', '-0.45 V'] },
      { path: 'parameters.T', range: { from: 290, to: 310, steps: 2 } },
    ],
  };
  const f = join(dir, 'sweep.json');
  writeFileSync(f, JSON.stringify(sweep, null, 2));
  return f;
}

export interface Proc {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** Runs the CLI as a child process; `onStart` gets the child (to signal it). */
export function cli(args: string[], opts: { env?: NodeJS.ProcessEnv; onStart?: (c: ChildProcess) => void } = {}): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let out = '',
      err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, out, err }));
    opts.onStart?.(child);
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const readJson = (f: string) => JSON.parse(readFileSync(f, 'utf8'));

/** The sweep-level CLI arguments both the local and the Slurm runs use (deterministic CPU runs). */
export const DETERMINISTIC = ['--backend', 'cpu', '--threads', '1'];
