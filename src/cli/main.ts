/**
 * `lidendrite` command line: argument parsing and dispatch (the commands: src/cli/commands.ts,
 * sweeps: sweep.ts, figures: figures.ts). Exit codes (src/cli/errors.ts, README "Exit codes"):
 * 0 success, 2 bad input or a refusal (usage, scenario, checkpoint, run directory, resources;
 * nothing is run), 3 the run failed, 130 interrupted (SIGINT/SIGTERM/SIGHUP: outputs and a
 * checkpoint are written first). Every failure is one line naming the path or field and the
 * cause; --debug adds the stack trace.
 */
import { parseArgs } from 'node:util';
import { cmdCheck, cmdResume, cmdRun, type RunCaller } from './commands.ts';
import { reportError, UsageError } from './errors.ts';
import type { CliHooks } from './execute.ts';
import { figuresMain, FIGURES_USAGE } from './figures.ts';
import { RUN_OPTIONS, type RunFlags } from './options.ts';
import { sweepMain, SWEEP_USAGE } from './sweep.ts';

export { EXIT } from './errors.ts';
export type { CliHooks } from './execute.ts';

const RUN_USAGE = `  lidendrite run <scenario.json> [--backend auto|cpu|webgpu] [--out DIR] [--overwrite] [--until SECONDS] [--threads N] [--quiet]
  lidendrite run <scenario.json> --browser [--backend auto|webgpu|webgl|cpu] [--out DIR] [--overwrite] [--until SECONDS] [--quiet]
      runs the backend inside headless Chromium (system chromium; WebGPU or WebGL there) while this
      process steps the solver and writes the same outputs as a Node run
  lidendrite resume <run-dir> [--backend auto|cpu|webgpu] [--until SECONDS] [--threads N] [--quiet]
  lidendrite check <scenario.json> [--backend …]
      run/resume/check also take --skip-memory-check (run although the memory estimate exceeds the
      available memory) and --debug (stack traces on errors)`;

const USAGE = `usage:
${RUN_USAGE}
${SWEEP_USAGE}
${FIGURES_USAGE}`;

/** Entry point; returns the exit code (never throws). */
export async function main(argv: string[]): Promise<number> {
  return runCli(argv, {});
}

/** main() with test hooks; `caller` carries an in-process caller's options (the sweep runner). */
export async function runCli(argv: string[], hooks: CliHooks, caller: RunCaller = {}): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const again = (args: string[], c?: RunCaller) => runCli(args, hooks, c);
    if (argv[0] === 'sweep' || argv[0] === 'sweep-task') return await sweepMain(argv, again);
    if (argv[0] === 'figures') return await figuresMain(argv.slice(1), again);
    return await dispatch(argv, hooks, caller);
  } catch (e) {
    const usage = argv[0] === 'sweep' || argv[0] === 'sweep-task' ? SWEEP_USAGE : argv[0] === 'figures' ? FIGURES_USAGE : RUN_USAGE;
    return reportError(e, { debug, usage });
  }
}

async function dispatch(argv: string[], hooks: CliHooks, caller: RunCaller): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: RUN_OPTIONS });
  const [cmd, file, ...rest] = positionals;
  if (values.help || !cmd) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (rest.length) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  if (cmd !== 'run' && cmd !== 'check' && cmd !== 'resume') throw new UsageError(`unknown command "${cmd}"`);
  if (!file) throw new UsageError(`${cmd}: missing ${cmd === 'resume' ? '<run-dir>' : '<scenario.json>'}`);
  const flags: RunFlags = values;
  if (cmd === 'check') return cmdCheck(file, flags);
  return cmd === 'run' ? cmdRun(file, flags, hooks, caller) : cmdResume(file, flags, hooks);
}
