/**
 * The IMEX phase stage on WebGPU (docs/imex-phase.md), the twin of src/backends/cpu/phase-imex.ts:
 * per step the rate F at ξⁿ with S and g = dt·∂F/∂c̃ (phase_imex_rate.wgsl), the operator
 * I + (dt/2)(diag(S) + L_σκ0·K·(−Δ_h)) (phase_imex_op.wgsl) and `sweeps` solves of
 * (I + (dt/2)A)Δ = dt·F(ξⁿ + δ/2) + ν − δ (phase_imex_rhs.wgsl, the midpoint state by
 * phase_imex_update.wgsl and the ghost kernel), each through the MG-PCG's solve slot 'phase'
 * (mgpcg.ts, the potential's and the transport's solver; preconditioned by its V-cycle or, with
 * Coefficients.imex.precond "jacobi", by the two Jacobi sweeps alone, no set-up). Then ξⁿ⁺¹ = ξⁿ + δ, Δξ = δ and |δ|/dt
 * (phase_imex_finish.wgsl), and the max reductions of the rate and the stiffness. Every kernel is
 * gated and reads the step's dt, 1/dt, dt/dx² and noise from the loop uniform, so the same
 * recording serves both paths: on the device loop (record(): the later sweeps reuse the first
 * one's multigrid set-up, the sweeps report as one solve) and stage by stage (step(): the solve's
 * status read back between batches of iterations; the later sweeps keep the first one's set-up
 * too, solveSync's reuseSetup).
 */
import type { Coefficients } from '../../model/derived.ts';
import type { SolveReport } from '../backend.ts';
import type { Layout } from '../layout.ts';
import { kernel, type GpuContext, type Kernel } from './context.ts';
import type { MgPcg, OpForm } from './mgpcg.ts';
import { Recorder } from './recorder.ts';
import type { Reduction } from './reduce.ts';
import { packUniform } from './uniforms.ts';

/** Lower bound of (dt/2)·S (src/backends/cpu/phase-imex.ts, DIAG_FLOOR). */
const DIAG_FLOOR = 0.9;

/** The backend's buffers and uniforms the stage reads and writes. */
export interface GpuImexBindings {
  grid: GPUBuffer;
  /** BC of ξ, PhaseParams (written by the backend every step). */
  bcXi: GPUBuffer;
  phaseParams: GPUBuffer;
  xi: GPUBuffer;
  c: GPUBuffer;
  psi: GPUBuffer;
  /** The props the explicit phase stage binds (props, or its copy with the screening in lane z). */
  props: GPUBuffer;
  /** The padded ξ scratch and the transport's aux (lane w receives g). */
  padXi: GPUBuffer;
  aux: GPUBuffer;
  xiNew: GPUBuffer;
  dxi: GPUBuffer;
  /** Per cell |rate| and stiffness, and their max reductions into the stage statistics (one group). */
  rateAbs: GPUBuffer;
  stiff: GPUBuffer;
  redPhase: Reduction;
  /** The loop uniform (the ghost kernel's gate). */
  loop: GPUBuffer;
  /** The ghost kernel of ξ (ξ → padXi), and the number of padded cells. */
  ghostXi: Kernel;
  padded: number;
}

export class GpuImexPhase {
  private kRate0: Kernel;
  private kRate1: Kernel;
  private kOp: Kernel;
  private kRhs0: Kernel;
  private kRhs1: Kernel;
  private kUpdate: Kernel;
  private kGhostStar: Kernel;
  private kFinish: Kernel;
  private imex: NonNullable<Coefficients['imex']>;

  constructor(
    private ctx: GpuContext,
    private L: Layout,
    kc: Coefficients,
    private pcg: MgPcg,
    gate: number,
    /** The operator's form with the Jacobi sweeps (WebGpuOptions.phaseOperator; the V-cycle's is 'faces'). */
    opForm: OpForm,
    private b: GpuImexBindings,
  ) {
    if (!kc.imex) throw new Error('GpuImexPhase: the coefficients have no imex section (numerics.phase is not "imex")');
    this.imex = kc.imex;
    const N = L.N;
    const f = (label: string) => ctx.storage(N, label);
    const rate = f('imex.rate'),
      stab = f('imex.stab'),
      delta = f('imex.delta'),
      corr = f('imex.corr'),
      xiStar = f('imex.xiStar');
    // (the step's dt, 1/dt, dt/dx², noise amplitude and key come from the loop uniform: the
    // uniforms here are constants of the run)
    const G = { GATE: gate };
    const first = (v: number, label: string, name: 'ImexRateParams' | 'ImexRhsParams') =>
      ctx.uniform(packUniform(name, { first: v }), label);
    const uOp = ctx.uniform(packUniform('ImexOpParams', { wScale: (kc.mobKappa * this.imex.K) / 2, floor: DIAG_FLOOR }), 'imex.op');
    const rateK = (u: GPUBuffer) =>
      kernel(ctx, 'phaseImexRate', [b.grid, b.phaseParams, u, b.padXi, b.c, b.psi, b.props, rate, stab, b.stiff, b.aux, b.loop], G);
    this.kRate0 = rateK(first(1, 'imex.rate.first', 'ImexRateParams'));
    this.kRate1 = rateK(first(0, 'imex.rate', 'ImexRateParams'));
    // the operator's form: with the Jacobi sweeps d per cell and the one face weight (4 bytes per
    // cell for every kernel that reads it: the op kernel, cg_init, cg_matvec, cg_update), with
    // the V-cycle (which coarsens it) (d, w+x, w+y, w+z); the same numbers (mgpcg.ts, OpForm)
    const uniform = this.imex.precond === 'jacobi' && opForm === 'uniform';
    this.kOp = uniform
      ? { ...kernel(ctx, 'phaseImexOpU', [b.grid, b.bcXi, uOp, stab, b.props, pcg.opUniform, b.loop], G), tally: 'phaseImexOp' }
      : kernel(ctx, 'phaseImexOp', [b.grid, b.bcXi, uOp, stab, b.props, pcg.op, b.loop], G);
    const rhsK = (u: GPUBuffer) => kernel(ctx, 'phaseImexRhs', [b.grid, u, b.xi, rate, b.props, delta, pcg.rhs, corr, b.loop], G);
    this.kRhs0 = rhsK(first(1, 'imex.rhs.first', 'ImexRhsParams'));
    this.kRhs1 = rhsK(first(0, 'imex.rhs', 'ImexRhsParams'));
    this.kUpdate = kernel(ctx, 'phaseImexUpdate', [b.grid, b.xi, corr, delta, xiStar, b.loop], G);
    this.kGhostStar = kernel(ctx, 'ghosts', [b.grid, b.bcXi, xiStar, b.padXi, b.loop], G);
    this.kFinish = kernel(ctx, 'phaseImexFinish', [b.grid, b.loop, b.xi, delta, b.props, b.xiNew, b.dxi, b.rateAbs], G);
    // (the preconditioner numerics.phasePreconditioner resolved to: "jacobi" has no set-up and 2 dispatches per iteration)
    pcg.addSlot('phase', corr, gate, { precond: this.imex.precond, op: uniform ? 'uniform' : 'faces' });
  }

  /** The solve's tolerance and iteration limit (numerics.imexTol, imexMaxIter). */
  get limits(): { tol: number; maxIter: number } {
    return { tol: this.imex.tol, maxIter: this.imex.maxIter };
  }

  /** Sweep m's assembly (m = 1: F, the operator and the right-hand side at ξⁿ; later: at the midpoint). */
  private recordSweep(rec: Recorder, m: number): void {
    const { b, L } = this;
    if (m === 1) {
      rec.run(b.ghostXi, b.padded);
      rec.run(this.kRate0, L.N);
      rec.run(this.kOp, L.N);
      rec.run(this.kRhs0, L.N);
    } else {
      // the last sweep's Δ into δ and the midpoint ξⁿ + δ/2, its ghosts, F there
      rec.run(this.kUpdate, L.N);
      rec.run(this.kGhostStar, b.padded);
      rec.run(this.kRate1, L.N);
      rec.run(this.kRhs1, L.N);
    }
  }

  /** ξⁿ⁺¹ = ξⁿ + δ, Δξ, |δ|/dt and the max reductions of the rate and the stiffness. */
  private recordFinish(rec: Recorder): void {
    const { b, L } = this;
    rec.run(this.kUpdate, L.N);
    rec.run(this.kFinish, L.N);
    b.redPhase.record(rec);
  }

  /**
   * The device loop's step (loop.ts): every sweep with `budget` recorded CG iterations, the
   * first with the multigrid set-up (none for "jacobi"), the later ones on it (encodeResolve: the operator is the
   * first sweep's); one report for the stage in the solve slot 'phase' (iterations summed, the
   * worse outcome, the most iterations of one sweep).
   */
  record(rec: Recorder, budget: number): void {
    for (let m = 1; m <= this.imex.sweeps; m++) {
      this.recordSweep(rec, m);
      if (m === 1) this.pcg.encodeSolve(rec, 'phase', budget);
      else this.pcg.encodeResolve(rec, 'phase', budget);
    }
    this.recordFinish(rec);
  }

  /** One step stage by stage (the backend has written the loop uniform: dt, 1/dt, dt/dx², the noise). */
  async step(opts: { checkEvery: number; maxDispatches: number }): Promise<SolveReport> {
    const { imex } = this;
    let iterations = 0,
      residual = 0,
      converged = true;
    for (let m = 1; m <= imex.sweeps; m++) {
      // (the later sweeps keep the first one's multigrid set-up: the operator is the first sweep's)
      const r = await this.pcg.solveSync('phase', imex.tol, imex.maxIter, (rec) => this.recordSweep(rec, m), {
        ...opts,
        reuseSetup: m > 1,
      });
      iterations += r.iterations;
      residual = Math.max(residual, r.residual);
      converged &&= r.converged;
    }
    const rec = new Recorder(this.ctx, opts.maxDispatches);
    this.recordFinish(rec);
    rec.submit();
    return { iterations, residual, converged };
  }
}
