/**
 * One run or resume, from a prepared run directory to an exit code: creates the backend, opens
 * the run's files, runs the loop (src/cli/run-loop.ts) and reports how it ended — in the
 * manifest and in one line on stderr.
 */
import { relative } from 'node:path';
import type { Backend } from '../backends/backend.ts';
import { type BackendName, createBackend } from '../backends/create.ts';
import { type Checkpoint, hasCheckpoint } from '../io/checkpoint.ts';
import { rewindRunDir, RunWriter } from '../io/run-output.ts';
import { derivedGroups, scenarioWarnings } from '../model/derived.ts';
import type { Scenario } from '../model/scenario.ts';
import { isDeviceLoss } from '../solver/simulation.ts';
import { EXIT, RefusedError } from './errors.ts';
import { printGroups } from './groups.ts';
import { RunLoop } from './run-loop.ts';

/** The directory a run writes: fresh (src/io/run-dir.ts) or resumed; `commit` when the run has ended, `abandon` when it never started. */
export interface RunDirHandle {
  readonly dir: string;
  readonly final: string;
  commit(): void;
  abandon(): void;
}

/** In-process test hooks (fault injection); the installed CLI passes none. */
export interface CliHooks {
  /** Wraps the backend the run uses. */
  wrapBackend?: (b: Backend) => Backend;
}

export interface RunContext {
  s: Scenario;
  backendName: BackendName;
  /** The run's target time (the scenario's end or an earlier --until), s. */
  end: number;
  threads?: number;
  quiet: boolean;
  debug: boolean;
  out: RunDirHandle;
  resume?: Checkpoint;
  hooks: CliHooks;
  /** The memory estimate line (src/cli/resources.ts), logged after the scenario. */
  memory?: string;
  /** Builds the backend instead of createBackend (run --browser). */
  makeBackend?: () => Promise<{ backend: Backend; log: string[] }>;
}

type Log = (m: string) => void;

export async function execute(ctx: RunContext): Promise<number> {
  const log: Log = ctx.quiet ? () => {} : (m) => console.log(m);
  printGroups(ctx.s, log);
  if (ctx.memory) log(ctx.memory);
  const warnings = scenarioWarnings(ctx.s);
  for (const w of warnings) console.warn(`warning: ${w}`);
  const backend = await openBackend(ctx, log);
  let writer: RunWriter;
  try {
    writer = openWriter(ctx, backend, warnings, log);
  } catch (e) {
    await backend.dispose();
    ctx.out.abandon();
    throw e;
  }
  try {
    return await runAndReport(ctx, backend, writer, log);
  } finally {
    await backend.dispose();
    ctx.out.commit();
  }
}

/** The backend, or a refusal (exit 2, nothing written) when it cannot be created here. */
async function openBackend(ctx: RunContext, log: Log): Promise<Backend> {
  let created: { backend: Backend; log: string[] };
  try {
    created = ctx.makeBackend ? await ctx.makeBackend() : await createBackend(ctx.backendName, ctx.s, { threads: ctx.threads });
  } catch (e) {
    ctx.out.abandon();
    throw new RefusedError(`--backend ${ctx.backendName}: ${(e as Error).message}`);
  }
  for (const l of created.log) log(l);
  return ctx.hooks.wrapBackend ? ctx.hooks.wrapBackend(created.backend) : created.backend;
}

/** The run's files: a new run's, or (resume) the existing ones, checked, then rewound to the checkpoint. */
function openWriter(ctx: RunContext, backend: Backend, warnings: string[], log: Log): RunWriter {
  const { s, resume, out } = ctx;
  const meta = { groups: derivedGroups(s), backend: backend.name, device: backend.device, warnings, argv: process.argv.slice(2) };
  // the run's own target, so that a resume without --until stops where the run was meant to
  const until = ctx.end < s.time.end ? ctx.end : null;
  const resumedFrom = resume && {
    file: relative(out.dir, resume.file),
    step: resume.state.step,
    time: resume.state.time,
    createdAt: resume.header.createdAt,
    backend: resume.header.backend,
  };
  // opening checks metrics.csv (its columns) before the rewind below changes anything
  const writer = new RunWriter(out.dir, s, meta, {
    resume: Boolean(resume),
    outputs: resume?.header.output.outputs,
    extra: { until, ...(resumedFrom ? { resumedFrom } : {}) },
  });
  if (resume) rewind(resume, out.dir, log);
  writer.writeManifest({ state: 'running' });
  log(out.dir === out.final ? `writing to ${out.final}` : `writing to ${out.dir}; it replaces ${out.final} when the run ends`);
  return writer;
}

/** Drops what was written after the checkpoint (metrics rows, output files), and says so. */
function rewind(resume: Checkpoint, dir: string, log: Log): void {
  const r = rewindRunDir(dir, { step: resume.state.step, nextIndex: resume.header.output.nextIndex });
  const dropped = r.rowsDropped || r.filesRemoved.length;
  log(
    `resuming from ${resume.file}: t = ${resume.state.time} s, step ${resume.state.step}` +
      (dropped ? ` (dropped ${r.rowsDropped} metrics rows and ${r.filesRemoved.length} files written after it)` : ''),
  );
  if (!resume.header.exact)
    console.warn(
      'warning: this checkpoint was forced (no natural restart point): the continuation has one extra potential solve compared with an uninterrupted run',
    );
}

async function runAndReport(ctx: RunContext, backend: Backend, writer: RunWriter, log: Log): Promise<number> {
  const loop = new RunLoop({ s: ctx.s, end: ctx.end, quiet: ctx.quiet, resume: ctx.resume, dir: ctx.out.dir }, backend, writer);
  const where = ctx.out.final;
  try {
    const how = await loop.run();
    const { sim } = loop;
    if (how === 'interrupted') {
      const signal = loop.signals.signal ?? 'signal';
      writer.writeManifest({ state: 'interrupted', signal }, loop.stats());
      console.warn(
        `interrupted by ${signal} at t = ${sim.time} s (step ${sim.step}); outputs and a checkpoint written; continue with: lidendrite resume ${where}`,
      );
      return EXIT.interrupted;
    }
    writer.writeManifest({ state: 'finished' }, loop.stats());
    if (how === 'stopped') {
      log(`finished: stopped by the short circuit at t = ${sim.time} s after ${sim.step} steps; outputs in ${where}`);
      return EXIT.ok;
    }
    const rejected = loop.rejectedSteps ? `, ${loop.rejectedSteps} of them rejected steps redone shorter` : '';
    log(
      `finished: t = ${sim.time} s in ${sim.step} steps${sim.retries ? ` (${sim.retries} rollbacks${rejected})` : ''}; outputs in ${where}`,
    );
    if (ctx.end < ctx.s.time.end) log(`checkpoint at --until ${ctx.end} s: extend the run with lidendrite resume ${where} --until T`);
    return EXIT.ok;
  } catch (e) {
    return reportFailure(ctx, e, loop, writer);
  } finally {
    loop.dispose();
  }
}

/** A run that stopped on an error: manifest 'failed' (when it can still be written), the reason, what is kept. */
function reportFailure(ctx: RunContext, e: unknown, loop: RunLoop, writer: RunWriter): number {
  const where = ctx.out.final;
  // a lost GPU device stops the run at once (never rolled back: the device is gone); say where
  const lost = isDeviceLoss(e);
  const msg = e instanceof Error ? e.message : String(e);
  const { sim } = loop;
  const reason = lost ? `${msg} (after step ${sim.step}, t = ${sim.time} s; not retried: a lost device cannot be rolled back)` : msg;
  console.error(`run failed: ${reason}`);
  try {
    writer.writeManifest({ state: 'failed', reason }, loop.stats());
  } catch (w) {
    console.error(`the manifest still says 'running': ${(w as Error).message}`);
  }
  if (ctx.debug && e instanceof Error && e.stack) console.error(e.stack);
  const ckpt = hasCheckpoint(ctx.out.dir);
  console.error(`outputs written so far are in ${where}${ckpt ? '; the last checkpoint is kept (lidendrite resume)' : ''}`);
  if (lost && ckpt)
    console.error(
      `continue on a fresh device with: lidendrite resume ${where}   (or on the CPU: lidendrite resume ${where} --backend cpu)`,
    );
  return EXIT.failed;
}
