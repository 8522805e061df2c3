/**
 * The scenario library (examples/<case>/): for each case, which parameter it varies, the
 * morphology metric that should move with it and in which direction the literature says it
 * moves. Shared by the trend tests (test/trends, reduced grids) and `lidendrite figures`
 * (morphology panels and the trend chart), so both run exactly the library's scenarios.
 *
 * A case is either a sweep (examples/<case>/sweep.json over examples/<case>/scenario.json; the
 * first axis is the parameter) or a set of variants (one scenario file per variant, listed in
 * `variants`, e.g. planar vs 3D host).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseScenario, type Scenario } from '../model/scenario.ts';
import { parseQuantity } from '../model/units.ts';
import { parseSweep, type AxisValue } from '../sweep/spec.ts';
import type { Morphology } from './morphology.ts';

export const EXAMPLES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');

export type MetricName = 'tipOverMean' | 'roughness' | 'lengthPerWidth';
export const METRIC_LABEL: Record<MetricName, string> = {
  tipOverMean: 'tip − mean front (µm)',
  roughness: 'front roughness, RMS (µm)',
  lengthPerWidth: 'ξ = ½ contour length / width',
};

export interface LibraryCase {
  /** Folder under examples/ (unless `folder` names another). */
  id: string;
  /** The folder under examples/ when several cases share one (default: id). */
  folder?: string;
  title: string;
  /** The varied parameter, with its unit (axis title). */
  parameter: string;
  /** Variants (one scenario file each, in this order) instead of a sweep. */
  variants?: { label: string; file: string }[];
  /** The metric the trend is judged on. */
  metric: MetricName;
  /**
   * Direction along the points' order (sweep values as listed, or the variants as listed):
   * 'up' = the metric should grow from the first point to the last.
   */
  expect: 'up' | 'down';
  /** What the literature reports, in one sentence with the source. */
  literature: string;
  /**
   * Reduced grid for tests: cells [nx, ny] (dx kept) and the front advance (µm) compared at.
   * Sized so the whole trend folder runs in well under a minute on one core: the galvanostatic
   * cases (6–8 ms per step at 64 × 32, the most steps of all) compare at a 0.75 µm advance.
   * (A 4 µm wide strip, 64 × 16, halves their cost but does not resolve the t₊ trend: the
   * 2 µm nucleus fills half the strip.)
   */
  reduced: { n: [number, number]; advance: number };
  /** Full-size comparison (figures): front advance (µm). */
  advance: number;
  /** Scenario keys the case needs (a case whose switch is missing from the schema is skipped). */
  requires: string[];
}

export const LIBRARY: LibraryCase[] = [
  {
    id: 'hong-voltages',
    title: 'Applied voltage (Hong & Viswanathan 2018 descendants)',
    parameter: 'applied voltage V',
    metric: 'tipOverMean',
    expect: 'up',
    literature:
      'Hong & Viswanathan, ACS Energy Lett. 3 (2018) 1737: compact growth at low overpotential, dendrites at high (crossover near |V| ≈ 0.29 V, model.md V7).',
    reduced: { n: [64, 32], advance: 1 },
    advance: 3,
    requires: [],
  },
  {
    id: 'salt-concentration',
    title: 'Salt concentration c0',
    parameter: 'bulk concentration c0',
    metric: 'tipOverMean',
    expect: 'down',
    literature:
      "Sand's time τ ∝ c0² (model.md V8; Hou et al.): at a given current a more concentrated electrolyte depletes later and grows more compact.",
    reduced: { n: [64, 32], advance: 0.75 },
    advance: 3,
    requires: ['electrolyte', 'control'],
  },
  {
    id: 'current-density',
    title: 'Current density (galvanostatic)',
    parameter: 'held current density J',
    metric: 'tipOverMean',
    expect: 'up',
    literature:
      "Sand's time τ ∝ 1/J² and the limiting current J* = 2zFDc0/(t_a L) (model.md V8; Chazalviel 1990; Hou et al.): above J* the electrolyte depletes at the electrode and growth turns dendritic.",
    reduced: { n: [64, 32], advance: 0.75 },
    advance: 3,
    requires: ['electrolyte', 'control'],
  },
  {
    id: 'transference',
    title: 'Li⁺ transference number',
    parameter: 'transference number t₊',
    metric: 'tipOverMean',
    expect: 'down',
    literature:
      "Sand's time ∝ 1/t_a² (model.md V8): a higher t₊ leaves less of the current to diffusion, delays depletion and gives more compact deposits (single-ion conductors, Hou et al.).",
    reduced: { n: [64, 32], advance: 0.75 },
    advance: 3,
    requires: ['electrolyte', 'control'],
  },
  {
    id: 'sei-patchy',
    title: 'Uniform vs patchy SEI',
    parameter: 'weak-spot contrast (1 = uniform SEI)',
    metric: 'roughness',
    expect: 'up',
    literature:
      'model.md §6 and Hou et al.: a heterogeneous SEI concentrates the current on its weak spots and seeds uneven, dendritic growth; a uniform SEI plates evenly.',
    reduced: { n: [64, 32], advance: 1 },
    advance: 3,
    requires: ['sei'],
  },
  {
    id: 'host-3d',
    title: 'Planar collector vs 3D host',
    parameter: 'collector',
    variants: [
      { label: 'planar', file: 'planar.json' },
      { label: 'pillar host', file: 'scenario.json' },
    ],
    metric: 'tipOverMean',
    expect: 'down',
    literature:
      'model.md §6 and Hou et al.: a conductive 3D host raises the electroactive area, lowers the local current density and keeps metal inside the scaffold, delaying dendrites. Compared once the host is full (its pores hold 2.25 µm of metal; before that the bare rib tops are the tips).',
    reduced: { n: [64, 32], advance: 4 },
    advance: 4,
    requires: ['host'],
  },
  {
    id: 'substrate-wetting',
    title: 'Lithiophilic vs lithiophobic substrate',
    parameter: 'contact angle θ (°)',
    metric: 'roughness',
    expect: 'up',
    literature:
      'model.md §6 and Hou et al.: on a lithiophilic substrate (θ < 90°) nuclei spread into a film; on a lithiophobic one they stay as isolated islands that grow upward.',
    reduced: { n: [64, 32], advance: 1 },
    advance: 3,
    requires: ['substrate'],
  },
  {
    id: 'additive',
    title: 'Electrostatic-shielding additive vs none',
    parameter: 'additive',
    variants: [
      { label: 'none', file: 'none.json' },
      { label: 'Cs⁺ 0.05 M', file: 'scenario.json' },
    ],
    metric: 'tipOverMean',
    expect: 'down',
    literature:
      'model.md §6 (Ding et al., JACS 135 (2013) 4450): a non-depositing cation with a lower reduction potential gathers at tips and screens the field, so tips stop running ahead.',
    reduced: { n: [64, 32], advance: 1 },
    advance: 3,
    requires: ['additive'],
  },
  {
    id: 'temperature',
    title: 'Temperature (Arrhenius D_l and σ_l)',
    parameter: 'temperature T',
    metric: 'tipOverMean',
    expect: 'down',
    literature:
      'model.md §6 and Hou et al.: low temperature slows Li⁺ diffusion more than the reaction and makes deposition more dendritic.',
    reduced: { n: [64, 32], advance: 1 },
    advance: 3,
    requires: [],
  },
  {
    id: 'solid-electrolyte',
    title: 'Separator stiffness (mechanics)',
    parameter: 'separator shear modulus G',
    variants: [
      { label: 'liquid', file: 'liquid.json' },
      { label: 'polymer 0.3 GPa', file: 'polymer.json' },
      { label: '2× Li 3.45 GPa', file: 'scenario.json' },
      { label: 'ceramic 60 GPa', file: 'ceramic.json' },
    ],
    metric: 'tipOverMean',
    expect: 'down',
    literature:
      'Monroe & Newman, J. Electrochem. Soc. 152 (2005) A396 (model.md §8): a stiff separator compresses a protrusion and slows deposition on it; above about twice the shear modulus of lithium roughening is suppressed.',
    reduced: { n: [64, 32], advance: 1 },
    advance: 3,
    requires: ['mechanics'],
  },
  {
    id: 'stack-pressure',
    folder: 'solid-electrolyte',
    title: 'Stack pressure on a polymer separator (mechanics)',
    parameter: 'stack pressure',
    variants: [
      { label: '0 MPa', file: 'polymer.json' },
      { label: '10 MPa', file: 'stack-pressure.json' },
    ],
    metric: 'tipOverMean',
    expect: 'down',
    literature:
      "model.md §8: stack pressure adds compression at the interface, which slows deposition (the Butler–Volmer shift ΩΔP/RT) and works against the deposit's volume; the elastic part of the effect is what this model has (creep of lithium is not in it).",
    reduced: { n: [64, 32], advance: 1 },
    advance: 3,
    requires: ['mechanics'],
  },
];

/** The case's folder under examples/. */
export function caseFolder(c: LibraryCase): string {
  return c.folder ?? c.id;
}

/** Whether the scenario schema accepts every key in `requires` (another helper adds switches). */
export function schemaSupports(keys: string[]): { ok: boolean; missing: string[] } {
  const base = { name: 'probe', grid: { dims: 2, n: [8, 8], dx: 2.5e-7 }, time: { end: 1, output: 1 }, voltage: 0 };
  const probes: Record<string, Record<string, unknown>> = {
    electrolyte: { electrolyte: { model: 'binary', transference: 0.4 } },
    control: { control: { mode: 'galvanostatic', current: '10 mA/cm^2' } },
    sei: { sei: { thickness: 2.5e-7 }, initial: { layer: 5e-7 } },
    host: { host: { geometry: { pillars: { width: 5e-7, height: 1e-6, spacing: 1e-6 } } } },
    substrate: { substrate: { contactAngle: 60 } },
    additive: { additive: { concentration: 50 } },
    activation: { parameters: { activation: { Dl: 1e4 } } },
    mechanics: { mechanics: { electrolyte: 'liquid', eigenstrain: 0 } },
  };
  const missing = keys.filter((k) => {
    try {
      parseScenario({ ...base, ...(probes[k] ?? { [k]: {} }) });
      return false;
    } catch {
      return true;
    }
  });
  return { ok: missing.length === 0, missing };
}

export interface CasePoint {
  /** Axis value or variant label. */
  label: string;
  /** Numeric value of the parameter (sweeps), else the variant index. */
  value: number;
  scenario: Scenario;
  /** Simulated time (s) after which a run that has not reached the front advance is stopped. */
  limit: number;
}

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/**
 * The reduced form of a library scenario: the grid is cut to `n` cells (same dx, same physics,
 * same drive). Laterally the reduced domain is the window of the original centred on its middle:
 * nuclei keep their x and radius, move by the window offset in y, and those whose centre falls
 * outside the window are dropped (a periodic row of nuclei keeps its spacing; the hong geometry's
 * central nucleus stays central). The run is long enough to reach the front advance (it is
 * stopped there, see untilAdvance).
 */
export function reduceScenario(raw: Record<string, unknown>, n: [number, number]): Record<string, unknown> {
  type Nucleus = { center: unknown[]; radius: unknown };
  const out = JSON.parse(JSON.stringify(raw)) as Record<string, unknown> & {
    grid: { n: number[]; dims: number; dx: unknown };
    initial?: { nuclei?: Nucleus[] };
    output?: Record<string, unknown>;
  };
  const old = out.grid.n;
  out.grid.n = [n[0], n[1], ...(out.grid.dims === 3 ? [old[2]] : [])];
  const dx = parseQuantity(out.grid.dx, 'length');
  if (typeof dx !== 'number') throw new Error(`grid.dx: ${dx.error}`);
  const offset = ((old[1] - n[1]) / 2) * dx;
  if (out.initial?.nuclei) {
    out.initial.nuclei = out.initial.nuclei.flatMap((nu) => {
      const y = parseQuantity(nu.center[1], 'length');
      if (typeof y !== 'number') throw new Error(`initial.nuclei: ${y.error}`);
      const yr = y - offset;
      return yr >= 0 && yr < n[1] * dx ? [{ ...nu, center: [nu.center[0], yr, ...nu.center.slice(2)] }] : [];
    });
  }
  out.output = { ...(out.output ?? {}), vti: false, png: false };
  return untilAdvance(out);
}

/**
 * The scenario with time.end lifted to 1000 s: runs compared at equal charge stop at the front
 * advance instead. A run that does not get there (a deposit that stops growing) is stopped at
 * the point's `limit` (ADVANCE_TIME_FACTOR × the library scenario's own time.end) by the caller.
 */
export const ADVANCE_TIME_FACTOR = 10;
export function untilAdvance(raw: Record<string, unknown>): Record<string, unknown> {
  return { ...raw, time: { end: 1000, output: 1000 } };
}

/** ADVANCE_TIME_FACTOR × time.end of a raw scenario (s). */
function timeLimit(raw: Record<string, unknown>): number {
  const end = parseQuantity((raw.time as { end?: unknown } | undefined)?.end, 'time');
  if (typeof end !== 'number') throw new Error(`time.end: ${end.error}`);
  return Math.min(1000, ADVANCE_TIME_FACTOR * end);
}

/** The points of a case, in order, optionally on the reduced grid; time.end is lifted (untilAdvance) in both forms. */
export function casePoints(c: LibraryCase, opts: { reduced?: boolean; dir?: string } = {}): CasePoint[] {
  const dir = opts.dir ?? join(EXAMPLES_DIR, caseFolder(c));
  const prep = (raw: Record<string, unknown>) => (opts.reduced ? reduceScenario(raw, c.reduced.n) : untilAdvance(raw));
  if (c.variants) {
    return c.variants.map((v, k) => {
      const raw = readJson(join(dir, v.file));
      return { label: v.label, value: k, scenario: parseScenario(prep(raw)), limit: timeLimit(raw) };
    });
  }
  const sweepFile = join(dir, 'sweep.json');
  if (!existsSync(sweepFile)) throw new Error(`${c.id}: neither variants nor ${sweepFile}`);
  const sw = readJson(sweepFile);
  const rawBase = readJson(resolve(dir, String(sw.base)));
  const limit = timeLimit(rawBase);
  const base = prep(rawBase);
  const plan = parseSweep({ ...sw, base }, { baseDir: dir });
  const axis = plan.axes[0].path;
  return plan.points.map((p) => ({
    label: String(p.coords[axis]),
    value: numericValue(p.scenario, axis, p.coords[axis]),
    scenario: p.scenario,
    limit,
  }));
}

/** The resolved (SI) value at a dotted path, for ordering and plotting. */
function numericValue(s: Scenario, path: string, given: AxisValue): number {
  let v: unknown = s;
  for (const k of path.split('.')) v = (v as Record<string, unknown> | undefined)?.[k];
  return typeof v === 'number' ? v : typeof given === 'number' ? given : NaN;
}

export interface TrendResult {
  values: number[];
  /** Whether every step moves in the expected direction (strictly). */
  monotone: boolean;
  /** Last over first. */
  ratio: number;
}

/** Judges a metric series against the expected direction. */
export function judgeTrend(c: LibraryCase, m: Morphology[]): TrendResult {
  const values = m.map((x) => x[c.metric]);
  const sign = c.expect === 'up' ? 1 : -1;
  let monotone = true;
  for (let k = 1; k < values.length; k++) if (!(sign * (values[k] - values[k - 1]) > 0)) monotone = false;
  return { values, monotone, ratio: values.at(-1)! / values[0] };
}
