/**
 * Sweep files: a base scenario, axes over dotted scenario paths, optional seeds and the metrics
 * to collect. Validated by a zod schema (every problem names the field), then expanded into one
 * scenario per point of the cartesian product; every expanded scenario must validate before
 * anything runs (docs/sweeps.md).
 *
 *   { "name": "vt", "base": "scenario.json",
 *     "axes": [ { "path": "voltage", "values": ["-0.40 V", "-0.45 V"] },
 *               { "path": "parameters.T", "range": { "from": 280, "to": 320, "steps": 3 } } ],
 *     "seeds": [1, 2], "metrics": ["front_tip_um", "li_total"] }
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { parseScenario, ScenarioError, show, valueAt, type Scenario } from '../model/scenario.ts';
import { canonicalJson } from '../io/checkpoint.ts';
import { speciesList } from '../model/species.ts';
import { metricColumns } from '../solver/metrics.ts';

const MAX_BYTES = 1 << 20;
/** The most points one sweep may expand to. */
export const MAX_POINTS = 10_000;
/** Path segments that could reach an object's prototype: never allowed in an axis path. */
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);

/** Raised for a sweep that cannot run; every issue starts with the field (or the point) it is about. */
export class SweepError extends Error {
  constructor(public readonly issues: string[]) {
    super(`invalid sweep:\n  - ${issues.join('\n  - ')}`);
    this.name = 'SweepError';
  }
}

export type AxisValue = number | string | boolean;

const axisValue = z.union([z.number().finite(), z.string().min(1).max(64), z.boolean()]);

const rangeSchema = z
  .object({
    from: z.number().finite(),
    to: z.number().finite(),
    steps: z.number().int().min(2).max(MAX_POINTS),
    scale: z.enum(['linear', 'log']).default('linear'),
    /** Optional unit appended to every value ("mV" gives "-400 mV", ...); the scenario schema converts it. */
    unit: z
      .string()
      .min(1)
      .max(16)
      .regex(/^[A-Za-z0-9/^µμ-]+$/, 'a unit such as "mV", "um", "M"')
      .optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.scale === 'log' && !(r.from * r.to > 0)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `a log range needs from and to of the same sign, neither 0 (got from = ${r.from}, to = ${r.to})`,
      });
    }
  });

const pathSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*(\.([A-Za-z_][A-Za-z0-9_]*|\d{1,4}))*$/,
    'a dotted scenario path such as "voltage", "parameters.T", "noise.seed" or "grid.n.1"',
  )
  .superRefine((p, ctx) => {
    const segs = p.split('.');
    const bad = segs.find((s) => FORBIDDEN_SEGMENTS.has(s));
    if (bad) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${bad}" is not a scenario field` });
    if (p === 'name')
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'the name of each point is set by the sweep (<sweep name>-<point id>)' });
    if (p === 'grid.dims')
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'grid.dims cannot be swept (2D and 3D runs have different metrics); make two sweeps',
      });
  });

const axisSchema = z
  .object({
    path: pathSchema,
    values: z.array(axisValue).min(1).max(MAX_POINTS).optional(),
    range: rangeSchema.optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    if ((a.values === undefined) === (a.range === undefined)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'give either "values" (a list) or "range" ({from, to, steps})' });
    }
    if (a.values) {
      const seen = new Set<string>();
      a.values.forEach((v, k) => {
        const key = JSON.stringify(v);
        if (seen.has(key)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['values', k], message: `${key} appears twice` });
        seen.add(key);
      });
    }
  });

export const sweepSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(60)
      .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only')
      // the default directory is runs/sweeps/<name>
      .refine((n) => n !== '.' && n !== '..', 'must not be "." or ".." (the sweep directory is runs/sweeps/<name>)'),
    description: z.string().max(2000).optional(),
    /** A scenario object, or the path of a scenario file relative to the sweep file. */
    base: z.union([z.string().min(1).max(1000), z.record(z.unknown())]),
    axes: z.array(axisSchema).min(1).max(8),
    /** Shorthand for a last axis over noise.seed. */
    seeds: z
      .array(
        z
          .number()
          .int()
          .min(0)
          .max(2 ** 32 - 1),
      )
      .min(1)
      .max(MAX_POINTS)
      .optional(),
    /** metrics.csv columns to collect (a column name, or its name without the unit suffix: "li_total"). */
    metrics: z
      .array(
        z
          .string()
          .min(1)
          .max(64)
          .regex(/^[A-Za-z0-9_]+$/, 'a metrics.csv column name'),
      )
      .min(1)
      .max(40)
      .optional(),
  })
  .strict();

export type SweepInput = z.input<typeof sweepSchema>;

export interface SweepAxis {
  path: string;
  values: AxisValue[];
}

export interface SweepPoint {
  /** Position in the cartesian product (first axis slowest). */
  index: number;
  /** p<index, 4+ digits>-<first 10 hex digits of SHA-256 of the canonical JSON of `coords`>. */
  id: string;
  /** The value of every axis at this point, as written in the sweep file (path → value). */
  coords: Record<string, AxisValue>;
  /** The scenario file of this point (the base with the axis values set and the point's name). */
  input: Record<string, unknown>;
  /** The validated, resolved scenario. */
  scenario: Scenario;
}

export interface SweepPlan {
  name: string;
  description?: string;
  axes: SweepAxis[];
  /** metrics.csv columns to collect, resolved for the grid's dimension. */
  metrics: string[];
  dims: 2 | 3;
  points: SweepPoint[];
}

/** Stable id of a point: the readable index and a hash of its coordinates. */
export function pointId(index: number, coords: Record<string, AxisValue>): string {
  const hash = createHash('sha256').update(canonicalJson(coords)).digest('hex').slice(0, 10);
  return `p${String(index).padStart(4, '0')}-${hash}`;
}

/** The values of a range axis, rounded to 12 significant digits (so 0.1 steps print as 0.1, and `to` is hit exactly). */
export function rangeValues(r: z.output<typeof rangeSchema>): AxisValue[] {
  const out: AxisValue[] = [];
  for (let k = 0; k < r.steps; k++) {
    const f = k / (r.steps - 1);
    const v = r.scale === 'log' ? r.from * (r.to / r.from) ** f : r.from + (r.to - r.from) * f;
    const x = Number(v.toPrecision(12));
    out.push(r.unit ? `${x} ${r.unit}` : x);
  }
  return out;
}

/** Sets `path` (dotted) in a plain JSON object, creating missing objects; returns a problem or null. */
function setPath(obj: Record<string, unknown>, path: string, value: unknown): string | null {
  const segs = path.split('.');
  let cur: unknown = obj;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i];
    const last = i === segs.length - 1;
    const where = segs.slice(0, i).join('.') || 'the scenario';
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(seg)) return `${where} is a list; index it with a number (e.g. ${where}.0)`;
      const k = Number(seg);
      if (k >= cur.length) return `${where} has ${cur.length} entries; there is no entry ${k} in the base scenario`;
      if (last) cur[k] = value;
      else cur = cur[k];
      continue;
    }
    if (cur === null || typeof cur !== 'object') return `${where} is ${show(cur)} in the base scenario, not an object`;
    const o = cur as Record<string, unknown>;
    if (last) {
      Object.defineProperty(o, seg, { value, enumerable: true, writable: true, configurable: true });
    } else {
      if (!Object.hasOwn(o, seg) || o[seg] === undefined) {
        Object.defineProperty(o, seg, { value: /^\d+$/.test(segs[i + 1]) ? [] : {}, enumerable: true, writable: true, configurable: true });
      }
      cur = o[seg];
    }
  }
  return null;
}

/**
 * The metrics.csv column a requested metric names (exact, or without its unit suffix), or null.
 * `species`: transported species every point carries (src/model/species.ts), so their columns exist too.
 */
export function resolveMetric(name: string, dims: 2 | 3, species: readonly { name: string }[] = [], mechanics = false): string | null {
  const cols = metricColumns(dims, species, mechanics);
  if (cols.includes(name)) return name;
  const stem = (c: string) => c.replace(/_(mol_per_m|mol|A_per_m|A|um2|um|s)$/, '');
  return cols.find((c) => stem(c) === name) ?? null;
}

/** front_tip_um, front_mean_um, interface_length_um (2D) / interface_area_um2 (3D), li_total_*, i_faradaic_*. */
export function defaultMetrics(dims: 2 | 3): string[] {
  return ['front_tip_um', 'front_mean_um', dims === 2 ? 'interface_length_um' : 'interface_area_um2', 'li_total', 'i_faradaic'].map(
    (m) => resolveMetric(m, dims)!,
  );
}

export interface ParseSweepOptions {
  /** Directory a `base` path is relative to (the sweep file's directory). */
  baseDir?: string;
}

/** Reads a JSON file (at most 1 MiB, optional BOM); problems are reported against `field`. */
function readJsonFile(path: string, field: string): unknown {
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new SweepError([`${field}: ${path} is not a file`]);
    if (st.size > MAX_BYTES) throw new SweepError([`${field}: ${path} is ${st.size} bytes, more than the 1 MiB allowed`]);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof SweepError) throw e;
    throw new SweepError([`${field}: cannot read ${path} (${(e as Error).message})`]);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SweepError([`${field}: ${path} is not valid JSON (${(e as Error).message})`]);
  }
}

/** Reads and validates a sweep file; a `base` path is taken relative to the file. */
export function loadSweep(path: string): SweepPlan {
  const raw = readJsonFile(path, path);
  return parseSweep(raw, { baseDir: dirname(resolve(path)) });
}

/**
 * Validates a sweep (already parsed JSON) and expands it. Throws SweepError listing every
 * problem: fields of the sweep itself, the base scenario, and every point whose scenario does
 * not validate (named by index, id and coordinates; the first 10 such points are listed).
 */
export function parseSweep(raw: unknown, opts: ParseSweepOptions = {}): SweepPlan {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new SweepError([`sweep: must be a JSON object (got ${show(raw)})`]);
  const res = sweepSchema.safeParse(raw);
  if (!res.success) {
    throw new SweepError(
      res.error.issues.map((i) => {
        const where = i.path.length ? i.path.join('.') : 'sweep';
        const v = valueAt(raw, i.path);
        // an object-level rule names what it needs itself; echoing the whole object adds nothing
        const got =
          i.code === 'unrecognized_keys' || (i.code === z.ZodIssueCode.custom && v !== null && typeof v === 'object')
            ? ''
            : ` (got ${show(v)})`;
        return `${where}: ${i.message}${got}`;
      }),
    );
  }
  const sw = res.data;
  const issues: string[] = [];

  // base: an object, or a file relative to the sweep file
  let base: unknown;
  if (typeof sw.base === 'string') {
    const p = isAbsolute(sw.base) ? sw.base : resolve(opts.baseDir ?? process.cwd(), sw.base);
    base = readJsonFile(p, 'base');
  } else base = sw.base;
  if (base === null || typeof base !== 'object' || Array.isArray(base))
    throw new SweepError([`base: must be a scenario object (got ${show(base)})`]);
  const baseText = JSON.stringify(base);

  const axes: SweepAxis[] = sw.axes.map((a) => ({ path: a.path, values: a.values ?? rangeValues(a.range!) }));
  sw.axes.forEach((a, k) => {
    const j = sw.axes.findIndex((b) => b.path === a.path);
    if (j !== k) issues.push(`axes.${k}.path: "${a.path}" is already axis ${j}`);
    const overlap = sw.axes.findIndex((b, m) => m !== k && b.path.startsWith(a.path + '.'));
    if (overlap >= 0) issues.push(`axes.${k}.path: "${a.path}" contains axis ${overlap} ("${sw.axes[overlap].path}")`);
  });
  if (sw.seeds) {
    const k = sw.axes.findIndex((a) => a.path === 'noise.seed' || a.path === 'noise');
    if (k >= 0) issues.push(`seeds: axis ${k} already sets ${sw.axes[k].path}; use one or the other`);
    const dup = sw.seeds.findIndex((s, i) => sw.seeds!.indexOf(s) !== i);
    if (dup >= 0) issues.push(`seeds.${dup}: ${sw.seeds[dup]} appears twice`);
    axes.push({ path: 'noise.seed', values: [...sw.seeds] });
  }
  let count = 1;
  for (const a of axes) count *= a.values.length;
  if (count > MAX_POINTS)
    issues.push(`axes: the product of the axis lengths is ${count} points, more than the ${MAX_POINTS} a sweep may have`);
  if (issues.length) throw new SweepError(issues);

  // every point: set the axis values on a copy of the base, name it, validate it
  const points: SweepPoint[] = [];
  const bad: string[] = [];
  let badCount = 0;
  for (let index = 0; index < count; index++) {
    const coords: Record<string, AxisValue> = {};
    let rem = index;
    for (let a = axes.length - 1; a >= 0; a--) {
      const n = axes[a].values.length;
      coords[axes[a].path] = axes[a].values[rem % n];
      rem = Math.floor(rem / n);
    }
    const ordered: Record<string, AxisValue> = {};
    for (const a of axes) ordered[a.path] = coords[a.path];
    const id = pointId(index, ordered);
    const input = JSON.parse(baseText) as Record<string, unknown>;
    const where = `point ${index} (${id}: ${describeCoords(ordered)})`;
    const pathIssues: string[] = [];
    axes.forEach((a, k) => {
      const why = setPath(input, a.path, ordered[a.path]);
      if (why) pathIssues.push(`axes.${k}.path: "${a.path}": ${why}`);
    });
    if (pathIssues.length) throw new SweepError(pathIssues);
    input.name = `${sw.name}-${id}`;
    try {
      const scenario = parseScenario(input);
      points.push({ index, id, coords: ordered, input, scenario });
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      badCount++;
      if (bad.length < 10) bad.push(...e.issues.map((m) => `${where}: ${m}`));
    }
  }
  if (badCount) {
    if (badCount > 10) bad.push(`... and ${badCount - 10} more points that do not validate (of ${count})`);
    throw new SweepError(bad);
  }
  const dims = points[0].scenario.grid.dims;
  // the species every point carries (their metrics columns exist in every run)
  const lists = points.map((p) => speciesList(p.scenario).map((sp) => sp.name));
  const species = lists[0].filter((n) => lists.every((l) => l.includes(n))).map((name) => ({ name }));
  const mechanics = points.every((p) => p.scenario.mechanics !== undefined);
  const metrics: string[] = [];
  if (sw.metrics) {
    sw.metrics.forEach((m, k) => {
      const c = resolveMetric(m, dims, species, mechanics);
      if (!c)
        issues.push(
          `metrics.${k}: "${m}" is not a metrics.csv column of a ${dims}D run${species.length ? ` with ${species.map((sp) => `the ${sp.name}`).join(', ')}` : ''} (columns: ${metricColumns(dims, species, mechanics).join(', ')})`,
        );
      else if (metrics.includes(c)) issues.push(`metrics.${k}: "${m}" names ${c} a second time`);
      else metrics.push(c);
    });
  } else metrics.push(...defaultMetrics(dims));
  if (issues.length) throw new SweepError(issues);
  return { name: sw.name, description: sw.description, axes, metrics, dims, points };
}

/** "voltage=-0.4 V, noise.seed=2" */
export function describeCoords(coords: Record<string, AxisValue>): string {
  return Object.entries(coords)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}
