/**
 * Statistics of rendered pictures (RGBA8 pixels, e.g. a decoded screenshot), for the headless
 * tests and the screenshots script: which colour-table position a map pixel shows, how much of
 * a map is metal, where the contour's white pixels are, and how a lit 3D surface is shaded.
 */
import type { ColormapName } from '../io/colormap.ts';
import { lut } from './fields.ts';

export interface Pixels {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/**
 * Position t ∈ [0, 1] in the colour table nearest to an sRGB colour, or null when the nearest
 * entry is further than `tol` (per channel, max norm): the pixel is not map colour (contour, text).
 */
export function tableIndex(cmap: ColormapName, r: number, g: number, b: number, tol = 6): number | null {
  const t = lut(cmap);
  let best = -1,
    bestD = Infinity;
  for (let q = 0; q < 256; q++) {
    const d = Math.max(Math.abs(t[3 * q] - r), Math.abs(t[3 * q + 1] - g), Math.abs(t[3 * q + 2] - b));
    if (d < bestD) {
      bestD = d;
      best = q;
    }
  }
  return bestD <= tol ? best / 255 : null;
}

export interface MapStats {
  /** Pixels showing a colour of the table. */
  mapPixels: number;
  /** Of those, the fraction above `threshold` in the table (ξ > 0.5 for the ξ map over [0, 1]). */
  aboveFraction: number;
  /** Pure white pixels (the contour's core; white is in none of the tables). */
  white: { x: number; y: number }[];
  /** Standard deviation of the luminance (0 for a blank picture). */
  lumaStd: number;
}

/** Classifies every pixel of a map picture. */
export function mapStats(p: Pixels, cmap: ColormapName, threshold = 0.5): MapStats {
  let mapPixels = 0,
    above = 0,
    s = 0,
    s2 = 0;
  const white: { x: number; y: number }[] = [];
  const cache = new Map<number, number | null>();
  for (let y = 0; y < p.height; y++)
    for (let x = 0; x < p.width; x++) {
      const o = 4 * (y * p.width + x);
      const r = p.data[o],
        g = p.data[o + 1],
        b = p.data[o + 2];
      const l = 0.2126 * r + 0.7152 * g + 0.0722 * b;
      s += l;
      s2 += l * l;
      if (r === 255 && g === 255 && b === 255) {
        white.push({ x, y });
        continue;
      }
      const key = (r << 16) | (g << 8) | b;
      let t = cache.get(key);
      if (t === undefined) {
        t = tableIndex(cmap, r, g, b);
        cache.set(key, t);
      }
      if (t === null) continue;
      mapPixels++;
      if (t > threshold) above++;
    }
  const n = p.width * p.height;
  const mean = s / n;
  return { mapPixels, aboveFraction: mapPixels ? above / mapPixels : 0, white, lumaStd: Math.sqrt(Math.max(0, s2 / n - mean * mean)) };
}

export interface SurfaceStats {
  /** Fraction of the picture that differs from the background by more than `tol` in some channel. */
  coverage: number;
  /** Luminance of those pixels: mean, standard deviation, 10th and 90th percentiles. */
  luma: { mean: number; std: number; p10: number; p90: number };
  /** Distinct luminance levels (rounded) among them: shading, not a flat fill. */
  levels: number;
}

/** The lit-surface pixels of a 3D picture with a uniform background colour. */
export function surfaceStats(p: Pixels, background: [number, number, number], tol = 24): SurfaceStats {
  const lum: number[] = [];
  for (let q = 0; q < p.width * p.height; q++) {
    const o = 4 * q;
    const r = p.data[o],
      g = p.data[o + 1],
      b = p.data[o + 2];
    if (Math.max(Math.abs(r - background[0]), Math.abs(g - background[1]), Math.abs(b - background[2])) <= tol) continue;
    lum.push(0.2126 * r + 0.7152 * g + 0.0722 * b);
  }
  lum.sort((a, b) => a - b);
  const n = lum.length;
  const mean = n ? lum.reduce((a, b) => a + b, 0) / n : 0;
  const std = n ? Math.sqrt(lum.reduce((a, b) => a + (b - mean) ** 2, 0) / n) : 0;
  return {
    coverage: n / (p.width * p.height),
    luma: { mean, std, p10: n ? lum[Math.floor(0.1 * (n - 1))] : 0, p90: n ? lum[Math.floor(0.9 * (n - 1))] : 0 },
    levels: new Set(lum.map(Math.round)).size,
  };
}
