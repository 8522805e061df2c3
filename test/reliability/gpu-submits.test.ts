/**
 * Bounded GPU submissions (a browser's watchdog kills a device whose command buffer runs for
 * seconds): every command buffer the WebGPU backend submits holds at most
 * MAX_DISPATCHES_PER_BUFFER dispatches however many CG iterations a solve needs (the recorded
 * work is cut into several command buffers), and where they are cut does not change a bit of
 * the result. Counted by wrapping the backend's GPUDevice (createCommandEncoder →
 * beginComputePass → dispatchWorkgroups, queue.submit).
 * Skipped, with the reason, when no WebGPU adapter exists (test/conformance/webgpu-env.ts).
 */
import { describe, expect, it } from 'vitest';
import { makeBCs, makeLayout } from '../../src/backends/layout.ts';
import { WebGpuBackend, type WebGpuOptions } from '../../src/backends/webgpu/backend.ts';
import { MAX_DISPATCHES_PER_BUFFER } from '../../src/backends/webgpu/recorder.ts';
import { coefficients } from '../../src/model/derived.ts';
import { initialFields } from '../../src/model/initial.ts';
import { parseScenario, type Scenario } from '../../src/model/scenario.ts';
import { Simulation } from '../../src/solver/simulation.ts';
import { probeWebGpu } from '../conformance/webgpu-env.ts';
import { bitDiffs, smallScenario } from './helpers.ts';

const probe = await probeWebGpu();

/** Dispatches per submitted command buffer, in order. */
interface Counter {
  perSubmit: number[];
  pending: Map<GPUCommandBuffer, number>;
}

/** Wraps the device's encoder creation and queue.submit to count dispatches per command buffer. */
function countDispatches(device: GPUDevice): Counter {
  const c: Counter = { perSubmit: [], pending: new Map() };
  const createEncoder = device.createCommandEncoder.bind(device);
  device.createCommandEncoder = (desc?: GPUCommandEncoderDescriptor) => {
    const enc = createEncoder(desc);
    let n = 0;
    const begin = enc.beginComputePass.bind(enc);
    enc.beginComputePass = (d?: GPUComputePassDescriptor) => {
      const pass = begin(d);
      const dispatch = pass.dispatchWorkgroups.bind(pass);
      pass.dispatchWorkgroups = (x: number, y?: number, z?: number) => {
        n++;
        dispatch(x, y, z);
      };
      return pass;
    };
    const finish = enc.finish.bind(enc);
    enc.finish = (d?: GPUCommandBufferDescriptor) => {
      const cb = finish(d);
      c.pending.set(cb, n);
      return cb;
    };
    return enc;
  };
  const queue = device.queue;
  const submit = queue.submit.bind(queue);
  queue.submit = (cbs: Iterable<GPUCommandBuffer>) => {
    const list = [...cbs];
    for (const cb of list) {
      c.perSubmit.push(c.pending.get(cb) ?? 0);
      c.pending.delete(cb);
    }
    submit(list);
  };
  return c;
}

async function make(s: Scenario, opts: WebGpuOptions = {}): Promise<{ b: WebGpuBackend; counter: Counter }> {
  const b = await WebGpuBackend.create(makeLayout(s), coefficients(s), makeBCs(s), opts);
  return { b, counter: countDispatches(b.gpuDevice) };
}

describe.runIf(probe.ok)(`bounded WebGPU submissions${probe.ok ? '' : ` (skipped: no WebGPU adapter: ${probe.reason})`}`, () => {
  it('a batch of 500 recorded CG iterations never puts more than MAX_DISPATCHES_PER_BUFFER dispatches in one command buffer', async () => {
    for (const n of [
      [32, 16],
      [64, 32],
    ]) {
      const s = parseScenario(smallScenario({ grid: { dims: 2, n, dx: '0.25 um' } }));
      // checkEvery 500: after the first batch, 500 iterations are recorded before the next
      // read-back (formerly into one command buffer); an unreachable tolerance keeps the solve
      // going until f32 breaks it down (the status word then freezes the recorded rest)
      const { b, counter } = await make(s, { checkEvery: 500 });
      try {
        await b.init(initialFields(s));
        counter.perSubmit.length = 0;
        const t0 = performance.now();
        const r = await b.potential(1e-30, 2000);
        const ms = performance.now() - t0;
        expect(r.converged).toBe(false);
        const most = Math.max(...counter.perSubmit);
        const total = counter.perSubmit.reduce((a, x) => a + x, 0);
        console.log(
          `${n.join('×')}: ${r.iterations} iterations done, ${total} dispatches recorded in ${counter.perSubmit.length} command buffers, at most ${most} per buffer (${ms.toFixed(0)} ms)`,
        );
        // (an iteration is at least 4 dispatches: 2T + 2 with T = 1 level outside the multigrid's tail here)
        expect(total).toBeGreaterThan(500 * 4);
        expect(most).toBeLessThanOrEqual(MAX_DISPATCHES_PER_BUFFER);
      } finally {
        await b.dispose();
      }
    }
  });

  it('where the batches are cut does not change a bit: 16 coupled steps with budgets of 512, 24 and 1 dispatches per command buffer', async () => {
    const s = parseScenario(smallScenario({ grid: { dims: 2, n: [32, 16], dx: '0.25 um' } }));
    const results: { xi: Float64Array; c: Float64Array; psi: Float64Array; iters: string; most: number; buffers: number; ms: number }[] =
      [];
    for (const opts of [{}, { maxDispatchesPerSubmit: 24 }, { maxDispatchesPerSubmit: 1, checkEvery: 7 }] as WebGpuOptions[]) {
      const { b, counter } = await make(s, opts);
      try {
        const sim = new Simulation(s, b);
        const t0 = performance.now();
        await sim.start();
        for (let i = 0; i < 16; i++) await sim.advance();
        const ms = performance.now() - t0;
        const f = await b.read();
        results.push({
          xi: f.xi,
          c: f.c,
          psi: f.psi,
          iters: `${sim.step} steps, ${sim.solves} solves, t = ${sim.time}`,
          most: Math.max(...counter.perSubmit),
          buffers: counter.perSubmit.length,
          ms,
        });
      } finally {
        await b.dispose();
      }
    }
    for (const [i, r] of results.entries())
      console.log(
        `budget ${['512 (default)', '24', '1, checkEvery 7'][i]}: ${r.iters}; ${r.buffers} command buffers, at most ${r.most} dispatches each; ${r.ms.toFixed(0)} ms`,
      );
    for (const r of results.slice(1)) {
      expect(r.iters).toBe(results[0].iters);
      for (const k of ['xi', 'c', 'psi'] as const) expect(bitDiffs(r[k], results[0][k]), k).toBe(0);
    }
    expect(results[0].most).toBeLessThanOrEqual(MAX_DISPATCHES_PER_BUFFER);
    expect(results[1].most).toBeLessThanOrEqual(24);
  });
});
