/**
 * The IMEX phase stage on WebGPU (docs/imex-phase.md), the twin of src/backends/cpu/phase-imex.ts:
 * per step the rate F at ξⁿ with S and g = dt·∂F/∂c̃ (phase_imex_rate.wgsl), the operator
 * I + (dt/2)(diag(S) + L_σκ0·K·(−Δ_h)) (phase_imex_op.wgsl) and `sweeps` solves of
 * (I + (dt/2)A)Δ = dt·F(ξⁿ + δ/2) + ν − δ (phase_imex_rhs.wgsl, the midpoint state by
 * phase_imex_update.wgsl and the ghost kernel), each through GpuPcg's system 'phase' — the
 * potential's and the transport's MG-PCG: its iteration count and convergence flag come back
 * with the CG scalars that path reads, and the sweeps after the first reuse the first sweep's
 * hierarchy and coarsest factor (same operator). Then ξⁿ⁺¹ = ξⁿ + δ, Δξ = δ and |δ|/dt
 * (phase_imex_finish.wgsl), and the max reductions of the rate and the stiffness.
 */
import type { Coefficients } from '../../model/derived.ts';
import { stepKey } from '../../model/noise.ts';
import type { SolveReport } from '../backend.ts';
import type { Layout } from '../layout.ts';
import { kernel, type GpuContext, type Kernel } from './context.ts';
import type { GpuPcg } from './pcg.ts';
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
  /** Per cell |rate| and stiffness, and their max reductions into the stage statistics. */
  rateAbs: GPUBuffer;
  stiff: GPUBuffer;
  redRate: Reduction;
  redStiff: Reduction;
  /** The ghost kernel of ξ (ξ → padXi), and the number of padded cells. */
  ghostXi: Kernel;
  padded: number;
}

export class GpuImexPhase {
  private uRate0: GPUBuffer;
  private uRate1: GPUBuffer;
  private uOp: GPUBuffer;
  private uRhs0: GPUBuffer;
  private uRhs1: GPUBuffer;
  private uFinish: GPUBuffer;
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
    private kc: Coefficients,
    private pcg: GpuPcg,
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
    const rateU = (first: number, label: string) => ctx.uniform(packUniform('ImexRateParams', { first, dt: 0 }), label);
    this.uRate0 = rateU(1, 'imex.rate.first');
    this.uRate1 = rateU(0, 'imex.rate');
    this.uOp = ctx.uniform(packUniform('ImexOpParams', { h: 0, W: 0, floor: DIAG_FLOOR }), 'imex.op');
    const rhsU = (first: number, label: string) => ctx.uniform(packUniform('ImexRhsParams', { dt: 0, noiseAmp: 0, key: 0, first }), label);
    this.uRhs0 = rhsU(1, 'imex.rhs.first');
    this.uRhs1 = rhsU(0, 'imex.rhs');
    this.uFinish = ctx.uniform(packUniform('ImexFinishParams', { invDt: 0 }), 'imex.finish');
    const rateK = (u: GPUBuffer) =>
      kernel(ctx, 'phaseImexRate', [b.grid, b.phaseParams, u, b.padXi, b.c, b.psi, b.props, rate, stab, b.stiff, b.aux]);
    this.kRate0 = rateK(this.uRate0);
    this.kRate1 = rateK(this.uRate1);
    this.kOp = kernel(ctx, 'phaseImexOp', [b.grid, b.bcXi, this.uOp, stab, b.props, pcg.op]);
    const rhsK = (u: GPUBuffer) => kernel(ctx, 'phaseImexRhs', [b.grid, u, b.xi, rate, b.props, delta, pcg.rhs, corr]);
    this.kRhs0 = rhsK(this.uRhs0);
    this.kRhs1 = rhsK(this.uRhs1);
    this.kUpdate = kernel(ctx, 'phaseImexUpdate', [b.grid, b.xi, corr, delta, xiStar]);
    this.kGhostStar = kernel(ctx, 'ghosts', [b.grid, b.bcXi, xiStar, b.padXi]);
    this.kFinish = kernel(ctx, 'phaseImexFinish', [b.grid, this.uFinish, b.xi, delta, b.props, b.xiNew, b.dxi, b.rateAbs]);
    pcg.addSystem('phase', corr);
  }

  /** One step (the backend has written PhaseParams for dt and step). */
  async step(dt: number, step: number): Promise<SolveReport> {
    const { ctx, L, kc, b, imex } = this;
    const N = L.N;
    const h = dt / 2;
    ctx.write(this.uRate0, packUniform('ImexRateParams', { first: 1, dt }));
    ctx.write(this.uRate1, packUniform('ImexRateParams', { first: 0, dt }));
    ctx.write(this.uOp, packUniform('ImexOpParams', { h, W: (h * kc.mobKappa * imex.K) / (L.dx * L.dx), floor: DIAG_FLOOR }));
    const noiseAmp = kc.noiseSigma * Math.sqrt(dt),
      key = stepKey(kc.seed, step);
    ctx.write(this.uRhs0, packUniform('ImexRhsParams', { dt, noiseAmp, key, first: 1 }));
    ctx.write(this.uRhs1, packUniform('ImexRhsParams', { dt, noiseAmp, key, first: 0 }));
    ctx.write(this.uFinish, packUniform('ImexFinishParams', { invDt: 1 / dt }));
    let iterations = 0,
      residual = 0,
      converged = true;
    for (let m = 1; m <= imex.sweeps; m++) {
      const first = m === 1;
      const r = await this.pcg.solve(
        'phase',
        imex.tol,
        imex.maxIter,
        (pass) => {
          if (first) {
            ctx.run(pass, b.ghostXi, b.padded);
            ctx.run(pass, this.kRate0, N);
            ctx.run(pass, this.kOp, N);
            ctx.run(pass, this.kRhs0, N);
          } else {
            // the last sweep's Δ into δ and the midpoint ξⁿ + δ/2, its ghosts, F there
            ctx.run(pass, this.kUpdate, N);
            ctx.run(pass, this.kGhostStar, b.padded);
            ctx.run(pass, this.kRate1, N);
            ctx.run(pass, this.kRhs1, N);
          }
        },
        { sameOperator: !first },
      );
      iterations += r.iterations;
      residual = Math.max(residual, r.residual);
      converged &&= r.converged;
    }
    const enc = ctx.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    ctx.run(pass, this.kUpdate, N);
    ctx.run(pass, this.kFinish, N);
    b.redRate.encode(pass);
    b.redStiff.encode(pass);
    pass.end();
    ctx.device.queue.submit([enc.finish()]);
    return { iterations, residual, converged };
  }
}
