/**
 * Conjugate gradients preconditioned by one aggregation-multigrid V-cycle, on the GPU; the
 * twin of src/backends/cpu/pcg.ts + multigrid.ts:
 * - hierarchy: 2×2(×2) aggregates, Galerkin PᵀAP with the coarse faces halved, coarsening while
 *   the level has more than 128 cells (the CPU's rule, so both have the same levels);
 * - smoother: damped Jacobi ω = 2/3, 2 sweeps before and 2 after (symmetric V-cycle);
 * - coarsest level (≤ 128 cells): a direct solve like the CPU's dense Cholesky. Each rebuild
 *   reads the coarsest operator back (≤ 2 KiB), factors it in f64 on the host (coarse.ts) and
 *   uploads G = L⁻¹; the V-cycle applies A⁻¹ = GᵀG in one workgroup with one barrier
 *   (mg_coarse_apply.wgsl). This costs one extra read-back per solve; a factorisation in a
 *   single workgroup needs ~3N barriers and was by far the slowest kernel on CPU Vulkan
 *   (SwiftShader), and f64 keeps the factor exact for the f32 operator at any contrast;
 * - dot products: a barrier-free strided pass and a one-workgroup pairwise tree into a scalar
 *   buffer on the GPU; α, β and the convergence test run right after in that second pass
 *   (common/cg_ops.wgsl), and a status word freezes the iterate once converged, so the host
 *   records several iterations per submission and reads the scalars back only every few
 *   iterations. The result and the iteration count do not depend on that batching.
 * Dispatches per iteration: A·p, 2×3 reduction passes, 2 vector updates, and per V-cycle 4 per
 * level (pre-smoothing, residual+restriction, prolongation+sweep, sweep) plus the coarse solve.
 * Bounded submissions: a batch of iterations (up to maxIter when the previous solve needed that
 * many) is recorded into several command buffers of at most MAX_DISPATCHES_PER_SUBMIT dispatches
 * each (whole iterations; at least one), submitted one after the other and followed by one
 * read-back, so no single submission grows with the iteration count (a browser's GPU watchdog
 * kills a device whose command buffer runs for seconds). The status word makes the result
 * independent of where the batches and command buffers are cut.
 * The level buffers are shared by every system solved with this object (potential and
 * transport are never solved at the same time); each system has its own solution buffer.
 */
import type { SolveReport } from '../backend.ts';
import { coarseInverseFactor } from './coarse.ts';
import { gridData, kernel, type GpuContext, type Kernel } from './context.ts';
import { packUniform } from './uniforms.ts';
import { CgPost, Reduction, ReduceMode } from './reduce.ts';

/** Scalar slots (shaders/common/cg_slots.wgsl). */
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

/** The CPU's coarsening stop (multigrid.ts, COARSEST_CELLS) and the coarse solve's capacity. */
export const COARSEST_CELLS = 128;

interface Level {
  n: [number, number, number];
  N: number;
  grid: GPUBuffer;
  op: GPUBuffer;
  diag: GPUBuffer;
  /** b: right-hand side; xo: the level's correction (output); xs: smoother scratch. */
  b: GPUBuffer;
  xo: GPUBuffer;
  xs: GPUBuffer;
  k: { pre?: Kernel; restrict?: Kernel; post1?: Kernel; post2?: Kernel; diag?: Kernel; coarsen?: Kernel };
}

interface SystemKernels {
  initResidual: Kernel;
  updateXR: Kernel;
  lastIters: number;
}

export interface PcgShape {
  dims: 2 | 3;
  n: [number, number, number];
  periodic: [boolean, boolean, boolean];
}

export class GpuPcg {
  readonly levels: Level[] = [];
  /** The fine operator and right-hand side: assembled into by the stages. */
  readonly op: GPUBuffer;
  readonly rhs: GPUBuffer;
  /** Seconds spent factoring the coarsest level on the host (cumulative). */
  hostFactorTime = 0;
  /** Iterations recorded between two convergence checks after the first batch. */
  checkEvery = 4;
  /** Dispatch budget of one command buffer in the iteration loop (tests lower it). */
  maxDispatchesPerSubmit = MAX_DISPATCHES_PER_SUBMIT;
  private r: GPUBuffer;
  private z: GPUBuffer;
  private p: GPUBuffer;
  private q: GPUBuffer;
  private scal: GPUBuffer;
  private scalRead: GPUBuffer;
  private mat: GPUBuffer;
  private coarseRead: GPUBuffer;
  private coarseApply: Kernel;
  private dots: { bb: Reduction; rr0: Reduction; rz0: Reduction; pq: Reduction; rr: Reduction; rz: Reduction };
  private matvec: Kernel;
  private pInit: Kernel;
  private pUpdate: Kernel;
  private vecParams: GPUBuffer;
  private systems = new Map<string, SystemKernels>();
  private N: number;

  constructor(
    private ctx: GpuContext,
    private shape: PcgShape,
    partials: GPUBuffer,
    label: string,
  ) {
    const { dims, periodic } = shape;
    const N = shape.n[0] * shape.n[1] * shape.n[2];
    this.N = N;
    this.op = ctx.storage(4 * N, `${label}.op0`);
    this.rhs = ctx.storage(N, `${label}.rhs`);
    this.r = ctx.storage(N, `${label}.r`);
    this.z = ctx.storage(N, `${label}.z`);
    this.p = ctx.storage(N, `${label}.p`);
    this.q = ctx.storage(N, `${label}.q`);
    this.scal = ctx.storage(NSCAL, `${label}.scal`);
    this.scalRead = ctx.readback(NSCAL * 4, `${label}.scalRead`);
    // level shapes: the CPU's rule (coarsen while > 128 cells and some axis > 1)
    let n = shape.n;
    for (;;) {
      const lN = n[0] * n[1] * n[2];
      const l = this.levels.length;
      const first = l === 0;
      this.levels.push({
        n,
        N: lN,
        grid: ctx.uniform(gridData(n, periodic, dims), `${label}.L${l}.grid`),
        op: first ? this.op : ctx.storage(4 * lN, `${label}.L${l}.op`),
        diag: ctx.storage(lN, `${label}.L${l}.diag`),
        b: first ? this.r : ctx.storage(lN, `${label}.L${l}.b`),
        xo: first ? this.z : ctx.storage(lN, `${label}.L${l}.xo`),
        xs: ctx.storage(lN, `${label}.L${l}.xs`),
        k: {},
      });
      const canCoarsen = n.slice(0, dims).some((v) => v > 1);
      if (lN <= COARSEST_CELLS || !canCoarsen) break;
      n = [Math.ceil(n[0] / 2), Math.ceil(n[1] / 2), dims === 3 ? Math.ceil(n[2] / 2) : 1];
    }
    const last = this.levels[this.levels.length - 1];
    if (last.N > COARSEST_CELLS) throw new Error(`WebGPU multigrid: coarsest level has ${last.N} cells (> ${COARSEST_CELLS})`);
    this.mat = ctx.storage(last.N * last.N, `${label}.coarseInvL`);
    this.coarseRead = ctx.readback(16 * last.N, `${label}.coarseOpRead`);
    for (let l = 0; l < this.levels.length - 1; l++) {
      const L = this.levels[l];
      const C = this.levels[l + 1];
      // pre-smoothing: the two sweeps from zero in one pass (→ xo); residual + restriction;
      // post-smoothing: prolongation fused with the first sweep (xo + P xc → xs), then xs → xo
      L.k.pre = kernel(ctx, 'mgSmooth', [L.grid, L.op, L.diag, L.b, L.xs, L.xo], { FIRST2: 1 });
      L.k.restrict = kernel(ctx, 'mgRestrict', [L.grid, C.grid, L.op, L.b, L.xo, C.b]);
      L.k.post1 = kernel(ctx, 'mgProlongSmooth', [L.grid, C.grid, L.op, L.diag, L.b, L.xo, C.xo, L.xs]);
      L.k.post2 = kernel(ctx, 'mgSmooth', [L.grid, L.op, L.diag, L.b, L.xs, L.xo]);
      L.k.diag = kernel(ctx, 'mgDiag', [L.grid, L.op, L.diag]);
      L.k.coarsen = kernel(ctx, 'mgCoarsen', [L.grid, C.grid, L.op, C.op]);
    }
    this.coarseApply = kernel(ctx, 'mgCoarseApply', [last.grid, this.mat, last.b, last.xo]);
    const dot = (a: GPUBuffer, b: GPUBuffer, slot: number, post: CgPost) =>
      new Reduction(ctx, N, ReduceMode.Dot, a, b, partials, this.scal, slot, post);
    this.dots = {
      bb: dot(this.rhs, this.rhs, S.BB, CgPost.None),
      rr0: dot(this.r, this.r, S.RR, CgPost.Init),
      rz0: dot(this.r, this.z, S.RZNEW, CgPost.Rz0),
      pq: dot(this.p, this.q, S.PQ, CgPost.Alpha),
      rr: dot(this.r, this.r, S.RR, CgPost.Check),
      rz: dot(this.r, this.z, S.RZNEW, CgPost.Beta),
    };
    const L0 = this.levels[0];
    this.matvec = kernel(ctx, 'mgResidual', [L0.grid, this.op, this.rhs, this.p, this.q], { APPLY: 1 });
    this.vecParams = ctx.uniform(packUniform('VecParams', { n: N }), `${label}.vec`);
    // MODE 1/2 never touch x: a placeholder is bound there
    const noX = ctx.storage(4, `${label}.noX`);
    this.pUpdate = kernel(ctx, 'cgVec', [this.vecParams, this.scal, noX, this.r, this.p, this.q, this.z], { MODE: 1 });
    this.pInit = kernel(ctx, 'cgVec', [this.vecParams, this.scal, noX, this.r, this.p, this.q, this.z], { MODE: 2 });
  }

  /** Dispatches recorded by one CG iteration (encodeIteration) and by encodeInitDirection. */
  get dispatchesPerIteration(): number {
    return 10 + 4 * (this.levels.length - 1);
  }
  private get dispatchesInitDirection(): number {
    return 4 + 4 * (this.levels.length - 1);
  }

  /** Registers a solution vector (solved in place, warm start = its content). */
  addSystem(name: string, x: GPUBuffer): void {
    const L0 = this.levels[0];
    this.systems.set(name, {
      initResidual: kernel(this.ctx, 'mgResidual', [L0.grid, this.op, this.rhs, x, this.r]),
      updateXR: kernel(this.ctx, 'cgVec', [this.vecParams, this.scal, x, this.r, this.p, this.q, this.z], { MODE: 0 }),
      lastIters: 2,
    });
  }

  /** Multigrid set-up for the operator in `op`: coarse operators and diagonals. */
  private encodeBuild(pass: GPUComputePassEncoder): void {
    const { ctx, levels } = this;
    for (let l = 0; l < levels.length - 1; l++) {
      const L = levels[l];
      ctx.run(pass, L.k.diag!, L.N);
      ctx.run(pass, L.k.coarsen!, levels[l + 1].N);
    }
  }

  /** Factors the coarsest operator (already copied to coarseRead) on the host and uploads G = L⁻¹. */
  private async factorCoarsest(): Promise<void> {
    const last = this.levels[this.levels.length - 1];
    const op = new Float32Array(await this.ctx.readBuffer(this.coarseRead, 16 * last.N));
    const t0 = performance.now();
    const G = coarseInverseFactor(op, last.n, this.shape.periodic, this.shape.dims);
    this.hostFactorTime += (performance.now() - t0) / 1000;
    this.ctx.write(this.mat, G);
  }

  /** z = M⁻¹ r: one V-cycle from a zero initial guess (multigrid.ts, vcycle()). */
  private encodeVcycle(pass: GPUComputePassEncoder): void {
    const { ctx, levels } = this;
    const nl = levels.length;
    for (let l = 0; l < nl - 1; l++) {
      const L = levels[l];
      ctx.run(pass, L.k.pre!, L.N);
      ctx.run(pass, L.k.restrict!, levels[l + 1].N);
    }
    ctx.runGroups(pass, this.coarseApply, 1);
    for (let l = nl - 2; l >= 0; l--) {
      const L = levels[l];
      ctx.run(pass, L.k.post1!, L.N);
      ctx.run(pass, L.k.post2!, L.N);
    }
  }

  /** r = b − A x, ‖b‖, ‖r‖ and the first convergence test (no coarse factor needed yet). */
  private encodeInitResidual(pass: GPUComputePassEncoder, sys: SystemKernels): void {
    this.ctx.run(pass, sys.initResidual, this.N);
    this.dots.bb.encode(pass);
    this.dots.rr0.encode(pass);
  }

  /** z = M⁻¹ r, p = z, rz = r·z. */
  private encodeInitDirection(pass: GPUComputePassEncoder): void {
    this.encodeVcycle(pass);
    this.ctx.run(pass, this.pInit, this.N);
    this.dots.rz0.encode(pass);
  }

  private encodeIteration(pass: GPUComputePassEncoder, sys: SystemKernels): void {
    const { ctx, N } = this;
    ctx.run(pass, this.matvec, N);
    this.dots.pq.encode(pass);
    ctx.run(pass, sys.updateXR, N);
    this.dots.rr.encode(pass);
    this.encodeVcycle(pass);
    this.dots.rz.encode(pass);
    ctx.run(pass, this.pUpdate, N);
  }

  /**
   * Solves A x = b for system `name` (relative tolerance on ‖r‖/‖b‖, like the CPU).
   * `pre` records the assembly of op/rhs into the first submission.
   */
  async solve(name: string, tol: number, maxIter: number, pre: (pass: GPUComputePassEncoder) => void): Promise<SolveReport> {
    const sys = this.systems.get(name);
    if (!sys) throw new Error(`GpuPcg: unknown system ${name}`);
    const { ctx } = this;
    const head = new Float32Array(NSCAL);
    head[S.TOL] = tol;
    head[S.MAXITER] = maxIter;
    ctx.write(this.scal, head);
    // 1: assembly, hierarchy, initial residual; the coarsest operator and the scalars come back
    {
      const enc = ctx.device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pre(pass);
      this.encodeBuild(pass);
      this.encodeInitResidual(pass, sys);
      pass.end();
      const last = this.levels[this.levels.length - 1];
      enc.copyBufferToBuffer(last.op, 0, this.coarseRead, 0, 16 * last.N);
      enc.copyBufferToBuffer(this.scal, 0, this.scalRead, 0, NSCAL * 4);
      ctx.device.queue.submit([enc.finish()]);
    }
    let s = new Float32Array(await ctx.readBuffer(this.scalRead, NSCAL * 4));
    if (s[S.STATUS] !== 0) {
      // converged at the start (warm start): like the CPU, no hierarchy and no iteration
      sys.lastIters = 1;
      return { iterations: 0, residual: s[S.RESID], converged: true };
    }
    await this.factorCoarsest();
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
        if (left === 0) enc.copyBufferToBuffer(this.scal, 0, this.scalRead, 0, NSCAL * 4);
        ctx.device.queue.submit([enc.finish()]);
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
