/**
 * Two-pass parallel reductions (shaders/reduce_stage1.wgsl, reduce_stage2.wgsl): T partials
 * from a barrier-free strided pass, then one workgroup that reduces them with a pairwise tree
 * and writes one f32 into a slot of a small result buffer. Nothing is read back here; results
 * stay on the GPU (CG scalars) until a stage copies its result buffer out.
 */
import { kernel, type GpuContext, type Kernel } from './context.ts';
import { packUniform } from './uniforms.ts';

export enum ReduceMode {
  Dot = 0,
  Sum = 1,
  Max = 2,
  MaxAbsDiff = 3,
}

/** The CG scalar step run after a reduction (shaders/common/cg_ops.wgsl). */
export enum CgPost {
  None = 0,
  Init = 1,
  Alpha = 2,
  Check = 3,
  Beta = 4,
  Rz0 = 5,
}

/** Most partials per reduction (stage 2 runs one workgroup over them). */
export const MAX_PARTIALS = 4096;

/** Partials for n elements: about 8 elements per invocation of the first pass, at most MAX_PARTIALS. */
export function partialsFor(n: number): number {
  return Math.max(1, Math.min(Math.ceil(n / 8), MAX_PARTIALS));
}

export class Reduction {
  private k1: Kernel;
  private k2: Kernel;
  readonly parts: number;

  /**
   * out[slot] ← reduce over i < n of a[i]·b[i] (Dot), a[i] (Sum), max a[i] (Max) or
   * max |a[i] − b[i]| (MaxAbsDiff). `partials` is scratch of at least MAX_PARTIALS floats.
   */
  constructor(
    private ctx: GpuContext,
    n: number,
    mode: ReduceMode,
    a: GPUBuffer,
    b: GPUBuffer | null,
    partials: GPUBuffer,
    out: GPUBuffer,
    slot: number,
    post: CgPost = CgPost.None,
  ) {
    this.parts = partialsFor(n);
    const u1 = ctx.uniform(packUniform('Reduce1Params', { n, parts: this.parts }), 'reduce1');
    const u2 = ctx.uniform(packUniform('Reduce2Params', { n: this.parts, slot }), 'reduce2');
    this.k1 = kernel(ctx, 'reduceStage1', [u1, a, b ?? a, partials], { MODE: mode });
    const isMax = mode === ReduceMode.Max || mode === ReduceMode.MaxAbsDiff;
    this.k2 = kernel(ctx, 'reduceStage2', [u2, partials, out], { MODE: isMax ? 1 : 0, POST: post });
  }

  encode(pass: GPUComputePassEncoder): void {
    this.ctx.run(pass, this.k1, this.parts);
    this.ctx.runGroups(pass, this.k2, 1);
  }
}
