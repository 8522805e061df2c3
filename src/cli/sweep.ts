/**
 * `lidendrite sweep …` and `lidendrite sweep-task …` (docs/sweeps.md):
 *   sweep <sweep.json> [--out DIR] [--jobs N] [--threads N] [--backend B] [--dry-run] [--quiet]      local pool
 *   sweep <sweep.json> --slurm [--partition P] [--gpus-per-task G] [--time T] [--cpus-per-task N] [--dry-run] …   job array
 *   sweep status <dir> [--json]
 *   sweep collect <dir> [--figure] [--metric M] [--x PATH] [--y PATH] [--quiet]
 *   sweep-task <dir> <index> [--backend B] [--threads N]                                         one point (Slurm array task)
 * Exit codes as for `run`: 0 success, 2 bad input (nothing is run or written), 3 a point failed
 * (the other points still complete) or sbatch failed, 130 interrupted.
 */
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { ensureDir, writeFileAtomic } from '../io/atomic.ts';
import { checkRunPath } from '../io/run-dir.ts';
import { collectTable, formatStatus, formatTable, sweepStatus, writeTable } from '../sweep/collect.ts';
import { mapFromTable, renderSweepMap } from '../sweep/figure.ts';
import { runLocal } from '../sweep/local.ts';
import { checkSlurmOptions, submitSweep } from '../sweep/slurm.ts';
import { describeCoords, loadSweep } from '../sweep/spec.ts';
import { readPlan, writePlan } from '../sweep/store.ts';
import { runTask, type RunCli } from '../sweep/task.ts';
import { EXIT, UsageError } from './errors.ts';
import { backendOption, intOption, threadsOption } from './options.ts';

export const SWEEP_USAGE = `  lidendrite sweep <sweep.json> [--out DIR] [--jobs N] [--threads N] [--backend auto|cpu|webgpu] [--dry-run] [--quiet]
  lidendrite sweep <sweep.json> --slurm [--out DIR] [--partition P] [--gpus-per-task G] [--time HH:MM:SS] [--cpus-per-task N] [--threads N] [--jobs N] [--backend …] [--dry-run]
  lidendrite sweep status <dir> [--json]
  lidendrite sweep collect <dir> [--figure] [--metric NAME] [--x PATH] [--y PATH] [--quiet]
  lidendrite sweep-task <dir> <index> [--backend …] [--threads N]`;

/** Entry point of both commands; argv[0] is "sweep" or "sweep-task". Errors go to the CLI's one mapping (src/cli/errors.ts). */
export async function sweepMain(argv: string[], runCli: RunCli): Promise<number> {
  if (argv[0] === 'sweep-task') return await cmdTask(argv.slice(1), runCli);
  const sub = argv[1];
  if (sub === 'status') return cmdStatus(argv.slice(2));
  if (sub === 'collect') return cmdCollect(argv.slice(2));
  return await cmdSweep(argv.slice(1));
}

async function cmdSweep(args: string[]): Promise<number> {
  const { positionals, values: v } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: 'string' },
      jobs: { type: 'string' },
      threads: { type: 'string' },
      backend: { type: 'string' },
      slurm: { type: 'boolean', default: false },
      partition: { type: 'string' },
      'gpus-per-task': { type: 'string' },
      time: { type: 'string' },
      'cpus-per-task': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1)
    throw new UsageError(
      positionals.length ? `sweep: unexpected arguments: ${positionals.slice(1).join(' ')}` : 'sweep: missing <sweep.json>',
    );
  const file = positionals[0];
  const jobs = intOption('jobs', v.jobs, 1, 4096);
  const threads = threadsOption(v.threads);
  const backend = sweepBackend(v.backend);
  if (!v.slurm) {
    for (const k of ['partition', 'gpus-per-task', 'time', 'cpus-per-task'] as const)
      if (v[k] !== undefined) throw new UsageError(`--${k} needs --slurm`);
  }
  const plan = loadSweep(file);
  const out = checkRunPath(v.out ?? join('runs', 'sweeps', plan.name), v.out !== undefined ? '--out' : 'the sweep directory');
  const log = v.quiet ? () => {} : (m: string) => console.log(m);
  if (v.slurm) {
    const o = {
      partition: v.partition,
      gpusPerTask: v['gpus-per-task'],
      time: v.time,
      cpusPerTask: intOption('cpus-per-task', v['cpus-per-task'], 1, 1024),
      threads,
      backend,
      jobs,
      dryRun: v['dry-run'],
    };
    const bad = checkSlurmOptions(o);
    if (bad.length) throw new UsageError(bad.join('\n'));
    const written = writePlan(out, plan, resolve(file));
    log(`sweep ${plan.name}: ${plan.points.length} points written to ${out}`);
    const rec = submitSweep(out, written, o, log);
    if (rec?.jobId) log(`follow it with: lidendrite sweep status ${out}   (table: lidendrite sweep collect ${out})`);
    return EXIT.ok;
  }
  if (v['dry-run']) {
    console.log(`sweep ${plan.name}: ${plan.points.length} points (nothing written with --dry-run); would write to ${out}`);
    for (const p of plan.points) console.log(`  ${p.index}  ${p.id}  ${describeCoords(p.coords)}`);
    return EXIT.ok;
  }
  const written = writePlan(out, plan, resolve(file));
  const r = await runLocal(out, written, { jobs, threads, backend, quiet: v.quiet });
  return r.code;
}

/** A backend for the points (no webgl: the points run in Node). */
function sweepBackend(v: string | undefined): string | undefined {
  return v === undefined ? undefined : backendOption(v, 'auto', false);
}

function oneDir(positionals: string[], cmd: string): string {
  if (positionals.length !== 1)
    throw new UsageError(
      positionals.length ? `sweep ${cmd}: unexpected arguments: ${positionals.slice(1).join(' ')}` : `sweep ${cmd}: missing <dir>`,
    );
  return resolve(positionals[0]);
}

function cmdStatus(args: string[]): number {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { json: { type: 'boolean', default: false } },
  });
  const s = sweepStatus(oneDir(positionals, 'status'));
  console.log(values.json ? JSON.stringify(s, null, 2) : formatStatus(s));
  return EXIT.ok;
}

function cmdCollect(args: string[]): number {
  const { positionals, values: v } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      figure: { type: 'boolean', default: false },
      metric: { type: 'string' },
      x: { type: 'string' },
      y: { type: 'string' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const dir = oneDir(positionals, 'collect');
  if (!v.figure) for (const k of ['metric', 'x', 'y'] as const) if (v[k] !== undefined) throw new UsageError(`--${k} needs --figure`);
  const plan = readPlan(dir);
  const table = collectTable(dir, plan);
  // check the figure options before writing anything
  const map = v.figure ? mapFromTable(plan, table, { metric: v.metric, x: v.x, y: v.y }) : null;
  const files = writeTable(dir, table);
  if (!v.quiet) console.log(formatTable(table));
  const missing = table.rows.filter((r) => r.state !== 'finished').length;
  if (missing)
    console.error(
      `warning: ${missing} of ${table.rows.length} points are not finished; their metric cells are empty (lidendrite sweep status ${dir})`,
    );
  console.log(`wrote ${files.csv} and ${files.json}`);
  if (map) {
    const f = join(dir, 'figures', `${map.metric}.png`);
    ensureDir(join(dir, 'figures'));
    writeFileAtomic(f, renderSweepMap(map).png);
    console.log(`wrote ${f}`);
  }
  return EXIT.ok;
}

async function cmdTask(args: string[], runCli: RunCli): Promise<number> {
  const { positionals, values: v } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      backend: { type: 'string' },
      threads: { type: 'string' },
      'parent-pid': { type: 'string' },
      quiet: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 2) throw new UsageError('sweep-task: needs <dir> <index>');
  const index = Number(positionals[1]);
  if (!Number.isInteger(index) || index < 0) throw new UsageError(`sweep-task: "${positionals[1]}" is not a point index`);
  return runTask(
    resolve(positionals[0]),
    index,
    {
      backend: sweepBackend(v.backend),
      threads: threadsOption(v.threads),
      parentPid: intOption('parent-pid', v['parent-pid'], 1, 2 ** 31 - 1),
      quiet: v.quiet,
    },
    runCli,
  );
}
