/**
 * Initial conditions: flat layer with the equilibrium tanh profile, nuclei (discs in 2D,
 * hemispheres/spheres in 3D), and a seeded rough surface. All lengths in SI on input.
 */
import type { Scenario } from './scenario.ts';
import { interfaceWidth } from './params.ts';
import { hash32, uniform24 } from './noise.ts';
import type { Fields } from './fields.ts';
import { distanceToMask, hostMask, materialProps } from './props.ts';
import { gpConcentration, gpInitialW } from './grand-potential-fields.ts';
import { speciesList } from './species.ts';
import { displacementKeys } from './mechanics-fields.ts';

export type { Fields } from './fields.ts';

/** h(ξ) = ξ³(6ξ² − 15ξ + 10), the interpolation function. */
export function hInterp(x: number): number {
  return x * x * x * (6 * x * x - 15 * x + 10);
}

/** Equilibrium profile ½(1 − tanh(d/w)) for signed distance d (positive outside the metal). */
function profile(d: number, w: number): number {
  return 0.5 * (1 - Math.tanh(d / w));
}

/** A seeded random surface height h(y, z), zero mean, RMS ≈ amplitude, features ≥ wavelength. */
function roughHeight(s: Scenario): ((y: number, z: number) => number) | null {
  const r = s.initial.rough;
  if (!r || r.amplitude === 0) return null;
  const [, ny, nz] = s.grid.n;
  const Ly = ny * s.grid.dx;
  const Lz = nz * s.grid.dx;
  const modes: { ky: number; kz: number; phase: number; amp: number }[] = [];
  const maxK = Math.max(1, Math.floor(Ly / r.wavelength));
  let key = hash32(r.seed);
  for (let m = 1; m <= maxK; m++) {
    for (let q = 0; q <= (s.grid.dims === 3 ? Math.max(1, Math.floor(Lz / r.wavelength)) : 0); q++) {
      key = hash32(key + m * 131 + q);
      const phase = 2 * Math.PI * uniform24(key);
      key = hash32(key);
      modes.push({ ky: (2 * Math.PI * m) / Ly, kz: Lz > 0 ? (2 * Math.PI * q) / Lz : 0, phase, amp: uniform24(key) });
    }
  }
  const norm = Math.sqrt(modes.reduce((a, m) => a + (m.amp * m.amp) / 2, 0)) || 1;
  return (y, z) => (r.amplitude / norm) * modes.reduce((a, m) => a + m.amp * Math.cos(m.ky * y + m.kz * z + m.phase), 0);
}

/**
 * Signed distance (m) from (x, y, z) to the initial metal surface, the ξ = ½ level of the
 * layer (+ rough surface) and the nuclei: min over them, positive in the electrolyte,
 * +Infinity without any metal. initialFields' ξ equals ½(1 − tanh(d/w)) of it.
 */
export function surfaceDistance(s: Scenario): (x: number, y: number, z: number) => number {
  const rough = roughHeight(s);
  const layer = s.initial.layer;
  const hasLayer = layer > 0 || rough !== null;
  const nuclei = s.initial.nuclei;
  const three = s.grid.dims === 3;
  return (x, y, z) => {
    let d = hasLayer ? x - (layer + (rough ? rough(y, z) : 0)) : Infinity;
    for (const nu of nuclei) {
      const dxn = x - nu.center[0],
        dyn = y - nu.center[1],
        dzn = three ? z - nu.center[2] : 0;
      d = Math.min(d, Math.sqrt(dxn * dxn + dyn * dyn + dzn * dzn) - nu.radius);
    }
    return d;
  };
}

/** The per-cell material field of the scenario (src/model/props.ts), or null for the base model. */
export function initialProps(s: Scenario): Float32Array | null {
  return materialProps(s, surfaceDistance(s));
}

/**
 * Host cells (src/model/props.ts): ξ = 1 (lithiophilic) or 0, c̃ = 0. Around a lithiophilic host
 * the electrolyte starts from the equilibrium profile ½(1 − tanh(d/w)) of the distance d to the
 * host surface (cell-centre distance to the nearest host cell − dx/2; exact for a flat face),
 * combined with the metal already there by max; c̃ follows ξ as for the other cells.
 */
function applyHost(s: Scenario, f: Fields, w: number): void {
  const mask = hostMask(s);
  if (!mask) return;
  const philic = s.host!.lithiophilic;
  const d2 = philic ? distanceToMask(mask, s.grid.n) : null;
  const dx = s.grid.dx;
  for (let q = 0; q < mask.length; q++) {
    if (mask[q]) {
      f.xi[q] = philic ? 1 : 0;
      f.c[q] = 0;
      continue;
    }
    if (!d2) continue;
    const v = Math.max(f.xi[q], profile((Math.sqrt(d2[q]) - 0.5) * dx, w));
    if (v !== f.xi[q]) {
      f.xi[q] = v;
      f.c[q] = s.initial.concentration === 'uniform' ? 1 : 1 - hInterp(v);
    }
  }
}

/** Builds ξ, c̃, ψ and the species' fields on the grid (memory order x fastest, then y, then z). */
export function initialFields(s: Scenario): Fields {
  const [nx, ny, nz] = s.grid.n;
  const dx = s.grid.dx;
  const w = interfaceWidth(s.parameters);
  const N = nx * ny * nz;
  const xi = new Float64Array(N);
  const c = new Float64Array(N);
  const psi = new Float64Array(N);
  const rough = roughHeight(s);
  const layer = s.initial.layer;
  const hasLayer = layer > 0 || rough !== null;
  const nuclei = s.initial.nuclei;
  for (let k = 0; k < nz; k++) {
    const z = (k + 0.5) * dx;
    for (let j = 0; j < ny; j++) {
      const y = (j + 0.5) * dx;
      const top = layer + (rough ? rough(y, z) : 0);
      for (let i = 0; i < nx; i++) {
        const x = (i + 0.5) * dx;
        let v = hasLayer ? profile(x - top, w) : 0;
        for (const nu of nuclei) {
          const dxn = x - nu.center[0];
          const dyn = y - nu.center[1];
          const dzn = s.grid.dims === 3 ? z - nu.center[2] : 0;
          const d = Math.sqrt(dxn * dxn + dyn * dyn + dzn * dzn) - nu.radius;
          v = Math.max(v, profile(d, w));
        }
        const idx = i + nx * (j + ny * k);
        xi[idx] = v;
        c[idx] = s.initial.concentration === 'uniform' ? 1 : 1 - hInterp(v);
      }
    }
  }
  const f: Fields = { xi, c, psi };
  applyHost(s, f, w);
  // every transported species (src/model/species.ts) starts like c̃: its bulk value in the
  // electrolyte, none in the metal (1 − h(ξ), or 1 with initial.concentration "uniform") and
  // none in host cells
  for (const sp of speciesList(s)) f[sp.name] = c.slice();
  // mechanics: the displacement starts at zero (the first solve finds it)
  if (s.mechanics) for (const key of displacementKeys(s.grid.dims)) f[key] = new Float64Array(c.length);
  // the grand-potential form: w uniform at the reservoir's value (the input starts from w = 0,
  // the bulk), c̃ = K·c_l(w)·(1 − h(ξ)) follows from it (0 in host cells)
  if (s.grandPotential) {
    f.w = new Float64Array(N).fill(gpInitialW(s));
    gpConcentration(s, f.xi, f.w, hostMask(s), f.c);
  }
  return f;
}
