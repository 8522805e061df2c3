/**
 * `lidendrite sweep status` and `lidendrite sweep collect`: the state of every point, and one
 * table with the swept parameters and the final metrics per point (ordered by point index),
 * written as collect.csv and collect.json in the sweep directory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.ts';
import { readCsv } from '../io/csv.ts';
import { parseScenario } from '../model/scenario.ts';
import type { AxisValue } from './spec.ts';
import { liveLock, pointDir, readPlan, readPointManifest, type LockInfo, type PlanFile } from './store.ts';
import { readJobs, squeueStates, type JobRecord } from './slurm.ts';

export type PointState = 'pending' | 'running' | 'interrupted' | 'finished' | 'failed';
export const POINT_STATES: PointState[] = ['finished', 'running', 'interrupted', 'failed', 'pending'];

export interface PointStatus {
  index: number;
  id: string;
  coords: Record<string, AxisValue>;
  state: PointState;
  /** Simulated time reached (manifest), s. */
  time: number | null;
  /** time.end of the point's scenario, s. */
  end: number | null;
  reason?: string;
  /** Who runs it now (a live lock). */
  lock?: LockInfo;
  /** The Slurm queue state of its array task (PENDING, RUNNING, ...), when squeue lists it. */
  queue?: string;
}

export interface SweepStatus {
  dir: string;
  name: string;
  points: PointStatus[];
  counts: Record<PointState, number>;
  jobs: JobRecord[];
  /** 'ok', 'absent' (no squeue here), 'no jobs' (none submitted), or squeue's error. */
  squeue: string;
}

export function sweepStatus(dir: string): SweepStatus {
  const plan = readPlan(dir);
  const jobs = readJobs(dir).filter((j) => j.jobId);
  let queue: Map<number, string> | null = null;
  let squeue = 'no jobs';
  if (jobs.length) {
    const q = squeueStates(jobs.map((j) => j.jobId!));
    if (q === null) squeue = 'absent';
    else if ('error' in q) squeue = `error: ${q.error}`;
    else {
      squeue = 'ok';
      queue = q.states;
    }
  }
  const points = plan.points.map((p): PointStatus => {
    const d = pointDir(dir, p.id);
    const man = readPointManifest(d);
    const lock = liveLock(d) ?? undefined;
    let end: number | null = null;
    try {
      end = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8'))?.scenario?.time?.end ?? null;
    } catch {
      end = null;
    }
    let state: PointState;
    if (man.state === 'finished') state = 'finished';
    else if (lock) state = 'running';
    else if (man.state === 'failed') state = 'failed';
    else if (man.state === 'none') state = 'pending';
    else state = 'interrupted'; // interrupted, or 'running' with nobody running it (killed)
    const st: PointStatus = {
      index: p.index,
      id: p.id,
      coords: p.coords,
      state,
      time: typeof man.endTime === 'number' ? man.endTime : null,
      end,
    };
    if (man.state === 'failed' && man.reason) st.reason = man.reason;
    if (lock) st.lock = lock;
    const q = queue?.get(p.index);
    if (q) st.queue = q;
    return st;
  });
  const counts = Object.fromEntries(POINT_STATES.map((s) => [s, points.filter((p) => p.state === s).length])) as Record<PointState, number>;
  return { dir, name: plan.name, points, counts, jobs, squeue };
}

export function formatStatus(s: SweepStatus): string {
  const axes = Object.keys(s.points[0]?.coords ?? {});
  const header = ['index', 'id', 'state', 'time', ...axes, ...(s.squeue === 'ok' ? ['queue'] : [])];
  const rows = s.points.map((p) => [
    String(p.index),
    p.id,
    p.state,
    p.time === null ? '-' : `${p.time.toPrecision(4)}/${p.end ?? '?'} s`,
    ...axes.map((a) => String(p.coords[a])),
    ...(s.squeue === 'ok' ? [p.queue ?? '-'] : []),
  ]);
  const lines = alignTable([header, ...rows]);
  const failed = s.points.filter((p) => p.state === 'failed' && p.reason).map((p) => `  point ${p.index} (${p.id}) failed: ${p.reason}`);
  const jobs = s.jobs.length ? `slurm jobs: ${s.jobs.map((j) => j.jobId).join(', ')} (squeue: ${s.squeue})` : '';
  const summary = `sweep ${s.name}: ${POINT_STATES.map((k) => `${s.counts[k]} ${k}`).join(', ')} (of ${s.points.length})`;
  return [...lines, ...failed, ...(jobs ? [jobs] : []), summary].join('\n');
}

function alignTable(rows: string[][]): string[] {
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(w[c]))
      .join('  ')
      .trimEnd(),
  );
}

// ---------------------------------------------------------------- collect

export type Cell = number | string | null;

export interface SweepTable {
  name: string;
  /** The axis paths (the parameter columns), in sweep order. */
  axes: string[];
  metrics: string[];
  columns: string[];
  /** One row per point, by index; parameter columns in SI (as the resolved scenario has them), metrics from the last metrics.csv row of a finished point (null otherwise). */
  rows: Record<string, Cell>[];
}

function resolvedAt(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

export function collectTable(dir: string, plan: PlanFile = readPlan(dir)): SweepTable {
  const axes = plan.axes.map((a) => a.path);
  const columns = ['index', 'id', 'state', ...axes, 'time_s', ...plan.metrics];
  const status = sweepStatus(dir);
  const rows = plan.points.map((p, k) => {
    const d = pointDir(dir, p.id);
    const row: Record<string, Cell> = { index: p.index, id: p.id, state: status.points[k].state };
    let resolved: unknown = null;
    try {
      resolved = parseScenario(JSON.parse(readFileSync(join(d, 'scenario.json'), 'utf8')));
    } catch {
      resolved = null;
    }
    for (const a of axes) {
      const v = resolved ? resolvedAt(resolved, a) : undefined;
      const given = p.coords[a];
      row[a] =
        typeof v === 'number' || typeof v === 'string'
          ? v
          : typeof v === 'boolean'
            ? String(v)
            : typeof given === 'boolean'
              ? String(given)
              : given;
    }
    let last: Record<string, number> | undefined;
    if (status.points[k].state === 'finished' && existsSync(join(d, 'metrics.csv'))) last = readCsv(join(d, 'metrics.csv')).at(-1);
    row.time_s = last ? last.time_s : null;
    for (const m of plan.metrics) row[m] = last && m in last ? last[m] : null;
    return row;
  });
  return { name: plan.name, axes, metrics: [...plan.metrics], columns, rows };
}

function csvCell(v: Cell): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v); // shortest round-trip form: Number(text) gives the same double
  return /[",\r\n]|^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function tableCsv(t: SweepTable): string {
  return [t.columns.join(','), ...t.rows.map((r) => t.columns.map((c) => csvCell(r[c] ?? null)).join(','))].join('\n') + '\n';
}

/** JSON numbers cannot be NaN or ±Infinity: those become null in collect.json (the CSV keeps them). */
export function tableJson(t: SweepTable): string {
  const rows = t.rows.map((r) =>
    Object.fromEntries(t.columns.map((c) => [c, typeof r[c] === 'number' && !Number.isFinite(r[c]) ? null : (r[c] ?? null)])),
  );
  return (
    JSON.stringify(
      { format: 'lidendrite-sweep-table', name: t.name, axes: t.axes, metrics: t.metrics, columns: t.columns, rows },
      null,
      2,
    ) + '\n'
  );
}

export function writeTable(dir: string, t: SweepTable): { csv: string; json: string } {
  const csv = join(dir, 'collect.csv');
  const json = join(dir, 'collect.json');
  writeFileAtomic(csv, tableCsv(t));
  writeFileAtomic(json, tableJson(t));
  return { csv, json };
}

export function formatTable(t: SweepTable): string {
  const show = (v: Cell) =>
    v === null ? '-' : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)))) : v;
  return alignTable([t.columns, ...t.rows.map((r) => t.columns.map((c) => show(r[c] ?? null)))]).join('\n');
}
