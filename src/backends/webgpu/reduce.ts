/**
 * Two-pass parallel reductions (shaders/reduce_stage1.wgsl, reduce_stage2.wgsl): one partial per
 * workgroup of a pass over the whole grid, then one workgroup that reduces them with a pairwise
 * tree and writes one f32 into a slot of a small result buffer. Nothing is read back here; results
 * stay on the GPU until a stage copies its result buffer out.
 */
import { kernel, type GpuContext, type Kernel } from './context.ts';
import type { Recorder } from './recorder.ts';
import { packUniform } from './uniforms.ts';

export enum ReduceMode {
  Dot = 0,
  Sum = 1,
  Max = 2,
  MaxAbsDiff = 3,
}

/** Most partials per reduction (stage 2 runs one workgroup over them). */
export const MAX_PARTIALS = 4096;

/** Partials for n elements of a barrier-free strided pass (one per invocation): about 8 elements each, at most MAX_PARTIALS. */
export function partialsFor(n: number): number {
  return Math.max(1, Math.min(Math.ceil(n / 8), MAX_PARTIALS));
}

/**
 * Workgroups (= partials) of reduce_stage1.wgsl for n elements and workgroups of `wg`: about 8
 * elements per invocation, at most MAX_PARTIALS workgroups (then more elements each).
 */
export function groupPartialsFor(n: number, wg: number): number {
  return Math.max(1, Math.min(Math.ceil(n / (8 * wg)), MAX_PARTIALS));
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
    /** The loop uniform and the gate that lets this reduction run (common/loop.wgsl). */
    loop: GPUBuffer,
    gate: number,
  ) {
    this.parts = groupPartialsFor(n, ctx.wg);
    const u1 = ctx.uniform(packUniform('Reduce1Params', { n, parts: this.parts }), 'reduce1');
    const u2 = ctx.uniform(packUniform('Reduce2Params', { n: this.parts, slot }), 'reduce2');
    // (the partials buffer is shared scratch: a reduction touches its first `parts` floats)
    const used = 4 * this.parts;
    this.k1 = kernel(ctx, 'reduceStage1', [u1, a, b ?? a, partials, loop], { MODE: mode, GATE: gate }, { 1: 4 * n, 2: 4 * n, 3: used });
    const isMax = mode === ReduceMode.Max || mode === ReduceMode.MaxAbsDiff;
    this.k2 = kernel(ctx, 'reduceStage2', [u2, partials, out, loop], { MODE: isMax ? 1 : 0, GATE: gate }, { 1: used });
  }

  encode(pass: GPUComputePassEncoder): void {
    this.ctx.runGroups(pass, this.k1, this.parts);
    this.ctx.runGroups(pass, this.k2, 1);
  }

  /** The same two dispatches through a Recorder. */
  record(rec: Recorder): void {
    rec.runGroups(this.k1, this.parts);
    rec.runGroups(this.k2, 1);
  }
}
