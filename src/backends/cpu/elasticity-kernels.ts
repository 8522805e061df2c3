/**
 * Row kernels of the elasticity stage (docs/mechanics.md has the derivation).
 *
 * Staggered (MAC) grid: component a of the displacement is stored per cell p at the centre of
 * p's upper a-face ("upper-face convention"), so every component is a per-cell field. Cell
 * centres carry the normal strains and stresses, cell edges (the upper a- and b-faces of p meet
 * there) the shear strain γ_ab. The discrete operator is the gradient of the discrete energy
 *   E = Σ_cells ½ ε_e:C:ε_e dx^d + Σ_edges ½ μ_e γ² dx^d − Σ_x1 faces t·u dx^{d−1},
 * ε_e = ε − h(ξ)·ε⁰, scaled by dx^{2−d} so the entries are moduli (μ_metal = 1): A is symmetric
 * positive definite (with a clamped face) by construction. Rows:
 *   y_a[p] = dx·[σ_aa(p) − σ_aa(p + e_a) + Σ_b (τ_ab(edge below p along b) − τ_ab(edge above))]
 *
 * Faces (model/mechanics.ts MECH_*): clamp u = 0; roller (symmetry) u_n = 0, shear-free;
 * traction (upper faces only) σ·n = −p n, shear-free; periodic. On a clamp the tangential
 * component has the ghost −u (γ = 2u/dx at the boundary edge, FD-consistent with half-weight
 * boundary edges). A component whose upper-face value lies on a clamp or roller face is fixed:
 * its row is D·u = D·0 with D = (λ + 2μ) of its cell, and every other row reads it as 0.
 *
 * Modes of the stress kernel: LINEAR (A·u: the displacement, no eigenstrain), SOURCE (the
 * eigenstrain and the stack pressure with u = 0; b = −force), FULL (both: the physical stress).
 */
import { MECH_CLAMP, MECH_PERIODIC, MECH_ROLLER, MECH_TRACTION } from '../../model/mechanics.ts';
import type { StencilOp } from './operator.ts';

export const MODE_LINEAR = 0;
export const MODE_SOURCE = 1;
export const MODE_FULL = 2;

/** Grid of the mechanics stage: shape, spacing (µm) and face types. */
export interface ElasticGrid {
  dims: 2 | 3;
  n: [number, number, number];
  N: number;
  dx: number;
  /** MECH_* per face, x0, x1, y0, y1, z0, z1. */
  faces: Int32Array;
}

/** Material per cell: λ, μ (over μ_ref) and the eigenstrain weight h(ξ) (ξ clamped to [0, 1]). */
export interface ElasticMaterial {
  lam: Float64Array;
  mu: Float64Array;
  hh: Float64Array;
}

/** Component pairs (a, b), a < b, of the shear edges: 2D (x, y); 3D (x, y), (x, z), (y, z). */
export const PAIRS: readonly (readonly [number, number])[] = [
  [0, 1],
  [0, 2],
  [1, 2],
];
export function pairCount(dims: 2 | 3): number {
  return dims === 3 ? 3 : 1;
}
export function pairIndex(a: number, b: number): number {
  const lo = Math.min(a, b),
    hi = Math.max(a, b);
  return lo === 0 ? hi - 1 : 2;
}

// ---------------------------------------------------------------------------------------------
// Grid helpers (every kernel uses the same ones, so operator, blocks and stresses agree).

function coord(g: ElasticGrid, p: number, a: number): number {
  const [nx, ny] = g.n;
  return a === 0 ? p % nx : a === 1 ? ((p / nx) | 0) % ny : (p / (nx * ny)) | 0;
}

function stride(g: ElasticGrid, a: number): number {
  return a === 0 ? 1 : a === 1 ? g.n[0] : g.n[0] * g.n[1];
}

function periodic(g: ElasticGrid, a: number): boolean {
  return g.faces[2 * a] === MECH_PERIODIC;
}

/** The cell after p along a (wrapping on a periodic axis), or −1 past the upper face. */
export function nextCell(g: ElasticGrid, p: number, a: number): number {
  const i = coord(g, p, a);
  if (i < g.n[a] - 1) return p + stride(g, a);
  return periodic(g, a) ? p - (g.n[a] - 1) * stride(g, a) : -1;
}

/** The cell before p along a (wrapping on a periodic axis), or −1 below the lower face. */
export function prevCell(g: ElasticGrid, p: number, a: number): number {
  const i = coord(g, p, a);
  if (i > 0) return p - stride(g, a);
  return periodic(g, a) ? p + (g.n[a] - 1) * stride(g, a) : -1;
}

/** Whether component a's value at p (the upper a-face of p) is held (clamp or roller face). */
export function isFixed(g: ElasticGrid, p: number, a: number): boolean {
  if (coord(g, p, a) !== g.n[a] - 1) return false;
  const t = g.faces[2 * a + 1];
  return t === MECH_CLAMP || t === MECH_ROLLER;
}

/** On the upper (non-periodic) face of axis a. */
function onUpper(g: ElasticGrid, p: number, a: number): boolean {
  return coord(g, p, a) === g.n[a] - 1 && !periodic(g, a);
}

/** Component a at p, read as 0 where it is held. */
function um(g: ElasticGrid, u: Float64Array, a: number, p: number): number {
  return isFixed(g, p, a) ? 0 : u[a * g.N + p];
}

/** μ on the edge (upper a-face, upper b-face) of p: the mean over the (up to 4) cells around it inside the domain. */
export function edgeMu(g: ElasticGrid, mu: Float64Array, p: number, a: number, b: number): number {
  const pa = nextCell(g, p, a),
    pb = nextCell(g, p, b);
  let s = mu[p],
    c = 1;
  if (pa >= 0) {
    s += mu[pa];
    c++;
  }
  if (pb >= 0) {
    s += mu[pb];
    c++;
    if (pa >= 0) {
      s += mu[nextCell(g, pa, b)];
      c++;
    }
  }
  return s / c;
}

/**
 * τ = μ_e γ on the edge (upper a-face, upper b-face) of p (a ≠ b) from u (LINEAR/FULL; the
 * eigenstrain is diagonal and puts no shear). Zero on shear-free faces and at corners of two
 * boundary faces.
 */
export function edgeTau(g: ElasticGrid, mu: Float64Array, u: Float64Array, p: number, a: number, b: number): number {
  const onA = onUpper(g, p, a),
    onB = onUpper(g, p, b);
  if (onA && onB) return 0;
  if ((onA && g.faces[2 * a + 1] !== MECH_CLAMP) || (onB && g.faces[2 * b + 1] !== MECH_CLAMP)) return 0;
  const dBua = onB ? -2 * um(g, u, a, p) : um(g, u, a, nextCell(g, p, b)) - um(g, u, a, p);
  const dAub = onA ? -2 * um(g, u, b, p) : um(g, u, b, nextCell(g, p, a)) - um(g, u, b, p);
  return (edgeMu(g, mu, p, a, b) * (dBua + dAub)) / g.dx;
}

/**
 * τ on the edge of the lower b-face of p at p's upper a-face, where that b-face is the domain's
 * lower boundary: γ = 2u_a/dx on a clamp (ghost −u_a), zero on a roller; zero when the edge is
 * also on the upper a-face (a held value or a shear-free face).
 */
export function lowerEdgeTau(g: ElasticGrid, mu: Float64Array, u: Float64Array, p: number, a: number, b: number): number {
  if (g.faces[2 * b] !== MECH_CLAMP || onUpper(g, p, a)) return 0;
  const pa = nextCell(g, p, a);
  const me = 0.5 * (mu[p] + mu[pa]);
  return (me * 2 * um(g, u, a, p)) / g.dx;
}

// ---------------------------------------------------------------------------------------------
// Kernels (rows r0..r1 of cells; a row is all i for one (j, k)).

/** λ, μ and h(ξ) per cell, linear in h between the electrolyte and the metal; ξ clamped to [0, 1]. */
export function elasticMaterialK(
  a: { nx: number; xi: Float64Array; m: ElasticMaterial; lamM: number; muM: number; lamE: number; muE: number },
  _s: Float64Array,
  r0: number,
  r1: number,
): void {
  const { xi, m, lamM, muM, lamE, muE } = a;
  for (let q = a.nx * r0, e = a.nx * r1; q < e; q++) {
    const x = Math.min(1, Math.max(0, xi[q]));
    const h = x * x * x * (x * (6 * x - 15) + 10);
    m.hh[q] = h;
    m.lam[q] = lamE + h * (lamM - lamE);
    m.mu[q] = muE + h * (muM - muE);
  }
}

export interface StressArgs {
  g: ElasticGrid;
  m: ElasticMaterial;
  e0: [number, number, number];
  mode: number;
  /** The displacement (d·N, component-major); unread in SOURCE mode. */
  u: Float64Array;
  /** Out: σ_aa per cell (d·N) and τ per edge (pairs·N). */
  sig: Float64Array;
  tau: Float64Array;
}

/** Whether p is at least one cell away from every boundary (all neighbours by plain strides, nothing held). */
function interior(g: ElasticGrid, i: number, j: number, k: number): boolean {
  const [nx, ny, nz] = g.n;
  return i > 0 && i < nx - 1 && j > 0 && j < ny - 1 && (g.dims === 2 || (k > 0 && k < nz - 1));
}

/** Normal stresses at cell centres and shear stresses on the upper edges of every cell. */
export function elasticStressK(a: StressArgs, _s: Float64Array, r0: number, r1: number): void {
  const { g, m, e0, mode, u, sig, tau } = a;
  const { dims, N, dx } = g;
  const [nx, ny] = g.n;
  const lin = mode !== MODE_SOURCE,
    eig = mode !== MODE_LINEAR;
  const np = pairCount(dims);
  const st = [1, nx, nx * ny];
  const mu = m.mu;
  const e = [0, 0, 0];
  for (let r = r0; r < r1; r++) {
    const j = r % ny,
      k = (r / ny) | 0;
    for (let i = 0, p = nx * r; i < nx; i++, p++) {
      const inner = interior(g, i, j, k);
      const h = eig ? m.hh[p] : 0;
      let tr = dims === 2 ? -h * e0[2] : 0;
      for (let c = 0; c < dims; c++) {
        let v = 0;
        if (lin) {
          if (inner) v = (u[c * N + p] - u[c * N + p - st[c]]) / dx;
          else {
            const q = prevCell(g, p, c);
            v = (um(g, u, c, p) - (q >= 0 ? um(g, u, c, q) : 0)) / dx;
          }
        }
        e[c] = v - h * e0[c];
        tr += e[c];
      }
      const lam = m.lam[p],
        mu2 = 2 * mu[p];
      for (let c = 0; c < dims; c++) sig[c * N + p] = lam * tr + mu2 * e[c];
      for (let q = 0; q < np; q++) {
        const ca = PAIRS[q][0],
          cb = PAIRS[q][1];
        let t = 0;
        if (!lin) t = 0;
        else if (inner) {
          const pa = p + st[ca],
            pb = p + st[cb];
          const me = (mu[p] + mu[pa] + mu[pb] + mu[pa + st[cb]]) / 4;
          t = (me * (u[ca * N + pb] - u[ca * N + p] + (u[cb * N + pa] - u[cb * N + p]))) / dx;
        } else t = edgeTau(g, mu, u, p, ca, cb);
        tau[q * N + p] = t;
      }
    }
  }
}

export interface ForceArgs {
  g: ElasticGrid;
  m: ElasticMaterial;
  mode: number;
  /** Stack pressure on a traction face x1 (over μ_ref), SOURCE mode only. */
  pressure: number;
  u: Float64Array;
  sig: Float64Array;
  tau: Float64Array;
  /** Out: the rows (d·N). */
  y: Float64Array;
  /** Optional row partials of u·y (CG's p·Ap). */
  part: Float64Array | null;
}

/** y = the discrete force (energy gradient) from the stresses of elasticStressK. */
export function elasticForceK(a: ForceArgs, _s: Float64Array, r0: number, r1: number): void {
  const { g, m, mode, u, sig, tau, y, part } = a;
  const { dims, N, dx } = g;
  const [nx, ny] = g.n;
  const lin = mode !== MODE_SOURCE;
  const st = [1, nx, nx * ny];
  for (let r = r0; r < r1; r++) {
    const j = r % ny,
      k = (r / ny) | 0;
    let dot = 0;
    for (let i = 0, p = nx * r; i < nx; i++, p++) {
      const inner = interior(g, i, j, k);
      for (let c = 0; c < dims; c++) {
        const o = c * N + p;
        let v: number;
        if (inner) {
          let f = sig[o] - sig[o + st[c]];
          for (let b = 0; b < dims; b++) {
            if (b === c) continue;
            const kq = pairIndex(c, b) * N + p;
            f += tau[kq - st[b]] - tau[kq];
          }
          v = dx * f;
        } else if (isFixed(g, p, c)) {
          v = lin ? (m.lam[p] + 2 * m.mu[p]) * u[o] : 0;
        } else {
          const pa = nextCell(g, p, c);
          const above = pa >= 0 ? sig[c * N + pa] : mode !== MODE_LINEAR && c === 0 && g.faces[1] === MECH_TRACTION ? -a.pressure : 0;
          let f = sig[o] - above;
          for (let b = 0; b < dims; b++) {
            if (b === c) continue;
            const kq = pairIndex(c, b) * N;
            const qb = prevCell(g, p, b);
            const below = qb >= 0 ? tau[kq + qb] : lin ? lowerEdgeTau(g, m.mu, u, p, c, b) : 0;
            f += below - tau[kq + p];
          }
          v = dx * f;
        }
        y[o] = v;
        if (part) dot += u[o] * v;
      }
    }
    if (part) part[r] = dot;
  }
}

/** r = b − y and the row partials of r·r and b·b (rows of the d·N vectors: d·rows of them). */
export function elasticResidualK(
  a: { nx: number; b: Float64Array; y: Float64Array; r: Float64Array; rr: Float64Array; bb: Float64Array },
  _s: Float64Array,
  r0: number,
  r1: number,
): void {
  const { nx, b, y, r, rr, bb } = a;
  for (let row = r0; row < r1; row++) {
    let sr = 0,
      sb = 0;
    for (let i = nx * row, e = i + nx; i < e; i++) {
      r[i] = b[i] - y[i];
      sr += r[i] * r[i];
      sb += b[i] * b[i];
    }
    rr[row] = sr;
    bb[row] = sb;
  }
}

/**
 * The diagonal blocks A_cc of the operator as face-weight operators (operator.ts), one per
 * component: the preconditioner's separate-displacement-component multigrid. Along c the faces
 * carry (λ + 2μ) of the cell between the two values, across the other axes the edge μ; held
 * values and clamp ghosts go into d.
 */
export function elasticBlocksK(
  a: { g: ElasticGrid; m: ElasticMaterial; ops: StencilOp[] },
  _s: Float64Array,
  r0: number,
  r1: number,
): void {
  const { g, m, ops } = a;
  const { dims } = g;
  const nx = g.n[0];
  for (let c = 0; c < dims; c++) {
    const op = ops[c];
    const d = op.d,
      w = op.w;
    for (let p = nx * r0, end = nx * r1; p < end; p++) {
      for (let b = 0; b < dims; b++) w[b][p] = 0;
      if (isFixed(g, p, c)) {
        d[p] = m.lam[p] + 2 * m.mu[p];
        continue;
      }
      let dd = 0;
      // along c: the cells below and above this face
      if (prevCell(g, p, c) < 0) dd += m.lam[p] + 2 * m.mu[p];
      const pa = nextCell(g, p, c);
      if (pa >= 0) {
        const k = m.lam[pa] + 2 * m.mu[pa];
        if (isFixed(g, pa, c)) dd += k;
        else w[c][p] = k;
      }
      // across b: the shear edges (none on a shear-free traction face)
      if (!onUpper(g, p, c)) {
        for (let b = 0; b < dims; b++) {
          if (b === c) continue;
          if (onUpper(g, p, b)) {
            if (g.faces[2 * b + 1] === MECH_CLAMP) dd += 2 * edgeMu(g, m.mu, p, c, b);
          } else w[b][p] = edgeMu(g, m.mu, p, c, b);
          if (prevCell(g, p, b) < 0 && g.faces[2 * b] === MECH_CLAMP) dd += m.mu[p] + m.mu[pa];
        }
      }
      d[p] = dd;
    }
  }
}

export interface CouplingArgs {
  g: ElasticGrid;
  m: ElasticMaterial;
  e0: [number, number, number];
  /** The solution and its shear stresses (elasticStressK, LINEAR or FULL: the same τ). */
  u: Float64Array;
  tau: Float64Array;
  /** Metal minus electrolyte λ and μ (over μ_ref). */
  dLam: number;
  dMu: number;
  sFactor: number;
  /** A uniform hydrostatic pressure over μ_ref added to the stress (a liquid electrolyte's stack pressure). */
  hydro: number;
  /** Out, per cell: [s, q] — the BV exponent shift −sFactor·σ_h and q = ∂f_el/∂ξ / h′ (over μ_ref). */
  mech: Float64Array;
  /** Optional out, per cell: [σ_h, σ_vm] over μ_ref (outputs). */
  out: Float64Array | null;
}

/**
 * The four edges around the centre of p in the (a, b) plane, each as (τ, μ_e): (upper a, upper b),
 * (lower a, upper b), (upper a, lower b), (lower a, lower b); an edge on a lower boundary face
 * takes lowerEdgeTau with its two-cell μ, a corner of two lower faces (0, 1).
 */
function aroundCentre(
  g: ElasticGrid,
  mu: Float64Array,
  u: Float64Array,
  tau: Float64Array,
  p: number,
  a: number,
  b: number,
  out: Float64Array,
): void {
  const k = pairIndex(a, b) * g.N;
  const lo = Math.min(a, b),
    hi = Math.max(a, b);
  const qa = prevCell(g, p, a),
    qb = prevCell(g, p, b);
  const stored = (q: number, m: number) => {
    out[2 * m] = tau[k + q];
    out[2 * m + 1] = edgeMu(g, mu, q, lo, hi);
  };
  // lowerEdgeTau(q, c, d): the edge at q's upper c-face on the lower d-face, μ of q and q + e_c
  const lower = (q: number, c: number, d: number, m: number) => {
    out[2 * m] = lowerEdgeTau(g, mu, u, q, c, d);
    const qc = nextCell(g, q, c);
    out[2 * m + 1] = qc >= 0 ? 0.5 * (mu[q] + mu[qc]) : 1;
  };
  stored(p, 0);
  if (qa >= 0) stored(qa, 1);
  else lower(p, b, a, 1);
  if (qb >= 0) stored(qb, 2);
  else lower(p, a, b, 2);
  if (qa >= 0 && qb >= 0) stored(prevCell(g, qa, b), 3);
  else if (qa >= 0) lower(qa, a, b, 3);
  else if (qb >= 0) lower(qb, b, a, 3);
  else {
    out[6] = 0;
    out[7] = 1;
  }
}

const around = new Float64Array(8);

/** Shear stress σ_ab at the centre of p: the mean of the four edges around it in the (a, b) plane. */
export function centreShear(g: ElasticGrid, mu: Float64Array, u: Float64Array, tau: Float64Array, p: number, a: number, b: number): number {
  aroundCentre(g, mu, u, tau, p, a, b, around);
  return 0.25 * (around[0] + around[2] + around[4] + around[6]);
}

/**
 * Engineering shear strain γ_ab at the centre of p: the mean of the four edges' γ = τ/μ_e. (Taken
 * from the kinematics of each edge, not as σ_ab/μ of the cell: next to a much softer or stiffer
 * phase the edges' μ_e and the cell's μ differ by the contrast.)
 */
export function centreGamma(g: ElasticGrid, mu: Float64Array, u: Float64Array, tau: Float64Array, p: number, a: number, b: number): number {
  aroundCentre(g, mu, u, tau, p, a, b, around);
  return 0.25 * (around[0] / around[1] + around[2] / around[3] + around[4] / around[5] + around[6] / around[7]);
}

/**
 * The coupling fields of the phase stage from the solution, per cell:
 *   s = −(Ω μ_ref/RT)·σ_h   (the Butler–Volmer exponents use ψ + s),
 *   q = ½Δλ (tr ε_e)² + Δμ ε_e:ε_e − σ:ε⁰   (∂f_el/∂ξ = h′(ξ)·q),
 * and optionally σ_h and the von Mises stress (plane strain: ε_zz = 0, σ_zz from it). A liquid
 * electrolyte's stack pressure is the uniform −hydro·I added to σ (its elastic energy, second
 * order in the pressure, is left out: docs/mechanics.md).
 */
export function elasticCouplingK(a: CouplingArgs, _s: Float64Array, r0: number, r1: number): void {
  const { g, m, e0, u, tau, dLam, dMu, sFactor, hydro, mech, out } = a;
  const { dims, dx } = g;
  const nx = g.n[0];
  const np = pairCount(dims);
  const e = [0, 0, 0],
    sg = [0, 0, 0];
  for (let p = nx * r0, end = nx * r1; p < end; p++) {
    const lam = m.lam[p],
      mu = m.mu[p],
      h = m.hh[p];
    // elastic normal strains (x, y, z; plane strain: ε_zz = 0)
    let tr = 0;
    for (let c = 0; c < 3; c++) {
      let v = 0;
      if (c < dims) {
        const q = prevCell(g, p, c);
        v = (um(g, u, c, p) - (q >= 0 ? um(g, u, c, q) : 0)) / dx;
      }
      e[c] = v - h * e0[c];
      tr += e[c];
    }
    let eDotE = 0,
      sDotE0 = 0;
    for (let c = 0; c < 3; c++) {
      sg[c] = lam * tr + 2 * mu * e[c] - hydro;
      eDotE += e[c] * e[c];
      sDotE0 += sg[c] * e0[c];
    }
    let shear2 = 0;
    for (let k = 0; k < np; k++) {
      const [ka, kb] = PAIRS[k];
      if (out) {
        const t = centreShear(g, m.mu, u, tau, p, ka, kb);
        shear2 += t * t;
      }
      // ε_ab = γ_ab/2, counted twice in ε:ε
      const gam = centreGamma(g, m.mu, u, tau, p, ka, kb);
      eDotE += 0.5 * gam * gam;
    }
    const sh = (sg[0] + sg[1] + sg[2]) / 3;
    mech[2 * p] = -sFactor * sh;
    mech[2 * p + 1] = 0.5 * dLam * tr * tr + dMu * eDotE - sDotE0;
    if (out) {
      const vm2 = 0.5 * ((sg[0] - sg[1]) ** 2 + (sg[1] - sg[2]) ** 2 + (sg[2] - sg[0]) ** 2) + 3 * shear2;
      out[2 * p] = sh;
      out[2 * p + 1] = Math.sqrt(vm2);
    }
  }
}
