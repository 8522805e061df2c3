/**
 * Semi-implicit (IMEX) phase stage, CPU reference (docs/imex-phase.md). One step of length dt:
 *   A = diag(S) + L_σκ0·K·(−Δ_h),   S from ξⁿ (fixed for the step)
 *   δ⁰ = 0;  for m = 1…sweeps:  (I + (dt/2)A)·Δ = dt·F(ξⁿ + δ^{m−1}/2) + ν − δ^{m−1},  δ^m = δ^{m−1} + Δ
 *   ξⁿ⁺¹ = ξⁿ + δ,   ν = σ_W √dt N(0,1)·16ξⁿ²(1−ξⁿ)²  (the explicit stage's noise increment)
 * F is the full deterministic rate of the explicit stage (phase.ts: anisotropic flux with its
 * cross terms, double-well, Butler–Volmer with SEI/host props and the additive's screening,
 * contact-angle ghosts) at the lagged ψ and c̃ⁿ. The first sweep is the linearly implicit
 * midpoint step; every further sweep is a Newton-like correction towards the implicit midpoint
 * rule δ = dt·F(ξⁿ + δ/2) + ν, whose answer does not depend on A. A only has to dominate the stiff
 * linear part: K ≥ the largest anisotropic stiffness (Coefficients.imex.K) and S = the local
 * slope of the double-well and the reaction (phase.ts, imexStab), its negative part clamped so
 * that the diagonal (dt/2)·S ≥ −DIAG_FLOOR keeps I + (dt/2)A diagonally dominant (SPD).
 *
 * The noise enters the implicit step (not added after it): the midpoint rule then keeps the
 * stationary variance of every linear mode at its exact value σ²/(2λ) at any dt, instead of
 * letting stiff grid modes ring (docs/imex-phase.md).
 *
 * The deposit's dependence on c̃ is not in F's fixed point: the first rate evaluation also
 * writes ∂F/∂c̃ per cell, and the transport stage takes it implicitly (transport.ts, reactC).
 *
 * Boundary faces of the increment: a Dirichlet face of ξ fixes ξ there, so Δ = 0 at the face
 * (weight 2W on the diagonal); no-flux and contact faces are no-flux for Δ (the wetting flux
 * stays in F, explicit); periodic faces wrap. A host cell (props[4q+3] > 0.5) is frozen: its
 * row is the identity with right-hand side 0 and its faces to other cells act as Dirichlet
 * faces (Δ = 0) on their side, and the finish writes it back as exactly 0 or 1 like the
 * explicit stage.
 *
 * Step statistics: the row maxima of |δ|/dt (the rate the step took, which the maxDxiPerStep
 * rule bounds) and, from the last rate evaluation, the explicit stage's reaction stiffness bound.
 *
 * Kernels (rows, any split gives the serial bits): the operator, the right-hand side of a sweep
 * (with Δ = 0 as the start), the update δ += Δ with ξ* = ξⁿ + δ/2, and the finish.
 */
import type { Coefficients } from '../../model/derived.ts';
import { cellNormal, stepKey } from '../../model/noise.ts';
import type { SolveReport } from '../backend.ts';
import { BC_DIRICHLET, type FieldBC, type Layout } from '../layout.ts';
import type { Exec, Task } from './exec.ts';
import { makeOp, type StencilOp } from './operator.ts';
import type { Padded } from './padded.ts';
import { Pcg } from './pcg.ts';
import type { PhaseTaskArgs } from './phase.ts';
import { sharedF64 } from './shared.ts';

/** Lower bound of the diagonal term (dt/2)·S: the diagonal of I + (dt/2)A stays ≥ 1 − DIAG_FLOOR plus its faces. */
export const DIAG_FLOOR = 0.9;

/**
 * Rows (h = dt/2 = s[0]): the IMEX operator I + h·(diag(S) + L_σκ0·K·(−Δ_h)) with its boundary and
 * host faces; h·S is clamped at −DIAG_FLOOR.
 */
export function imexOperatorK(
  a: { L: Layout; bc: FieldBC; mobK: number; stab: Float64Array; props: Float32Array | null; op: StencilOp },
  s: Float64Array,
  r0: number,
  r1: number,
): void {
  const h = s[0];
  const { L, bc, stab, props, op } = a;
  const { nx, ny, nz } = L;
  const W = (h * a.mobK) / (L.dx * L.dx);
  const axes = L.dims === 3 ? 3 : 2;
  const d = op.d,
    w = op.w;
  const t = bc.type;
  const n = [nx, ny, nz];
  const stride = [1, nx, nx * ny];
  const host = (q: number) => props !== null && props[4 * q + 3] > 0.5;
  for (let r = r0; r < r1; r++) {
    const j = r % ny,
      kk = (r / ny) | 0;
    for (let i = 0; i < nx; i++) {
      const c = nx * r + i;
      if (host(c)) {
        d[c] = 1;
        for (let ax = 0; ax < axes; ax++) w[ax][c] = 0;
        continue;
      }
      const hs = h * stab[c];
      let dc = 1 + Math.max(hs, -DIAG_FLOOR);
      for (let ax = 0; ax < axes; ax++) {
        const p = ax === 0 ? i : ax === 1 ? j : kk;
        const per = L.periodic[ax];
        // + face: to the neighbour (wrapped when periodic) or the boundary face x1/y1/z1
        let wp = 0;
        if (p < n[ax] - 1 || per) {
          const nb = p < n[ax] - 1 ? c + stride[ax] : c - (n[ax] - 1) * stride[ax];
          if (nb !== c) {
            if (host(nb)) dc += W;
            else wp = W;
          }
        } else if (t[2 * ax + 1] === BC_DIRICHLET) dc += 2 * W;
        w[ax][c] = wp;
        // − face: its weight is the neighbour's + face; only boundary and host faces add here
        if (p > 0 || per) {
          const nb = p > 0 ? c - stride[ax] : c + (n[ax] - 1) * stride[ax];
          if (nb !== c && host(nb)) dc += W;
        } else if (t[2 * ax] === BC_DIRICHLET) dc += 2 * W;
      }
      d[c] = dc;
    }
  }
}

/**
 * Rows (dt = s[0], noise key = s[2]; s[1] = 1: the first sweep): rhs = dt·F + ν − δ, ν the
 * noise increment σ_W √dt N(0,1)·16ξⁿ²(1−ξⁿ)² (the explicit stage's draw and mask), δ = 0 on
 * the first sweep; 0 on host cells; Δ = 0.
 */
export function imexRhsK(
  a: {
    nx: number;
    noiseSigma: number;
    xi: Float64Array;
    rate: Float64Array;
    delta: Float64Array;
    rhs: Float64Array;
    corr: Float64Array;
    props: Float32Array | null;
  },
  s: Float64Array,
  r0: number,
  r1: number,
): void {
  const dt = s[0],
    first = s[1] === 1,
    key = s[2];
  const { xi, rate, delta, rhs, corr, props } = a;
  const noiseAmp = a.noiseSigma * Math.sqrt(dt);
  for (let q = a.nx * r0, e = a.nx * r1; q < e; q++) {
    corr[q] = 0;
    if (first) delta[q] = 0;
    if (props !== null && props[4 * q + 3] > 0.5) {
      rhs[q] = 0;
      continue;
    }
    let b = dt * rate[q] - delta[q];
    if (noiseAmp > 0) {
      const x = xi[q];
      const g = 16 * x * x * (1 - x) * (1 - x);
      if (g > 0) b += noiseAmp * g * cellNormal(key, q);
    }
    rhs[q] = b;
  }
}

/** Rows: δ += Δ and ξ* = ξⁿ + δ/2 (the midpoint the next sweep evaluates F at). */
export function imexUpdateK(
  a: { nx: number; xi: Float64Array; delta: Float64Array; corr: Float64Array; xiStar: Float64Array },
  _s: Float64Array,
  r0: number,
  r1: number,
): void {
  const { xi, delta, corr, xiStar } = a;
  for (let q = a.nx * r0, e = a.nx * r1; q < e; q++) {
    const dl = delta[q] + corr[q];
    delta[q] = dl;
    xiStar[q] = xi[q] + 0.5 * dl;
  }
}

/**
 * Rows (dt = s[0]): ξⁿ⁺¹ = ξⁿ + δ, host cells exactly 0 or 1; rowMaxRate = max |δ|/dt over the
 * non-host cells (NaN wins).
 */
export function imexFinishK(
  a: { nx: number; xi: Float64Array; delta: Float64Array; out: Float64Array; rowMaxRate: Float64Array; props: Float32Array | null },
  s: Float64Array,
  r0: number,
  r1: number,
): void {
  const dt = s[0];
  const { nx, xi, delta, out, props } = a;
  const inv = 1 / dt;
  for (let r = r0; r < r1; r++) {
    let m = 0;
    for (let q = nx * r, e = q + nx; q < e; q++) {
      const x = xi[q];
      if (props !== null && props[4 * q + 3] > 0.5) {
        out[q] = x > 0.5 ? 1 : 0;
        continue;
      }
      out[q] = x + delta[q];
      const ar = Math.abs(delta[q]) * inv;
      // (a NaN increment must reach the stability check, which Math.max would not guarantee here)
      if (!(ar <= m)) m = ar;
    }
    a.rowMaxRate[r] = m;
  }
}

export interface ImexPhaseFields {
  /** ξⁿ (unpadded), the backend's padded scratch of ξ, and the output ξⁿ⁺¹. */
  xi: Float64Array;
  P: Padded;
  out: Float64Array;
  rowMaxRate: Float64Array;
  props: Float32Array | null;
  /** Out: ∂F/∂c̃ per cell at ξⁿ for the transport stage (null: not wanted). */
  dRateDc?: Float64Array | null;
}

/** The IMEX phase stage over the backend's shared fields, run by its executor. */
export class ImexPhase {
  private pcg: Pcg;
  private tRate0: Task;
  private tRate: Task;
  private tPadStar: Task;
  private tOp: Task;
  private tRhs: Task;
  private tUpdate: Task;
  private tFinish: Task;
  private sweeps: number;
  private tol: number;
  private maxIter: number;

  /**
   * `phaseArgs`: the explicit stage's task arguments (phase.ts); the rate evaluations reuse them
   * with the `rate`/`stab` outputs. `tPadXi` fills the padded ξ from ξⁿ (the backend's task).
   */
  constructor(
    private exec: Exec,
    L: Layout,
    private k: Coefficients,
    bcXi: FieldBC,
    f: ImexPhaseFields,
    phaseArgs: PhaseTaskArgs,
    private tPadXi: Task,
  ) {
    const imex = k.imex;
    if (!imex) throw new Error('ImexPhase: the coefficients have no imex section (numerics.phase is not "imex")');
    this.sweeps = imex.sweeps;
    this.tol = imex.tol;
    this.maxIter = imex.maxIter;
    const { N, rows, nx } = L;
    const rate = sharedF64(N),
      stab = sharedF64(N),
      corr = sharedF64(N),
      rhs = sharedF64(N),
      xiStar = sharedF64(N);
    const delta = sharedF64(N);
    const op = makeOp(L.dims, [L.nx, L.ny, L.nz], L.periodic);
    const props = f.props;
    this.tRate0 = exec.task('phase', { ...phaseArgs, rate, stab, dRateDc: f.dRateDc ?? null }, rows, N);
    this.tRate = exec.task('phase', { ...phaseArgs, rate, stab: null }, rows, N);
    this.tPadStar = exec.task('fillPadded', { L, items: [{ P: f.P, u: xiStar, bc: bcXi }] }, f.P.py * f.P.pz, N);
    this.tOp = exec.task('imexOperator', { L, bc: bcXi, mobK: k.mobKappa * imex.K, stab, props, op }, rows, N);
    this.tRhs = exec.task('imexRhs', { nx, noiseSigma: k.noiseSigma, xi: f.xi, rate, delta, rhs, corr, props }, rows, N);
    this.tUpdate = exec.task('imexUpdate', { nx, xi: f.xi, delta, corr, xiStar }, rows, N);
    this.tFinish = exec.task('imexFinish', { nx, xi: f.xi, delta, out: f.out, rowMaxRate: f.rowMaxRate, props }, rows, N);
    this.pcg = new Pcg(exec, op, rhs, corr, { jacobiOnly: imex.precond === 'jacobi' });
  }

  /**
   * One step: ξⁿ⁺¹ into the output field, the step statistics into the row arrays. Returns the
   * solves' total iterations, the worst relative residual and whether every sweep converged.
   */
  step(dt: number, step: number): SolveReport {
    const { exec } = this;
    exec.run(this.tPadXi);
    exec.run(this.tRate0, dt);
    exec.run(this.tOp, dt / 2);
    const key = stepKey(this.k.seed, step);
    let iterations = 0,
      residual = 0,
      converged = true;
    for (let m = 1; m <= this.sweeps; m++) {
      if (m > 1) {
        exec.run(this.tPadStar);
        exec.run(this.tRate, dt);
      }
      exec.run(this.tRhs, dt, m === 1 ? 1 : 0, key);
      // (the operator is the step's: the second and later sweeps keep its hierarchy)
      const st = this.pcg.solve({ tol: this.tol, maxIter: this.maxIter, sameOperator: m > 1 });
      iterations += st.iterations;
      residual = Math.max(residual, st.residual);
      converged &&= st.converged;
      exec.run(this.tUpdate);
    }
    exec.run(this.tFinish, dt);
    return { iterations, residual, converged };
  }
}
