/**
 * What the views draw, derived from the solver's fields (read-only): the current density, slices
 * of 3D fields, colour ranges and colour-mapped RGBA pixels (the list of quantities is
 * quantities.ts).
 * Colour tables come from src/io/colormap.ts, the same ones the PNG writer uses, so a map in the
 * browser and a PNG of the same run show the same colours. No three.js and no DOM here.
 */
import { colorLut, type ColormapName } from '../io/colormap.ts';
import { coefficients } from '../model/derived.ts';
import { hInterp, initialProps } from '../model/initial.ts';
import { atTemperature } from '../model/params.ts';
import type { Scenario } from '../model/scenario.ts';

/**
 * Magnitude of the current density |σ(ξ)∇φ| per cell in mA/cm² (1 A/m² = 0.1 mA/cm²).
 * σ(ξ) = σ_s h + σ_l k_S (1 − h) as in the model (σ_l at the run temperature, σ_s capped like
 * the solver when the scenario caps the contrast; k_S and host cells from the SEI/host props); the face currents use the harmonic mean of the two cell conductivities,
 * as the potential solver does, so the jump of σ at the interface does not produce a spurious
 * current; each cell averages its two faces per axis (one at a domain face).
 */
export function currentDensity(s: Scenario, xi: Float64Array, phi: Float64Array): Float64Array {
  const [nx, ny, nz] = s.grid.n;
  const N = nx * ny * nz;
  if (xi.length !== N || phi.length !== N) throw new Error(`currentDensity: fields have ${xi.length}/${phi.length} cells, the grid ${N}`);
  // the solver's numbers: σ_l at the run temperature and the (possibly capped) ratio σ_s/σ_l
  const sigL = atTemperature(s.parameters).sigmaL;
  const ratio = coefficients(s).sigmaS;
  // the material switches as the solver sees them (src/backends/cpu/coefficients.ts): an SEI
  // scales the electrolyte's share by kS, a host cell conducts like the metal
  const props = initialProps(s);
  const sig = new Float64Array(N);
  for (let q = 0; q < N; q++) {
    const h = hInterp(Math.min(1, Math.max(0, xi[q])));
    const kS = props ? props[4 * q + 2] : 1;
    const host = props ? props[4 * q + 3] > 0.5 : false;
    sig[q] = host ? sigL * ratio : sigL * (ratio * h + kS * (1 - h));
  }
  const dx = s.grid.dx;
  const strides = [1, nx, nx * ny];
  const sizes = [nx, ny, nz];
  const out = new Float64Array(N);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const q = i + nx * (j + ny * k);
        const idx = [i, j, k];
        let sum2 = 0;
        for (let a = 0; a < s.grid.dims; a++) {
          const st = strides[a];
          let acc = 0,
            faces = 0;
          if (idx[a] > 0) {
            acc += faceCurrent(sig[q - st], sig[q], phi[q - st], phi[q], dx);
            faces++;
          }
          if (idx[a] < sizes[a] - 1) {
            acc += faceCurrent(sig[q], sig[q + st], phi[q], phi[q + st], dx);
            faces++;
          }
          const ia = faces ? acc / faces : 0;
          sum2 += ia * ia;
        }
        out[q] = Math.sqrt(sum2) * 0.1;
      }
  return out;
}

/** −σ_face ∂φ/∂n at the face between cells a (lower) and b (upper), A/m². */
function faceCurrent(sa: number, sb: number, pa: number, pb: number, dx: number): number {
  const sf = (2 * sa * sb) / (sa + sb);
  return (-sf * (pb - pa)) / dx;
}

export type Axis = 'x' | 'y' | 'z';

/**
 * The plane `index` normal to `axis` of a 3D field, as a 2D array with its own (u, v) axes:
 * normal z → (x, y); normal y → (x, z); normal x → (y, z). Index u + nu*v.
 */
export function slice(
  data: ArrayLike<number>,
  n: [number, number, number],
  axis: Axis,
  index: number,
): { data: Float64Array; nu: number; nv: number } {
  const [nx, ny, nz] = n;
  if (data.length !== nx * ny * nz) throw new Error(`slice: data has ${data.length} values, the grid ${nx * ny * nz}`);
  const size = { x: nx, y: ny, z: nz }[axis];
  if (!Number.isInteger(index) || index < 0 || index >= size) throw new Error(`slice: index ${index} outside 0..${size - 1} along ${axis}`);
  const [nu, nv] = axis === 'z' ? [nx, ny] : axis === 'y' ? [nx, nz] : [ny, nz];
  const out = new Float64Array(nu * nv);
  for (let v = 0; v < nv; v++)
    for (let u = 0; u < nu; u++) {
      const [i, j, k] = axis === 'z' ? [u, v, index] : axis === 'y' ? [u, index, v] : [index, u, v];
      out[u + nu * v] = data[i + nx * (j + ny * k)];
    }
  return { data: out, nu, nv };
}

/** Finite min and max (a constant field gets a small range around its value, as in the PNG writer). */
export function autoRange(data: ArrayLike<number>): [number, number] {
  let lo = Infinity,
    hi = -Infinity;
  for (let q = 0; q < data.length; q++) {
    const v = data[q];
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo > hi) return [0, 1];
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.01;
    return [lo - d, hi + d];
  }
  return [lo, hi];
}

/** Magenta for NaN/Inf cells, as in the PNG writer (in none of the colormaps). */
export const NON_FINITE_RGBA = [255, 0, 255, 255] as const;

const lutCache = new Map<ColormapName, Uint8Array>();
/** The 256-entry sRGB table of a colormap (src/io/colormap.ts), cached. */
export function lut(name: ColormapName): Uint8Array {
  let t = lutCache.get(name);
  if (!t) {
    t = colorLut(name);
    lutCache.set(name, t);
  }
  return t;
}

/** RGBA8 pixels (one per value) of `data` through the colormap over `range`. */
export function colorize(data: ArrayLike<number>, colormap: ColormapName, range: [number, number], out?: Uint8Array): Uint8Array {
  const table = lut(colormap);
  const px = out ?? new Uint8Array(4 * data.length);
  const [lo, hi] = range;
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  for (let q = 0; q < data.length; q++) {
    const v = data[q];
    const o = 4 * q;
    if (!Number.isFinite(v)) {
      px.set(NON_FINITE_RGBA, o);
      continue;
    }
    const t = Math.round(Math.min(255, Math.max(0, (v - lo) * scale)));
    px[o] = table[3 * t];
    px[o + 1] = table[3 * t + 1];
    px[o + 2] = table[3 * t + 2];
    px[o + 3] = 255;
  }
  return px;
}

/** Largest 1-2-5 × 10^k length not above `target` (a round scale-bar length). */
export function niceLength(target: number): number {
  if (!(target > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(target));
  for (const m of [5, 2, 1]) if (m * p <= target * (1 + 1e-9)) return Number((m * p).toPrecision(6));
  return p;
}

/** Tick label with enough digits that min, mid and max differ. */
export function tickLabel(v: number, lo: number, hi: number): string {
  if (v === 0) return '0';
  const mag = Math.max(Math.abs(lo), Math.abs(hi));
  const digits = Math.min(8, Math.max(3, Math.ceil(Math.log10(mag / Math.max(hi - lo, 1e-300))) + 2));
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(digits)));
  return v.toExponential(digits - 1).replace(/\.?0+e/, 'e');
}
