/**
 * Two-pass parallel reductions (shaders/reduce_stage1.wgsl, reduce_stage2.wgsl) of one or more
 * channels at once. Stage 1 is one dispatch over every channel: each channel gets one partial
 * per workgroup of a pass over its whole input; stage 2 is one dispatch of one workgroup per
 * channel, each reducing its channel's partials with a pairwise tree into one f32 slot of a small
 * result buffer. A channel is partitioned and summed exactly as if it were reduced alone, so
 * grouping the reductions a stage records back to back (same gate, nothing in between that
 * changes their inputs) saves two dispatches per extra channel and changes no result bit.
 * Nothing is read back here; results stay on the GPU until a stage copies its result buffer out.
 */
import { kernel, type GpuContext, type Kernel } from './context.ts';
import type { Recorder } from './recorder.ts';

export enum ReduceMode {
  Dot = 0,
  Sum = 1,
  Max = 2,
  MaxAbsDiff = 3,
}

/** Most partials per reduction channel (stage 2 runs one workgroup over them). */
export const MAX_PARTIALS = 4096;

/**
 * Input slots of stage 1 (shaders/reduce_stage1.wgsl, x0 … x6): with its partials, WebGPU's
 * default limit of 8 storage buffers per shader stage. Also the most channels of one dispatch
 * (shaders/common/reduce.wgsl, MAX_CH).
 */
export const REDUCE_SLOTS = 7;

/** Partials for n elements of a barrier-free strided pass (one per invocation): about 8 elements each, at most MAX_PARTIALS. */
export function partialsFor(n: number): number {
  return Math.max(1, Math.min(Math.ceil(n / 8), MAX_PARTIALS));
}

/**
 * Workgroups (= partials) of a reduce_stage1.wgsl channel of n elements and workgroups of `wg`:
 * about 8 elements per invocation, at most MAX_PARTIALS workgroups (then more elements each).
 */
export function groupPartialsFor(n: number, wg: number): number {
  return Math.max(1, Math.min(Math.ceil(n / (8 * wg)), MAX_PARTIALS));
}

/** Inputs a channel of `mode` reads (b besides a for Dot and MaxAbsDiff; traffic.ts, reduceSlotsRead, says the same of the constants). */
function modeInputs(mode: ReduceMode): 1 | 2 {
  return mode === ReduceMode.Dot || mode === ReduceMode.MaxAbsDiff ? 2 : 1;
}

/**
 * One reduced value: out[slot] ← Σ_{i<n} a[i]·b[i] (Dot), Σ_{i<n} a[i] (Sum), max_{i<n} a[i] (Max)
 * or max_{i<n} |a[i] − b[i]| (MaxAbsDiff); maxima propagate NaN.
 */
export interface ReduceChannel {
  mode: ReduceMode;
  n: number;
  a: GPUBuffer;
  /** The second operand of Dot and MaxAbsDiff (required there, not allowed otherwise). */
  b?: GPUBuffer;
  slot: number;
}

/** The stage-1 override constants of one dispatch: K, and MODE<c>, IN<c> (first input slot) per channel. */
function stage1Constants(chs: readonly ReduceChannel[], gate: number): Record<string, number> {
  const c: Record<string, number> = { K: chs.length, GATE: gate };
  let slot = 0;
  chs.forEach((ch, i) => {
    c[`MODE${i}`] = ch.mode;
    c[`IN${i}`] = slot;
    slot += modeInputs(ch.mode);
  });
  return c;
}

/** One stage-1 + stage-2 pair: channels whose inputs fit the stage-1 slots. */
interface Pass {
  k1: Kernel;
  k2: Kernel;
  groups: number;
  channels: number;
}

export class Reduction {
  private passes: Pass[] = [];

  /**
   * The channels, reduced in two dispatches (more pairs only when their inputs need more than
   * REDUCE_SLOTS slots). Their results go to `out`; `loop` is the loop uniform and `gate` the gate
   * that lets the reduction run (common/loop.wgsl). The channels' partials are this reduction's
   * own scratch (so no reduction waits on another's).
   */
  constructor(
    private ctx: GpuContext,
    channels: readonly ReduceChannel[],
    out: GPUBuffer,
    loop: GPUBuffer,
    gate: number,
    label: string,
  ) {
    if (!channels.length) throw new Error(`Reduction ${label}: no channels`);
    for (const ch of channels) {
      if ((modeInputs(ch.mode) === 2) !== (ch.b !== undefined))
        throw new Error(`Reduction ${label}: mode ${ReduceMode[ch.mode]} ${ch.b ? 'takes no' : 'needs a'} second operand b`);
      if (!(Number.isInteger(ch.n) && ch.n >= 1)) throw new Error(`Reduction ${label}: n must be a positive integer (got ${ch.n})`);
    }
    // split into dispatches whose inputs fit the slots, in channel order
    const chunks: ReduceChannel[][] = [];
    let used = REDUCE_SLOTS;
    for (const ch of channels) {
      if (used + modeInputs(ch.mode) > REDUCE_SLOTS) {
        chunks.push([]);
        used = 0;
      }
      chunks[chunks.length - 1].push(ch);
      used += modeInputs(ch.mode);
    }
    const parts = (ch: ReduceChannel) => groupPartialsFor(ch.n, ctx.wg);
    const most = Math.max(...chunks.map((c) => c.reduce((s, ch) => s + parts(ch), 0)));
    // (the chunks run one after the other: they share the scratch)
    const partials = ctx.storage(most, `${label}.partials`);
    for (const chs of chunks) {
      const table = new Uint32Array(4 * REDUCE_SLOTS);
      const inputs: GPUBuffer[] = [];
      const extents: Record<number, number> = {};
      let first = 0;
      chs.forEach((ch, i) => {
        table.set([ch.n, parts(ch), first, ch.slot], 4 * i);
        first += parts(ch);
        for (const x of ch.b ? [ch.a, ch.b] : [ch.a]) {
          extents[1 + inputs.length] = 4 * ch.n;
          inputs.push(x);
        }
      });
      // unread slots: any buffer (a binding needs one), untouched (traffic.ts '-')
      while (inputs.length < REDUCE_SLOTS) inputs.push(chs[0].a);
      const u = ctx.uniform(table.buffer, `${label}.channels`);
      const maxes = chs.reduce((m, ch, i) => (ch.mode === ReduceMode.Max || ch.mode === ReduceMode.MaxAbsDiff ? m | (1 << i) : m), 0);
      const bytes = 4 * first;
      this.passes.push({
        k1: kernel(ctx, 'reduceStage1', [u, ...inputs, partials, loop], stage1Constants(chs, gate), { ...extents, 8: bytes }),
        k2: kernel(ctx, 'reduceStage2', [u, partials, out, loop], { MAXES: maxes, GATE: gate }, { 1: bytes }),
        groups: first,
        channels: chs.length,
      });
    }
  }

  encode(pass: GPUComputePassEncoder): void {
    for (const p of this.passes) {
      this.ctx.runGrid(pass, p.k1, p.groups);
      this.ctx.runGroups(pass, p.k2, p.channels);
    }
  }

  /** The same dispatches through a Recorder. */
  record(rec: Recorder): void {
    for (const p of this.passes) {
      rec.runGroups(p.k1, p.groups);
      rec.runGroups(p.k2, p.channels);
    }
  }
}
