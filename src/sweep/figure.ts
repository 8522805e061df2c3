/**
 * A map of one collected metric over two sweep axes: one coloured cell per (x, y) pair (the
 * project's colormaps), the value printed in the cell, the axis values as tick labels, a colour
 * bar. Points missing a value (not finished) are magenta and marked "n/a". Other axes (seeds
 * included) are averaged over, and the note under the title says so.
 *
 * Drawn with Vega-Lite (src/figures/render.ts: vega lays out the axes, labels and the colour
 * legend and writes SVG; resvg rasterises it). The cell colours are the project's colormap
 * entries, passed to vega as literal colours, so a cell's pixels are exactly colorLut(t).
 */
import { colorLut, type ColormapName, type Rgb } from '../io/colormap.ts';
import { fmtNumber, NON_FINITE_RGB } from '../io/png.ts';
import { plotOrigin, specToSvgSync, svgToPng, textRenders } from '../figures/render.ts';
import { resolveMetric, type AxisValue } from './spec.ts';
import type { PlanFile } from './store.ts';
import type { SweepTable } from './collect.ts';

/** PNG pixels per SVG unit. */
const SCALE = 2;
const CELL_H = 36;

export interface SweepMapOptions {
  title: string;
  /** A second line under the title (what was averaged, which time). */
  note?: string;
  xLabel: string;
  xTicks: string[];
  /** Absent for a one-axis sweep (a single row). */
  yLabel?: string;
  yTicks: string[];
  /** values[iy][ix]; NaN: no value. Row 0 is drawn at the bottom. */
  values: number[][];
  /** Label of the colour bar (the metric). */
  metric: string;
  colormap?: ColormapName;
}

export interface SweepMapLayout {
  width: number;
  height: number;
  /** Pixel rectangle of cell (ix, iy): cells[iy][ix]. */
  cells: { x: number; y: number; w: number; h: number }[][];
  range: [number, number];
}

const hex = (c: Rgb) => '#' + c.map((v) => v.toString(16).padStart(2, '0')).join('');

function lutColor(lut: Uint8Array, t: number): Rgb {
  const k = Math.round(Math.min(1, Math.max(0, t)) * 255);
  return [lut[3 * k], lut[3 * k + 1], lut[3 * k + 2]];
}

/** Black or white text, whichever reads better on `bg`. */
function inkOn(bg: Rgb): string {
  const lum = 0.2126 * bg[0] + 0.7152 * bg[1] + 0.0722 * bg[2];
  return lum > 140 ? '#000000' : '#ffffff';
}

/** The Vega-Lite spec of the map, and the value range its colours span. */
export function sweepMapSpec(o: SweepMapOptions): { spec: Record<string, unknown>; range: [number, number] } {
  const nx = o.xTicks.length,
    ny = o.yTicks.length;
  if (nx < 1 || ny < 1 || o.values.length !== ny || o.values.some((r) => r.length !== nx))
    throw new Error(`renderSweepMap: values must be ${ny} rows of ${nx}`);
  const finite = o.values.flat().filter(Number.isFinite);
  let lo = finite.length ? Math.min(...finite) : 0;
  let hi = finite.length ? Math.max(...finite) : 1;
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.01;
    lo -= d;
    hi += d;
  }
  const digits = Math.min(8, Math.max(4, Math.ceil(Math.log10(Math.max(Math.abs(lo), Math.abs(hi)) / (hi - lo))) + 2));
  const label = (v: number) => (Number.isFinite(v) ? fmtNumber(v, digits) : 'n/a');
  const lut = colorLut(o.colormap ?? 'viridis');
  const cells: Record<string, unknown>[] = [];
  for (let iy = 0; iy < ny; iy++) {
    for (let ix = 0; ix < nx; ix++) {
      const v = o.values[iy][ix];
      const rgb = Number.isFinite(v) ? lutColor(lut, (v - lo) / (hi - lo)) : NON_FINITE_RGB;
      cells.push({ x: o.xTicks[ix], y: o.yTicks[iy], fill: hex(rgb), ink: inkOn(rgb), text: label(v) });
    }
  }
  const cellW = Math.max(64, ...o.xTicks.map((t) => 7 * t.length + 16), ...cells.map((c) => 7 * String(c.text).length + 12));
  // the colour legend: the same table, 17 stops, over [lo, hi]
  const stops = Array.from({ length: 17 }, (_, k) => hex(lutColor(lut, k / 16)));
  const hasMissing = o.values.flat().some((v) => !Number.isFinite(v));
  const x = {
    field: 'x',
    type: 'nominal',
    title: o.xLabel,
    sort: o.xTicks,
    scale: { domain: o.xTicks, paddingInner: 0, paddingOuter: 0 },
    axis: { labelAngle: 0 },
  };
  const y = {
    field: 'y',
    type: 'nominal',
    title: o.yLabel ?? null,
    scale: { domain: [...o.yTicks].reverse(), paddingInner: 0, paddingOuter: 0 },
    axis: o.yLabel ? {} : null,
  };
  const spec = {
    title: {
      text: o.title,
      subtitle: [...(o.note ? [o.note] : []), ...(hasMissing ? ['magenta "n/a": a point without a value (not finished)'] : [])],
    },
    width: nx * cellW,
    height: ny * CELL_H,
    layer: [
      {
        data: { values: cells },
        mark: { type: 'rect', stroke: 'white', strokeWidth: 0.5 },
        encoding: { x, y, fill: { field: 'fill', type: 'nominal', scale: null } },
      },
      {
        data: { values: cells },
        mark: { type: 'text', fontSize: 11 },
        encoding: { x, y, text: { field: 'text', type: 'nominal' }, color: { field: 'ink', type: 'nominal', scale: null } },
      },
      {
        data: { values: [{ v: lo }, { v: hi }] },
        mark: { type: 'point', opacity: 0 },
        encoding: {
          color: {
            field: 'v',
            type: 'quantitative',
            title: o.metric,
            scale: { domain: [lo, hi], range: stops, nice: false, zero: false },
            legend: { gradientLength: Math.max(120, ny * CELL_H), format: `.${Math.min(6, digits)}~g` },
          },
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
    config: { axis: { grid: false, ticks: false, domain: false } },
  };
  return { spec, range: [lo, hi] };
}

/** Renders the map to a PNG; the layout gives each cell's pixel rectangle in that PNG. */
export function renderSweepMap(o: SweepMapOptions): { png: Uint8Array; svg: string; layout: SweepMapLayout } {
  const why = textRenders();
  if (why !== true) throw new Error(why);
  const { spec, range } = sweepMapSpec(o);
  const { svg, view } = specToSvgSync(spec);
  try {
    const png = svgToPng(svg, SCALE);
    const [ox, oy] = plotOrigin(view);
    const xs = view.scale('x') as ((v: string) => number) & { bandwidth(): number };
    const ys = view.scale('y') as ((v: string) => number) & { bandwidth(): number };
    const cells = o.yTicks.map((yt) =>
      o.xTicks.map((xt) => ({
        x: Math.round((ox + xs(xt)) * SCALE),
        y: Math.round((oy + ys(yt)) * SCALE),
        w: Math.round(xs.bandwidth() * SCALE),
        h: Math.round(ys.bandwidth() * SCALE),
      })),
    );
    const size = /<svg[^>]* width="([\d.]+)" height="([\d.]+)"/.exec(svg);
    const width = size ? Math.ceil(Number(size[1]) * SCALE) : 0,
      height = size ? Math.ceil(Number(size[2]) * SCALE) : 0;
    return { png, svg, layout: { width, height, cells, range } };
  } finally {
    view.finalize();
  }
}

const tick = (v: AxisValue) => (typeof v === 'number' ? fmtNumber(v, 6) : String(v));

export interface MapChoice {
  metric?: string;
  x?: string;
  y?: string;
}

/**
 * The figure options for `metric` over axes x and y (default: the first metric, the first two
 * axes). Points are grouped by their (x, y) values; other axes are averaged over; a group with
 * a point that has no value is "n/a" (never a mean of part of it).
 */
export function mapFromTable(plan: PlanFile, table: SweepTable, choice: MapChoice = {}): SweepMapOptions {
  const metric =
    choice.metric === undefined
      ? table.metrics[0]
      : table.metrics.includes(choice.metric)
        ? choice.metric
        : (resolveMetric(choice.metric, plan.dims) ?? choice.metric);
  if (!table.metrics.includes(metric))
    throw new FigureError(`--metric: "${metric}" is not a collected metric (${table.metrics.join(', ')})`);
  const paths = plan.axes.map((a) => a.path);
  const x = choice.x ?? paths[0];
  const y = choice.y ?? (paths.length > 1 ? paths.find((p) => p !== x) : undefined);
  if (!paths.includes(x)) throw new FigureError(`--x: "${x}" is not an axis of this sweep (${paths.join(', ')})`);
  if (y !== undefined && !paths.includes(y)) throw new FigureError(`--y: "${y}" is not an axis of this sweep (${paths.join(', ')})`);
  if (y === x) throw new FigureError(`--x and --y are both "${x}"`);
  const ax = plan.axes.find((a) => a.path === x)!;
  const ay = y !== undefined ? plan.axes.find((a) => a.path === y)! : { path: '', values: [''] as AxisValue[] };
  const key = (v: AxisValue) => JSON.stringify(v);
  const sums = ay.values.map(() => ax.values.map(() => ({ sum: 0, n: 0, missing: 0 })));
  for (const p of plan.points) {
    const ix = ax.values.findIndex((v) => key(v) === key(p.coords[x]));
    const iy = y !== undefined ? ay.values.findIndex((v) => key(v) === key(p.coords[y])) : 0;
    const v = table.rows[p.index]?.[metric];
    const g = sums[iy][ix];
    if (typeof v === 'number' && Number.isFinite(v)) {
      g.sum += v;
      g.n++;
    } else g.missing++;
  }
  const values = sums.map((row) => row.map((g) => (g.missing || !g.n ? NaN : g.sum / g.n)));
  const others = plan.axes.filter((a) => a.path !== x && a.path !== y);
  const times = [...new Set(table.rows.map((r) => r.time_s).filter((t): t is number => typeof t === 'number'))];
  const notes: string[] = [];
  if (others.length) notes.push(`mean over ${others.map((a) => `${a.path} (${a.values.length})`).join(', ')}`);
  notes.push(times.length === 1 ? `final value, t = ${fmtNumber(times[0], 4)} s` : 'final value of each run');
  return {
    title: `${plan.name}: ${metric}`,
    note: notes.join('; '),
    xLabel: x,
    xTicks: ax.values.map(tick),
    yLabel: y,
    yTicks: ay.values.map(tick),
    values,
    metric,
  };
}

export class FigureError extends Error {}
