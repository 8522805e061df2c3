/**
 * The page's live controls: each edits one field of the scenario JSON (the same file the CLI
 * reads), so the page validates with the CLI's parseScenario and refuses bad input with the
 * CLI's messages. A control's text may be a plain number (SI) or a quantity with its unit
 * ("-450 mV", "1 M", "300 K"), exactly as in a scenario file; an empty field removes the key
 * (the default applies, or parseScenario reports a required field as missing).
 */
import type { Scenario } from '../model/scenario.ts';

export interface ControlDef {
  id: string;
  label: string;
  /** Path in the scenario JSON. */
  path: (string | number)[];
  /** What the user may type (shown as a hint). */
  hint: string;
  /** Changing it needs a fresh start (the grid); others continue from the current fields. */
  reset: boolean;
  /** The value the resolved scenario uses (SI), shown when the JSON leaves the key out. */
  resolved: (s: Scenario) => number | undefined;
  /** Only for 3D scenarios. */
  only3d?: boolean;
}

export const CONTROLS: ControlDef[] = [
  { id: 'voltage', label: 'applied voltage', path: ['voltage'], hint: 'V, or e.g. "-450 mV"', reset: false, resolved: (s) => s.voltage },
  {
    id: 'c0',
    label: 'bulk concentration c0',
    path: ['parameters', 'c0'],
    hint: 'mol/m³, or e.g. "1 M"',
    reset: false,
    resolved: (s) => s.parameters.c0,
  },
  { id: 'T', label: 'temperature', path: ['parameters', 'T'], hint: 'K, or e.g. "300 K"', reset: false, resolved: (s) => s.parameters.T },
  {
    id: 'delta',
    label: 'anisotropy strength δ',
    path: ['anisotropy', 'delta'],
    hint: '0 ≤ δ < 1/(ω²−1)',
    reset: false,
    resolved: (s) => s.anisotropy.delta,
  },
  { id: 'noise', label: 'noise amplitude', path: ['noise', 'amplitude'], hint: '1/s', reset: false, resolved: (s) => s.noise.amplitude },
  { id: 'seed', label: 'noise seed', path: ['noise', 'seed'], hint: 'integer ≥ 0', reset: false, resolved: (s) => s.noise.seed },
  {
    id: 'nx',
    label: 'grid nx',
    path: ['grid', 'n', 0],
    hint: 'cells along x (growth direction)',
    reset: true,
    resolved: (s) => s.grid.n[0],
  },
  { id: 'ny', label: 'grid ny', path: ['grid', 'n', 1], hint: 'cells along y', reset: true, resolved: (s) => s.grid.n[1] },
  { id: 'nz', label: 'grid nz', path: ['grid', 'n', 2], hint: 'cells along z', reset: true, resolved: (s) => s.grid.n[2], only3d: true },
];

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** The text typed into a control as a JSON value: a number when it is one, else the string (units). */
export function parseControlText(text: string): number | string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  return NUMBER.test(t) ? Number(t) : t;
}

/** The JSON value at `path` (undefined when absent). */
export function getAt(raw: unknown, path: (string | number)[]): unknown {
  let v: unknown = raw;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

/** A deep copy of `raw` with `value` at `path` (intermediate objects created; undefined deletes). */
export function withValue(raw: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(raw ?? {}));
  let o = copy as Record<string | number, unknown>;
  for (let q = 0; q < path.length - 1; q++) {
    const k = path[q];
    if (o[k] === null || typeof o[k] !== 'object') o[k] = typeof path[q + 1] === 'number' ? [] : {};
    o = o[k] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1];
  if (value === undefined) delete o[last];
  else o[last] = value;
  return copy;
}

/** The text a control shows: the JSON value as written, else the resolved value. */
export function controlText(def: ControlDef, raw: unknown, s: Scenario | null): string {
  const v = getAt(raw, def.path);
  if (typeof v === 'number' || typeof v === 'string') return String(v);
  const r = s ? def.resolved(s) : undefined;
  return r === undefined ? '' : String(r);
}
