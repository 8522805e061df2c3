/**
 * `check`, `run` and `resume`: each checks its input and the machine's resources, prepares the
 * run directory under its contract (src/io/run-dir.ts), and hands over to execute().
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpoint } from '../io/checkpoint.ts';
import { loadScenario } from '../io/load.ts';
import { lockForResume, prepareFreshRun } from '../io/run-dir.ts';
import { packageVersion } from '../io/version.ts';
import { scenarioWarnings } from '../model/derived.ts';
import { runInBrowser } from './browser-run.ts';
import { EXIT, UsageError } from './errors.ts';
import { type CliHooks, execute } from './execute.ts';
import { printGroups } from './groups.ts';
import { backendOption, type RunFlags, threadsOption, untilOption } from './options.ts';
import { capThreads, checkMemory } from './resources.ts';

export async function cmdCheck(file: string, flags: RunFlags): Promise<number> {
  for (const k of ['out', 'until', 'threads'] as const) if (flags[k] !== undefined) throw new UsageError(`check: --${k} is not used`);
  const s = loadScenario(file);
  const backend = backendOption(flags.backend, 'auto', flags.browser);
  printGroups(s, console.log);
  for (const w of scenarioWarnings(s)) console.log(`warning: ${w}`);
  console.log(checkMemory(s, backend, { skip: flags['skip-memory-check'] }));
  console.log('scenario OK');
  return EXIT.ok;
}

/** Extra options of an in-process caller (the sweep runner). */
export interface RunCaller {
  /** Names in the run directory that belong to the caller (a sweep point's scenario.json, run.log). */
  keep?: readonly string[];
}

export async function cmdRun(file: string, flags: RunFlags, hooks: CliHooks, caller: RunCaller = {}): Promise<number> {
  const s = loadScenario(file);
  const backendName = backendOption(flags.backend, 'auto', flags.browser);
  if (flags.browser && flags.threads !== undefined)
    throw new UsageError('--threads: not used with --browser (the page runs the CPU backend on one thread)');
  const until = untilOption(flags.until) ?? s.time.end;
  const threads = capThreads(threadsOption(flags.threads), (m) => console.warn(m));
  // resources before anything is written or allocated
  const memory = checkMemory(s, backendName, { skip: flags['skip-memory-check'], threads });
  const out = prepareFreshRun(flags.out ?? join('runs', s.name), {
    overwrite: flags.overwrite,
    keep: caller.keep,
    what: flags.out !== undefined ? '--out' : `the run directory (runs/<scenario name "${s.name}">)`,
    command: flags.browser ? 'run --browser' : 'run',
  });
  const ctx = { s, backendName, end: Math.min(until, s.time.end), threads, quiet: flags.quiet, debug: flags.debug, out, hooks, memory };
  return flags.browser ? runInBrowser(file, ctx) : execute(ctx);
}

function readManifest(
  dir: string,
): { status?: { state?: string }; endTime?: number; until?: number | null; stoppedBy?: string; short_circuit_s?: number } | null {
  try {
    return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  } catch {
    return null;
  }
}

export async function cmdResume(runDir: string, flags: RunFlags, hooks: CliHooks): Promise<number> {
  if (flags.out !== undefined) throw new UsageError('resume: --out is not allowed (the run continues in <run-dir>)');
  if (flags.browser) throw new UsageError('resume: --browser is not supported (only run --browser)');
  if (flags.overwrite) throw new UsageError('resume: --overwrite is not used (a resume continues the run in place)');
  const { dir, lock } = lockForResume(runDir, 'resume');
  try {
    const ck = readCheckpoint(dir);
    const s = ck.scenario;
    const recorded = ck.header.backend === 'cpu' || ck.header.backend === 'webgpu' ? ck.header.backend : 'auto';
    const backendName = backendOption(flags.backend, recorded, false);
    const man = readManifest(dir);
    // without --until, the run's own target (a run started with --until stops there again)
    const asked = untilOption(flags.until);
    const own = typeof man?.until === 'number' ? man.until : undefined;
    const end = Math.min(asked ?? own ?? s.time.end, s.time.end);
    if (ck.header.lidendrite !== packageVersion())
      console.warn(`warning: the checkpoint was written by lidendrite ${ck.header.lidendrite}, this is ${packageVersion()}`);
    if (man?.status?.state === 'finished' && typeof man.endTime === 'number' && man.endTime >= end - 1e-12 * Math.max(1, end)) {
      const text =
        asked === undefined && own !== undefined
          ? `the run already reached its --until target (t = ${man.endTime} s); nothing to do. Extend it with: lidendrite resume ${dir} --until T`
          : `the run already finished (t = ${man.endTime} s); nothing to do`;
      if (!flags.quiet) console.log(`${runDir}: ${text}`);
      return EXIT.ok;
    }
    if (man?.status?.state === 'finished' && man.stoppedBy === 'short circuit') {
      if (!flags.quiet) console.log(`${runDir}: the run stopped at the short circuit (t = ${man.short_circuit_s} s); nothing to do`);
      return EXIT.ok;
    }
    // a run killed after its final checkpoint (at its own --until or the scenario's end) and before
    // the manifest said so: resuming finishes it without a step; an asked --until must lie ahead
    const atEnd = !(end > ck.state.time);
    if (atEnd && asked !== undefined) throw new UsageError(`--until: ${end} s is not after the checkpoint time ${ck.state.time} s`);
    const threads = capThreads(threadsOption(flags.threads), (m) => console.warn(m));
    const memory = checkMemory(s, backendName, { skip: flags['skip-memory-check'], threads });
    const out = { dir, final: dir, commit: () => lock.release(), abandon: () => lock.release() };
    return await execute({ s, backendName, end, threads, quiet: flags.quiet, debug: flags.debug, out, resume: ck, hooks, memory });
  } finally {
    lock.release();
  }
}
