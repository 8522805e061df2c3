/**
 * Potential stage: equation (3) in scaled units, ∇·(σ̂∇ψ) = β ∂ξ/∂t, as the SPD system
 *   [−dx²∇·σ̂∇] ψ = −dx² β ξ̇  (+ Dirichlet terms),
 * solved by MG-preconditioned CG warm-started from the previous ψ. Also returns the currents
 * through the x faces (the electrodes of the default set-up).
 * Kernels: prep (σ̂, right-hand side, and the copy of ξ the re-solve test compares with),
 * assemble, the CG solve, and the per-row boundary fluxes (summed pairwise over rows).
 */
import type { Coefficients } from '../../model/derived.ts';
import type { Layout, FieldBC } from '../layout.ts';
import { BC_DIRICHLET } from '../layout.ts';
import { assembleRows, COEF_SIGMA, hCoef, interpCoefProps, type Grid } from './coefficients.ts';
import { SerialExec, type Exec, type Task } from './exec.ts';
import { makeOp, type StencilOp } from './operator.ts';
import { Pcg, pairwiseSum, type SolveStats } from './pcg.ts';
import { sharedF64 } from './shared.ts';

export interface PotentialResult extends SolveStats {
  /** Σ over x1 / x0 boundary cells of σ̂ ∂ψ/∂x · (cell face area in µm^(d−1)) — scaled current. */
  fluxX1: number;
  fluxX0: number;
  /** Σ β ξ̇ dV in the same scaled units (the source the solve balanced). */
  source: number;
}

/**
 * Rows: σ̂ = hi·h(ξ) + lo·(1 − h(ξ)) with ξ clamped to [0, 1] in h (hCoef), rhs = src·ξ̇; when xiSolve is given, xiSolve = ξ and
 * rowDxi[r] = max |ξ − xiSolve| over the row (0, or NaN where ξ is NaN).
 */
export function potentialPrepK(
  a: {
    nx: number;
    xi: Float64Array;
    xidot: Float64Array;
    sigma: Float64Array;
    rhs: Float64Array;
    hi: number;
    lo: number;
    src: number;
    xiSolve: Float64Array | null;
    rowDxi: Float64Array | null;
    props?: Float32Array | null;
  },
  _s: Float64Array,
  r0: number,
  r1: number,
): void {
  const { nx, xi, xidot, sigma, rhs, hi, lo, src, xiSolve, rowDxi } = a;
  const props = a.props ?? null;
  for (let r = r0; r < r1; r++) {
    const i0 = nx * r,
      i1 = i0 + nx;
    if (props) {
      // material props: σ̂ = host ? σ̂_s : σ̂_s h + kS·(1 − h) (coefficients.ts, interpCoefProps)
      interpCoefProps(xi, hi, lo, props, COEF_SIGMA, sigma, i0, i1);
      for (let i = i0; i < i1; i++) rhs[i] = src * xidot[i];
    } else {
      for (let i = i0; i < i1; i++) {
        const h = hCoef(xi[i]);
        sigma[i] = hi * h + lo * (1 - h);
        rhs[i] = src * xidot[i];
      }
    }
    if (xiSolve && rowDxi) {
      let m = 0;
      for (let i = i0; i < i1; i++) {
        xiSolve[i] = xi[i];
        m = Math.max(m, Math.abs(xi[i] - xiSolve[i]));
      }
      rowDxi[r] = m;
    }
  }
}

/** Rows: assemble (coefficients.ts) with scale s[0]. */
export function assembleK(
  a: { L: Grid; coef: Float64Array; mass: number; bc: FieldBC; op: StencilOp; rhs: Float64Array },
  s: Float64Array,
  r0: number,
  r1: number,
): void {
  assembleRows(a.L, a.coef, s[0], a.mass, a.bc, a.op, a.rhs, r0, r1);
}

/** Rows: currents through the x1 and x0 faces and the source Σβξ̇dV, as row partials. */
export function potentialFluxK(
  a: {
    L: Layout;
    bc: FieldBC;
    sigma: Float64Array;
    psi: Float64Array;
    xidot: Float64Array;
    beta: number;
    f1: Float64Array;
    f0: Float64Array;
    src: Float64Array;
  },
  _s: Float64Array,
  r0: number,
  r1: number,
): void {
  const { L, bc, sigma, psi, xidot, f1, f0, src } = a;
  const area = L.dims === 3 ? L.dx * L.dx : L.dx;
  for (let r = r0; r < r1; r++) {
    const i0 = L.nx * r,
      i1 = i0 + L.nx - 1;
    // ∂ψ/∂x at the face from the cell centre (dx/2 away) to the Dirichlet value
    f1[r] = bc.type[1] === BC_DIRICHLET ? ((sigma[i1] * (bc.value[1] - psi[i1]) * 2) / L.dx) * area : 0;
    f0[r] = bc.type[0] === BC_DIRICHLET ? ((sigma[i0] * (psi[i0] - bc.value[0]) * 2) / L.dx) * area : 0;
    let s = 0;
    for (let i = 0; i < L.nx; i++) s += xidot[i0 + i];
    src[r] = a.beta * s * area * L.dx;
  }
}

export interface PotentialFields {
  xi: Float64Array;
  xidot: Float64Array;
  psi: Float64Array;
  /** Optional: ξ at the last solve and its per-row max distance from ξ (the re-solve test). */
  xiSolve?: Float64Array;
  rowDxi?: Float64Array;
  /** Optional material props [kL, kD, kS, host] per cell (src/model/props.ts); σ̂ uses kS and host. */
  props?: Float32Array | null;
}

/** The potential solve over fixed (shared) fields, run by an executor (serial or pool). */
export class PotentialSolver {
  private op: StencilOp;
  private rhs: Float64Array;
  private sigma: Float64Array;
  private f1: Float64Array;
  private f0: Float64Array;
  private src: Float64Array;
  private pcg: Pcg;
  private tPrep: Task;
  private tAssemble: Task;
  private tFlux: Task;

  constructor(
    private exec: Exec,
    L: Layout,
    k: Coefficients,
    bc: FieldBC,
    f: PotentialFields,
  ) {
    const { N, rows, nx } = L;
    this.op = makeOp(L.dims, [L.nx, L.ny, L.nz], L.periodic);
    this.rhs = sharedF64(N);
    this.sigma = sharedF64(N);
    this.f1 = sharedF64(rows);
    this.f0 = sharedF64(rows);
    this.src = sharedF64(rows);
    const dx2 = L.dx * L.dx;
    this.tPrep = exec.task(
      'potentialPrep',
      {
        nx,
        xi: f.xi,
        xidot: f.xidot,
        sigma: this.sigma,
        rhs: this.rhs,
        hi: k.sigmaS,
        lo: 1,
        src: -dx2 * k.beta,
        xiSolve: f.xiSolve ?? null,
        rowDxi: f.rowDxi ?? null,
        props: f.props ?? null,
      },
      rows,
      N,
    );
    this.tAssemble = exec.task('assemble', { L, coef: this.sigma, mass: 0, bc, op: this.op, rhs: this.rhs }, rows, N);
    this.tFlux = exec.task(
      'potentialFlux',
      { L, bc, sigma: this.sigma, psi: f.psi, xidot: f.xidot, beta: k.beta, f1: this.f1, f0: this.f0, src: this.src },
      rows,
      N,
    );
    this.pcg = new Pcg(exec, this.op, this.rhs, f.psi);
  }

  /** Solves for ψ in place (warm start from the current ψ). */
  solve(tol: number, maxIter: number): PotentialResult {
    const { exec } = this;
    exec.run(this.tPrep);
    exec.run(this.tAssemble, 1);
    const st = this.pcg.solve({ tol, maxIter });
    exec.run(this.tFlux);
    return { ...st, fluxX1: pairwiseSum(this.f1), fluxX0: pairwiseSum(this.f0), source: pairwiseSum(this.src) };
  }
}

/**
 * The potential stage on caller-owned arrays, serially (tests, tools):
 * new PotentialStage(L, k, bc).solve(xi, xidot, psi, tol, maxIter) updates psi in place.
 */
export class PotentialStage {
  private f: { xi: Float64Array; xidot: Float64Array; psi: Float64Array };
  private solver: PotentialSolver;
  constructor(L: Layout, k: Coefficients, bc: FieldBC) {
    this.f = { xi: sharedF64(L.N), xidot: sharedF64(L.N), psi: sharedF64(L.N) };
    this.solver = new PotentialSolver(new SerialExec(), L, k, bc, this.f);
  }

  solve(xi: Float64Array, xidot: Float64Array, psi: Float64Array, tol: number, maxIter: number): PotentialResult {
    this.f.xi.set(xi);
    this.f.xidot.set(xidot);
    this.f.psi.set(psi);
    const r = this.solver.solve(tol, maxIter);
    psi.set(this.f.psi);
    return r;
  }
}

/** Rows: xiSolve = ξ and rowDxi[r] = max |ξ − xiSolve| over the row (0, or NaN where ξ is NaN). */
export function markSolveK(
  a: { nx: number; xi: Float64Array; xiSolve: Float64Array; rowDxi: Float64Array },
  _s: Float64Array,
  r0: number,
  r1: number,
): void {
  const { nx, xi, xiSolve, rowDxi } = a;
  for (let r = r0; r < r1; r++) {
    let m = 0;
    for (let i = nx * r, e = i + nx; i < e; i++) {
      xiSolve[i] = xi[i];
      m = Math.max(m, Math.abs(xi[i] - xiSolve[i]));
    }
    rowDxi[r] = m;
  }
}
