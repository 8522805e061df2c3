/**
 * One point of a sweep, run by `lidendrite sweep-task <dir> <index>`: the unit of work of the
 * local pool (a child process per point) and of a Slurm array task. Skips a finished point,
 * resumes one with a checkpoint, runs the others from the start, holding the point's lock
 * meanwhile (a second process on the same point gets EXIT_BUSY and does nothing).
 */
import { join } from 'node:path';
import { acquireLock, clearForFreshRun, pointAction, pointDir, readPlan } from './store.ts';
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

/** `runCli` of src/cli/main.ts, passed in (main.ts imports this module's CLI). */
export type RunCli = (argv: string[]) => Promise<number>;

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
  const lock = acquireLock(d);
  if ('busy' in lock) {
    console.error(
      `sweep-task: ${what} is being run by pid ${lock.busy.pid} on ${lock.busy.host} (since ${lock.busy.startedAt}); not starting it twice`,
    );
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
    return await runCli(args);
  } finally {
    if (watch) clearInterval(watch);
    lock.release();
  }
}
