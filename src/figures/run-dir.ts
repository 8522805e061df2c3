/**
 * Reading a run directory written by `lidendrite run` (src/io/run-output.ts) for the figures:
 * the manifest (resolved scenario, status), metrics.csv and the ξ, c̃, φ fields of an output.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCsv } from '../io/csv.ts';
import { safeJoin } from '../io/atomic.ts';
import { decodeVti } from '../io/vti.ts';
import type { Scenario } from '../model/scenario.ts';

export interface RunData {
  dir: string;
  scenario: Scenario;
  state: string;
  rows: Record<string, number>[];
  outputs: { index: number; time: number; files: string[] }[];
}

export class RunDirError extends Error {}

/** The manifest and metrics of a run; throws RunDirError naming what is missing. */
export function readRun(dir: string): RunData {
  const man = join(dir, 'manifest.json');
  if (!existsSync(man)) throw new RunDirError(`${dir}: no manifest.json (not a lidendrite run directory)`);
  let m: { scenario?: Scenario; status?: { state?: string }; outputs?: RunData['outputs'] };
  try {
    m = JSON.parse(readFileSync(man, 'utf8'));
  } catch (e) {
    throw new RunDirError(`${man}: ${(e as Error).message}`);
  }
  if (!m.scenario) throw new RunDirError(`${man}: no scenario`);
  const csv = join(dir, 'metrics.csv');
  const rows = existsSync(csv) ? readCsv(csv) : [];
  return { dir, scenario: m.scenario, state: m.status?.state ?? 'unknown', rows, outputs: m.outputs ?? [] };
}

/** ξ, c̃ and φ (V) of output `index` (default: the last output with a .vti file). */
export function readFields(run: RunData, index?: number): { time: number; xi: Float64Array; c: Float64Array; phi: Float64Array } {
  const withVti = run.outputs.filter((o) => o.files.some((f) => f.endsWith('.vti')));
  const o = index === undefined ? withVti.at(-1) : withVti.find((q) => q.index === index);
  if (!o) throw new RunDirError(`${run.dir}: no field output${index === undefined ? '' : ` number ${index}`} (was output.vti off?)`);
  const file = o.files.find((f) => f.endsWith('.vti'))!;
  const d = decodeVti(readFileSync(safeJoin(run.dir, file)));
  for (const f of ['xi', 'c', 'phi']) if (!d.fields[f]) throw new RunDirError(`${file}: no field "${f}"`);
  return { time: o.time, xi: d.fields.xi, c: d.fields.c, phi: d.fields.phi };
}
