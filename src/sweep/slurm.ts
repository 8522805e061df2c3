/**
 * Slurm: a job-array script with one array task per point that is not finished (each task runs
 * `lidendrite sweep-task DIR $SLURM_ARRAY_TASK_ID`, the same skip/resume logic as the local
 * pool), its submission with sbatch, the record of the submitted job ids (slurm/jobs.json) and
 * the queue state of their tasks (squeue).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureDir, writeFileAtomic } from '../io/atomic.ts';
import { BIN } from './local.ts';
import { SweepError } from './spec.ts';
import { liveLock, pointAction, pointDir, type PlanFile } from './store.ts';

export interface SlurmOptions {
  partition?: string;
  gpusPerTask?: string;
  time?: string;
  cpusPerTask?: number;
  threads?: number;
  backend?: string;
  /** At most this many array tasks at once (`--array=...%N`). */
  jobs?: number;
  dryRun: boolean;
}

export interface JobRecord {
  jobId: string | null;
  script: string;
  array: string;
  points: number[];
  submittedAt: string;
  command: string[];
  dryRun: boolean;
}

/** Characters that are safe unquoted in an #SBATCH line and a shell word. */
const SAFE_PATH = /^[A-Za-z0-9_./+@:=,-]+$/;

/** "0-3", "0,2-5,7": Slurm's compact form of a list of indices. */
export function arraySpec(indices: number[]): string {
  const s = [...indices].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j] + 1) j++;
    parts.push(i === j ? String(s[i]) : `${s[i]}-${s[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Checks the Slurm options (they go into the script); a list of problems naming the option. */
export function checkSlurmOptions(o: SlurmOptions): string[] {
  const bad: string[] = [];
  if (o.partition !== undefined && !/^[A-Za-z0-9_.,-]{1,64}$/.test(o.partition))
    bad.push(`--partition: "${o.partition}" is not a partition name`);
  if (o.gpusPerTask !== undefined && !/^([A-Za-z0-9_-]{1,32}:)?\d{1,3}$/.test(o.gpusPerTask))
    bad.push(`--gpus-per-task: "${o.gpusPerTask}" is not a count or type:count`);
  if (o.time !== undefined && !/^(\d{1,4}-)?\d{1,4}(:\d{1,2}){0,2}$/.test(o.time))
    bad.push(`--time: "${o.time}" is not a Slurm time limit such as 01:30:00, 90 or 2-00:00:00`);
  return bad;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The batch script for `indices` (array task id = point index). */
export function jobScript(dir: string, plan: PlanFile, indices: number[], o: SlurmOptions): string {
  const abs = resolve(dir);
  const bin = resolve(BIN);
  for (const [what, p] of [
    ['the sweep directory', abs],
    ['the lidendrite package', bin],
  ] as const) {
    if (!SAFE_PATH.test(p))
      throw new SweepError([
        `${what} ${p} has characters that cannot go into an #SBATCH line (use a path of letters, digits and ._-/+@:=,)`,
      ]);
  }
  const threads = o.threads ?? o.cpusPerTask ?? 1;
  const cpus = o.cpusPerTask ?? threads;
  const logs = join(abs, 'slurm', 'logs');
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=lid-${plan.name}`,
    `#SBATCH --array=${arraySpec(indices)}${o.jobs ? `%${o.jobs}` : ''}`,
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${cpus}`,
    `#SBATCH --output=${logs}/%A_%a.out`,
    `#SBATCH --error=${logs}/%A_%a.err`,
    `#SBATCH --chdir=${abs}`,
  ];
  if (o.partition) lines.push(`#SBATCH --partition=${o.partition}`);
  if (o.time) lines.push(`#SBATCH --time=${o.time}`);
  if (o.gpusPerTask) lines.push(`#SBATCH --gpus-per-task=${o.gpusPerTask}`);
  lines.push(
    '#',
    `# Written by \`lidendrite sweep\` for the sweep "${plan.name}" (${plan.points.length} points) in ${abs}.`,
    '# Array task N runs point N: skipped when finished, resumed from its checkpoint when it has one,',
    '# otherwise run from the start (lidendrite sweep-task). Node >= 20.19 must be on the node; set',
    '# LIDENDRITE_NODE to its path when `node` is not on PATH there.',
    'set -u',
    `NODE_DEFAULT=${shellQuote(process.execPath)}`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a JS template
    'NODE="${LIDENDRITE_NODE:-$NODE_DEFAULT}"',
    'if ! [ -x "$NODE" ]; then NODE="$(command -v node || true)"; fi',
    'if [ -z "$NODE" ]; then echo "lidendrite sweep: no node executable on $(hostname); set LIDENDRITE_NODE" >&2; exit 2; fi',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansions
    'echo "lidendrite sweep-task: job ${SLURM_ARRAY_JOB_ID:-?}_${SLURM_ARRAY_TASK_ID:-?} on $(hostname) with $("$NODE" --version)"',
    `exec "$NODE" ${shellQuote(bin)} sweep-task ${shellQuote(abs)} "$SLURM_ARRAY_TASK_ID" --threads ${threads}` +
      (o.backend ? ` --backend ${shellQuote(o.backend)}` : ''),
    '',
  );
  return lines.join('\n');
}

export function readJobs(dir: string): JobRecord[] {
  const f = join(dir, 'slurm', 'jobs.json');
  if (!existsSync(f)) return [];
  try {
    const j = JSON.parse(readFileSync(f, 'utf8'));
    return Array.isArray(j) ? j : [];
  } catch {
    return [];
  }
}

/**
 * Writes the script for the points that are neither finished nor running elsewhere and submits
 * it (sbatch --parsable), or only writes it with dryRun. Returns null when nothing is left to run.
 */
export function submitSweep(dir: string, plan: PlanFile, o: SlurmOptions, log: (m: string) => void): JobRecord | null {
  const abs = resolve(dir);
  const indices: number[] = [];
  for (const p of plan.points) {
    const d = pointDir(abs, p.id);
    if (pointAction(d) === 'skip') continue;
    const holder = liveLock(d);
    if (holder) {
      log(`point ${p.index} (${p.id}) is being run by pid ${holder.pid} on ${holder.host}; not submitted again`);
      continue;
    }
    indices.push(p.index);
  }
  if (!indices.length) {
    log(`all ${plan.points.length} points are finished or running; nothing to submit`);
    return null;
  }
  const jobs = readJobs(abs);
  const sdir = join(abs, 'slurm');
  ensureDir(join(sdir, 'logs'));
  const script = join(sdir, `submit-${String(jobs.length + 1).padStart(3, '0')}.sbatch`);
  writeFileAtomic(script, jobScript(abs, plan, indices, o));
  const command = ['sbatch', '--parsable', script];
  const rec: JobRecord = {
    jobId: null,
    script,
    array: arraySpec(indices),
    points: indices,
    submittedAt: new Date().toISOString(),
    command,
    dryRun: o.dryRun,
  };
  if (o.dryRun) {
    log(`wrote ${script} (${indices.length} array tasks); submit it with:\n  ${command.join(' ')}`);
    return rec;
  }
  let out: string;
  try {
    out = execFileSync(command[0], command.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    const why =
      err.code === 'ENOENT'
        ? 'sbatch is not on PATH (is this a Slurm login node? --dry-run writes the script only)'
        : (err.stderr || err.message).trim();
    throw new SubmitError(`sbatch failed: ${why}\n  the script is ${script}`);
  }
  const jobId = out.trim().split(';')[0];
  if (!/^\d+$/.test(jobId)) throw new SubmitError(`sbatch printed "${out.trim()}", not a job id\n  the script is ${script}`);
  rec.jobId = jobId;
  writeFileAtomic(join(sdir, 'jobs.json'), JSON.stringify([...jobs, rec], null, 2) + '\n');
  log(`submitted job ${jobId}: array ${rec.array} (${indices.length} tasks) from ${script}; logs in ${join(sdir, 'logs')}`);
  return rec;
}

export class SubmitError extends Error {}

/**
 * Queue state of the array tasks of `jobIds` (point index → e.g. PENDING, RUNNING), or null when
 * squeue is not available; `error` when it is there but failed.
 */
export function squeueStates(jobIds: string[]): { states: Map<number, string> } | { error: string } | null {
  let out: string;
  try {
    out = execFileSync('squeue', ['-h', '-r', '-o', '%F|%K|%T'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') return null;
    return { error: (err.stderr || err.message).trim().split('\n').at(-1) ?? 'failed' };
  }
  const ids = new Set(jobIds);
  const states = new Map<number, string>();
  for (const line of out.split('\n')) {
    const [job, task, state] = line.trim().split('|');
    if (!job || !ids.has(job) || !/^\d+$/.test(task ?? '')) continue;
    states.set(Number(task), state);
  }
  return { states };
}
