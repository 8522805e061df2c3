/**
 * Transport stage of the grand-potential form (model.md §7, docs/grand-potential.md §2): equation
 * (2′) for the diffusion potential w in conservative form,
 *   ∂ρ(ξ, w)/∂t = ∇·[D (∇w + ∇ψ)],   ρ = (1−h) c_l(w) + h·dv·c_s(w),   D = M0 (1−h)² c_l(w),
 * ψ = AA·φ (the backend's ψ), c_l = σ(w − el), c_s = σ(w − es), h = h(ξ) clamped to [0, 1].
 * χ ∂w/∂t + f_t ∂ξ/∂t of the input is ∂ρ/∂t written out (χ = ∂ρ/∂w, f_t = ∂ρ/∂ξ), so the
 * discrete form conserves ρ exactly up to the nonlinear residual. Backward Euler in w with ξⁿ⁺¹
 * from the phase stage and ψ lagged (the last potential solve), cell-centred fluxes with D at the
 * faces by harmonic mean:
 *   F_i(w) = ρ_i(ξⁿ⁺¹, w) − ρ_i(ξⁿ, wⁿ) − (dt/dx²) Σ_faces D_f (μ_nb − μ_i) − dt·S_i = 0,  μ = w + ψ
 * (S: a manufactured-solution source, tests only). Newton in ρ with D lagged (Picard): each
 * iteration solves the SPD system
 *   [diag(χ(ξⁿ⁺¹, w^k)) + (dt/dx²) A_{D(w^k)}] δ = −F(w^k),   w^{k+1} = w^k + δ
 * by the same MG-PCG as the potential (χ > 0 and D_f ≥ 0: SPD), until
 *   ‖F‖₂ ≤ max(tol·‖F(wⁿ)‖₂, 64·ε·‖scale‖₂)
 * (relative to the step's first residual, floored at the round-off of the terms F is summed from:
 * scale_i = ρ_i(w) + ρ_i(wⁿ) + Σ_faces |W_f|(u_i + u_j)). Each linear solve only needs to
 * bring ‖F‖ towards that target: its relative tolerance is ½·target/‖F^k‖ within [1e-3, 0.1]
 * (GP_ETA_MIN). The step
 * then ends on the iterate whose residual was tested, and its fluxes give the boundary influx, so
 * Δ(Σρ dV) = influx + Σ F dV with ‖F‖ within the tolerance: lithium is conserved to the solver
 * tolerance without any clamp or limiter (c_l, c_s ∈ (0, 1) by construction).
 *
 * Boundary faces (src/backends/gp-bc.ts): a Dirichlet face of w (the reservoir) is a ghost at
 * 2w_b − w_i with ψ's own ghost, D_f = D_i (distance dx/2); a no-flux face carries no flux at
 * all (neither diffusion nor migration, the natural condition of the input); periodic wraps.
 * Round-off: ρ in the metal is ≈ dv, so ρⁿ⁺¹ − ρⁿ is formed as
 *   (1−h₁)c_l(w) − (1−h₀)c_l(wⁿ) + dv[(h₁ − h₀) − (h₁ s̄(w) − h₀ s̄(wⁿ))],  s̄ = 1 − c_s = σ(es − w),
 * free of the cancellation of two numbers near dv (f32 backends need it; the CPU uses the same).
 * Material props (src/model/props.ts): D × kD; a host cell has D = 0, χ = 1, F = 0 (w frozen,
 * no Li, c̃ = 0). After the last iterate: c̃ = K·c_l(w)·(1 − h₁) (the phase stage reads it:
 * (1′) is (1) with this c̃), ξ ← ξⁿ⁺¹, ξ̇ and the re-solve distance, as transport.ts does.
 */
import { logistic, logisticSlope, oneMinusHClamped, type GpCoefficients } from '../../model/grand-potential.ts';
import type { Coefficients } from '../../model/derived.ts';
import { BC_DIRICHLET, BC_NOFLUX, BC_PERIODIC, type FieldBC, type Layout } from '../layout.ts';
import { gpBCs } from '../gp-bc.ts';
import { hCoef } from './coefficients.ts';
import type { Exec, Task } from './exec.ts';
import { makeOp, type StencilOp } from './operator.ts';
import { makePadded, type Padded } from './padded.ts';
import { Pcg, pairwiseSum } from './pcg.ts';
import { sharedF64 } from './shared.ts';
import { sgWeight, type TransportResult } from './transport.ts';
import { GP_BACKTRACK, GP_ETA_MAX, GP_ETA_MIN, GP_MAX_NEWTON } from '../gp-newton.ts';

/**
 * Rows (ψ_ref = s[0]): the Slotboom variable u = e^{w + ψ − ψ_ref}, the cell mobility
 * m = M0·(1−h)²·(1 − c_l)·e^{−el}·kD (so that D∇μ = m·e^{−(ψ−ψ_ref)}∇u) and the Newton
 * capacity χ/u, χ = (1−h)c_l(1−c_l) + h·dv·c_s(1−c_s), at ξⁿ⁺¹ and the iterate w^k.
 * Host cells: u = 1, m = −1 (no face: faceMobility), χ/u = 1 (w frozen).
 */
export function gpCoefK(
  a: {
    nx: number;
    g: GpCoefficients;
    xi: Float64Array;
    w: Float64Array;
    psi: Float64Array;
    U: Float64Array;
    mob: Float64Array;
    cap: Float64Array;
    props: Float32Array | null;
  },
  s: Float64Array,
  r0: number,
  r1: number,
): void {
  const ref = s[0];
  const { g, xi, w, psi, U, mob, cap, props } = a;
  const eEl = Math.exp(-g.el);
  for (let i = a.nx * r0, e = a.nx * r1; i < e; i++) {
    if (props !== null && props[4 * i + 3] > 0.5) {
      U[i] = 1;
      mob[i] = -1;
      cap[i] = 1;
      continue;
    }
    const h = hCoef(xi[i]);
    const ql = w[i] - g.el;
    const u = Math.exp(w[i] + psi[i] - ref);
    const kD = props !== null ? props[4 * i + 1] : 1;
    U[i] = u;
    mob[i] = g.M0 * (1 - h) * (1 - h) * logistic(-ql) * eEl * kD;
    cap[i] = ((1 - h) * logisticSlope(ql) + h * g.dv * logisticSlope(w[i] - g.es)) / u;
  }
}

/**
 * Mobility of the face between two cells: the arithmetic mean, 0 next to a host cell (m < 0).
 * Not the harmonic mean of the concentration form: m ∝ (1−h)² falls by orders of magnitude across
 * one cell of the interface, and a harmonic mean would cut every cell on the metal side of it off
 * its neighbours; when such a cell's ξ then decreases (curvature, noise), the Li it releases has
 * nowhere to go within its few electrolyte sites and (2′) has no solution there. The arithmetic mean
 * (the quadrature of a mobility interpolated between nodes, as the input's finite elements take it)
 * keeps the face open with half the better neighbour's mobility; both are second-order accurate where
 * m is smooth.
 */
export function faceMobility(mi: number, mj: number): number {
  return mi < 0 || mj < 0 ? 0 : 0.5 * (mi + mj);
}

/** ρ(h, w) = (1−h)c_l + h·dv·c_s of one cell. */
function rhoOf(g: GpCoefficients, h: number, w: number): number {
  return (1 - h) * logistic(w - g.el) + h * g.dv * logistic(w - g.es);
}

export interface GpResidualArgs {
  L: Layout;
  g: GpCoefficients;
  bcW: FieldBC;
  /** ξⁿ, ξⁿ⁺¹, wⁿ (start of the step), the iterate w^k; its u, mobility and capacity χ/u. */
  xiOld: Float64Array;
  xiNew: Float64Array;
  wOld: Float64Array;
  w: Float64Array;
  cap: Float64Array;
  /** Padded u (periodic wrap), mobility (mirrored / periodic) and ψ (φ's conditions). */
  PU: Padded;
  PM: Padded;
  Pp: Padded;
  /** Manufactured-solution source (ρ per second), or null. */
  src: Float64Array | null;
  props: Float32Array | null;
  vol: number;
  /** Out: the Newton system (op, rhs = −F) and per-row Σ F², influx (ρ·µm^d) and Σ scale² (the magnitudes F is made of). */
  op: StencilOp;
  rhs: Float64Array;
  fPart: Float64Array;
  inPart: Float64Array;
  rhoPart: Float64Array;
}

/**
 * Rows (dt = s[0], ψ_ref = s[1]): the residual F(w^k), the Newton operator
 * diag(χ/u) + Σ W_f (faces) in u, rhs = −F, and the row partials. Face weight between cells i, j:
 * W = (dt/dx²)·harmonic(m_i, m_j)·sgWeight(a_i, a_j), a = ψ − ψ_ref (the Scharfetter–Gummel
 * average of e^{−a} across the face); flux into i: W (u_j − u_i). A Dirichlet face of w (value
 * w_b): a_b = ½(ψ_i + ψ_ghost) − ψ_ref, W_b = 2(dt/dx²)·m_i·sgWeight(a_i, a_b), u_b = e^{w_b + a_b}.
 */
export function gpResidualK(a: GpResidualArgs, s: Float64Array, r0: number, r1: number): void {
  const dt = s[0],
    ref = s[1];
  const { L, g, bcW, xiOld, xiNew, wOld, w, cap, src, props, op, rhs } = a;
  const pu = a.PU.data,
    pm = a.PM.data,
    pp = a.Pp.data;
  const P = a.PU;
  const { nx, ny, nz } = L;
  const three = L.dims === 3;
  const sc = dt / (L.dx * L.dx);
  const psy = P.sy,
    psz = P.sz;
  const d = op.d,
    w0 = op.w[0],
    w1 = op.w[1],
    w2 = op.w[2];
  const t = bcW.type,
    bv = bcW.value;
  const stride = [-1, 1, -psy, psy, -psz, psz];
  const faces = three ? 6 : 4;
  for (let r = r0; r < r1; r++) {
    const j = r % ny,
      kk = (r / ny) | 0;
    const base = nx * r;
    const pbase = P.off + psy * j + psz * kk;
    let fSum = 0,
      inSum = 0,
      rhoSum = 0;
    for (let i = 0; i < nx; i++) {
      const c = base + i;
      const q = pbase + i;
      if (props !== null && props[4 * c + 3] > 0.5) {
        d[c] = 1;
        w0[c] = 0;
        w1[c] = 0;
        if (three) w2[c] = 0;
        rhs[c] = 0;
        continue;
      }
      // ρⁿ⁺¹ − ρⁿ without cancellation (header)
      const h1 = hCoef(xiNew[c]),
        h0 = hCoef(xiOld[c]);
      const wk = w[c],
        wn = wOld[c];
      const cl1 = logistic(wk - g.el);
      const rho1 = (1 - h1) * cl1 + h1 * g.dv * logistic(wk - g.es);
      const dRho =
        (1 - h1) * cl1 - (1 - h0) * logistic(wn - g.el) + g.dv * (h1 - h0 - (h1 * logistic(g.es - wk) - h0 * logistic(g.es - wn)));
      const mc = pm[q],
        uc = pu[q],
        ac = pp[q] - ref;
      // scale: the magnitudes F is formed from (its round-off floor is ~ε·scale)
      let div = 0,
        scale = rho1 + rhoOf(g, h0, wn),
        inflow = 0,
        diag = cap[c];
      for (let f = 0; f < faces; f++) {
        const axis = f >> 1;
        const at =
          axis === 0 ? (f & 1 ? i === nx - 1 : i === 0) : axis === 1 ? (f & 1 ? j === ny - 1 : j === 0) : f & 1 ? kk === nz - 1 : kk === 0;
        const nb = q + stride[f];
        if (at) {
          const type = t[f];
          if (type === BC_NOFLUX) continue;
          if (type === BC_DIRICHLET) {
            const ab = 0.5 * (pp[q] + pp[nb]) - ref;
            const wb = mc > 0 ? 2 * sc * mc * sgWeight(ac, ab) : 0;
            const ub = Math.exp(bv[f] + ab);
            const flux = wb * (ub - uc);
            scale += wb * (ub + uc);
            div += flux;
            inflow += flux;
            diag += wb;
            continue;
          }
          // periodic: the padded neighbour is the wrapped cell
        }
        const wf = sc * faceMobility(mc, pm[nb]) * sgWeight(ac, pp[nb] - ref);
        div += wf * (pu[nb] - uc);
        scale += wf * (pu[nb] + uc);
      }
      // + face weights of the operator (interior and periodic faces; 0 on other boundaries)
      w0[c] = i < nx - 1 || t[1] === BC_PERIODIC ? sc * faceMobility(mc, pm[q + 1]) * sgWeight(ac, pp[q + 1] - ref) : 0;
      w1[c] = j < ny - 1 || t[3] === BC_PERIODIC ? sc * faceMobility(mc, pm[q + psy]) * sgWeight(ac, pp[q + psy] - ref) : 0;
      if (three) w2[c] = kk < nz - 1 || t[5] === BC_PERIODIC ? sc * faceMobility(mc, pm[q + psz]) * sgWeight(ac, pp[q + psz] - ref) : 0;
      d[c] = diag;
      const F = dRho - div - (src !== null ? dt * src[c] : 0);
      rhs[c] = -F;
      fSum += F * F;
      inSum += inflow;
      rhoSum += scale * scale;
    }
    a.fPart[r] = fSum;
    a.inPart[r] = inSum * a.vol;
    a.rhoPart[r] = rhoSum;
  }
}

/** Rows: dst = 0. */
export function gpZeroK(a: { nx: number; dst: Float64Array }, _s: Float64Array, r0: number, r1: number): void {
  a.dst.fill(0, a.nx * r0, a.nx * r1);
}

/**
 * ρ_i(w) − ρ_i(w0) at fixed h, cancellation-free:
 * (1−h)[c_l(w) − c_l(w0)] + h·dv·[s̄(w0) − s̄(w)], s̄ = 1 − c_s = σ(es − w).
 */
export function gpDeltaRho(g: GpCoefficients, h: number, w0: number, w: number): number {
  return (1 - h) * (logistic(w - g.el) - logistic(w0 - g.el)) + h * g.dv * (logistic(g.es - w0) - logistic(g.es - w));
}

/**
 * The w of one cell whose ρ differs from ρ(w0) by `target` at fixed h (docs/grand-potential.md §2):
 * ρ(w) is increasing with slope χ(w) > 0 and bounded, −ρ(w0) < ρ(w) − ρ(w0) < ρ_max − ρ(w0);
 * a target beyond 0.999 of either bound is cut there. Safeguarded Newton (bisection whenever a
 * step leaves the bracket) from `guess`, bracket [w0 − GP_BRACKET, w0] or [w0, w0 + GP_BRACKET].
 */
export function gpInvertRho(g: GpCoefficients, h: number, w0: number, target: number, guess: number): number {
  if (target === 0) return w0;
  // what the cell holds and what it can still take, each a sum of positive terms (the room is not
  // ρ_max − ρ, a difference of two numbers near dv in the metal)
  const rho0 = (1 - h) * logistic(w0 - g.el) + h * g.dv * logistic(w0 - g.es);
  const room = (1 - h) * logistic(g.el - w0) + h * g.dv * logistic(g.es - w0);
  const t = target < 0 ? Math.max(target, -0.999 * rho0) : Math.min(target, 0.999 * room);
  let lo = t < 0 ? w0 - GP_BRACKET : w0,
    hi = t < 0 ? w0 : w0 + GP_BRACKET;
  let w = guess > lo && guess < hi ? guess : 0.5 * (lo + hi);
  for (let it = 0; it < 80; it++) {
    const f = gpDeltaRho(g, h, w0, w) - t;
    if (f === 0) return w;
    if (f < 0) lo = w;
    else hi = w;
    const slope = (1 - h) * logisticSlope(w - g.el) + h * g.dv * logisticSlope(w - g.es);
    let next = w - f / slope;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - w) <= 1e-14 * Math.max(1, Math.abs(w))) return next;
    w = next;
  }
  return w;
}

/** Half-width of the bracket of gpInvertRho (c_l and c_s change by e^{±60} across it). */
export const GP_BRACKET = 60;

/**
 * Rows (λ = s[0]): the Newton update, λ the backtracking factor (1, or ½, ¼, … after an update
 * that raised ‖F‖). The linear solve assigns each cell the change of its Li content
 * Δρ_i = λ·(χ/u)_i·δu_i; w_i moves to the w at which ρ_i changes by exactly that (gpInvertRho), the
 * guess being the linear one w + ln(1 + δu/u). In the dilute electrolyte ρ ∝ u and this is the
 * Newton step itself; in the cells where ρ saturates (the metal side of the interface, where D → 0
 * and the site fraction of the metal moves instead of c_l) a tangent in u overshoots by orders of
 * magnitude and would return only by doubling per iteration, while the inversion lands on the
 * cell's own balance at once.
 */
export function gpUpdateK(
  a: {
    nx: number;
    g: GpCoefficients;
    xi: Float64Array;
    w: Float64Array;
    U: Float64Array;
    cap: Float64Array;
    delta: Float64Array;
    props: Float32Array | null;
  },
  s: Float64Array,
  r0: number,
  r1: number,
): void {
  const lambda = s[0];
  const { g, xi, w, U, cap, delta, props } = a;
  for (let i = a.nx * r0, e = a.nx * r1; i < e; i++) {
    if (props !== null && props[4 * i + 3] > 0.5) continue;
    const d = lambda * delta[i];
    const ratio = 1 + d / U[i];
    const guess = w[i] + (ratio > 1e-300 ? Math.log(ratio) : -GP_BRACKET);
    w[i] = gpInvertRho(g, hCoef(xi[i]), w[i], cap[i] * d, guess);
  }
}

export interface GpFinishArgs {
  nx: number;
  g: GpCoefficients;
  w: Float64Array;
  c: Float64Array;
  xi: Float64Array;
  xiNew: Float64Array;
  xidot: Float64Array;
  xiSolve: Float64Array;
  rowDxi: Float64Array;
  depPart: Float64Array;
  props: Float32Array | null;
  vol: number;
}

/** Rows (dt = s[0]): c̃ = K·c_l(w)(1 − h(ξⁿ⁺¹)) (host 0), ξ̇, ξ ← ξⁿ⁺¹, the re-solve distance and Σ Δξ·dV. */
export function gpFinishK(a: GpFinishArgs, s: Float64Array, r0: number, r1: number): void {
  const dt = s[0];
  const { nx, g, w, c, xi, xiNew, xidot, xiSolve, rowDxi, depPart, props } = a;
  for (let r = r0; r < r1; r++) {
    let m = 0,
      dep = 0;
    for (let i = nx * r, e = i + nx; i < e; i++) {
      c[i] = props !== null && props[4 * i + 3] > 0.5 ? 0 : g.K * logistic(w[i] - g.el) * oneMinusHClamped(xiNew[i]);
      const dd = xiNew[i] - xi[i];
      dep += dd;
      xidot[i] = dd / dt;
      xi[i] = xiNew[i];
      m = Math.max(m, Math.abs(xi[i] - xiSolve[i]));
    }
    rowDxi[r] = m;
    depPart[r] = dep * a.vol;
  }
}

/** Rows: Σ K·dv·h·c_s(w) (the metal's Li over c0) per row, host cells left out. */
export function gpMetalK(
  a: { nx: number; g: GpCoefficients; xi: Float64Array; w: Float64Array; out: Float64Array; props: Float32Array | null },
  _s: Float64Array,
  r0: number,
  r1: number,
): void {
  const { nx, g, xi, w, out, props } = a;
  for (let r = r0; r < r1; r++) {
    let sum = 0;
    for (let i = nx * r, e = i + nx; i < e; i++) {
      if (props !== null && props[4 * i + 3] > 0.5) continue;
      sum += hCoef(xi[i]) * logistic(w[i] - g.es);
    }
    out[r] = g.K * g.dv * sum;
  }
}

/** The fields the grand-potential transport works on (shared memory). */
export interface GpTransportFields {
  w: Float64Array;
  c: Float64Array;
  psi: Float64Array;
  xi: Float64Array;
  xiNew: Float64Array;
  xidot: Float64Array;
  xiSolve: Float64Array;
  rowDxi: Float64Array;
  props?: Float32Array | null;
}

export interface GpTransportResult extends TransportResult {
  /** Newton iterations (linear solves) of the step. */
  newton: number;
}

/** The grand-potential transport step over fixed (shared) fields, run by an executor (serial or pool). */
export class GpTransportSolver {
  private op: StencilOp;
  private rhs: Float64Array;
  private delta: Float64Array;
  private wOld: Float64Array;
  private U: Float64Array;
  private mob: Float64Array;
  private cap: Float64Array;
  private PU: Padded;
  private Pp: Padded;
  private PM: Padded;
  private rowMax: Float64Array;
  private bcPsi: FieldBC;
  private tMax: Task;
  private fPart: Float64Array;
  private inPart: Float64Array;
  private rhoPart: Float64Array;
  private depPart: Float64Array;
  private metalPart: Float64Array;
  private pcg: Pcg;
  private tSave: Task;
  private tPadPsi: Task;
  private tCoef: Task;
  private tPadU: Task;
  private tResidual: Task;
  private tZero: Task;
  private tUpdate: Task;
  /** The iterate before an update (backtracking restores it). */
  private wPrev: Float64Array;
  private tKeep: Task;
  private tRestore: Task;
  private tFinish: Task;
  private tMetal: Task;
  /** Manufactured-solution source (tests): set through setSource(), null in runs. */
  private src: Float64Array;
  private srcOn = false;
  private tResidualSrc: Task;
  private g: GpCoefficients;

  constructor(
    private exec: Exec,
    private L: Layout,
    k: Coefficients,
    bcC: FieldBC,
    bcPsi: FieldBC,
    f: GpTransportFields,
  ) {
    if (!k.gp) throw new Error('GpTransportSolver: the coefficients have no grand-potential block (model "concentration")');
    const g = (this.g = k.gp);
    const { N, rows, nx } = L;
    const props = f.props ?? null;
    const bcs = gpBCs(bcC, g);
    this.op = makeOp(L.dims, [L.nx, L.ny, L.nz], L.periodic);
    this.rhs = sharedF64(N);
    this.delta = sharedF64(N);
    this.wOld = sharedF64(N);
    this.wPrev = sharedF64(N);
    this.U = sharedF64(N);
    this.mob = sharedF64(N);
    this.cap = sharedF64(N);
    this.src = sharedF64(N);
    this.PU = makePadded(L);
    this.Pp = makePadded(L);
    this.PM = makePadded(L);
    this.rowMax = sharedF64(rows);
    this.bcPsi = bcPsi;
    this.fPart = sharedF64(rows);
    this.inPart = sharedF64(rows);
    this.rhoPart = sharedF64(rows);
    this.depPart = sharedF64(rows);
    this.metalPart = sharedF64(rows);
    const vol = L.dims === 3 ? L.dx ** 3 : L.dx ** 2;
    const padRows = this.PU.py * this.PU.pz;
    this.tSave = exec.task('copy', { nx, src: f.w, dst: this.wOld }, rows, N);
    this.tPadPsi = exec.task('fillPadded', { L, items: [{ P: this.Pp, u: f.psi, bc: bcPsi }] }, padRows, N);
    this.tMax = exec.task('rowMax', { nx, u: f.psi, out: this.rowMax }, rows, N);
    this.tCoef = exec.task('gpCoef', { nx, g, xi: f.xiNew, w: f.w, psi: f.psi, U: this.U, mob: this.mob, cap: this.cap, props }, rows, N);
    // u and the mobility need only their periodic wraps (the other boundary faces use the cell's own values)
    this.tPadU = exec.task(
      'fillPadded',
      {
        L,
        items: [
          { P: this.PU, u: this.U, bc: bcs.D },
          { P: this.PM, u: this.mob, bc: bcs.D },
        ],
      },
      padRows,
      N,
    );
    const res: GpResidualArgs = {
      L,
      g,
      bcW: bcs.w,
      xiOld: f.xi,
      xiNew: f.xiNew,
      wOld: this.wOld,
      w: f.w,
      cap: this.cap,
      PU: this.PU,
      PM: this.PM,
      Pp: this.Pp,
      src: null,
      props,
      vol,
      op: this.op,
      rhs: this.rhs,
      fPart: this.fPart,
      inPart: this.inPart,
      rhoPart: this.rhoPart,
    };
    this.tResidual = exec.task('gpResidual', res, rows, N);
    this.tResidualSrc = exec.task('gpResidual', { ...res, src: this.src }, rows, N);
    this.tZero = exec.task('gpZero', { nx, dst: this.delta }, rows, N);
    this.tUpdate = exec.task('gpUpdate', { nx, g, xi: f.xiNew, w: f.w, U: this.U, cap: this.cap, delta: this.delta, props }, rows, N);
    this.tKeep = exec.task('copy', { nx, src: f.w, dst: this.wPrev }, rows, N);
    this.tRestore = exec.task('copy', { nx, src: this.wPrev, dst: f.w }, rows, N);
    this.tFinish = exec.task(
      'gpFinish',
      {
        nx,
        g,
        w: f.w,
        c: f.c,
        xi: f.xi,
        xiNew: f.xiNew,
        xidot: f.xidot,
        xiSolve: f.xiSolve,
        rowDxi: f.rowDxi,
        depPart: this.depPart,
        props,
        vol,
      },
      rows,
      N,
    );
    this.tMetal = exec.task('gpMetal', { nx, g, xi: f.xi, w: f.w, out: this.metalPart, props }, rows, N);
    this.pcg = new Pcg(exec, this.op, this.rhs, this.delta);
  }

  /** A manufactured-solution source S (ρ per second, per cell) for the next steps; null removes it. */
  setSource(s: Float64Array | null): void {
    if (s && s.length !== this.L.N) throw new Error(`GpTransportSolver.setSource: ${s.length} values, the grid has ${this.L.N}`);
    this.srcOn = s !== null;
    if (s) this.src.set(s);
  }

  /**
   * Advances w in place to wⁿ⁺¹, derives c̃ and commits ξ ← ξⁿ⁺¹ with ξ̇. `tol` is the relative
   * Newton tolerance (and the scale of the linear ones), maxIter the CG iterations per solve.
   */
  step(dt: number, tol: number, maxIter: number): GpTransportResult {
    const { exec } = this;
    exec.run(this.tSave);
    exec.run(this.tPadPsi);
    // ψ_ref: the largest ψ over the cells and the Dirichlet values of φ (every a = ψ − ψ_ref ≤ 0), as transport.ts
    exec.run(this.tMax);
    let ref = -Infinity;
    for (let r = 0; r < this.rowMax.length; r++) if (this.rowMax[r] > ref) ref = this.rowMax[r];
    const bp = this.bcPsi;
    for (let q = 0; q < 6; q++) if (bp.type[q] === BC_DIRICHLET && bp.value[q] > ref) ref = bp.value[q];
    let F0 = NaN,
      F = NaN,
      Fprev = Infinity,
      lambda = 1,
      influx = 0,
      cg = 0,
      newton = 0,
      converged = false,
      target = 0;
    const evaluate = () => {
      exec.run(this.tCoef, ref);
      exec.run(this.tPadU);
      exec.run(this.srcOn ? this.tResidualSrc : this.tResidual, dt, ref);
      return Math.sqrt(pairwiseSum(this.fPart));
    };
    for (;;) {
      F = evaluate();
      // backtracking: an update that did not lower ‖F‖ is taken back and retried at half the step
      // (the same δu, half the change of Li per cell), up to GP_BACKTRACK times
      while (newton > 0 && !(F <= (1 - 1e-4 * lambda) * Fprev) && lambda > 2 ** -GP_BACKTRACK) {
        lambda *= 0.5;
        exec.run(this.tRestore);
        exec.run(this.tCoef, ref);
        exec.run(this.tUpdate, lambda);
        F = evaluate();
      }
      influx = pairwiseSum(this.inPart);
      if (newton === 0) {
        F0 = F;
        target = Math.max(tol * F0, 64 * Number.EPSILON * Math.sqrt(pairwiseSum(this.rhoPart)));
      }
      if (F <= target) {
        converged = true;
        break;
      }
      if (!Number.isFinite(F) || newton >= GP_MAX_NEWTON) break;
      exec.run(this.tZero);
      const eta = Math.min(GP_ETA_MAX, Math.max(GP_ETA_MIN, (0.5 * target) / F));
      const st = this.pcg.solve({ tol: eta, maxIter });
      cg += st.iterations;
      newton++;
      if (!st.converged) break;
      Fprev = F;
      lambda = 1;
      exec.run(this.tKeep);
      exec.run(this.tUpdate, 1);
    }
    exec.run(this.tFinish, dt);
    return {
      iterations: cg,
      residual: F0 > 0 ? F / F0 : F,
      converged,
      newton,
      limited: 0,
      // ρ-units (electrolyte sites) → c0 units
      influx: this.g.K * influx,
      migrationRate: 0,
      deposited: pairwiseSum(this.depPart),
    };
  }

  /** The Li of the metal over c0, Σ K·dv·h·c_s dV (scaled c0·µm^d; host cells left out). */
  metal(): number {
    this.exec.run(this.tMetal);
    const vol = this.L.dims === 3 ? this.L.dx ** 3 : this.L.dx ** 2;
    return pairwiseSum(this.metalPart) * vol;
  }
}
