/**
 * The page's form controls. Each edits one place of the scenario JSON (the same file the CLI
 * reads), so the page validates with the CLI's parseScenario and refuses bad input with the
 * CLI's messages. A text control's value may be a plain number (SI) or a quantity with its unit
 * ("-450 mV", "1 M", "300 K"), exactly as in a scenario file; an empty field removes the key
 * (the default applies, or parseScenario reports a required field as missing). A switch is a
 * choice that sets a whole section (electrolyte, control, sei, host, additive) to a sensible
 * starting value, or removes it; its numbers are then text controls shown only while it is on.
 * The JSON editor (editor.ts) reaches everything else.
 */
import type { Scenario } from '../model/scenario.ts';

type Path = (string | number)[];

/** What a change asks of the run: continue from the current fields, or start again (grid, initial state, new fields). */
export type ChangeKind = 'continue' | 'reset';

export interface ControlDef {
  id: string;
  label: string;
  /** Path in the scenario JSON. */
  path: Path;
  /** What the user may type (shown as a hint). */
  hint: string;
  /** Changing it needs a fresh start (the grid); others continue from the current fields. */
  reset: boolean;
  /** The value the resolved scenario uses (SI), shown when the JSON leaves the key out. */
  resolved: (s: Scenario) => number | string | undefined;
  /** Only for 3D scenarios. */
  only3d?: boolean;
  /** Shown only when this holds for the scenario JSON (a switch's numbers). */
  visible?: (raw: unknown) => boolean;
}

export interface SwitchOption {
  value: string;
  label: string;
  /** The section to write (undefined: remove it). */
  section: (raw: unknown) => unknown;
}

export interface SwitchDef {
  id: string;
  label: string;
  path: Path;
  options: SwitchOption[];
  /** Which option the JSON is at (null: none matches, e.g. a hand-edited section). */
  current: (raw: unknown) => string | null;
  reset: boolean;
}

const has = (path: Path) => (raw: unknown) => getAt(raw, path) !== undefined;

export const CONTROLS: ControlDef[] = [
  { id: 'voltage', label: 'applied voltage', path: ['voltage'], hint: 'V, or e.g. "-450 mV"', reset: false, resolved: (s) => s.voltage },
  {
    id: 'current',
    label: 'held current density',
    path: ['control', 'current'],
    hint: 'A/m², or e.g. "10 mA/cm^2" (> 0 plates)',
    reset: false,
    resolved: (s) => s.control?.current,
    visible: (raw) => getAt(raw, ['control', 'mode']) === 'galvanostatic',
  },
  {
    id: 'c0',
    label: 'bulk concentration c0',
    path: ['parameters', 'c0'],
    hint: 'mol/m³, or e.g. "1 M"',
    reset: false,
    resolved: (s) => s.parameters.c0,
  },
  {
    id: 'tplus',
    label: 'transference number t₊',
    path: ['electrolyte', 'transference'],
    hint: '0 ≤ t₊ < 1',
    reset: false,
    resolved: (s) => s.electrolyte?.transference,
    visible: (raw) => getAt(raw, ['electrolyte', 'model']) === 'binary',
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
    id: 'sei-thickness',
    label: 'SEI thickness',
    path: ['sei', 'thickness'],
    hint: 'm, or e.g. "0.5 um"',
    reset: false,
    resolved: (s) => s.sei?.thickness,
    visible: has(['sei']),
  },
  {
    id: 'sei-conductivity',
    label: 'SEI conductivity ratio',
    path: ['sei', 'conductivity'],
    hint: 'σ_SEI/σ_l',
    reset: false,
    resolved: (s) => s.sei?.conductivity,
    visible: has(['sei']),
  },
  {
    id: 'contact-angle',
    label: 'substrate contact angle',
    path: ['substrate', 'contactAngle'],
    hint: 'degrees through the metal; empty: no wetting condition',
    reset: false,
    resolved: (s) => s.substrate?.contactAngle,
  },
  {
    id: 'shielding',
    label: 'additive shielding s',
    path: ['additive', 'shielding'],
    hint: '0 = passive tracer',
    reset: false,
    resolved: (s) => s.additive?.shielding,
    visible: has(['additive']),
  },
  {
    id: 'end',
    label: 'end time',
    path: ['time', 'end'],
    hint: 's, or e.g. "20 s" (raise it to continue a finished run)',
    reset: false,
    resolved: (s) => s.time.end,
  },
  { id: 'output', label: 'output interval', path: ['time', 'output'], hint: 's', reset: false, resolved: (s) => s.time.output },
  { id: 'dx', label: 'cell size dx', path: ['grid', 'dx'], hint: 'm, or e.g. "0.25 um"', reset: true, resolved: (s) => s.grid.dx },
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

/** A section value by option, keyed on what a field of it says. */
function byKey(path: Path, key: Path, map: Record<string, string>, absent: string): (raw: unknown) => string | null {
  return (raw) => {
    const sec = getAt(raw, path);
    if (sec === undefined) return absent;
    const v = getAt(sec, key);
    return typeof v === 'string' && v in map ? map[v] : null;
  };
}

export const SWITCHES: SwitchDef[] = [
  {
    id: 'lateral',
    label: 'lateral boundaries',
    path: ['boundary', 'lateral'],
    reset: false,
    options: [
      { value: 'noflux', label: 'no flux (walls)', section: () => 'noflux' },
      { value: 'periodic', label: 'periodic', section: () => 'periodic' },
    ],
    current: (raw) => (getAt(raw, ['boundary', 'lateral']) as string | undefined) ?? 'noflux',
  },
  {
    id: 'electrolyte',
    label: 'electrolyte',
    path: ['electrolyte'],
    reset: false,
    options: [
      { value: 'chen', label: 'base model (t₊ = 1)', section: () => undefined },
      { value: 'binary', label: 'binary salt (t₊ < 1)', section: () => ({ model: 'binary', transference: 0.4 }) },
    ],
    current: byKey(['electrolyte'], ['model'], { chen: 'chen', binary: 'binary' }, 'chen'),
  },
  {
    id: 'drive',
    label: 'drive',
    path: ['control'],
    reset: false,
    options: [
      { value: 'potentiostatic', label: 'potentiostatic (the voltage)', section: () => undefined },
      {
        value: 'galvanostatic',
        label: 'galvanostatic (a held current)',
        section: () => ({ mode: 'galvanostatic', current: '500 mA/cm^2', vmin: '-0.6 V', vmax: '0.6 V' }),
      },
      {
        value: 'schedule',
        label: 'plate/strip cycles',
        section: () => ({
          schedule: [
            { mode: 'galvanostatic', current: '500 mA/cm^2', duration: '1 s' },
            { mode: 'galvanostatic', current: '-500 mA/cm^2', duration: '0.5 s' },
          ],
          vmin: '-0.6 V',
          vmax: '0.6 V',
        }),
      },
    ],
    current: (raw) => {
      const c = getAt(raw, ['control']);
      if (c === undefined) return 'potentiostatic';
      if (getAt(c, ['schedule']) !== undefined) return 'schedule';
      return getAt(c, ['mode']) === 'galvanostatic' ? 'galvanostatic' : null;
    },
  },
  {
    id: 'sei',
    label: 'SEI layer',
    path: ['sei'],
    reset: false,
    options: [
      { value: 'none', label: 'none', section: () => undefined },
      {
        value: 'uniform',
        label: 'uniform',
        section: () => ({ thickness: '0.5 um', conductivity: 0.1, diffusivity: 0.1, reactionRate: 0.5 }),
      },
      {
        value: 'patchy',
        label: 'patchy (weak spots)',
        section: () => ({
          thickness: '0.5 um',
          conductivity: 0.1,
          diffusivity: 0.1,
          reactionRate: 0.5,
          pattern: { patchy: { fraction: 0.25, size: '2 um', seed: 3, contrast: 10 } },
        }),
      },
    ],
    current: (raw) => {
      const s = getAt(raw, ['sei']);
      if (s === undefined) return 'none';
      const p = getAt(s, ['pattern']);
      return p === undefined || p === 'uniform' ? 'uniform' : 'patchy';
    },
  },
  {
    id: 'host',
    label: 'host scaffold',
    path: ['host'],
    // host cells start as metal or electrolyte: the initial state changes
    reset: true,
    options: [
      { value: 'none', label: 'none (planar collector)', section: () => undefined },
      {
        value: 'pillars',
        label: 'pillars (ribs in 2D)',
        section: () => ({ geometry: { pillars: { width: '1 um', height: '3 um', spacing: '4 um' } }, lithiophilic: true }),
      },
      {
        value: 'mesh',
        label: 'mesh',
        section: () => ({ geometry: { mesh: { wire: '0.75 um', spacing: '3 um', thickness: '3 um' } }, lithiophilic: true }),
      },
      {
        value: 'porous',
        label: 'porous',
        section: () => ({ geometry: { porous: { porosity: 0.6, poreSize: '1.5 um', thickness: '3 um', seed: 1 } }, lithiophilic: true }),
      },
    ],
    current: (raw) => {
      const g = getAt(raw, ['host', 'geometry']);
      if (getAt(raw, ['host']) === undefined) return 'none';
      if (g && typeof g === 'object') for (const k of ['pillars', 'mesh', 'porous']) if (k in g) return k;
      return null;
    },
  },
  {
    id: 'additive',
    label: 'shielding additive',
    path: ['additive'],
    // a new transported field: start again
    reset: true,
    options: [
      { value: 'none', label: 'none', section: () => undefined },
      { value: 'cs', label: 'Cs⁺, 0.05 M', section: () => ({ concentration: '0.05 M', shielding: 1 }) },
    ],
    current: (raw) => (getAt(raw, ['additive']) === undefined ? 'none' : 'cs'),
  },
];

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** The text typed into a control as a JSON value: a number when it is one, else the string (units). */
export function parseControlText(text: string): number | string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  return NUMBER.test(t) ? Number(t) : t;
}

/** The JSON value at `path` (undefined when absent). */
export function getAt(raw: unknown, path: Path): unknown {
  let v: unknown = raw;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

/**
 * A deep copy of `raw` with `value` at `path` (intermediate objects created; undefined deletes,
 * and a section left empty by the deletion goes too, so "substrate": {} does not linger).
 */
export function withValue(raw: unknown, path: Path, value: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(raw ?? {}));
  const chain: Record<string | number, unknown>[] = [copy];
  let o = copy as Record<string | number, unknown>;
  for (let q = 0; q < path.length - 1; q++) {
    const k = path[q];
    if (o[k] === null || typeof o[k] !== 'object') o[k] = typeof path[q + 1] === 'number' ? [] : {};
    o = o[k] as Record<string | number, unknown>;
    chain.push(o);
  }
  const last = path[path.length - 1];
  if (value === undefined) {
    delete o[last];
    // prune sections (objects, not arrays) that the deletion left empty, innermost first
    for (let q = path.length - 2; q >= 0; q--) {
      const parent = chain[q],
        k = path[q],
        child = parent[k];
      if (child && typeof child === 'object' && !Array.isArray(child) && Object.keys(child).length === 0) delete parent[k];
      else break;
    }
  } else o[last] = value;
  return copy;
}

/** The text a control shows: the JSON value as written, else the resolved value. */
export function controlText(def: ControlDef, raw: unknown, s: Scenario | null): string {
  const v = getAt(raw, def.path);
  if (typeof v === 'number' || typeof v === 'string') return String(v);
  const r = s ? def.resolved(s) : undefined;
  return r === undefined ? '' : String(r);
}

const RESTART_SECTIONS = ['grid', 'initial', 'host'];

/**
 * What going from scenario JSON `a` to `b` asks of a running simulation: 'time' when only the
 * end or output time moved (the run just carries on), 'reset' when the grid, the initial state,
 * the host or the presence of the additive changed, else 'continue' (new physics from the
 * current fields).
 */
export function changeKind(a: unknown, b: unknown): 'time' | ChangeKind {
  const same = (p: Path) => JSON.stringify(getAt(a, p)) === JSON.stringify(getAt(b, p));
  if (!RESTART_SECTIONS.every((k) => same([k]))) return 'reset';
  if ((getAt(a, ['additive']) === undefined) !== (getAt(b, ['additive']) === undefined)) return 'reset';
  const strip = (x: unknown) => JSON.stringify(withValue(x, ['time'], undefined));
  return strip(a) === strip(b) ? 'time' : 'continue';
}
