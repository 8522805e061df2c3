/**
 * A map of one collected metric over two sweep axes: one coloured cell per (x, y) pair (the
 * project's colormaps), the value printed in the cell, the axis values as tick labels, a colour
 * bar. Points missing a value (not finished) are magenta and marked "n/a". Other axes (seeds
 * included) are averaged over, and the note under the title says so.
 */
import { PNG } from 'pngjs';
import { colorLut, type ColormapName, type Rgb } from '../io/colormap.ts';
import { drawText, textHeight, textWidth, type Raster } from '../io/font5x7.ts';
import { fmtNumber, NON_FINITE_RGB } from '../io/png.ts';
import { resolveMetric, type AxisValue } from './spec.ts';
import type { PlanFile } from './store.ts';
import type { SweepTable } from './collect.ts';

const S = 2; // text scale
const MARGIN = 16;
const GAP = 10;
const CELL_H = 44;
const BAR_W = 20;
const BG: Rgb = [255, 255, 255];
const INK: Rgb = [20, 20, 20];
const FRAME: Rgb = [90, 90, 90];

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

function setPixel(img: Raster, x: number, y: number, rgb: Rgb): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const o = 4 * (y * img.width + x);
  img.data[o] = rgb[0]; img.data[o + 1] = rgb[1]; img.data[o + 2] = rgb[2]; img.data[o + 3] = 255;
}

function fillRect(img: Raster, x: number, y: number, w: number, h: number, rgb: Rgb): void {
  for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) setPixel(img, xx, yy, rgb);
}

function strokeRect(img: Raster, x: number, y: number, w: number, h: number, rgb: Rgb): void {
  fillRect(img, x, y, w, 1, rgb); fillRect(img, x, y + h - 1, w, 1, rgb);
  fillRect(img, x, y, 1, h, rgb); fillRect(img, x + w - 1, y, 1, h, rgb);
}

function lutColor(lut: Uint8Array, t: number): Rgb {
  const k = Math.round(Math.min(1, Math.max(0, t)) * 255);
  return [lut[3 * k], lut[3 * k + 1], lut[3 * k + 2]];
}

/** Black or white text, whichever reads better on `bg`. */
function inkOn(bg: Rgb): Rgb {
  const lum = 0.2126 * bg[0] + 0.7152 * bg[1] + 0.0722 * bg[2];
  return lum > 140 ? [0, 0, 0] : [255, 255, 255];
}

export function renderSweepMap(o: SweepMapOptions): { png: Uint8Array; layout: SweepMapLayout } {
  const nx = o.xTicks.length, ny = o.yTicks.length;
  if (nx < 1 || ny < 1 || o.values.length !== ny || o.values.some((r) => r.length !== nx)) throw new Error(`renderSweepMap: values must be ${ny} rows of ${nx}`);
  const finite = o.values.flat().filter(Number.isFinite);
  let lo = finite.length ? Math.min(...finite) : 0;
  let hi = finite.length ? Math.max(...finite) : 1;
  if (lo === hi) { const d = lo === 0 ? 1 : Math.abs(lo) * 0.01; lo -= d; hi += d; }
  const digits = Math.min(8, Math.max(4, Math.ceil(Math.log10(Math.max(Math.abs(lo), Math.abs(hi)) / (hi - lo))) + 2));
  const label = (v: number) => (Number.isFinite(v) ? fmtNumber(v, digits) : 'n/a');
  const lut = colorLut(o.colormap ?? 'viridis');
  const th = textHeight(S);

  const cellTexts = o.values.flat().map(label);
  const cellW = Math.max(72, ...cellTexts.map((t) => textWidth(t, S) + 12), ...o.xTicks.map((t) => textWidth(t, S) + 24));
  const yTickW = Math.max(0, ...o.yTicks.map((t) => textWidth(t, S)));
  const gridX = MARGIN + (o.yLabel ? Math.max(yTickW, 0) + GAP : 0);
  const titleH = th + (o.note ? 6 + th : 0);
  const gridY = MARGIN + titleH + GAP + th + 8 + 4; // a row for the y-axis name and the colour bar's label
  const gridW = nx * cellW, gridH = ny * CELL_H;
  const barH = Math.max(gridH, 120);
  const barX = gridX + Math.max(gridW, textWidth(o.xLabel, S)) + 2 * GAP;
  const ticks = [hi, (lo + hi) / 2, lo].map(label);
  const barLabelW = Math.max(...ticks.map((t) => textWidth(t, S)));
  const hasMissing = o.values.flat().some((v) => !Number.isFinite(v));
  const rightEdge = Math.max(barX + BAR_W + 8 + barLabelW, barX + textWidth(o.metric, S));
  const width = Math.max(rightEdge, MARGIN + textWidth(o.title, S), MARGIN + (o.note ? textWidth(o.note, S) : 0), gridX + textWidth(o.xLabel, S)) + MARGIN;
  const bottom = Math.max(gridY + gridH + 6 + th + GAP + th, gridY + barH + (hasMissing ? 8 + th : 0));
  const height = bottom + MARGIN;

  const img: Raster = { width, height, data: new Uint8Array(width * height * 4) };
  fillRect(img, 0, 0, width, height, BG);
  drawText(img, MARGIN, MARGIN, o.title, INK, S);
  if (o.note) drawText(img, MARGIN, MARGIN + th + 6, o.note, INK, S);
  if (o.yLabel) drawText(img, MARGIN, gridY - th - 8, o.yLabel, INK, S);

  const cells: SweepMapLayout['cells'] = [];
  for (let iy = 0; iy < ny; iy++) {
    const row: SweepMapLayout['cells'][number] = [];
    const y = gridY + (ny - 1 - iy) * CELL_H;
    for (let ix = 0; ix < nx; ix++) {
      const x = gridX + ix * cellW;
      const v = o.values[iy][ix];
      const rgb = Number.isFinite(v) ? lutColor(lut, (v - lo) / (hi - lo)) : NON_FINITE_RGB;
      fillRect(img, x, y, cellW, CELL_H, rgb);
      const t = label(v);
      drawText(img, x + Math.floor((cellW - textWidth(t, S)) / 2), y + Math.floor((CELL_H - th) / 2) + 1, t, inkOn(rgb), S);
      row.push({ x, y, w: cellW, h: CELL_H });
    }
    cells.push(row);
    if (o.yLabel) drawText(img, gridX - GAP - textWidth(o.yTicks[iy], S), y + Math.floor((CELL_H - th) / 2) + 1, o.yTicks[iy], INK, S);
  }
  // thin separators between cells, and a frame
  for (let ix = 1; ix < nx; ix++) fillRect(img, gridX + ix * cellW, gridY, 1, gridH, BG);
  for (let iy = 1; iy < ny; iy++) fillRect(img, gridX, gridY + iy * CELL_H, gridW, 1, BG);
  strokeRect(img, gridX - 1, gridY - 1, gridW + 2, gridH + 2, FRAME);
  o.xTicks.forEach((t, ix) => drawText(img, gridX + ix * cellW + Math.floor((cellW - textWidth(t, S)) / 2), gridY + gridH + 6, t, INK, S));
  drawText(img, gridX + Math.max(0, Math.floor((gridW - textWidth(o.xLabel, S)) / 2)), gridY + gridH + 6 + th + GAP, o.xLabel, INK, S);

  // colour bar, top = maximum
  const barY = gridY;
  for (let r = 0; r < barH; r++) fillRect(img, barX, barY + r, BAR_W, 1, lutColor(lut, 1 - r / (barH - 1)));
  strokeRect(img, barX - 1, barY - 1, BAR_W + 2, barH + 2, FRAME);
  drawText(img, barX, barY - th - 8, o.metric, INK, S);
  [barY, barY + Math.floor((barH - 1) / 2), barY + barH - 1].forEach((ty, k) => {
    fillRect(img, barX + BAR_W, ty, 4, 1, INK);
    drawText(img, barX + BAR_W + 8, Math.min(Math.max(ty - th / 2 + 1, barY - 2), barY + barH - th + 2), ticks[k], INK, S);
  });
  if (hasMissing) {
    const sy = barY + barH + 8;
    fillRect(img, barX, sy, BAR_W, th, NON_FINITE_RGB);
    drawText(img, barX + BAR_W + 8, sy, 'n/a', INK, S);
  }

  const png = new PNG({ width, height });
  png.data.set(img.data);
  const bytes = PNG.sync.write(png, { colorType: 2 });
  return { png: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), layout: { width, height, cells, range: [lo, hi] } };
}

const tick = (v: AxisValue) => (typeof v === 'number' ? fmtNumber(v, 6) : String(v));

export interface MapChoice { metric?: string; x?: string; y?: string }

/**
 * The figure options for `metric` over axes x and y (default: the first metric, the first two
 * axes). Points are grouped by their (x, y) values; other axes are averaged over; a group with
 * a point that has no value is "n/a" (never a mean of part of it).
 */
export function mapFromTable(plan: PlanFile, table: SweepTable, choice: MapChoice = {}): SweepMapOptions {
  const metric = choice.metric === undefined ? table.metrics[0] : table.metrics.includes(choice.metric) ? choice.metric : resolveMetric(choice.metric, plan.dims) ?? choice.metric;
  if (!table.metrics.includes(metric)) throw new FigureError(`--metric: "${metric}" is not a collected metric (${table.metrics.join(', ')})`);
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
    if (typeof v === 'number' && Number.isFinite(v)) { g.sum += v; g.n++; } else g.missing++;
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
    xLabel: x, xTicks: ax.values.map(tick),
    yLabel: y, yTicks: ay.values.map(tick),
    values, metric,
  };
}

export class FigureError extends Error {}
