import { PNG } from 'pngjs';
import { colorLut, type ColormapName, type Rgb } from './colormap.ts';
import { drawText, textHeight, textWidth, type Raster } from './font5x7.ts';

export interface FieldPngOptions {
  /** Cell values, index i + nx*j (x fastest). */
  data: Float64Array | Float32Array;
  nx: number;
  ny: number;
  /** Cell size in metres, for the scale bar. */
  dxMeters: number;
  title: string;
  unit: string;
  colormap?: ColormapName;
  /** Colour range [lo, hi]; defaults to the finite min/max of `data`. */
  range?: [number, number];
  /** Optional iso-line (e.g. phi = 0.5 for the electrode surface) drawn on the map. */
  contour?: { data: Float64Array | Float32Array; level: number };
}

/** Colour for NaN/Inf cells: not in any of our colormaps, so it cannot be misread as data. */
export const NON_FINITE_RGB: Rgb = [255, 0, 255];
/** Contour line colour (pure white is in none of the colormaps) and its outline. */
export const CONTOUR_RGB: Rgb = [255, 255, 255];
const CONTOUR_HALO: Rgb = [0, 0, 0];

const TEXT_SCALE = 2;
const MARGIN = 16;
const GAP = 12;
const BAR_W = 20;
const BAR_MIN_H = 200;
const TARGET_LONG_SIDE = 800;
const BG: Rgb = [255, 255, 255];
const INK: Rgb = [20, 20, 20];
const FRAME: Rgb = [90, 90, 90];

/**
 * Geometry of a rendered field image, exported so tests and tools can find the
 * map and colour bar inside the PNG without hard-coding the layout.
 */
export interface FieldPngLayout {
  width: number;
  height: number;
  map: { x: number; y: number; w: number; h: number; pixelsPerCell: number };
  bar: { x: number; y: number; w: number; h: number };
  scaleBar: { x: number; y: number; lengthPx: number; lengthUm: number };
}

/**
 * Renders a 2D cell field as a PNG: colour map (y up: j = 0 at the bottom),
 * vertical colour bar with min/mid/max labels and unit, a µm scale bar, the
 * title, and an optional contour line. Non-finite cells are magenta and are
 * ignored when choosing the default range.
 */
export function renderFieldPng(opts: FieldPngOptions): Uint8Array {
  return renderFieldPngWithLayout(opts).png;
}

/** As renderFieldPng, but also returns where each element was placed. */
export function renderFieldPngWithLayout(opts: FieldPngOptions): { png: Uint8Array; layout: FieldPngLayout } {
  const { data, nx, ny } = opts;
  if (!Number.isInteger(nx) || !Number.isInteger(ny) || nx < 1 || ny < 1) {
    throw new Error(`renderFieldPng: bad grid ${nx}x${ny}`);
  }
  if (data.length !== nx * ny) throw new Error(`renderFieldPng: data has ${data.length} values, grid needs ${nx * ny}`);
  if (opts.contour && opts.contour.data.length !== nx * ny) {
    throw new Error(`renderFieldPng: contour data has ${opts.contour.data.length} values, grid needs ${nx * ny}`);
  }
  if (!(opts.dxMeters > 0)) throw new Error(`renderFieldPng: dxMeters must be > 0, got ${opts.dxMeters}`);

  const [lo, hi] = resolveRange(data, opts.range);
  const lut = colorLut(opts.colormap ?? 'viridis');

  // Integer zoom for small grids, integer box-downsampling for big ones, so
  // every cell maps to a whole number of pixels (no resampling artefacts).
  const long = Math.max(nx, ny);
  const up = long <= TARGET_LONG_SIDE ? Math.max(1, Math.floor(TARGET_LONG_SIDE / long)) : 1;
  const down = long > TARGET_LONG_SIDE ? Math.ceil(long / TARGET_LONG_SIDE) : 1;
  const ppc = up / down;
  const mapW = down > 1 ? Math.ceil(nx / down) : nx * up;
  const mapH = down > 1 ? Math.ceil(ny / down) : ny * up;

  // Labels decide how wide the right-hand column must be.
  const digits = labelDigits(lo, hi);
  const ticks = [hi, (lo + hi) / 2, lo].map((v) => fmtNumber(v, digits));
  const hasNonFinite = data.some((v) => !Number.isFinite(v));
  const th = textHeight(TEXT_SCALE);
  const labelW = Math.max(...ticks.map((s) => textWidth(s, TEXT_SCALE)), hasNonFinite ? textWidth('NaN', TEXT_SCALE) : 0);
  const unitW = textWidth(opts.unit, TEXT_SCALE);

  const mapX = MARGIN;
  const mapY = MARGIN + th + GAP + th + 6; // title line, then room for the unit label above the bar
  const barH = Math.max(mapH, BAR_MIN_H);
  const barX = mapX + mapW + 2 * GAP;
  const barY = mapY;
  const rightEdge = Math.max(barX + BAR_W + 8 + labelW, barX + unitW);
  const width = Math.max(rightEdge + MARGIN, MARGIN + textWidth(opts.title, TEXT_SCALE) + MARGIN);
  const scaleY = mapY + Math.max(mapH, barH + (hasNonFinite ? th + 8 : 0)) + GAP;
  const height = scaleY + 6 + 6 + th + MARGIN;

  const img: Raster = { width, height, data: new Uint8Array(width * height * 4) };
  fillRect(img, 0, 0, width, height, BG);

  drawText(img, MARGIN, MARGIN, opts.title, INK, TEXT_SCALE);

  // Map.
  const pixels = sampleMap(data, nx, ny, up, down, mapW, mapH);
  for (let py = 0; py < mapH; py++) {
    for (let px = 0; px < mapW; px++) {
      const v = pixels[py * mapW + px];
      setPixel(img, mapX + px, mapY + py, Number.isFinite(v) ? lutColor(lut, (v - lo) / (hi - lo)) : NON_FINITE_RGB);
    }
  }
  if (opts.contour) drawContour(img, opts.contour.data, opts.contour.level, nx, ny, ppc, mapX, mapY, mapW, mapH);
  strokeRect(img, mapX - 1, mapY - 1, mapW + 2, mapH + 2, FRAME);

  // Colour bar: top row is the range maximum.
  for (let r = 0; r < barH; r++) {
    const rgb = lutColor(lut, barH === 1 ? 1 : 1 - r / (barH - 1));
    fillRect(img, barX, barY + r, BAR_W, 1, rgb);
  }
  strokeRect(img, barX - 1, barY - 1, BAR_W + 2, barH + 2, FRAME);
  drawText(img, barX, barY - th - 6, opts.unit, INK, TEXT_SCALE);
  const tickYs = [barY, barY + Math.floor((barH - 1) / 2), barY + barH - 1];
  tickYs.forEach((ty, k) => {
    fillRect(img, barX + BAR_W, ty, 4, 1, INK);
    const textY = Math.min(Math.max(ty - th / 2 + 1, barY - 2), barY + barH - th + 2);
    drawText(img, barX + BAR_W + 8, textY, ticks[k], INK, TEXT_SCALE);
  });
  if (hasNonFinite) {
    const sy = barY + barH + 8;
    fillRect(img, barX, sy, BAR_W, th, NON_FINITE_RGB);
    drawText(img, barX + BAR_W + 8, sy, 'NaN', INK, TEXT_SCALE);
  }

  // Scale bar: a round length near a fifth of the domain width.
  const widthUm = nx * opts.dxMeters * 1e6;
  const lengthUm = niceLength(widthUm / 5);
  const lengthPx = Math.max(1, Math.round((lengthUm / (opts.dxMeters * 1e6)) * ppc));
  fillRect(img, mapX, scaleY, lengthPx, 6, INK);
  drawText(img, mapX, scaleY + 6 + 6, `${fmtNumber(lengthUm, 3)} µm`, INK, TEXT_SCALE);

  const png = new PNG({ width, height });
  png.data.set(img.data);
  const bytes = PNG.sync.write(png, { colorType: 2 });
  return {
    png: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    layout: {
      width,
      height,
      map: { x: mapX, y: mapY, w: mapW, h: mapH, pixelsPerCell: ppc },
      bar: { x: barX, y: barY, w: BAR_W, h: barH },
      scaleBar: { x: mapX, y: scaleY, lengthPx, lengthUm },
    },
  };
}

/** The k = floor(nz/2) plane of a 3D field (index i + nx*(j + ny*k)), as an nx*ny array. */
export function midPlaneSlice(data: Float64Array | Float32Array, nx: number, ny: number, nz: number, axis: 'z' = 'z'): Float64Array {
  if (axis !== 'z') throw new Error(`midPlaneSlice: unsupported axis ${String(axis)}`);
  if (data.length !== nx * ny * nz) throw new Error(`midPlaneSlice: data has ${data.length} values, grid needs ${nx * ny * nz}`);
  const k = Math.floor(nz / 2);
  return Float64Array.from(data.subarray(k * nx * ny, (k + 1) * nx * ny));
}

// ---------------------------------------------------------------- range and labels

function resolveRange(data: ArrayLike<number>, range?: [number, number]): [number, number] {
  let lo: number;
  let hi: number;
  if (range) {
    [lo, hi] = range;
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi) throw new Error(`renderFieldPng: bad range [${lo}, ${hi}]`);
  } else {
    lo = Infinity;
    hi = -Infinity;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    if (lo > hi) return [0, 1]; // nothing finite: any range will do, all cells are flagged
  }
  if (lo === hi) {
    // A constant field would divide by zero; centre it in a small range instead.
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.01;
    return [lo - d, hi + d];
  }
  return [lo, hi];
}

/** Significant digits needed so min, mid and max labels differ. */
function labelDigits(lo: number, hi: number): number {
  const mag = Math.max(Math.abs(lo), Math.abs(hi));
  const rel = mag / (hi - lo);
  return Math.min(10, Math.max(3, Math.ceil(Math.log10(rel)) + 2));
}

/** Compact number for labels: plain for moderate magnitudes, else 1.5e-7 style. */
export function fmtNumber(v: number, digits: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  let s: string;
  if (a >= 1e-3 && a < 1e5) {
    s = v.toPrecision(digits);
    if (s.includes('e')) s = String(Number(s));
    if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  } else {
    const [m, e] = v.toExponential(digits - 1).split('e');
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    s = `${mant}e${Number(e)}`;
  }
  return s;
}

/** Largest 1-2-5 x 10^k length not above `target` (µm), so the bar label is round. */
function niceLength(target: number): number {
  if (!(target > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(target));
  for (const m of [5, 2, 1]) if (m * p <= target * (1 + 1e-9)) return Number((m * p).toPrecision(6));
  return p;
}

// ---------------------------------------------------------------- raster helpers

function sampleMap(data: ArrayLike<number>, nx: number, ny: number, up: number, down: number, mapW: number, mapH: number): Float64Array {
  const out = new Float64Array(mapW * mapH);
  for (let py = 0; py < mapH; py++) {
    for (let px = 0; px < mapW; px++) {
      let v: number;
      if (down === 1) {
        v = data[Math.floor(px / up) + nx * (ny - 1 - Math.floor(py / up))];
      } else {
        // Box average over the block; one non-finite cell flags the whole block.
        const jb = mapH - 1 - py;
        let sum = 0;
        let n = 0;
        for (let j = jb * down; j < Math.min(ny, (jb + 1) * down); j++) {
          for (let i = px * down; i < Math.min(nx, (px + 1) * down); i++) {
            sum += data[i + nx * j];
            n++;
          }
        }
        v = sum / n;
      }
      out[py * mapW + px] = v;
    }
  }
  return out;
}

/**
 * Marks pixels where the bilinearly interpolated field crosses `level` between
 * horizontal or vertical neighbours, giving a smooth 2-pixel line even when
 * cells are blown up to many pixels.
 */
function drawContour(
  img: Raster,
  field: ArrayLike<number>,
  level: number,
  nx: number,
  ny: number,
  ppc: number,
  mapX: number,
  mapY: number,
  mapW: number,
  mapH: number,
): void {
  const side = new Int8Array(mapW * mapH); // 1 above, -1 below, 0 unknown
  for (let py = 0; py < mapH; py++) {
    const y = (mapH - py - 0.5) / ppc - 0.5;
    for (let px = 0; px < mapW; px++) {
      const v = bilinear(field, nx, ny, (px + 0.5) / ppc - 0.5, y);
      side[py * mapW + px] = Number.isFinite(v) ? (v >= level ? 1 : -1) : 0;
    }
  }
  const mark = new Uint8Array(mapW * mapH);
  for (let py = 0; py < mapH; py++) {
    for (let px = 0; px < mapW; px++) {
      const s = side[py * mapW + px];
      if (s === 0) continue;
      if (px + 1 < mapW && side[py * mapW + px + 1] === -s) mark[py * mapW + px] = mark[py * mapW + px + 1] = 1;
      if (py + 1 < mapH && side[(py + 1) * mapW + px] === -s) mark[py * mapW + px] = mark[(py + 1) * mapW + px] = 1;
    }
  }
  // White core with a one-pixel black halo: readable on every colormap end.
  for (let p = 0; p < mark.length; p++) {
    if (mark[p]) continue;
    const px = p % mapW;
    const py = Math.floor(p / mapW);
    const near =
      (px > 0 && mark[p - 1]) || (px + 1 < mapW && mark[p + 1]) || (py > 0 && mark[p - mapW]) || (py + 1 < mapH && mark[p + mapW]);
    if (near) setPixel(img, mapX + px, mapY + py, CONTOUR_HALO);
  }
  for (let p = 0; p < mark.length; p++) {
    if (mark[p]) setPixel(img, mapX + (p % mapW), mapY + Math.floor(p / mapW), CONTOUR_RGB);
  }
}

function bilinear(f: ArrayLike<number>, nx: number, ny: number, x: number, y: number): number {
  const cx = Math.min(Math.max(x, 0), nx - 1);
  const cy = Math.min(Math.max(y, 0), ny - 1);
  const i0 = Math.min(Math.floor(cx), nx - 1);
  const j0 = Math.min(Math.floor(cy), ny - 1);
  const i1 = Math.min(i0 + 1, nx - 1);
  const j1 = Math.min(j0 + 1, ny - 1);
  const wx = cx - i0;
  const wy = cy - j0;
  const a = f[i0 + nx * j0] * (1 - wx) + f[i1 + nx * j0] * wx;
  const b = f[i0 + nx * j1] * (1 - wx) + f[i1 + nx * j1] * wx;
  return a * (1 - wy) + b * wy;
}

function lutColor(lut: Uint8Array, t: number): Rgb {
  const k = Math.round(Math.min(1, Math.max(0, t)) * 255);
  return [lut[3 * k], lut[3 * k + 1], lut[3 * k + 2]];
}

function setPixel(img: Raster, x: number, y: number, rgb: Rgb): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const o = 4 * (y * img.width + x);
  img.data[o] = rgb[0];
  img.data[o + 1] = rgb[1];
  img.data[o + 2] = rgb[2];
  img.data[o + 3] = 255;
}

function fillRect(img: Raster, x: number, y: number, w: number, h: number, rgb: Rgb): void {
  for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) setPixel(img, xx, yy, rgb);
}

function strokeRect(img: Raster, x: number, y: number, w: number, h: number, rgb: Rgb): void {
  fillRect(img, x, y, w, 1, rgb);
  fillRect(img, x, y + h - 1, w, 1, rgb);
  fillRect(img, x, y, 1, h, rgb);
  fillRect(img, x + w - 1, y, 1, h, rgb);
}
