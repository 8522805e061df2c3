/** Command-line options shared by `run`, `resume`, `check` and the sweep commands, checked with messages naming the option. */
import { BACKEND_NAMES, type BackendName } from '../backends/create.ts';
import { UsageError } from './errors.ts';

/** parseArgs options of run/resume/check. */
export const RUN_OPTIONS = {
  backend: { type: 'string' },
  out: { type: 'string' },
  until: { type: 'string' },
  threads: { type: 'string' },
  quiet: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  browser: { type: 'boolean', default: false },
  overwrite: { type: 'boolean', default: false },
  'skip-memory-check': { type: 'boolean', default: false },
  debug: { type: 'boolean', default: false },
} as const;

export interface RunFlags {
  backend?: string;
  out?: string;
  until?: string;
  threads?: string;
  quiet: boolean;
  browser: boolean;
  overwrite: boolean;
  'skip-memory-check': boolean;
  debug: boolean;
}

/** A backend name; webgl only where a browser runs the backend (`run --browser`). */
export function backendOption(v: string | undefined, fallback: BackendName, withWebgl: boolean): BackendName {
  const allowed = BACKEND_NAMES.filter((b) => withWebgl || b !== 'webgl');
  const name = v ?? fallback;
  if (!(allowed as readonly string[]).includes(name))
    throw new UsageError(`--backend: "${v}" is not one of ${allowed.join(', ')}${withWebgl ? '' : ' (webgl needs run --browser)'}`);
  return name as BackendName;
}

/** An integer option in min..max, or undefined when not given. */
export function intOption(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(Number.isInteger(n) && n >= min && n <= max)) throw new UsageError(`--${name}: "${v}" must be an integer in ${min}..${max}`);
  return n;
}

/** --until in seconds, or undefined when not given. */
export function untilOption(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = Number(v);
  if (!(t > 0) || !Number.isFinite(t)) throw new UsageError(`--until: "${v}" must be a positive number of seconds`);
  return t;
}

/** --threads (capped at the cores later, with a message: src/cli/resources.ts). */
export function threadsOption(v: string | undefined): number | undefined {
  return intOption('threads', v, 1, 65536);
}
