/**
 * Exit codes and how every error becomes one (README "Exit codes", docs/reliability.md): one
 * line naming the path or the field and the cause; the stack trace only with --debug.
 */
import { CheckpointError } from '../io/checkpoint.ts';
import { IoError, RunDirError } from '../io/errors.ts';
import { ScenarioError } from '../model/scenario.ts';
import { SolverError } from '../solver/simulation.ts';
import { FigureError } from '../sweep/figure.ts';
import { SubmitError } from '../sweep/slurm.ts';
import { SweepError } from '../sweep/spec.ts';

export const EXIT = { ok: 0, badInput: 2, failed: 3, interrupted: 130 } as const;

/** Bad command-line usage: the message, then the usage text of the command. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Input this machine cannot run as asked (memory, a backend that is not there): exit 2, nothing written. */
export class RefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedError';
  }
}

const isParseArgs = (e: unknown) => Boolean((e as { code?: string } | null)?.code?.startsWith('ERR_PARSE_ARGS'));

/** The exit code of an error and the line(s) that say it. */
function classify(e: unknown, usage: string): { code: number; text: string } {
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof UsageError || isParseArgs(e))
    return { code: EXIT.badInput, text: `${msg}\nusage:\n${(e as UsageError).usage ?? usage}` };
  if (e instanceof FigureError) return { code: EXIT.badInput, text: msg };
  if (e instanceof ScenarioError || e instanceof SweepError || e instanceof RunDirError || e instanceof RefusedError)
    return { code: EXIT.badInput, text: msg };
  if (e instanceof CheckpointError) return { code: EXIT.badInput, text: `cannot resume: ${msg}` };
  if (e instanceof SolverError || e instanceof IoError) return { code: EXIT.failed, text: `run failed: ${msg}` };
  if (e instanceof SubmitError) return { code: EXIT.failed, text: msg };
  return { code: EXIT.failed, text: `error: ${msg.split('\n')[0]} (unexpected; run again with --debug for the stack trace)` };
}

/** Prints what went wrong (the stack trace too with `debug`) and returns the exit code. */
export function reportError(e: unknown, o: { debug: boolean; usage: string }): number {
  const { code, text } = classify(e, o.usage);
  console.error(text);
  if (o.debug && e instanceof Error && e.stack) console.error(e.stack);
  return code;
}
