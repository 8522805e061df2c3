/**
 * The mechanics stage's per-cell fields (src/model/fields.ts registry; docs/mechanics.md):
 * the displacement components ux, uy (, uz) in µm — solver state, checkpointed, written to the
 * VTI — and the stresses derived from them on the host for the outputs: the hydrostatic stress
 * σ_h = tr σ/3 and the von Mises stress, in MPa (VTI and PNG maps).
 *
 * Each displacement component is stored per cell at the centre of the cell's upper face along
 * its axis (the staggered grid of src/backends/cpu/elasticity-kernels.ts); the stresses are at
 * cell centres.
 */
import {
  elasticCouplingK,
  elasticMaterialK,
  elasticStressK,
  MODE_LINEAR,
  pairCount,
  type ElasticGrid,
} from '../backends/cpu/elasticity-kernels.ts';
import type { Coefficients } from './derived.ts';
import type { FieldDef, Fields } from './fields.ts';

const KEYS = ['ux', 'uy', 'uz'] as const;

/** The displacement fields of a dims-D run. */
export function displacementKeys(dims: 2 | 3): string[] {
  return KEYS.slice(0, dims);
}

/** Copies the displacement fields of f into u (d·N, component-major). */
export function setDisplacement(L: { dims: 2 | 3; N: number }, u: Float64Array, f: Fields): void {
  displacementKeys(L.dims).forEach((key, a) => {
    const v = f[key];
    if (!v || v.length !== L.N)
      throw new Error(
        `mechanics: the fields have ${v ? `${v.length} cells of ${key}, the grid ${L.N}` : `no ${key} (displacement) field`}`,
      );
    u.set(v, a * L.N);
  });
}

/** Adds copies of the displacement components in u (d·N) to f. */
export function getDisplacement(L: { dims: 2 | 3; N: number }, u: Float64Array, f: Fields): void {
  displacementKeys(L.dims).forEach((key, a) => {
    f[key] = u.slice(a * L.N, (a + 1) * L.N);
  });
}

// σ_h and σ_vm of one set of fields (the same Fields object with the same arrays), computed once
// for both output fields; a caller that changes the arrays in place must pass a new Fields object
const cache = new WeakMap<Fields, { arrays: (Float64Array | undefined)[]; out: Float64Array }>();

/** [σ_h, σ_vm] per cell (over μ_ref) from ξ and the displacement (serial, f64). */
export function cellStresses(f: Fields, k: Coefficients): Float64Array {
  const m = k.mechanics;
  if (!m) throw new Error('cellStresses: the run has no mechanics');
  const arrays = [f.xi, ...displacementKeys(k.dims).map((key) => f[key])];
  const hit = cache.get(f);
  if (hit?.arrays.every((a, q) => a === arrays[q])) return hit.out;
  const [nx, ny, nz] = k.n;
  const N = nx * ny * nz;
  const g: ElasticGrid = { dims: k.dims, n: [nx, ny, nz], N, dx: k.dx, faces: m.faces };
  const mat = { lam: new Float64Array(N), mu: new Float64Array(N), hh: new Float64Array(N) };
  const rows = ny * nz;
  const s = new Float64Array(4);
  elasticMaterialK({ nx, xi: f.xi, m: mat, lamM: m.lamM, muM: m.muM, lamE: m.lamE, muE: m.muE }, s, 0, rows);
  const u = new Float64Array(k.dims * N);
  setDisplacement({ dims: k.dims, N }, u, f);
  const sig = new Float64Array(k.dims * N),
    tau = new Float64Array(pairCount(k.dims) * N);
  elasticStressK({ g, m: mat, e0: m.e0, mode: MODE_LINEAR, u, sig, tau }, s, 0, rows);
  const out = new Float64Array(2 * N);
  elasticCouplingK(
    {
      g,
      m: mat,
      e0: m.e0,
      u,
      tau,
      dLam: m.lamM - m.lamE,
      dMu: m.muM - m.muE,
      sFactor: m.sFactor,
      hydro: m.hydro,
      mech: new Float64Array(2 * N),
      out,
    },
    s,
    0,
    rows,
  );
  cache.set(f, { arrays, out });
  return out;
}

function lane(f: Fields, k: Coefficients, l: number): Float64Array {
  const st = cellStresses(f, k);
  const N = st.length / 2;
  const mpa = k.mechanics!.muRef / 1e6;
  const out = new Float64Array(N);
  for (let p = 0; p < N; p++) out[p] = st[2 * p + l] * mpa;
  return out;
}

/** The registry entries of the mechanics stage (none without it). */
export function mechanicsFieldDefs(k: Pick<Coefficients, 'dims' | 'mechanics'>): FieldDef[] {
  if (!k.mechanics) return [];
  const u: FieldDef[] = displacementKeys(k.dims).map((key) => ({
    key,
    label: `${key} (displacement, µm)`,
    state: true,
    checkpoint: true,
    output: { name: key, unit: 'um' },
  }));
  return [
    ...u,
    {
      key: 'sigma_h',
      label: 'sigma_h (hydrostatic stress tr σ/3, MPa)',
      state: false,
      checkpoint: false,
      output: { name: 'sigma_h', unit: 'MPa', png: { title: 'sigma_h MPa', colormap: 'coolwarm' } },
      derive: (f, kk) => lane(f, kk, 0),
    },
    {
      key: 'sigma_vm',
      label: 'sigma_vm (von Mises stress, MPa)',
      state: false,
      checkpoint: false,
      output: { name: 'sigma_vm', unit: 'MPa', png: { title: 'sigma_vm MPa', colormap: 'viridis' } },
      derive: (f, kk) => lane(f, kk, 1),
    },
  ];
}
