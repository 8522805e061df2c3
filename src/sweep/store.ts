/**
 * The directory of a sweep:
 *   sweep.json                    the expanded plan: axes, metrics, and every point (index, id, coordinates)
 *   points/<id>/scenario.json     the scenario of the point
 *   points/<id>/...               the run directory of the point (manifest.json, metrics.csv, fields/, checkpoint/)
 *   points/<id>/run.log           stdout and stderr of the point's runs (local pool)
 *   points/<id>/.lidendrite.lock  held while a process runs the point (the run-directory lock, src/io/lock.ts)
 *   slurm/                        job-array scripts, per-task logs, jobs.json (the submitted job ids)
 *   collect.csv, collect.json     the table of `lidendrite sweep collect`; figures/<metric>.png
 *
 * What to do with a point (`pointAction`) depends only on its directory: a finished manifest →
 * skip; a checkpoint → resume; otherwise a fresh run (after removing what an earlier attempt
 * that never reached a checkpoint left). The local pool and `sweep-task` (Slurm) share it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDir, safeJoin, writeFileAtomic } from '../io/atomic.ts';
import { canonicalJson, hasCheckpoint } from '../io/checkpoint.ts';
import { lockHolder } from '../io/lock.ts';
import { removeRunFiles } from '../io/run-dir.ts';
import { SweepError, type AxisValue, type SweepPlan } from './spec.ts';

export const PLAN_FORMAT = 'lidendrite-sweep';
export const PLAN_VERSION = 1;

export interface PlanFile {
  format: typeof PLAN_FORMAT;
  version: number;
  name: string;
  description?: string;
  /** The sweep file the plan came from (absolute path), for the record. */
  source: string | null;
  createdAt: string;
  dims: 2 | 3;
  axes: { path: string; values: AxisValue[] }[];
  metrics: string[];
  points: { index: number; id: string; coords: Record<string, AxisValue> }[];
}

export function pointDir(dir: string, id: string): string {
  if (!/^p\d{4,}-[0-9a-f]{10}$/.test(id)) throw new SweepError([`${dir}: "${id}" is not a point id`]);
  return safeJoin(dir, join('points', id));
}

export function planPath(dir: string): string {
  return join(dir, 'sweep.json');
}

/** Reads DIR/sweep.json (written by `lidendrite sweep`); a SweepError when it is missing or damaged. */
export function readPlan(dir: string): PlanFile {
  const p = planPath(dir);
  let plan: PlanFile;
  try {
    plan = JSON.parse(readFileSync(p, 'utf8'));
  } catch (e) {
    throw new SweepError([`${dir}: not a sweep directory (${p}: ${(e as Error).message})`]);
  }
  if (
    plan?.format !== PLAN_FORMAT ||
    plan.version !== PLAN_VERSION ||
    !Array.isArray(plan.points) ||
    !Array.isArray(plan.axes) ||
    !Array.isArray(plan.metrics)
  ) {
    throw new SweepError([`${p}: not a ${PLAN_FORMAT} version ${PLAN_VERSION} file`]);
  }
  plan.points.forEach((pt, k) => {
    if (pt?.index !== k || typeof pt.id !== 'string') throw new SweepError([`${p}: points.${k} is damaged`]);
    pointDir(dir, pt.id);
  });
  return plan;
}

/**
 * Writes the plan and every point's scenario.json into `dir`. Refuses (SweepError, nothing
 * written) when `dir` holds a different sweep, or a point directory with outputs whose scenario
 * differs from this sweep's: finished work is never mixed with a changed sweep.
 */
export function writePlan(dir: string, plan: SweepPlan, source: string | null): PlanFile {
  const file: PlanFile = {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    name: plan.name,
    description: plan.description,
    source,
    createdAt: new Date().toISOString(),
    dims: plan.dims,
    axes: plan.axes.map((a) => ({ path: a.path, values: [...a.values] })),
    metrics: [...plan.metrics],
    points: plan.points.map((p) => ({ index: p.index, id: p.id, coords: p.coords })),
  };
  const issues: string[] = [];
  if (!existsSync(planPath(dir)) && existsSync(dir)) {
    // a new sweep writes only into a new or empty directory (nothing else is ever mixed with it)
    const there = readdirSync(dir);
    if (there.length)
      issues.push(
        `${dir} is not empty and holds no sweep (${there.slice(0, 5).join(', ')}${there.length > 5 ? ', …' : ''}): a sweep writes only into a new or empty directory; use another --out`,
      );
  }
  if (existsSync(planPath(dir))) {
    const old = readPlan(dir);
    const ids = (f: PlanFile) => f.points.map((p) => p.id).join(',');
    if (ids(old) !== ids(file) || canonicalJson(old.axes) !== canonicalJson(file.axes) || old.name !== file.name) {
      issues.push(
        `${dir} holds another sweep ("${old.name}", ${old.points.length} points; this one is "${file.name}", ${file.points.length} points): use another --out`,
      );
    } else {
      file.createdAt = old.createdAt;
    }
  }
  if (!issues.length) {
    for (const p of plan.points) {
      const d = pointDir(dir, p.id);
      const f = join(d, 'scenario.json');
      if (!existsSync(f)) continue;
      let same = false;
      try {
        same = canonicalJson(JSON.parse(readFileSync(f, 'utf8'))) === canonicalJson(p.input);
      } catch {
        same = false;
      }
      if (!same && (existsSync(join(d, 'manifest.json')) || hasCheckpoint(d))) {
        issues.push(
          `point ${p.index} (${p.id}): ${f} differs from this sweep's scenario for the point and the point has outputs (was the base scenario changed?): use another --out, or remove ${d}`,
        );
      }
    }
  }
  if (issues.length) throw new SweepError(issues);
  ensureDir(dir);
  for (const p of plan.points) {
    const d = pointDir(dir, p.id);
    ensureDir(d);
    const f = join(d, 'scenario.json');
    const text = JSON.stringify(p.input, null, 2) + '\n';
    if (!existsSync(f) || readFileSync(f, 'utf8') !== text) writeFileAtomic(f, text);
  }
  writeFileAtomic(planPath(dir), JSON.stringify(file, null, 2) + '\n');
  return file;
}

export type ManifestState = 'none' | 'running' | 'finished' | 'failed' | 'interrupted' | 'unreadable';

export interface PointManifest {
  state: ManifestState;
  reason?: string;
  startedAt?: string;
  endTime?: number;
  wallSeconds?: number;
  backend?: string;
}

export function readPointManifest(d: string): PointManifest {
  const f = join(d, 'manifest.json');
  if (!existsSync(f)) return { state: 'none' };
  try {
    const m = JSON.parse(readFileSync(f, 'utf8'));
    const st = m?.status?.state;
    const state: ManifestState = ['running', 'finished', 'failed', 'interrupted'].includes(st) ? st : 'unreadable';
    return {
      state,
      reason: m?.status?.reason,
      startedAt: m?.startedAt,
      endTime: m?.endTime,
      wallSeconds: m?.wallSeconds,
      backend: m?.backend,
    };
  } catch {
    return { state: 'unreadable' };
  }
}

export type PointAction = 'skip' | 'resume' | 'run';

/** skip (finished), resume (a checkpoint exists), or run (from the start). */
export function pointAction(d: string): PointAction {
  if (readPointManifest(d).state === 'finished') return 'skip';
  if (hasCheckpoint(d)) return 'resume';
  return 'run';
}

/** The files of a point directory that belong to the sweep, not to the point's run. */
export const POINT_FILES = ['scenario.json', 'run.log'] as const;

/**
 * Before a fresh run: removes the outputs of an attempt that ended before its first checkpoint
 * (its metrics rows would otherwise stay at the top of metrics.csv): only files a run writes
 * (src/io/run-dir.ts), refused when the directory holds anything else.
 */
export function clearForFreshRun(d: string): void {
  removeRunFiles(d, POINT_FILES);
}

// ---------------------------------------------------------------- point locks

export type { LockInfo } from '../io/lock.ts';
/** The live holder of a point's lock (the run-directory lock of src/io/lock.ts), or null. */
export const liveLock = lockHolder;
