/**
 * The dot products of the mechanics CG (elastic-cg.ts): main's two-pass reduction with the CG
 * scalar step fused into its second pass (shaders/mech/reduce_stage2.wgsl, POST), not gated by
 * the device loop (a backend with mechanics runs stage by stage). The stages' reductions are
 * reduce.ts.
 */
import { kernel, type GpuContext, type Kernel } from './context.ts';
import { partialsFor } from './reduce.ts';
import { packUniform } from './uniforms.ts';

/** The CG scalar step run after a reduction (shaders/mech/cg_ops.wgsl). */
export enum CgPost {
  None = 0,
  Init = 1,
  Alpha = 2,
  Check = 3,
  Beta = 4,
  Rz0 = 5,
}

export class MechReduction {
  private k1: Kernel;
  private k2: Kernel;
  readonly parts: number;

  /** out[slot] ← Σ_{i<n} a[i]·b[i], then the CG step `post`. `partials`: scratch of at least MAX_PARTIALS floats. */
  constructor(
    private ctx: GpuContext,
    n: number,
    a: GPUBuffer,
    b: GPUBuffer,
    partials: GPUBuffer,
    out: GPUBuffer,
    slot: number,
    post: CgPost,
  ) {
    this.parts = partialsFor(n);
    const u1 = ctx.uniform(packUniform('Reduce1Params', { n, parts: this.parts }), 'mech.reduce1');
    const u2 = ctx.uniform(packUniform('Reduce2Params', { n: this.parts, slot }), 'mech.reduce2');
    // (the partials buffer is shared scratch: a reduction touches its first `parts` floats)
    const used = 4 * this.parts;
    this.k1 = kernel(ctx, 'mechReduceStage1', [u1, a, b, partials], { MODE: 0 }, { 1: 4 * n, 2: 4 * n, 3: used });
    this.k2 = kernel(ctx, 'mechReduceStage2', [u2, partials, out], { MODE: 0, POST: post }, { 1: used });
  }

  encode(pass: GPUComputePassEncoder): void {
    this.ctx.run(pass, this.k1, this.parts);
    this.ctx.runGroups(pass, this.k2, 1);
  }
}
