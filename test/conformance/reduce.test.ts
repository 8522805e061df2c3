/**
 * Multi-channel reductions (src/backends/webgpu/reduce.ts, shaders/reduce_stage1.wgsl and
 * reduce_stage2.wgsl) on the device: every channel of a group gives, bit for bit, what an f32
 * emulation of its own partition and trees gives (the order a single-channel reduction sums in),
 * and the same as when it is reduced alone; channels of different lengths and modes share the
 * dispatches, more inputs than the seven slots split into more dispatch pairs, maxima propagate
 * NaN, and a closed gate leaves the results alone.
 */
import { describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/backends/webgpu/context.ts';
import { acquireAdapter } from '../../src/backends/webgpu/device.ts';
import { Recorder } from '../../src/backends/webgpu/recorder.ts';
import { groupPartialsFor, ReduceMode, Reduction, type ReduceChannel } from '../../src/backends/webgpu/reduce.ts';
import { packUniform, UNIFORMS } from '../../src/backends/webgpu/uniforms.ts';
import { probeWebGpu } from './webgpu-env.ts';
import { mulberry32 } from '../rng.ts';

const probe = await probeWebGpu();
const WG = 64;
const f32 = Math.fround;
const GATE_STEP = 0;

/** Values over many magnitudes and both signs, so that a different summation order changes the f32 sum. */
function values(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1) * 10 ** (6 * r() - 3));
}

interface HostChannel {
  mode: ReduceMode;
  a: Float32Array;
  b?: Float32Array;
}

/** reduce_stage1 + reduce_stage2 in f32 on the host: the partition, the strided slices and the pairwise trees. */
function emulate(ch: HostChannel): number {
  const isMax = ch.mode === ReduceMode.Max || ch.mode === ReduceMode.MaxAbsDiff;
  const comb = (x: number, y: number) => (isMax ? (Number.isNaN(x) ? x : Number.isNaN(y) ? y : Math.max(x, y)) : f32(x + y));
  const { a, b } = ch;
  const term = (i: number) =>
    ch.mode === ReduceMode.Dot ? f32(a[i] * b![i]) : ch.mode === ReduceMode.MaxAbsDiff ? Math.abs(f32(a[i] - b![i])) : a[i];
  const init = isMax ? -3.4028234e38 : 0;
  const tree = (sh: number[]) => {
    for (let s = WG / 2; s > 0; s >>= 1) for (let l = 0; l < s; l++) sh[l] = comb(sh[l], sh[l + s]);
    return sh[0];
  };
  const n = a.length;
  const parts = groupPartialsFor(n, WG);
  const T = parts * WG;
  const partial: number[] = [];
  for (let g = 0; g < parts; g++) {
    const sh: number[] = [];
    for (let l = 0; l < WG; l++) {
      let acc = init;
      for (let i = g * WG + l; i < n; i += T) acc = comb(acc, term(i));
      sh.push(acc);
    }
    partial.push(tree(sh));
  }
  const sh: number[] = [];
  for (let l = 0; l < WG; l++) {
    let acc = init;
    for (let i = l; i < parts; i += WG) acc = comb(acc, partial[i]);
    sh.push(acc);
  }
  return tree(sh);
}

describe.runIf(probe.ok)(`multi-channel reductions${probe.ok ? '' : ` (skipped: no WebGPU adapter: ${probe.reason})`}`, () => {
  it('each channel sums in its own order, grouped or alone; mixed lengths, a split past seven inputs, NaN, the gate', async () => {
    const { adapter } = await acquireAdapter();
    const device = await adapter.requestDevice();
    const ctx = new GpuContext(device, WG, 'reduce test');
    try {
      // lengths: a grid, a row count, and one past MAX_PARTIALS workgroups of 8·WG elements (more per invocation)
      const N = 9216,
        rows = 97,
        big = 4096 * 8 * WG + 1234;
      const withNan = values(N, 5);
      withNan[4321] = NaN;
      const host: HostChannel[] = [
        { mode: ReduceMode.Sum, a: values(N, 1) },
        { mode: ReduceMode.Sum, a: values(rows, 2) },
        { mode: ReduceMode.MaxAbsDiff, a: values(N, 3), b: values(N, 4) },
        { mode: ReduceMode.Max, a: withNan },
        { mode: ReduceMode.Dot, a: values(N, 6), b: values(N, 7) },
        { mode: ReduceMode.Max, a: values(rows, 8) },
        // (eight inputs: this one goes to a second dispatch pair)
        { mode: ReduceMode.Sum, a: values(big, 9) },
      ];
      const upload = (x: Float32Array, label: string) => {
        const buf = ctx.storage(x.length, label);
        ctx.write(buf, x);
        return buf;
      };
      const channels: ReduceChannel[] = host.map((h, c) => ({
        mode: h.mode,
        n: h.a.length,
        a: upload(h.a, `a${c}`),
        ...(h.b ? { b: upload(h.b, `b${c}`) } : {}),
        slot: c,
      }));
      const K = host.length;
      const loopValues = Object.fromEntries(Object.keys(UNIFORMS.Loop).map((k) => [k, 0])) as Record<keyof typeof UNIFORMS.Loop, number>;
      const open = ctx.uniform(packUniform('Loop', { ...loopValues, gStep: 1 }), 'loop.open');
      const closed = ctx.uniform(packUniform('Loop', loopValues), 'loop.closed');
      const out = ctx.storage(2 * K, 'out');
      const read = ctx.readback(8 * K, 'out.read');
      const grouped = new Reduction(ctx, channels, out, open, GATE_STEP, 'grouped');
      // each alone, into slots K … 2K − 1
      const alone = channels.map((ch, c) => new Reduction(ctx, [{ ...ch, slot: K + c }], out, open, GATE_STEP, `alone${c}`));
      const gated = new Reduction(ctx, channels, out, closed, GATE_STEP, 'gated');

      const run = async (record: (rec: Recorder) => void): Promise<Float32Array> => {
        ctx.write(out, new Float32Array(2 * K).fill(-7));
        const before = ctx.counts().stages.setup?.dispatches ?? 0;
        const rec = new Recorder(ctx);
        record(rec);
        rec.submit();
        const enc = device.createCommandEncoder();
        ctx.copy(enc, out, 0, read, 0, 8 * K);
        ctx.submit([enc.finish()]);
        const v = new Float32Array(await ctx.readBuffer(read, 8 * K));
        dispatches = (ctx.counts().stages.setup?.dispatches ?? 0) - before;
        return v;
      };
      let dispatches = 0;
      const g = await run((rec) => grouped.record(rec));
      // seven channels, eight inputs: two dispatch pairs (six channels, then one)
      expect(dispatches).toBe(4);
      const s = await run((rec) => {
        for (const r of alone) r.record(rec);
      });
      expect(dispatches).toBe(2 * K);
      const closedOut = await run((rec) => gated.record(rec));
      for (let c = 0; c < K; c++) {
        const want = emulate(host[c]);
        const what = `channel ${c} (${ReduceMode[host[c].mode]}, n = ${host[c].a.length})`;
        expect(Number.isNaN(want), what).toBe(c === 3);
        expect(Object.is(g[c], f32(want)), `${what}: grouped ${g[c]} vs emulated ${want}`).toBe(true);
        expect(Object.is(s[K + c], g[c]), `${what}: alone ${s[K + c]} vs grouped ${g[c]}`).toBe(true);
        expect(closedOut[c], `${what}: gate closed`).toBe(-7);
      }
      // the emulation's order matters: the plain left-to-right f32 sum of channel 0 differs from it
      const naive = host[0].a.reduce((acc, x) => f32(acc + x), 0);
      expect(naive).not.toBe(g[0]);
      // a mode's operands are checked
      expect(() => new Reduction(ctx, [{ mode: ReduceMode.Dot, n: N, a: channels[0].a, slot: 0 }], out, open, GATE_STEP, 'bad')).toThrow(
        /Dot needs a second operand b/,
      );
    } finally {
      ctx.dispose();
    }
  }, 120_000);
});
