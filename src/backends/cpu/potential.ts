/**
 * Potential stage: equation (3) in scaled units, ∇·(σ̂∇ψ) = β ∂ξ/∂t, as the SPD system
 *   [−dx²∇·σ̂∇] ψ = −dx² β ξ̇  (+ Dirichlet terms),
 * solved by MG-preconditioned CG warm-started from the previous ψ. Also returns the currents
 * through the x faces (the electrodes of the default set-up).
 */
import type { Coefficients } from '../../model/derived.ts';
import type { Layout, FieldBC } from '../layout.ts';
import { BC_DIRICHLET } from '../layout.ts';
import { assemble, interpCoef } from './coefficients.ts';
import { makeOp } from './operator.ts';
import { pcg, pairwiseSum, type SolveStats } from './pcg.ts';

export interface PotentialResult extends SolveStats {
  /** Σ over x1 / x0 boundary cells of σ̂ ∂ψ/∂x · (cell face area in µm^(d−1)) — scaled current. */
  fluxX1: number; fluxX0: number;
  /** Σ β ξ̇ dV in the same scaled units (the source the solve balanced). */
  source: number;
}

export class PotentialStage {
  private op;
  private rhs: Float64Array;
  private sigma: Float64Array;
  constructor(private L: Layout, private k: Coefficients, private bc: FieldBC) {
    this.op = makeOp(L.dims, [L.nx, L.ny, L.nz], L.periodic);
    this.rhs = new Float64Array(L.N);
    this.sigma = new Float64Array(L.N);
  }

  solve(xi: Float64Array, xidot: Float64Array, psi: Float64Array, tol: number, maxIter: number): PotentialResult {
    const { L, k } = this;
    interpCoef(xi, k.sigmaS, 1, this.sigma);
    const dx2 = L.dx * L.dx;
    for (let i = 0; i < L.N; i++) this.rhs[i] = -dx2 * k.beta * xidot[i];
    assemble(L, this.sigma, 1, 0, this.bc, this.op, this.rhs);
    const st = pcg(this.op, this.rhs, psi, { tol, maxIter });
    return { ...st, ...this.boundaryFluxes(psi, xidot) };
  }

  private boundaryFluxes(psi: Float64Array, xidot: Float64Array) {
    const { L, k, bc, sigma } = this;
    const area = L.dims === 3 ? L.dx * L.dx : L.dx;
    const f1 = new Float64Array(L.rows), f0 = new Float64Array(L.rows), src = new Float64Array(L.rows);
    for (let r = 0; r < L.rows; r++) {
      const a = L.nx * r, b = a + L.nx - 1;
      // ∂ψ/∂x at the face from the cell centre (dx/2 away) to the Dirichlet value
      f1[r] = bc.type[1] === BC_DIRICHLET ? (sigma[b] * (bc.value[1] - psi[b]) * 2 / L.dx) * area : 0;
      f0[r] = bc.type[0] === BC_DIRICHLET ? (sigma[a] * (psi[a] - bc.value[0]) * 2 / L.dx) * area : 0;
      let s = 0;
      for (let i = 0; i < L.nx; i++) s += xidot[a + i];
      src[r] = k.beta * s * area * L.dx;
    }
    return { fluxX1: pairwiseSum(f1), fluxX0: pairwiseSum(f0), source: pairwiseSum(src) };
  }
}
