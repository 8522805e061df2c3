/**
 * The mechanics stage's conjugate gradients on the GPU (elasticity.ts), the twin of
 * src/backends/cpu/pcg.ts: GpuCg is the CG loop for any symmetric positive-definite operator
 * given by its hooks (GpuCgOperator: A·p, the initial residual, the preconditioner and its
 * set-up). The potential, the transport, the IMEX phase stage and the grand-potential transport
 * use the sync-free MG-PCG (mgpcg.ts) instead; this host-driven loop is main's solver kept for
 * the vector elasticity system alone, so the mechanics numbers (CG iterations, |Δu|) are main's.
 * It reads its scalars back every few iterations, so a backend with mechanics has no device
 * loop (MECH_NO_LOOP, docs/webgpu-backend.md).
 * - dot products: a barrier-free strided pass and a one-workgroup pairwise tree into a scalar
 *   buffer on the GPU; α, β and the convergence test run right after in that second pass
 *   (shaders/mech/cg_ops.wgsl), and a status word freezes the iterate once converged, so the host
 *   records several iterations per submission and reads the scalars back only every few
 *   iterations. The result and the iteration count do not depend on that batching.
 * Bounded submissions: a batch of iterations is recorded into command buffers of at most
 * MAX_DISPATCHES_PER_SUBMIT dispatches each (whole iterations; at least one), submitted one after
 * the other and followed by one read-back (docs/webgpu-backend.md, "Bounded submissions").
 */
import type { SolveReport } from '../backend.ts';
import { kernel, type GpuContext, type Kernel } from './context.ts';
import { packUniform } from './uniforms.ts';
import { CgPost, MechReduction } from './elastic-reduce.ts';

/** Scalar slots (shaders/mech/cg_slots.wgsl). */
export const S = {
  BB: 0,
  RR: 1,
  RZ: 2,
  PQ: 3,
  RZNEW: 4,
  ALPHA: 5,
  BETA: 6,
  STATUS: 7,
  ITER: 8,
  RESID: 9,
  BNORM: 10,
  TOL: 11,
  MAXITER: 12,
} as const;
const NSCAL = 16;

/**
 * Most dispatches recorded into one command buffer by the iteration loop (whole CG iterations).
 * One iteration always fits: it is 10 + 4·(levels − 1) dispatches, at most 94 for any grid a
 * scenario allows (≤ 2^28 cells, so ≤ 22 levels even when only one axis can be halved).
 * docs/webgpu-backend.md, "Bounded submissions".
 */
export const MAX_DISPATCHES_PER_SUBMIT = 128;

/** The operator side of a CG solve (GpuCg): everything but the vectors and the scalars. */
export interface GpuCgOperator {
  /** Records the preconditioner's set-up for the operator just assembled (first pass). */
  encodeBuild(pass: GPUComputePassEncoder): void;
  /** Commands after that pass (read-back copies of coarse operators). */
  encodeAfterBuild(enc: GPUCommandEncoder): void;
  /** Host-side set-up once the first submission is done (coarse factors); before the first cycle. */
  prepare(): Promise<void>;
  /** q = A p (the CG vectors). */
  encodeApply(pass: GPUComputePassEncoder): void;
  /** z = M⁻¹ r. */
  encodePrecondition(pass: GPUComputePassEncoder): void;
  /** Dispatches of encodeApply and of encodePrecondition. */
  readonly dispatchesApply: number;
  readonly dispatchesPrecondition: number;
}

/** The CG vectors of a GpuCg (length n), shared with the operator's kernels. */
export interface CgVectors {
  rhs: GPUBuffer;
  r: GPUBuffer;
  z: GPUBuffer;
  p: GPUBuffer;
  q: GPUBuffer;
}

interface SystemKernels {
  /** r = b − A x (and anything else the operator needs first). */
  initResidual: (pass: GPUComputePassEncoder) => void;
  updateXR: Kernel;
  lastIters: number;
}

/** The CG loop on the GPU for vectors of n floats and an operator given by hooks. */
export class GpuCg {
  /** Iterations recorded between two convergence checks after the first batch. */
  checkEvery = 4;
  /** Dispatch budget of one command buffer in the iteration loop (tests lower it). */
  maxDispatchesPerSubmit = MAX_DISPATCHES_PER_SUBMIT;
  readonly v: CgVectors;
  private scal: GPUBuffer;
  private scalRead: GPUBuffer;
  private dots: { bb: MechReduction; rr0: MechReduction; rz0: MechReduction; pq: MechReduction; rr: MechReduction; rz: MechReduction };
  private pInit: Kernel;
  private pUpdate: Kernel;
  private vecParams: GPUBuffer;
  private systems = new Map<string, SystemKernels>();
  op!: GpuCgOperator;
  /** The coarsest factor belongs to the operator of the last solve (a sameOperator solve keeps it). */
  private factorFresh = false;

  constructor(
    private ctx: GpuContext,
    private n: number,
    partials: GPUBuffer,
    label: string,
  ) {
    const vec = (name: string) => ctx.storage(n, `${label}.${name}`);
    this.v = { rhs: vec('rhs'), r: vec('r'), z: vec('z'), p: vec('p'), q: vec('q') };
    const { rhs, r, z, p, q } = this.v;
    this.scal = ctx.storage(NSCAL, `${label}.scal`);
    this.scalRead = ctx.readback(NSCAL * 4, `${label}.scalRead`);
    const dot = (a: GPUBuffer, b: GPUBuffer, slot: number, post: CgPost) =>
      new MechReduction(ctx, n, a, b, partials, this.scal, slot, post);
    this.dots = {
      bb: dot(rhs, rhs, S.BB, CgPost.None),
      rr0: dot(r, r, S.RR, CgPost.Init),
      rz0: dot(r, z, S.RZNEW, CgPost.Rz0),
      pq: dot(p, q, S.PQ, CgPost.Alpha),
      rr: dot(r, r, S.RR, CgPost.Check),
      rz: dot(r, z, S.RZNEW, CgPost.Beta),
    };
    this.vecParams = ctx.uniform(packUniform('VecParams', { n }), `${label}.vec`);
    // MODE 1/2 never touch x: a placeholder is bound there
    const noX = ctx.storage(4, `${label}.noX`);
    this.pUpdate = kernel(ctx, 'mechCgVec', [this.vecParams, this.scal, noX, r, p, q, z], { MODE: 1 });
    this.pInit = kernel(ctx, 'mechCgVec', [this.vecParams, this.scal, noX, r, p, q, z], { MODE: 2 });
  }

  /** Dispatches recorded by one CG iteration (encodeIteration) and by encodeInitDirection. */
  get dispatchesPerIteration(): number {
    return 8 + this.op.dispatchesApply + this.op.dispatchesPrecondition;
  }
  private get dispatchesInitDirection(): number {
    return 3 + this.op.dispatchesPrecondition;
  }

  /** Registers a solution vector x (solved in place, warm start = its content) and how r = b − A x is recorded for it. */
  addSystem(name: string, x: GPUBuffer, initResidual: (pass: GPUComputePassEncoder) => void): void {
    const { r, p, q, z } = this.v;
    this.systems.set(name, {
      initResidual,
      updateXR: kernel(this.ctx, 'mechCgVec', [this.vecParams, this.scal, x, r, p, q, z], { MODE: 0 }),
      lastIters: 2,
    });
  }

  /** r = b − A x, ‖b‖, ‖r‖ and the first convergence test (no coarse factor needed yet). */
  private encodeInitResidual(pass: GPUComputePassEncoder, sys: SystemKernels): void {
    sys.initResidual(pass);
    this.dots.bb.encode(pass);
    this.dots.rr0.encode(pass);
  }

  /** z = M⁻¹ r, p = z, rz = r·z. */
  private encodeInitDirection(pass: GPUComputePassEncoder): void {
    this.op.encodePrecondition(pass);
    this.ctx.run(pass, this.pInit, this.n);
    this.dots.rz0.encode(pass);
  }

  private encodeIteration(pass: GPUComputePassEncoder, sys: SystemKernels): void {
    const { ctx, n } = this;
    this.op.encodeApply(pass);
    this.dots.pq.encode(pass);
    ctx.run(pass, sys.updateXR, n);
    this.dots.rr.encode(pass);
    this.op.encodePrecondition(pass);
    this.dots.rz.encode(pass);
    ctx.run(pass, this.pUpdate, n);
  }

  /**
   * Solves A x = b for system `name` (relative tolerance on ‖r‖/‖b‖, like the CPU).
   * `pre` records the assembly of the operator and of rhs into the first submission.
   */
  async solve(
    name: string,
    tol: number,
    maxIter: number,
    pre: (pass: GPUComputePassEncoder) => void,
    opts: { sameOperator?: boolean } = {},
  ): Promise<SolveReport> {
    const sys = this.systems.get(name);
    if (!sys) throw new Error(`GpuCg: unknown system ${name}`);
    const { ctx } = this;
    // sameOperator: `pre` left the operator of the previous solve as it was (the IMEX phase
    // stage's later sweeps): its hierarchy stands, and so does its coarsest factor once made
    const same = opts.sameOperator === true;
    if (!same) this.factorFresh = false;
    const refactor = !this.factorFresh;
    const head = new Float32Array(NSCAL);
    head[S.TOL] = tol;
    head[S.MAXITER] = maxIter;
    ctx.write(this.scal, head);
    // 1: assembly, hierarchy, initial residual; the coarsest operators and the scalars come back
    {
      const enc = ctx.device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pre(pass);
      if (!same) this.op.encodeBuild(pass);
      this.encodeInitResidual(pass, sys);
      pass.end();
      if (refactor) this.op.encodeAfterBuild(enc);
      ctx.copy(enc, this.scal, 0, this.scalRead, 0, NSCAL * 4);
      ctx.submit([enc.finish()]);
    }
    let s = new Float32Array(await ctx.readBuffer(this.scalRead, NSCAL * 4));
    if (s[S.STATUS] !== 0) {
      // converged at the start (warm start): like the CPU, no hierarchy and no iteration
      sys.lastIters = 1;
      return { iterations: 0, residual: s[S.RESID], converged: true };
    }
    if (refactor) {
      await this.op.prepare();
      this.factorFresh = true;
    }
    // 2…: the first direction, then batches of iterations with a read-back of the scalars after each
    let batch = Math.max(1, Math.min(maxIter, sys.lastIters));
    let first = true;
    const perIter = this.dispatchesPerIteration;
    for (;;) {
      // the batch in command buffers of at most maxDispatchesPerSubmit dispatches (whole
      // iterations; one iteration alone may exceed a budget set below its size), one after the
      // other without waiting; the scalars are copied out after the last one
      let left = batch;
      while (left > 0 || first) {
        const enc = ctx.device.createCommandEncoder();
        const pass = enc.beginComputePass();
        let used = 0;
        if (first) {
          this.encodeInitDirection(pass);
          used += this.dispatchesInitDirection;
          first = false;
        }
        let n = 0;
        // (an iteration that does not fit next to the first direction goes into the next buffer)
        while (left > 0 && ((n === 0 && used === 0) || used + perIter <= this.maxDispatchesPerSubmit)) {
          this.encodeIteration(pass, sys);
          used += perIter;
          n++;
          left--;
        }
        pass.end();
        if (left === 0) ctx.copy(enc, this.scal, 0, this.scalRead, 0, NSCAL * 4);
        ctx.submit([enc.finish()]);
      }
      s = new Float32Array(await ctx.readBuffer(this.scalRead, NSCAL * 4));
      if (s[S.STATUS] !== 0 || s[S.ITER] >= maxIter) break;
      batch = Math.max(1, Math.min(this.checkEvery, maxIter - s[S.ITER]));
    }
    const iterations = s[S.ITER];
    sys.lastIters = Math.max(1, iterations);
    return { iterations, residual: s[S.RESID], converged: s[S.STATUS] === 1 };
  }
}
