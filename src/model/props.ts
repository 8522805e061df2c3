/**
 * The per-cell material field `props` (docs/material-switches.md): 4 × f32 per cell, [kL, kD, kS, host],
 * memory order x fastest (cell q at 4q … 4q+3). Built here from the scenario, uploaded once to
 * the backend, never changed by a run. Uniform [1, 1, 1, 0] is the base model; materialProps()
 * returns null when no switch is set, and every backend then runs the base model unchanged.
 *
 * How the kernels use it (src/backends/cpu/{phase,coefficients}.ts are the reference):
 *   phase:        reaction rate L_η·kL; a host cell (host > 0.5) is frozen (∂ξ/∂t = 0, no noise)
 *   coefficients: D(ξ) = (D_s h + D_l·kD·(1−h))·(1−host)
 *                 σ̂(ξ) = host ? σ̂_s : σ̂_s h + kS·(1−h)     (σ̂ = σ/σ_l)
 *   reductions:   host cells are left out of every sum, extremum and the tip.
 *
 * SEI (scenario `sei`): a STATIC layer in space. Every cell whose signed distance d to the
 * initial metal surface (the ξ = ½ level of initial.layer/rough/nuclei, d > 0 in the
 * electrolyte) is at most `thickness` gets kL = reactionRate, kD = diffusivity,
 * kS = conductivity (ratios to L_η, D_l, σ_l). Cells inside the metal are included: there the
 * ratios have no effect (D and σ use them only with the electrolyte fraction 1 − h, the
 * reaction only where h′(ξ) > 0), and including them puts the whole diffuse interface
 * (|d| ≲ 1.5 w) under the SEI's reaction rate. Simplification: the layer does not move with
 * the interface — metal that grows further than `thickness` leaves the SEI behind, stripped
 * metal exposes cells that keep the SEI's values. Patchy: the lateral plane (y, z) is tiled
 * into squares (2D: segments) of edge `size`; exactly round(fraction·tiles) of them, chosen by
 * the counter-based hash of (seed, tile), are weak spots whose three ratios are multiplied by
 * `contrast` (more ionic conductivity, diffusivity and exchange current: they concentrate the
 * current). A weak spot is a column along x through the band (tiles are lateral, so the
 * pattern suits a flat or gently curved surface; on a nucleus the spots are the columns
 * through it).
 *
 * Host (scenario `host`): a fixed conductive scaffold on the collector (x = 0) that the metal
 * cannot enter. A cell is host when its centre is inside the geometry:
 *   pillars {width, height, spacing}: x < height and |y − y_m| < width/2 (3D: and |z − z_m| <
 *     width/2), y_m = (m + ½)·spacing — square pillars on a square lattice;
 *   mesh {wire, spacing, thickness}: x < thickness and a cubic lattice of square struts of
 *     width `wire`, period `spacing`: struts along x at lateral (m + ½)·spacing (they join
 *     the mesh to the collector), along y and z at x = (a + ½)·spacing;
 *   porous {porosity, poreSize, thickness, seed}: x < thickness, a seeded value-noise field with
 *     lattice spacing poreSize (smooth trilinear interpolation of hashed lattice values)
 *     thresholded so that exactly round((1 − porosity)·cells) of the cells with x < thickness
 *     are solid. Solid islands are not guaranteed to touch the collector; they are still held
 *     at σ_s (floating conductors).
 * Host cells hold ξ = 1 (lithiophilic) or 0 (lithiophobic) and c̃ = 0 (src/model/initial.ts).
 */
import { hash32, uniform24 } from './noise.ts';
import type { Scenario } from './scenario.ts';

/** Values per cell and their slots. */
export const PROPS_STRIDE = 4;
export const PROP_KL = 0;
export const PROP_KD = 1;
export const PROP_KS = 2;
export const PROP_HOST = 3;
/** The base model's props of one cell. */
export const PROPS_DEFAULT: readonly [number, number, number, number] = [1, 1, 1, 0];

/** Whether the scenario sets a switch that needs the props field (sei, host). */
export function hasProps(s: Scenario): boolean {
  return s.sei !== undefined || s.host !== undefined;
}

/** Cell centre (m) of index i along an axis. */
const centre = (i: number, dx: number) => (i + 0.5) * dx;

/** Host mask (1 = host cell), or null without a host. */
export function hostMask(s: Scenario): Uint8Array | null {
  const h = s.host;
  if (!h) return null;
  const [nx, ny, nz] = s.grid.n;
  const dx = s.grid.dx;
  const three = s.grid.dims === 3;
  const out = new Uint8Array(nx * ny * nz);
  const g = h.geometry;
  // distance (m) of coordinate v from the nearest lattice line (m + ½)·period
  const offLattice = (v: number, period: number) => {
    const r = v - (Math.floor(v / period) + 0.5) * period;
    return Math.abs(r);
  };
  if ('porous' in g) {
    porousMask(s, out);
    return out;
  }
  for (let k = 0; k < nz; k++) {
    const z = centre(k, dx);
    for (let j = 0; j < ny; j++) {
      const y = centre(j, dx);
      for (let i = 0; i < nx; i++) {
        const x = centre(i, dx);
        let host = false;
        if ('pillars' in g) {
          const p = g.pillars;
          host = x < p.height && offLattice(y, p.spacing) < p.width / 2 && (!three || offLattice(z, p.spacing) < p.width / 2);
        } else {
          const m = g.mesh;
          if (x < m.thickness) {
            const r = m.wire / 2;
            const nxL = offLattice(x, m.spacing) < r,
              nyL = offLattice(y, m.spacing) < r,
              nzL = three && offLattice(z, m.spacing) < r;
            // a strut along an axis: every other coordinate on a lattice line
            host = three ? (nyL && nzL) || (nxL && nzL) || (nxL && nyL) : nyL || nxL;
          }
        }
        if (host) out[i + nx * (j + ny * k)] = 1;
      }
    }
  }
  return out;
}

/** Smoothstep-interpolated value noise in [0, 1) on a lattice of spacing `cell` (m), seeded. */
function valueNoise(seed: number, cell: number, three: boolean): (x: number, y: number, z: number) => number {
  const base = hash32(seed >>> 0);
  const node = (a: number, b: number, c: number) => uniform24(hash32((hash32((hash32((base + a) >>> 0) + b) >>> 0) + c) >>> 0));
  const fade = (t: number) => t * t * (3 - 2 * t);
  return (x, y, z) => {
    const fx = x / cell,
      fy = y / cell,
      fz = three ? z / cell : 0;
    const a = Math.floor(fx),
      b = Math.floor(fy),
      c = Math.floor(fz);
    const tx = fade(fx - a),
      ty = fade(fy - b),
      tz = fade(fz - c);
    const lerp = (p: number, q: number, t: number) => p + (q - p) * t;
    const plane = (cc: number) =>
      lerp(lerp(node(a, b, cc), node(a + 1, b, cc), tx), lerp(node(a, b + 1, cc), node(a + 1, b + 1, cc), tx), ty);
    return three ? lerp(plane(c), plane(c + 1), tz) : plane(c);
  };
}

function porousMask(s: Scenario, out: Uint8Array): void {
  const g = s.host!.geometry;
  if (!('porous' in g)) return;
  const { porosity, poreSize, thickness, seed } = g.porous;
  const [nx, ny, nz] = s.grid.n;
  const dx = s.grid.dx;
  const noise = valueNoise(seed, poreSize, s.grid.dims === 3);
  const nxT = Math.min(nx, Math.ceil(thickness / dx - 0.5)); // cells with centre x < thickness
  if (nxT <= 0) return;
  const cells: number[] = [];
  const vals: number[] = [];
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nxT; i++) {
        if (centre(i, dx) >= thickness) continue;
        cells.push(i + nx * (j + ny * k));
        vals.push(noise(centre(i, dx), centre(j, dx), centre(k, dx)));
      }
  // exactly round((1 − porosity)·cells) solid cells: the lowest noise values (ties by index)
  const order = cells.map((_, q) => q).sort((p, q) => vals[p] - vals[q] || p - q);
  const solid = Math.round((1 - porosity) * cells.length);
  for (let q = 0; q < solid; q++) out[cells[order[q]]] = 1;
}

/**
 * Squared Euclidean distance (in cells) from every cell centre to the nearest cell with
 * mask = 1 (Felzenszwalb–Huttenlocher, separable, exact); Infinity where the mask is empty.
 */
export function distanceToMask(mask: Uint8Array, n: [number, number, number]): Float64Array {
  const [nx, ny, nz] = n;
  const d = new Float64Array(mask.length);
  for (let q = 0; q < mask.length; q++) d[q] = mask[q] ? 0 : Infinity;
  const maxN = Math.max(nx, ny, nz);
  const f = new Float64Array(maxN),
    out = new Float64Array(maxN);
  const v = new Int32Array(maxN),
    zb = new Float64Array(maxN + 1);
  const pass = (len: number, count: number, at: (line: number, t: number) => number) => {
    for (let line = 0; line < count; line++) {
      for (let t = 0; t < len; t++) f[t] = d[at(line, t)];
      edt1d(f, len, out, v, zb);
      for (let t = 0; t < len; t++) d[at(line, t)] = out[t];
    }
  };
  pass(nx, ny * nz, (l, t) => l * nx + t);
  pass(ny, nx * nz, (l, t) => (l % nx) + nx * (t + ny * Math.floor(l / nx)));
  if (nz > 1) pass(nz, nx * ny, (l, t) => l + nx * ny * t);
  return d;
}

/** 1D squared distance transform of sampled function f (lower envelope of parabolas). */
function edt1d(f: Float64Array, n: number, out: Float64Array, v: Int32Array, z: Float64Array): void {
  const cross = (q: number, p: number) => (f[q] + q * q - (f[p] + p * p)) / (2 * q - 2 * p);
  let k = -1;
  for (let q = 0; q < n; q++) {
    if (f[q] === Infinity) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    let s = cross(q, v[k]);
    while (s <= z[k]) {
      k--;
      s = cross(q, v[k]);
    } // z[0] = −∞ stops it
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    for (let q = 0; q < n; q++) out[q] = Infinity;
    return;
  }
  let j = 0;
  for (let q = 0; q < n; q++) {
    while (z[j + 1] < q) j++;
    const dq = q - v[j];
    out[q] = dq * dq + f[v[j]];
  }
}

/**
 * SEI weak-spot tiles: a function of the lateral position (y, z in m) that says whether the
 * tile there is a weak spot. Exactly round(fraction·tiles) tiles are weak, the ones with the
 * smallest hash(seed, tile) (ties by tile index).
 */
export function weakSpots(s: Scenario): ((y: number, z: number) => boolean) | null {
  const p = s.sei?.pattern;
  if (!p || p === 'uniform') return null;
  const { fraction, size, seed } = p.patchy;
  const [, ny, nz] = s.grid.n;
  const dx = s.grid.dx;
  const nty = Math.ceil((ny * dx) / size - 1e-9);
  const ntz = s.grid.dims === 3 ? Math.ceil((nz * dx) / size - 1e-9) : 1;
  const T = nty * ntz;
  const key = hash32(seed >>> 0);
  const keys = new Float64Array(T);
  for (let t = 0; t < T; t++) keys[t] = hash32((key ^ hash32(t)) >>> 0);
  const order = Array.from({ length: T }, (_, t) => t).sort((a, b) => keys[a] - keys[b] || a - b);
  const weak = new Uint8Array(T);
  const m = Math.round(fraction * T);
  for (let q = 0; q < m; q++) weak[order[q]] = 1;
  return (y, z) => {
    const ty = Math.min(nty - 1, Math.floor(y / size));
    const tz = s.grid.dims === 3 ? Math.min(ntz - 1, Math.floor(z / size)) : 0;
    return weak[ty + nty * tz] === 1;
  };
}

/**
 * The props field of a scenario (4 × f32 per cell), or null when no switch needs it (the base
 * model: every backend then uses [1, 1, 1, 0] without reading a field).
 * `surface(x, y, z)` is the signed distance (m) to the initial metal surface (initial.ts).
 */
export function materialProps(
  s: Scenario,
  surface: (x: number, y: number, z: number) => number,
  host: Uint8Array | null = hostMask(s),
): Float32Array | null {
  if (!hasProps(s)) return null;
  const [nx, ny, nz] = s.grid.n;
  const dx = s.grid.dx;
  const N = nx * ny * nz;
  const out = new Float32Array(PROPS_STRIDE * N);
  for (let q = 0; q < N; q++) out.set(PROPS_DEFAULT, PROPS_STRIDE * q);
  const sei = s.sei;
  const weak = weakSpots(s);
  for (let k = 0; k < nz; k++) {
    const z = centre(k, dx);
    for (let j = 0; j < ny; j++) {
      const y = centre(j, dx);
      const boost = weak?.(y, z) ? (sei!.pattern as { patchy: { contrast: number } }).patchy.contrast : 1;
      for (let i = 0; i < nx; i++) {
        const q = i + nx * (j + ny * k);
        const o = PROPS_STRIDE * q;
        if (host?.[q]) {
          out[o + PROP_HOST] = 1;
          continue;
        }
        if (sei && surface(centre(i, dx), y, z) <= sei.thickness) {
          out[o + PROP_KL] = sei.reactionRate * boost;
          out[o + PROP_KD] = sei.diffusivity * boost;
          out[o + PROP_KS] = sei.conductivity * boost;
        }
      }
    }
  }
  return out;
}

/** Warnings about the material switches (resolution; where a switch has no effect). */
export function materialWarnings(s: Scenario): string[] {
  const out: string[] = [];
  const dx = s.grid.dx;
  const um = (v: number) => `${(v / 1e-6).toPrecision(3)} µm`;
  if (s.sei && s.sei.thickness < dx) {
    out.push(
      `sei.thickness = ${um(s.sei.thickness)} < dx = ${um(dx)}: the SEI band outside the metal is at most one cell thick (the layer is resolved by cells, not by its true nm thickness: use an effective thickness ≥ dx and ratios scaled to it)`,
    );
  }
  const g = s.host?.geometry;
  if (g) {
    const [what, size] =
      'pillars' in g
        ? ['pillars.width', g.pillars.width]
        : 'mesh' in g
          ? ['mesh.wire', g.mesh.wire]
          : ['porous.poreSize', g.porous.poreSize];
    if (size < 2 * dx) out.push(`host.geometry.${what} = ${um(size)} < 2·dx: the scaffold is resolved by fewer than 2 cells`);
  }
  if (s.substrate && s.initial.layer > 0) {
    out.push(
      'substrate.contactAngle with initial.layer > 0: the layer covers the collector, so the contact angle acts only where the metal leaves the collector (nuclei on a bare collector are its use)',
    );
  }
  return out;
}
