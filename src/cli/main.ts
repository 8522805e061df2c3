/**
 * `lidendrite` command line.
 *   run <scenario.json> [--backend auto|cpu|webgpu] [--out DIR] [--until SECONDS] [--threads N] [--quiet]
 *   run <scenario.json> --browser [--backend auto|webgpu|webgl|cpu] [--out DIR] [--until SECONDS] [--quiet]
 *       (the backend runs in headless Chromium; the solver loop and the writers stay in Node)
 *   resume <run-dir> [--backend auto|cpu|webgpu] [--until SECONDS] [--threads N] [--quiet]
 *   check <scenario.json>
 *   sweep … / sweep-task …  (parameter sweeps: src/cli/sweep.ts)
 * Exit codes: 0 success, 2 bad input (usage, scenario or checkpoint), 3 the run failed,
 * 130 interrupted (SIGINT/SIGTERM: outputs and a checkpoint are written first).
 */
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { join, relative, resolve } from 'node:path';
import type { Backend } from '../backends/backend.ts';
import { createBackend, type BackendName } from '../backends/create.ts';
import { derivedGroups, scenarioWarnings } from '../model/derived.ts';
import { ScenarioError, type Scenario } from '../model/scenario.ts';
import { CheckpointError, hasCheckpoint, readCheckpoint, writeCheckpoint, type Checkpoint } from '../io/checkpoint.ts';
import { loadScenario } from '../io/load.ts';
import { packageVersion, rewindRunDir, RunWriter } from '../io/run-output.ts';
import { isDeviceLoss, Simulation, SolverError } from '../solver/simulation.ts';
import { Progress } from './progress.ts';
import { sweepMain, SWEEP_USAGE } from './sweep.ts';
import { figuresMain, FIGURES_USAGE } from './figures.ts';

export const EXIT = { ok: 0, badInput: 2, failed: 3, interrupted: 130 } as const;

const USAGE = `usage:
  lidendrite run <scenario.json> [--backend auto|cpu|webgpu] [--out DIR] [--until SECONDS] [--threads N] [--quiet]
  lidendrite run <scenario.json> --browser [--backend auto|webgpu|webgl|cpu] [--out DIR] [--until SECONDS] [--quiet]
      runs the backend inside headless Chromium (system chromium; WebGPU or WebGL there) while this
      process steps the solver and writes the same outputs as a Node run
  lidendrite resume <run-dir> [--backend auto|cpu|webgpu] [--until SECONDS] [--threads N] [--quiet]
  lidendrite check <scenario.json>
${SWEEP_USAGE}
${FIGURES_USAGE}`;

class UsageError extends Error {}

function printGroups(s: Scenario, log: (m: string) => void): void {
  log(
    `scenario ${s.name}: ${s.grid.dims}D ${s.grid.n.slice(0, s.grid.dims).join(' x ')} cells, dx = ${(s.grid.dx * 1e6).toPrecision(4)} µm, V = ${s.voltage} V, T = ${s.parameters.T} K, end ${s.time.end} s`,
  );
  log('derived groups (l0 = 1 µm, t0 = 1 s):');
  for (const g of derivedGroups(s)) log(`  ${g.symbol.padEnd(22)} ${g.value.toPrecision(4).padStart(12)} ${g.unit.padEnd(6)} ${g.meaning}`);
}

async function cmdCheck(file: string): Promise<number> {
  const s = loadScenario(file);
  printGroups(s, console.log);
  for (const w of scenarioWarnings(s)) console.log(`warning: ${w}`);
  console.log('scenario OK');
  return EXIT.ok;
}

interface ExecOptions {
  backend?: string;
  until?: string;
  threads?: string;
  quiet: boolean;
  browser?: boolean;
}

function parseCommon(
  s: Scenario,
  opts: ExecOptions,
  defaultBackend: BackendName,
): { backendName: BackendName; until: number; threads?: number } {
  const backendName = (opts.backend ?? defaultBackend) as BackendName;
  if (!['auto', 'cpu', 'webgpu', 'webgl'].includes(backendName))
    throw new UsageError(`--backend: "${opts.backend}" is not one of auto, cpu, webgpu, webgl (webgl with --browser)`);
  const until = opts.until !== undefined ? Number(opts.until) : s.time.end;
  if (!(until > 0) || !Number.isFinite(until)) throw new UsageError(`--until: "${opts.until}" must be a positive number of seconds`);
  const threads = opts.threads !== undefined ? Number(opts.threads) : undefined;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= 256))
    throw new UsageError(`--threads: "${opts.threads}" must be an integer in 1..256`);
  return { backendName, until, threads };
}

async function cmdRun(file: string, opts: ExecOptions & { out?: string }, hooks: CliHooks): Promise<number> {
  const s = loadScenario(file);
  const { backendName, until, threads } = parseCommon(s, opts, 'auto');
  const out = resolve(opts.out ?? `runs/${s.name}`);
  if (opts.browser) return runWithBrowserBackend(file, { s, backendName, until, threads, quiet: opts.quiet, out, hooks });
  if (backendName === 'webgl') throw new UsageError('--backend webgl: WebGL exists only in a browser; add --browser');
  return execute({ s, backendName, until, threads, quiet: opts.quiet, out, hooks });
}

/**
 * `run --browser`: the backend is created inside headless Chromium (src/browser/: the page's
 * createBackend, so the same order and fallback log) and driven through RemoteBackend; the
 * Simulation, the checkpoints and the RunWriter stay in this process, so the run directory
 * has exactly the files a Node run writes.
 */
async function runWithBrowserBackend(file: string, ctx: ExecContext): Promise<number> {
  if (ctx.threads !== undefined) throw new UsageError('--threads: not used with --browser (the page runs the CPU backend on one thread)');
  // the page validates the scenario JSON itself (parseScenario); the file was validated above
  const rawJson: unknown = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  const { chromiumMissingReason, startBrowserSession } = await import('../browser/chromium.ts');
  const { RemoteBackend } = await import('../browser/remote-backend.ts');
  const missing = chromiumMissingReason();
  if (missing) throw new UsageError(`--browser: ${missing}`);
  let session: Awaited<ReturnType<typeof startBrowserSession>>;
  try {
    session = await startBrowserSession();
  } catch (e) {
    console.error(`--browser: headless Chromium did not start: ${(e as Error).message}`);
    return EXIT.failed;
  }
  try {
    return await execute({
      ...ctx,
      makeBackend: async () => {
        const backend = await RemoteBackend.fromScenario(session.page, ctx.backendName, rawJson);
        return { backend, log: [`browser: headless Chromium ${await session.browser.version()} (${session.url})`, ...backend.log] };
      },
    });
  } finally {
    await session.close();
  }
}

async function cmdResume(runDir: string, opts: ExecOptions & { out?: string }, hooks: CliHooks): Promise<number> {
  if (opts.out !== undefined) throw new UsageError('resume: --out is not allowed (the run continues in <run-dir>)');
  if (opts.browser) throw new UsageError('resume: --browser is not supported (only run --browser)');
  const dir = resolve(runDir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`resume: ${runDir} is not a directory`);
  const ck = readCheckpoint(dir);
  const s = ck.scenario;
  const recorded = ck.header.backend === 'cpu' || ck.header.backend === 'webgpu' ? ck.header.backend : 'auto';
  const { backendName, until, threads } = parseCommon(s, opts, recorded);
  if (ck.header.lidendrite !== packageVersion())
    console.warn(`warning: the checkpoint was written by lidendrite ${ck.header.lidendrite}, this is ${packageVersion()}`);
  const end = Math.min(until, s.time.end);
  const man = readManifest(dir);
  if (man?.status?.state === 'finished' && typeof man.endTime === 'number' && man.endTime >= end - 1e-12 * Math.max(1, end)) {
    if (!opts.quiet) console.log(`${runDir}: the run already finished (t = ${man.endTime} s); nothing to do`);
    return EXIT.ok;
  }
  if (!(end > ck.state.time)) throw new UsageError(`--until: ${end} s is not after the checkpoint time ${ck.state.time} s`);
  return execute({ s, backendName, until, threads, quiet: opts.quiet, out: dir, resume: ck, hooks });
}

function readManifest(dir: string): { status?: { state?: string }; endTime?: number } | null {
  try {
    return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  } catch {
    return null;
  }
}

interface ExecContext {
  s: Scenario;
  backendName: BackendName;
  until: number;
  threads?: number;
  quiet: boolean;
  out: string;
  resume?: Checkpoint;
  hooks: CliHooks;
  /** Builds the backend instead of createBackend (run --browser). */
  makeBackend?: () => Promise<{ backend: Backend; log: string[] }>;
}

/** In-process test hooks (fault injection); the installed CLI passes none. */
export interface CliHooks {
  /** Wraps the backend the run uses. */
  wrapBackend?: (b: Backend) => Backend;
}

/** After a stop signal, how long to wait for a natural restart point before forcing one. */
const FORCE_CHECKPOINT_MS = 10_000;

async function execute(ctx: ExecContext): Promise<number> {
  const { s, out, resume } = ctx;
  const end = Math.min(ctx.until, s.time.end);
  const log = ctx.quiet ? () => {} : (m: string) => console.log(m);
  printGroups(s, log);
  const warnings = scenarioWarnings(s);
  for (const w of warnings) console.warn(`warning: ${w}`);

  const created = ctx.makeBackend ? await ctx.makeBackend() : await createBackend(ctx.backendName, s, { threads: ctx.threads });
  const backend = ctx.hooks.wrapBackend ? ctx.hooks.wrapBackend(created.backend) : created.backend;
  const blog = created.log;
  for (const l of blog) log(l);
  let writer: RunWriter;
  try {
    // a fresh run must not leave an older run's checkpoint to be resumed by mistake
    if (!resume) rmSync(join(out, 'checkpoint'), { recursive: true, force: true });
    if (resume) {
      const r = rewindRunDir(out, { step: resume.state.step, nextIndex: resume.header.output.nextIndex });
      log(
        `resuming from ${resume.file}: t = ${resume.state.time} s, step ${resume.state.step}` +
          (r.rowsDropped || r.filesRemoved.length
            ? ` (dropped ${r.rowsDropped} metrics rows and ${r.filesRemoved.length} files written after it)`
            : ''),
      );
      if (!resume.header.exact)
        console.warn(
          'warning: this checkpoint was forced (no natural restart point): the continuation has one extra potential solve compared with an uninterrupted run',
        );
    }
    writer = new RunWriter(
      out,
      s,
      { groups: derivedGroups(s), backend: backend.name, device: backend.device, warnings, argv: process.argv.slice(2) },
      {
        outputs: resume?.header.output.outputs,
        extra: resume
          ? {
              resumedFrom: {
                file: relative(out, resume.file),
                step: resume.state.step,
                time: resume.state.time,
                createdAt: resume.header.createdAt,
                backend: resume.header.backend,
              },
            }
          : {},
      },
    );
  } catch (e) {
    await backend.dispose();
    throw e;
  }
  writer.writeManifest({ state: 'running' });
  log(`writing to ${out}`);

  let stopSignal: string | null = null;
  let signals = 0;
  let signalAt = 0;
  const onSignal = (sig: string) => {
    signals++;
    if (!stopSignal) {
      stopSignal = sig;
      signalAt = Date.now();
    }
    console.warn(
      signals === 1
        ? `${sig}: finishing the current step, then writing outputs and a checkpoint (again to force it now)`
        : `${sig}: forcing the checkpoint at the next step boundary`,
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const sim = new Simulation(s, backend);
  sim.onInstability = (e) =>
    console.warn(
      `warning: ${e.reason}; rolled back to step ${e.rolledBackTo.step} (t = ${e.rolledBackTo.time} s), retry ${e.attempt} of ${sim.maxRetries} with dt = ${e.dtRetry.toExponential(3)} s`,
    );
  const progress = new Progress(end, undefined, ctx.quiet);
  const interval = s.time.output;
  const ckEvery = s.output.checkpointEvery ?? interval;
  let index = resume ? resume.header.output.nextIndex : 0;
  let nextOut = resume ? resume.header.output.nextTime : interval;
  let nextCkpt = resume ? resume.header.output.nextCheckpoint : ckEvery;
  let lastEmitStep = -1;
  let warnedC = false;
  const stats = () => ({ endTime: sim.time, steps: sim.step, retries: sim.retries });
  const emit = async () => {
    const f = await backend.read();
    const row = await sim.metrics();
    writer.writeOutput(index++, sim.time, f, row);
    lastEmitStep = sim.step;
    writer.writeManifest({ state: 'running' }, stats());
    if (!warnedC && row.c_max > 10) {
      warnedC = true;
      console.warn(
        `warning: max c/c0 = ${row.c_max.toPrecision(3)} at t = ${sim.time.toPrecision(4)} s: Li+ is piling up ahead of the front (the base model has no anion/electroneutrality, model.md §1)`,
      );
    }
  };
  const checkpoint = async (exact: boolean) => {
    const f = await backend.read();
    const eps = 1e-12 * Math.max(1, nextCkpt);
    while (nextCkpt <= sim.time + eps) nextCkpt += ckEvery;
    const w = writeCheckpoint(out, {
      scenario: s,
      state: sim.snapshot(),
      fields: f,
      backend: backend.name,
      device: backend.device,
      lidendrite: packageVersion(),
      exact,
      loop: { nextIndex: index, nextTime: nextOut, nextCheckpoint: nextCkpt, outputs: writer.outputList() },
    });
    writer.noteCheckpoint({ file: relative(out, w.file), step: sim.step, time: sim.time, exact, writtenAt: new Date().toISOString() });
    writer.writeManifest({ state: 'running' }, stats());
  };
  const eps = (t: number) => 1e-12 * Math.max(1, t);
  let lastYield = Date.now();
  try {
    if (resume) await sim.restore(resume.state, resume.fields);
    else {
      await sim.start();
      await emit();
    }
    outer: while (sim.time < end - eps(end)) {
      const target = Math.min(nextOut, end);
      while (sim.time < target - eps(target)) {
        if (stopSignal || sim.time >= nextCkpt - eps(nextCkpt)) {
          const force = stopSignal !== null && (signals > 1 || Date.now() - signalAt > FORCE_CHECKPOINT_MS);
          const kind = await sim.prepareCheckpoint(force);
          if (kind) {
            if (kind === 'forced')
              console.warn(
                `warning: checkpoint at step ${sim.step} forced by ${stopSignal}: resuming from it adds one potential solve compared with an uninterrupted run`,
              );
            if (stopSignal && sim.step !== lastEmitStep) await emit();
            await checkpoint(kind === 'exact');
            if (stopSignal) break outer;
          }
        }
        if (sim.step >= s.numerics.maxSteps)
          throw new SolverError(`numerics.maxSteps = ${s.numerics.maxSteps} reached at t = ${sim.time} s`, sim.step, sim.time);
        await sim.advance(target - sim.time);
        progress.update(sim.time, sim.step, sim.dt);
        if (Date.now() - lastYield > 20) {
          // let signal handlers run (they are macrotasks; the step loop only awaits microtasks)
          await new Promise((r) => setImmediate(r));
          lastYield = Date.now();
        }
      }
      // only checked states become outputs (with checkEvery > 1 the last steps may be unchecked)
      if (!(await sim.verify())) continue;
      await emit();
      nextOut += interval;
    }
    if (stopSignal && sim.time < end - eps(end)) {
      writer.writeManifest({ state: 'interrupted', signal: stopSignal }, stats());
      console.warn(
        `interrupted by ${stopSignal} at t = ${sim.time} s (step ${sim.step}); outputs and a checkpoint written; continue with: lidendrite resume ${out}`,
      );
      return EXIT.interrupted;
    }
    writer.writeManifest({ state: 'finished' }, stats());
    log(`finished: t = ${sim.time} s in ${sim.step} steps${sim.retries ? ` (${sim.retries} rollbacks)` : ''}; outputs in ${out}`);
    return EXIT.ok;
  } catch (e) {
    // a lost GPU device stops the run at once (never rolled back: the device is gone); say where
    const lost = isDeviceLoss(e);
    const msg = e instanceof Error ? e.message : String(e);
    const reason = lost ? `${msg} (after step ${sim.step}, t = ${sim.time} s; not retried: a lost device cannot be rolled back)` : msg;
    try {
      writer.writeManifest({ state: 'failed', reason }, stats());
    } catch (w) {
      console.error(`could not write the manifest: ${(w as Error).message}`);
    }
    console.error(`run failed: ${reason}`);
    const ckpt = hasCheckpoint(out);
    console.error(`outputs written so far are in ${out}${ckpt ? '; the last checkpoint is kept (lidendrite resume)' : ''}`);
    if (lost && ckpt)
      console.error(`continue on a fresh device with: lidendrite resume ${out}   (or on the CPU: lidendrite resume ${out} --backend cpu)`);
    return EXIT.failed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await backend.dispose();
  }
}

/** Entry point; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  return runCli(argv, {});
}

/** main() with test hooks. */
export async function runCli(argv: string[], hooks: CliHooks): Promise<number> {
  try {
    if (argv[0] === 'sweep' || argv[0] === 'sweep-task') return await sweepMain(argv, (args) => runCli(args, hooks));
    if (argv[0] === 'figures') return await figuresMain(argv.slice(1), (args) => runCli(args, hooks));
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        backend: { type: 'string' },
        out: { type: 'string' },
        until: { type: 'string' },
        threads: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
        browser: { type: 'boolean', default: false },
      },
    });
    const [cmd, file, ...rest] = positionals;
    if (values.help || !cmd) {
      console.log(USAGE);
      return values.help ? EXIT.ok : EXIT.badInput;
    }
    if (rest.length) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
    if (cmd !== 'run' && cmd !== 'check' && cmd !== 'resume') throw new UsageError(`unknown command "${cmd}"`);
    if (!file) throw new UsageError(`${cmd}: missing ${cmd === 'resume' ? '<run-dir>' : '<scenario.json>'}`);
    if (cmd === 'check') return await cmdCheck(file);
    return cmd === 'run' ? await cmdRun(file, values as never, hooks) : await cmdResume(file, values as never, hooks);
  } catch (e) {
    if (e instanceof ScenarioError) {
      console.error(e.message);
      return EXIT.badInput;
    }
    if (e instanceof CheckpointError) {
      console.error(`cannot resume: ${e.message}`);
      return EXIT.badInput;
    }
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(e as Error).message}\n${USAGE}`);
      return EXIT.badInput;
    }
    if (e instanceof SolverError) {
      console.error(`run failed: ${e.message}`);
      return EXIT.failed;
    }
    throw e;
  }
}
