/**
 * Helpers of the mechanics known-answer tests (docs/mechanics.md): a solver on a hand-built
 * grid, an independent reference of the discrete energy (scattered per cell and per edge, the
 * way the energy is written, rather than gathered per row like the kernels) used to check the
 * operator and to turn boundary data into a load, and the closed-form Eshelby solutions.
 */
import { ElasticitySolver } from '../../src/backends/cpu/elasticity.ts';
import { centreShear, type ElasticGrid, type ElasticMaterial } from '../../src/backends/cpu/elasticity-kernels.ts';
import { SerialExec } from '../../src/backends/cpu/exec.ts';
import type { Layout } from '../../src/backends/layout.ts';
import { lame, MECH_CLAMP, MECH_PERIODIC, MECH_ROLLER, type MechCoefficients } from '../../src/model/mechanics.ts';

export { MECH_CLAMP, MECH_PERIODIC, MECH_ROLLER };
export const MECH_TRACTION = 2;

export function grid(dims: 2 | 3, n: number[], dx: number): Layout {
  const [nx, ny] = n;
  const nz = dims === 3 ? n[2] : 1;
  return { dims, nx, ny, nz, N: nx * ny * nz, rows: ny * nz, dx, periodic: [false, false, false] };
}

/** Scaled mechanics coefficients from SI moduli (μ_ref = the metal's μ). */
export function mech(
  metal: { E?: number; G?: number; nu: number },
  electrolyte: { E?: number; G?: number; nu: number },
  faces: number[],
  o: Partial<MechCoefficients> = {},
): MechCoefficients {
  const m = lame(metal),
    e = lame(electrolyte);
  return {
    muRef: m.mu,
    lamM: m.lambda / m.mu,
    muM: 1,
    lamE: e.lambda / m.mu,
    muE: e.mu / m.mu,
    e0: [0, 0, 0],
    pressure: 0,
    hydro: 0,
    faces: Int32Array.from(faces),
    sFactor: 0,
    mobEl: 0,
    omega: 1.3e-5,
    tol: 1e-10,
    maxIter: 1000,
    liquid: false,
    ...o,
  };
}

/** Cell centre (µm) of cell p. */
export function centre(L: Layout, p: number): [number, number, number] {
  const i = p % L.nx,
    j = Math.floor(p / L.nx) % L.ny,
    k = Math.floor(p / (L.nx * L.ny));
  return [(i + 0.5) * L.dx, (j + 0.5) * L.dx, L.dims === 3 ? (k + 0.5) * L.dx : 0];
}

/** Position (µm) of component a's value at cell p: the centre of p's upper a-face. */
export function facePoint(L: Layout, p: number, a: number): [number, number, number] {
  const c = centre(L, p);
  c[a] += 0.5 * L.dx;
  return c;
}

export function solver(L: Layout, mc: MechCoefficients, xi: Float64Array): ElasticitySolver {
  return new ElasticitySolver(new SerialExec(), L, mc, Float64Array.from(xi));
}

type Data = (a: number, x: [number, number, number]) => number;

/**
 * The discrete energy of docs/mechanics.md (scaled by dx^{2−d}, no eigenstrain) written term by
 * term: E = Σ_cells dx²(½λ(tr e)² + μ Σ e_c²) + Σ_edges w·dx²·½μ_e γ², with clamp data g on the
 * boundary (held values and ghosts 2g − u). Returns the gradient with respect to the free
 * values at the given free values; held values are set from g.
 */
export function energyGradient(g: ElasticGrid, m: ElasticMaterial, x: Float64Array, data: Data | null, L: Layout): Float64Array {
  const { dims, N, dx, faces } = g;
  const n = g.n;
  const grad = new Float64Array(dims * N);
  const st = [1, n[0], n[0] * n[1]];
  const idx = (p: number, a: number) => (a === 0 ? p % n[0] : a === 1 ? Math.floor(p / n[0]) % n[1] : Math.floor(p / (n[0] * n[1])));
  const per = (a: number) => faces[2 * a] === MECH_PERIODIC;
  const held = (a: number, p: number) => idx(p, a) === n[a] - 1 && (faces[2 * a + 1] === MECH_CLAMP || faces[2 * a + 1] === MECH_ROLLER);
  const gdat = (a: number, pos: [number, number, number]) => (data ? data(a, pos) : 0);
  // a value: a free unknown (with its gradient slot) or a constant
  type V = { k: number; slot: number };
  const U = (a: number, p: number): V => {
    if (!held(a, p)) return { k: x[a * N + p], slot: a * N + p };
    return { k: faces[2 * a + 1] === MECH_CLAMP ? gdat(a, facePoint(L, p, a)) : 0, slot: -1 };
  };
  const lower = (a: number, p: number): V => {
    if (idx(p, a) > 0) return U(a, p - st[a]);
    if (per(a)) return U(a, p + (n[a] - 1) * st[a]);
    const pos = facePoint(L, p, a);
    pos[a] = 0;
    return { k: faces[2 * a] === MECH_CLAMP ? gdat(a, pos) : 0, slot: -1 };
  };
  const next = (p: number, a: number) => (idx(p, a) < n[a] - 1 ? p + st[a] : per(a) ? p - (n[a] - 1) * st[a] : -1);
  // ½·k·s², s = Σ c_i v_i: adds k·s·c_i to the free slots
  const term = (k: number, parts: [number, V][]) => {
    let s = 0;
    for (const [c, v] of parts) s += c * v.k;
    for (const [c, v] of parts) if (v.slot >= 0) grad[v.slot] += k * s * c;
  };
  const pairs =
    dims === 3
      ? [
          [0, 1],
          [0, 2],
          [1, 2],
        ]
      : [[0, 1]];
  for (let p = 0; p < N; p++) {
    // cells: ½λ(Σe)² + μΣe², e_c = (U_c(p) − U_c(below))/dx
    const es = Array.from({ length: dims }, (_, c) => [[1 / dx, U(c, p)] as [number, V], [-1 / dx, lower(c, p)] as [number, V]]);
    term(dx * dx * m.lam[p], es.flat());
    for (const e of es) term(dx * dx * 2 * m.mu[p], e);
    // edges at (upper a-face, upper b-face) of p
    for (const [a, b] of pairs) {
      const pa = next(p, a),
        pb = next(p, b);
      const onA = pa < 0,
        onB = pb < 0;
      if (onA && onB) continue;
      if ((onA && faces[2 * a + 1] !== MECH_CLAMP) || (onB && faces[2 * b + 1] !== MECH_CLAMP)) continue;
      const cells = [p, pa, pb, pa >= 0 && pb >= 0 ? next(pa, b) : -1].filter((q) => q >= 0);
      const me = cells.reduce((s, q) => s + m.mu[q], 0) / cells.length;
      const parts: [number, V][] = [];
      const w = onA || onB ? 0.5 : 1;
      if (onB) {
        const pos = facePoint(L, p, a);
        pos[b] = n[b] * dx;
        parts.push([2 / dx, { k: gdat(a, pos), slot: -1 }], [-2 / dx, U(a, p)], [1 / dx, U(b, pa)], [-1 / dx, U(b, p)]);
      } else if (onA) {
        const pos = facePoint(L, p, b);
        pos[a] = n[a] * dx;
        parts.push([1 / dx, U(a, pb)], [-1 / dx, U(a, p)], [2 / dx, { k: gdat(b, pos), slot: -1 }], [-2 / dx, U(b, p)]);
      } else parts.push([1 / dx, U(a, pb)], [-1 / dx, U(a, p)], [1 / dx, U(b, pa)], [-1 / dx, U(b, p)]);
      term(w * dx * dx * me, parts);
    }
    // edges on the lower boundary faces: (upper a-face of p, face b0) for every ordered pair
    for (let a = 0; a < dims; a++) {
      for (let b = 0; b < dims; b++) {
        if (a === b || idx(p, b) !== 0 || per(b) || faces[2 * b] !== MECH_CLAMP) continue;
        const pa = next(p, a);
        if (pa < 0) continue;
        const me = 0.5 * (m.mu[p] + m.mu[pa]);
        const pos = facePoint(L, p, a);
        pos[b] = 0;
        const lb = (q: number): V => {
          const c = facePoint(L, q, b);
          c[b] = 0;
          return { k: gdat(b, c), slot: -1 };
        };
        term(0.5 * dx * dx * me, [
          [2 / dx, U(a, p)],
          [-2 / dx, { k: gdat(a, pos), slot: -1 }],
          [1 / dx, lb(pa)],
          [-1 / dx, lb(p)],
        ]);
      }
    }
  }
  // the held rows: D·u = D·g
  for (let a = 0; a < dims; a++)
    for (let p = 0; p < N; p++) if (held(a, p)) grad[a * N + p] = (m.lam[p] + 2 * m.mu[p]) * (x[a * N + p] - U(a, p).k);
  return grad;
}

/** The load that imposes clamp data g on the boundary: b = −∇E(0; g) on free rows, D·g on held ones. */
export function dataLoad(S: ElasticitySolver, L: Layout, data: Data): Float64Array {
  const zero = new Float64Array(L.dims * L.N);
  const gr = energyGradient(S.g, materialOf(S), zero, data, L);
  for (let i = 0; i < gr.length; i++) gr[i] = -gr[i];
  return gr;
}

/** The material of a solver from its ξ (the solve computes it; tests that only need the operator call this). */
export function materialOf(S: ElasticitySolver): ElasticMaterial {
  (S as unknown as { material(): void }).material();
  return S.m;
}

/** σ at cell centres from a solved state: normal components and the centre shear for (x, y) (and (x, z), (y, z) in 3D). */
export function centreStress(S: ElasticitySolver): { sig: Float64Array; shear: (p: number, a: number, b: number) => number } {
  const { sig, tau } = S.fullStress();
  return { sig, shear: (p, a, b) => centreShear(S.g, S.m.mu, S.u, tau, p, a, b) };
}

/**
 * Eshelby (dilatational misfit, isotropic eigenstrain ε* = (e, e, e)): inclusion (λ1, μ1) of radius a
 * in an infinite matrix (λ2, μ2). 2D plane strain (disc): u = A r inside, A a²/r outside with
 * A = (3λ1 + 2μ1)e/(2(λ1 + μ1 + μ2)); inside σ_rr = σ_θθ = −2μ2 A, σ_zz = λ1(2A − 3e) − 2μ1 e;
 * outside σ_rr = −2μ2 A a²/r², σ_θθ = +2μ2 A a²/r². 3D (sphere): A = 3K1 e/(3K1 + 4μ2),
 * inside σ = −4μ2 A (hydrostatic), outside σ_rr = −4μ2 A a³/r³, σ_θθ = σ_φφ = 2μ2 A a³/r³.
 */
export function eshelby(dims: 2 | 3, e: number, a: number, inc: { lambda: number; mu: number }, mat: { lambda: number; mu: number }) {
  if (dims === 2) {
    const A = ((3 * inc.lambda + 2 * inc.mu) * e) / (2 * (inc.lambda + inc.mu + mat.mu));
    return {
      A,
      u: (r: number) => (r <= a ? A * r : (A * a * a) / r),
      srr: (r: number) => (r <= a ? -2 * mat.mu * A : (-2 * mat.mu * A * a * a) / (r * r)),
      stt: (r: number) => (r <= a ? -2 * mat.mu * A : (2 * mat.mu * A * a * a) / (r * r)),
    };
  }
  const K1 = inc.lambda + (2 * inc.mu) / 3;
  const A = (3 * K1 * e) / (3 * K1 + 4 * mat.mu);
  return {
    A,
    u: (r: number) => (r <= a ? A * r : (A * a ** 3) / (r * r)),
    srr: (r: number) => (r <= a ? -4 * mat.mu * A : (-4 * mat.mu * A * a ** 3) / r ** 3),
    stt: (r: number) => (r <= a ? -4 * mat.mu * A : (2 * mat.mu * A * a ** 3) / r ** 3),
  };
}
