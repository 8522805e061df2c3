/**
 * The displacement solve of the mechanics stage on the CPU (f64): conjugate gradients on the
 * symmetric positive-definite staggered-grid operator (elasticity-kernels.ts), preconditioned
 * by one aggregation-multigrid V-cycle per displacement component (the separate displacement
 * components, or "unknown-based", preconditioner: blockdiag(A_xx, A_yy, A_zz)). Each diagonal
 * block is a scalar face-weight operator, so the potential's multigrid (multigrid.ts: Galerkin
 * 2×2(×2) aggregation, damped Jacobi, Cholesky on the coarsest level) is used unchanged. By
 * Korn's inequality the blocks are spectrally equivalent to A with constants that do not depend
 * on the grid (they depend on ν and the boundary), so the CG iteration count stays flat when
 * the grid is refined (docs/mechanics.md; test/validation/mechanics-solver.test.ts).
 *
 * Vectors are component-major (ux | uy | uz), each component a per-cell field; the CG vector
 * kernels of pcg.ts run on them as d·rows rows. Warm start: the displacement of the last solve.
 */
import type { MechCoefficients } from '../../model/mechanics.ts';
import type { SolveReport } from '../backend.ts';
import type { Layout } from '../layout.ts';
import { MODE_FULL, MODE_LINEAR, MODE_SOURCE, pairCount, type ElasticGrid, type ElasticMaterial } from './elasticity-kernels.ts';
import type { Exec, Task } from './exec.ts';
import { Multigrid } from './multigrid.ts';
import { makeOp, type StencilOp } from './operator.ts';
import { pairwiseSum } from './pcg.ts';
import { sharedF64 } from './shared.ts';

/** What a mechanics solve reports (iterations, relative residual, convergence). */
export type MechanicsReport = SolveReport;

export class ElasticitySolver {
  readonly g: ElasticGrid;
  /** The displacement (d·N, component-major), µm. */
  readonly u: Float64Array;
  /** Per cell [s, q] for the phase stage (elasticCouplingK). */
  readonly mech: Float64Array;
  /** Per cell [σ_h, σ_vm] over μ_ref, written by stresses(). */
  readonly stressOut: Float64Array;
  readonly m: ElasticMaterial;
  /** An added load (d·N; tests: body forces and boundary data); null: none. */
  extra: Float64Array | null = null;
  readonly mg: Multigrid[];
  private d: number;
  private b: Float64Array;
  private r: Float64Array;
  private z: Float64Array;
  private p: Float64Array;
  private q: Float64Array;
  private sig: Float64Array;
  private tau: Float64Array;
  private partA: Float64Array;
  private partB: Float64Array;
  private partC: Float64Array;
  private rzPart: Float64Array[];
  private ops: StencilOp[];
  private t: Record<string, Task> = {};

  constructor(
    private exec: Exec,
    private L: Layout,
    private mc: MechCoefficients,
    xi: Float64Array,
  ) {
    const d = (this.d = L.dims);
    const N = L.N;
    const periodic: [boolean, boolean, boolean] = [0, 1, 2].map((a) => a < d && mc.faces[2 * a] === 3) as [boolean, boolean, boolean];
    this.g = { dims: L.dims, n: [L.nx, L.ny, L.nz], N, dx: L.dx, faces: mc.faces };
    const v = () => sharedF64(d * N);
    this.u = v();
    this.b = v();
    this.r = v();
    this.z = v();
    this.p = v();
    this.q = v();
    this.sig = v();
    this.tau = sharedF64(pairCount(L.dims) * N);
    this.mech = sharedF64(2 * N);
    this.stressOut = sharedF64(2 * N);
    this.m = { lam: sharedF64(N), mu: sharedF64(N), hh: sharedF64(N) };
    const rows = L.rows;
    this.partA = sharedF64(d * rows);
    this.partB = sharedF64(d * rows);
    this.partC = sharedF64(rows);
    this.ops = [];
    this.mg = [];
    this.rzPart = [];
    for (let a = 0; a < d; a++) {
      const op = makeOp(L.dims, [L.nx, L.ny, L.nz], periodic);
      this.ops.push(op);
      const part = sharedF64(rows);
      this.rzPart.push(part);
      const view = (x: Float64Array) => x.subarray(a * N, (a + 1) * N);
      // (ω 2/3 in any dimension: the GPU and WebGL elastic multigrids' weight; smoothingOmega's 3D 6/7 is not measured here)
      this.mg.push(new Multigrid(exec, op, view(this.r), view(this.z), part, { cycle: 'W', omega: 2 / 3 }));
    }
    this.defineTasks(xi);
  }

  private defineTasks(xi: Float64Array): void {
    const { exec, L, mc, g, m, d } = this;
    const { N, rows, nx } = L;
    const t = this.t;
    t.material = exec.task('elasticMaterial', { nx, xi, m, lamM: mc.lamM, muM: mc.muM, lamE: mc.lamE, muE: mc.muE }, rows, N);
    t.blocks = exec.task('elasticBlocks', { g, m, ops: this.ops }, rows, N);
    const stress = (mode: number, u: Float64Array) =>
      exec.task('elasticStress', { g, m, e0: mc.e0, mode, u, sig: this.sig, tau: this.tau }, rows, N);
    const force = (mode: number, u: Float64Array, y: Float64Array, part: Float64Array | null) =>
      exec.task('elasticForce', { g, m, mode, pressure: mc.pressure, u, sig: this.sig, tau: this.tau, y, part }, rows, N);
    t.stressSrc = stress(MODE_SOURCE, this.u);
    t.forceSrc = force(MODE_SOURCE, this.u, this.b, null);
    t.stressU = stress(MODE_LINEAR, this.u);
    t.forceU = force(MODE_LINEAR, this.u, this.q, null);
    t.stressP = stress(MODE_LINEAR, this.p);
    t.forceP = force(MODE_LINEAR, this.p, this.q, this.partC);
    t.stressFull = stress(MODE_FULL, this.u);
    const vr = d * rows;
    t.residual = exec.task('elasticResidual', { nx, b: this.b, y: this.q, r: this.r, rr: this.partA, bb: this.partB }, vr, d * N);
    t.update = exec.task('pcgUpdate', { nx, x: this.u, r: this.r, p: this.p, q: this.q, part: this.partA }, vr, d * N);
    t.direction = exec.task('pcgDirection', { nx, z: this.z, p: this.p }, vr, d * N);
    t.copy = exec.task('copy', { nx, src: this.z, dst: this.p }, vr, d * N);
    const dLam = mc.lamM - mc.lamE,
      dMu = mc.muM - mc.muE;
    const coupling = (out: Float64Array | null) =>
      exec.task(
        'elasticCoupling',
        { g, m, e0: mc.e0, u: this.u, tau: this.tau, dLam, dMu, sFactor: mc.sFactor, hydro: mc.hydro, mech: this.mech, out },
        rows,
        N,
      );
    t.coupling = coupling(null);
    t.couplingOut = coupling(this.stressOut);
  }

  /** The material (λ, μ, h) from the current ξ (the array given to the constructor). */
  private material(): void {
    this.exec.run(this.t.material);
  }

  /** Solves for the displacement (warm start from the last one) and updates the coupling fields. */
  solve(tol = this.mc.tol, maxIter = this.mc.maxIter): MechanicsReport {
    const { exec, t, d } = this;
    this.material();
    exec.run(t.blocks);
    // b = −force(u = 0; eigenstrain, pressure) + extra
    exec.run(t.stressSrc);
    exec.run(t.forceSrc);
    const b = this.b;
    for (let i = 0; i < b.length; i++) b[i] = -b[i];
    if (this.extra) for (let i = 0; i < b.length; i++) b[i] += this.extra[i];
    // r = b − A u
    exec.run(t.stressU);
    exec.run(t.forceU);
    exec.run(t.residual);
    const bnorm = Math.sqrt(pairwiseSum(this.partB)) || 1;
    let rnorm = Math.sqrt(pairwiseSum(this.partA));
    let report: MechanicsReport = { iterations: 0, residual: rnorm / bnorm, converged: rnorm / bnorm <= tol };
    if (!report.converged) {
      for (const mg of this.mg) mg.build();
      const precondition = (): number => {
        let rz = 0;
        for (let a = 0; a < d; a++) {
          this.mg[a].vcycle();
          rz += pairwiseSum(this.rzPart[a]);
        }
        return rz;
      };
      let rz = precondition();
      exec.run(t.copy);
      report = { iterations: maxIter, residual: rnorm / bnorm, converged: false };
      for (let it = 1; it <= maxIter; it++) {
        exec.run(t.stressP);
        exec.run(t.forceP);
        const pq = pairwiseSum(this.partC);
        if (!(pq > 0)) {
          report = { iterations: it, residual: rnorm / bnorm, converged: false };
          break;
        }
        exec.run(t.update, rz / pq);
        rnorm = Math.sqrt(pairwiseSum(this.partA));
        if (rnorm / bnorm <= tol) {
          report = { iterations: it, residual: rnorm / bnorm, converged: true };
          break;
        }
        const rzNew = precondition();
        const beta = rzNew / rz;
        rz = rzNew;
        exec.run(t.direction, beta);
        report = { iterations: it, residual: rnorm / bnorm, converged: false };
      }
    }
    this.couple();
    return report;
  }

  /** The coupling fields [s, q] from the current displacement and material. */
  couple(): void {
    this.exec.run(this.t.stressU);
    this.exec.run(this.t.coupling);
  }

  /** Recomputes the material from ξ and the coupling fields from u (after init or a restore). */
  refresh(): void {
    this.material();
    this.couple();
  }

  /** σ_h and σ_vm per cell (over μ_ref) into stressOut, from the current u and material. */
  stresses(): Float64Array {
    this.exec.run(this.t.stressU);
    this.exec.run(this.t.couplingOut);
    return this.stressOut;
  }

  /** The FULL-mode normal stresses (d·N) and shear edge stresses (pairs·N) of the current u (tests). */
  fullStress(): { sig: Float64Array; tau: Float64Array } {
    this.exec.run(this.t.stressFull);
    return { sig: this.sig.slice(), tau: this.tau.slice() };
  }
}
