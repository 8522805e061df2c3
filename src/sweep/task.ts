/**
 * One point of a sweep, run by `lidendrite sweep-task <dir> <index>`: the unit of work of the
 * local pool (a child process per point) and of a Slurm array task. Skips a finished point,
 * resumes one with a checkpoint, runs the others from the start, holding the point's lock
 * meanwhile (a second process on the same point gets EXIT_BUSY and does nothing).
 */
import { join } from 'node:path';
import { acquireLock, describeHolder } from '../io/lock.ts';
import { clearForFreshRun, POINT_FILES, pointAction, pointDir, readPlan } from './store.ts';
import { describeCoords, SweepError } from './spec.ts';

/** Exit code of a task whose point another live process is running (EX_TEMPFAIL). */
export const EXIT_BUSY = 75;

export interface TaskOptions {
  backend?: string;
  threads?: number;
  /** Stop (SIGTERM to itself: outputs + checkpoint) when this process is no longer the parent: the sweep died. */
  parentPid?: number;
  quiet?: boolean;
}

/**
 * `runCli` of src/cli/main.ts, passed in (main.ts imports this module's CLI); `keep` names the
 * files of a run directory that belong to the caller (a sweep point's scenario.json and run.log).
 */
export type RunCli = (argv: string[], caller?: { keep?: readonly string[] }) => Promise<number>;

export async function runTask(dir: string, index: number, opts: TaskOptions, runCli: RunCli): Promise<number> {
  const plan = readPlan(dir);
  const pt = plan.points[index];
  if (!pt) throw new SweepError([`${dir}: there is no point ${index} (the sweep has points 0..${plan.points.length - 1})`]);
  const d = pointDir(dir, pt.id);
  const what = `point ${index} (${pt.id}: ${describeCoords(pt.coords)})`;
  if (pointAction(d) === 'skip') {
    console.log(`sweep-task: ${what} is finished; nothing to do`);
    return 0;
  }
  const lock = acquireLock(d, 'sweep-task');
  if ('busy' in lock) {
    console.error(`sweep-task: ${what} is being run by ${describeHolder(lock.busy)}; not starting it twice`);
    return EXIT_BUSY;
  }
  let watch: NodeJS.Timeout | undefined;
  if (opts.parentPid !== undefined) {
    const parent = opts.parentPid;
    watch = setInterval(() => {
      if (process.ppid === parent) return;
      clearInterval(watch);
      console.error(`sweep-task: the sweep (pid ${parent}) is gone; stopping ${what} with a checkpoint`);
      process.kill(process.pid, 'SIGTERM');
    }, 250);
    watch.unref();
  }
  try {
    const action = pointAction(d); // again, now that the point is ours
    if (action === 'skip') {
      console.log(`sweep-task: ${what} is finished; nothing to do`);
      return 0;
    }
    const common = [...(opts.threads !== undefined ? ['--threads', String(opts.threads)] : []), ...(opts.quiet ? ['--quiet'] : [])];
    let args: string[];
    if (action === 'resume') {
      args = ['resume', d, ...(opts.backend ? ['--backend', opts.backend] : []), ...common];
    } else {
      clearForFreshRun(d);
      args = ['run', join(d, 'scenario.json'), '--out', d, ...(opts.backend ? ['--backend', opts.backend] : []), ...common];
    }
    console.log(`sweep-task: ${what}: lidendrite ${args.join(' ')}`);
    // the point's lock is this process's: the run takes it again (re-entrant) and keeps the sweep's files
    return await runCli(args, { keep: POINT_FILES });
  } finally {
    if (watch) clearInterval(watch);
    lock.release();
  }
}
