/**
 * The WebGPU device loop (src/backends/webgpu/loop.ts, issue 11): whole steps recorded many per
 * submission, every decision of the time loop taken on the device, step records read lagged.
 * - Batching changes no bit: one step per call, whole runs, 3-step batches with one in flight,
 *   a capped iteration budget (solves run out of recorded iterations, the interval is replayed
 *   with a larger budget), the CLI's pauses at checkpoint times (where the host takes some
 *   boundary decisions itself), the potential solve recorded only at a run's first boundary
 *   (the loop stops where another is due) and a ring of 8 records (runs longer than the ring wrap
 *   it) give the same fields, steps, solves and time.
 * - The loop takes the CPU backend's steps (same count, same solves, step times within the f32
 *   difference of the rates), also under a galvanostatic plate/strip schedule, where it lands on
 *   the segment ends and the controller's voltage follows the CPU's. A schedule longer than the
 *   table a run gets changes no bit (the run stops before a step could cross the table's end).
 * - A solve that does not converge (an iteration limit the device reaches) and a NaN in ξ are
 *   found from the step records (the NaN with the stage-by-stage path's message); the run rolls
 *   back to the good state on the device, halves dt and goes on. The host keeps the state of the
 *   boundary where the device saved (the records say where): a NaN put in after the first check
 *   rolls back to step 10 at step 10's time, a budget exhausted after it replays from there with
 *   no bit changed, a run continued from a snapshot replays from its first boundary, and a
 *   potential solve that fails at a saving boundary makes no copy (the rollback finds the start);
 *   a budget raised after a solve ran out holds until the replay has passed that solve.
 *   A budget exhausted in the interval retried after a rollback replays it with the retry's
 *   halved step: the same steps, events and bits as with no cap. A step the policy rejects (policy.ts,
 *   stepRejected, evaluated in loop_end) is redone at the step its rate allows.
 * - The short circuit is seen on the device at the first check that finds the metal at the
 *   contact position, and stops the run there: at the CPU's step and time.
 * - The IMEX phase stage runs on the loop too (its sweeps' solves recorded with budgets, reported
 *   together): batching and a capped budget change no bit, and it takes the CPU backend's steps.
 *   A phase solve that fails (a NaN in ξ) is reported as on the stage-by-stage path: at the step
 *   and time before the failed step, which neither path counts.
 * - With the mechanics stage (not on the loop yet) the backend has no loop and logs why.
 * Skipped, with the reason, when no WebGPU adapter exists (test/conformance/webgpu-env.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Backend, DeviceLoop, LoopRecord, LoopStart } from '../../src/backends/backend.ts';
import { createBackend } from '../../src/backends/create.ts';
import { MECH_NO_LOOP, type WebGpuBackend } from '../../src/backends/webgpu/backend.ts';
import { initialFields } from '../../src/model/initial.ts';
import { parseScenario, type Scenario } from '../../src/model/scenario.ts';
import { Simulation } from '../../src/solver/simulation.ts';
import { probeWebGpu } from '../conformance/webgpu-env.ts';
import { v2Disc } from '../fixtures/v2-disc.ts';
import { smallScenario } from './helpers.ts';

const probe = await probeWebGpu();

/** 32 × 16 cells, about 20 steps to 0.02 s (SwiftShader is slow). */
const BASE = smallScenario({
  name: 'gpu-loop',
  grid: { dims: 2, n: [32, 16], dx: '0.25 um' },
  time: { end: '0.02 s', output: '0.01 s' },
  output: { png: false },
  // the explicit phase stage (its short steps exercise the loop's decisions); IMEX below
  numerics: { phase: 'explicit' },
});

/** The same case with the IMEX phase stage (the default), two sweeps per step. */
const IMEX = { ...BASE, name: 'gpu-loop-imex', numerics: { phase: 'imex' } };

/** Plate 8 ms at +20 mA/cm², strip 8 ms at −20 mA/cm² (the controller moves the voltage every step). */
const GALVANOSTATIC = {
  ...BASE,
  name: 'gpu-loop-galvanostatic',
  time: { end: '0.016 s', output: '0.008 s' },
  voltage: '-150 mV',
  control: {
    schedule: [
      { mode: 'galvanostatic', current: '20 mA/cm^2', duration: 0.008 },
      { mode: 'galvanostatic', current: '-20 mA/cm^2', duration: 0.008 },
    ],
    maxStep: '50 mV',
  },
};

type Mode =
  | 'one step per call'
  | 'whole runs'
  | '3-step batches'
  | 'capped budget'
  | 'checkpoint pauses'
  | 'potential at run starts'
  | 'an 8-record ring';

/** Checkpoint interval of the 'checkpoint pauses' mode (the CLI's stepping, src/cli/run-loop.ts). */
const CK_EVERY = 0.004;

interface Run {
  step: number;
  solves: number;
  time: number;
  retries: number;
  replays: number;
  /** CG iterations of the IMEX phase solves (0: explicit stage). */
  phaseIterations: number;
  /** Host read-backs of the device loop (its ring batches): > 0 when it took steps. */
  loopReadbacks: number;
  /** Simulated time after each step (one-step mode only). */
  times: number[];
  voltage: number;
  events: Simulation['events'];
  fields: { xi: Float64Array; c: Float64Array; psi: Float64Array };
}

async function webgpu(s: Scenario): Promise<WebGpuBackend> {
  const { backend } = await createBackend('webgpu', s, { threads: 1 });
  expect(backend.name).toBe('webgpu');
  const gpu = backend as WebGpuBackend;
  expect(gpu.loop, 'the WebGPU backend has a device loop').toBeDefined();
  return gpu;
}

/** Runs `s` to its end, stopping at each output time as the CLI does. */
async function run(s: Scenario, backend: Backend, mode: Mode, wrap?: (sim: Simulation) => void): Promise<Run> {
  const sim = new Simulation(s, backend);
  wrap?.(sim);
  try {
    await sim.start();
    const times: number[] = [];
    const out = s.time.output;
    let ck = CK_EVERY;
    const eps = (t: number) => 1e-12 * Math.max(1, t);
    for (let k = 1; k * out <= s.time.end * (1 + 1e-12); k++) {
      const t = k * out;
      if (mode === 'one step per call') await sim.runTo(t, () => times.push(sim.time));
      else if (mode === 'checkpoint pauses')
        // as the CLI steps: the loop pauses at the first restart point from the checkpoint time
        // on, where the host takes the boundary's decision (prepareCheckpoint) unless the device did
        while (sim.time < t - eps(t)) {
          if (sim.time >= ck - eps(ck) && (await sim.prepareCheckpoint(false))) while (ck <= sim.time + eps(ck)) ck += CK_EVERY;
          await sim.advanceTo(t, { pauseAt: Math.max(sim.time, ck) });
        }
      else while (sim.time < t - eps(t)) await sim.advanceTo(t);
      await sim.verify();
    }
    const f = await backend.read();
    return {
      step: sim.step,
      solves: sim.solves,
      time: sim.time,
      retries: sim.retries,
      replays: sim.budgetReplays,
      phaseIterations: sim.phaseIterations,
      loopReadbacks: loopReadbacks(backend),
      times,
      voltage: sim.controlState?.voltage ?? NaN,
      events: sim.events,
      fields: { xi: f.xi, c: f.c, psi: f.psi },
    };
  } finally {
    await backend.dispose();
  }
}

/** Host read-backs the device loop made (its ring batches; 0 on a backend without one). */
function loopReadbacks(backend: Backend): number {
  const c = (backend as Partial<WebGpuBackend>).counters?.();
  return c?.stages.loop?.readbacks ?? 0;
}

function differingCells(a: Run, b: Run): number {
  let n = 0;
  for (const k of ['xi', 'c', 'psi'] as const)
    for (let i = 0; i < a.fields[k].length; i++) if (!Object.is(a.fields[k][i], b.fields[k][i])) n++;
  return n;
}

/** The run's counts equal `ref`'s (steps, solves, time) with `retries` rollbacks, and no cell differs. */
function expectSameRun(r: Run, ref: Run, retries: number, what: string): void {
  expect({ what, step: r.step, solves: r.solves, time: r.time, retries: r.retries }).toEqual({
    what,
    step: ref.step,
    solves: ref.solves,
    time: ref.time,
    retries,
  });
  expect(differingCells(ref, r), `${what}: cells differing`).toBe(0);
}

function maxDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Wraps the backend's device loop: `before` may change a run's start (the settings, the step
 * limit), `after` sees the records of each run (the last step, all of them).
 */
function wrapLoop(
  backend: WebGpuBackend,
  hooks: { before?: (start: LoopStart) => LoopStart | Promise<LoopStart>; after?: (last: number, records: LoopRecord[]) => Promise<void> },
): Backend {
  const inner = backend.loop!;
  const loop: DeviceLoop = {
    ready: () => inner.ready(),
    saveGood: () => inner.saveGood(),
    restoreGood: () => inner.restoreGood(),
    raiseBudgets: (r) => inner.raiseBudgets(r),
    rewind: (s) => inner.rewind(s),
    run: async (start) => {
      const recs = await inner.run(hooks.before ? await hooks.before(start) : start);
      if (recs.length && hooks.after) await hooks.after(recs[recs.length - 1].step, recs);
      return recs;
    },
  };
  return new Proxy(backend, { get: (t, k) => (k === 'loop' ? loop : Reflect.get(t, k, t)) });
}

describe.skipIf(!probe.ok)(`WebGPU device loop (${probe.ok ? probe.description : probe.reason})`, () => {
  it('with the mechanics stage (explicit phase stage) the backend has no device loop, and its log says why', async () => {
    const mechanics = { electrolyte: { G: '1 GPa', nu: 0.4 }, eigenstrain: 0.002, stackPressure: '1 MPa' };
    const s = parseScenario({ ...BASE, mechanics });
    const { backend, log } = await createBackend('webgpu', s, { threads: 1 });
    try {
      expect(backend.name).toBe('webgpu');
      expect(backend.loop).toBeUndefined();
      expect(log).toContain(`webgpu: ${MECH_NO_LOOP}`);
    } finally {
      await backend.dispose();
    }
  });

  it('batching changes no bit: one step per call, whole runs, 3-step batches, a capped budget with replays, checkpoint pauses, the potential recorded at run starts only, a ring that wraps', {
    timeout: 900_000,
  }, async () => {
    const s = parseScenario(BASE);
    const ref = await run(s, await webgpu(s), 'one step per call');
    expect(ref.step).toBeGreaterThan(10);
    expect(ref.retries).toBe(0);
    const modes = [
      'whole runs',
      '3-step batches',
      'capped budget',
      'checkpoint pauses',
      'potential at run starts',
      'an 8-record ring',
    ] as const;
    for (const mode of modes) {
      const gpu = await webgpu(s);
      // (a run of more than 8 steps wraps the ring, as one of more than RING_RECORDS steps does
      // with the default: the device's record index and the host's two-range copy go round)
      let longest = 0;
      const b =
        mode === 'an 8-record ring' ? wrapLoop(gpu, { after: async (_, recs) => void (longest = Math.max(longest, recs.length)) }) : gpu;
      if (mode === 'an 8-record ring') gpu.loop!.tuning.ringRecords = 8;
      if (mode === '3-step batches') Object.assign(gpu.loop!.tuning, { batchSteps: 3, inFlight: 1 });
      // (2 recorded iterations: every first solve of a slot runs out and is replayed)
      if (mode === 'capped budget') gpu.loop!.tuning.budgetCap = 2;
      // (the potential recorded only at a run's first boundary: every other solve stops the run
      // undecided and the next one starts there)
      if (mode === 'potential at run starts') gpu.loop!.tuning.potential = 'first';
      const r = await run(s, b, mode);
      if (mode === 'potential at run starts') expect(gpu.loop!.potentialStops, 'runs stopped where a solve was due').toBeGreaterThan(0);
      if (mode === 'an 8-record ring') expect(longest, 'records of the longest loop run').toBeGreaterThan(8);
      expectSameRun(r, ref, 0, `${mode} against one step per call`);
      if (mode === 'capped budget') expect(r.replays).toBeGreaterThan(0);
      else expect(r.replays).toBe(0);
    }
  });

  it("the IMEX phase stage on the loop: batching and a capped budget (its sweeps' solves replayed) change no bit; the CPU backend's steps", {
    timeout: 900_000,
  }, async () => {
    const s = parseScenario(IMEX);
    expect(s.numerics.imexSweeps).toBe(2);
    const ref = await run(s, await webgpu(s), 'one step per call');
    expect(ref.step).toBeGreaterThan(3);
    expect(ref.retries).toBe(0);
    expect(ref.loopReadbacks, 'steps taken on the device loop (its ring read back)').toBeGreaterThan(0);
    // two sweeps per step, each at least one iteration unless its start converged
    expect(ref.phaseIterations).toBeGreaterThanOrEqual(ref.step);
    for (const mode of ['whole runs', 'capped budget'] as const) {
      const b = await webgpu(s);
      // (2 recorded iterations per sweep: the phase solves run out and the interval is replayed)
      if (mode === 'capped budget') b.loop!.tuning.budgetCap = 2;
      const r = await run(s, b, mode);
      expectSameRun(r, ref, 0, `${mode} against one step per call`);
      if (mode === 'capped budget') expect(r.replays).toBeGreaterThan(0);
      else {
        expect(r.replays).toBe(0);
        expect(r.phaseIterations).toBe(ref.phaseIterations);
      }
    }
    const cpu = await run(s, (await createBackend('cpu', s, { threads: 1 })).backend, 'one step per call');
    expect({ step: ref.step, solves: ref.solves }).toEqual({ step: cpu.step, solves: cpu.solves });
    expect(ref.time).toBe(cpu.time);
    for (let i = 0; i < cpu.times.length; i++)
      expect(Math.abs(ref.times[i] - cpu.times[i]) / cpu.times[i], `step ${i + 1}`).toBeLessThan(1e-4);
    expect(maxDiff(ref.fields.xi, cpu.fields.xi)).toBeLessThan(1e-4);
  });

  it("the work the loop's gates skipped adds up: per stage, recorded CG iterations = the solves' iterations + the idle ones", {
    timeout: 600_000,
  }, async () => {
    // (bench:device models the bytes of the work that ran from GpuDeviceLoop.idle: a record
    // mapped to the wrong step, or steps recorded past a stop left out, would break these sums)
    const s = parseScenario(IMEX);
    const gpu = await webgpu(s);
    try {
      const sim = new Simulation(s, gpu);
      await sim.start();
      const matvecs = (stage: string) => gpu.counters().kernels[`${stage}/cgMatvec`]?.dispatches ?? 0;
      const rec0 = { potential: matvecs('potential'), transport: matvecs('transport'), phase: matvecs('phase') };
      const it0 = { ...sim.iterationTotals, phase: sim.phaseIterations };
      for (let k = 1; k * s.time.output <= s.time.end * (1 + 1e-12); k++) await sim.advanceTo(k * s.time.output);
      expect(sim.time).toBeCloseTo(s.time.end, 12);
      expect(sim.budgetReplays).toBe(0);
      const idle = gpu.loop!.idle.iterations;
      const ran = {
        potential: sim.iterationTotals.potential - it0.potential,
        transport: sim.iterationTotals.transport - it0.transport,
        phase: sim.phaseIterations - it0.phase,
      };
      const skipped = { potential: idle.get('psi') ?? 0, transport: idle.get('u') ?? 0, phase: idle.get('phase') ?? 0 };
      for (const st of ['potential', 'transport', 'phase'] as const) {
        expect(matvecs(st) - rec0[st], `${st}: recorded = ran + skipped`).toBe(ran[st] + skipped[st]);
        // the budgets carry a margin, so some recorded iterations find their solve ended
        expect(skipped[st], st).toBeGreaterThan(0);
        expect(ran[st], st).toBeGreaterThan(0);
      }
    } finally {
      await gpu.dispose();
    }
  });

  it("takes the CPU backend's steps and solves", { timeout: 600_000 }, async () => {
    const s = parseScenario(BASE);
    const cpu = await run(s, (await createBackend('cpu', s, { threads: 1 })).backend, 'one step per call');
    const gpu = await run(s, await webgpu(s), 'one step per call');
    expect({ step: gpu.step, solves: gpu.solves }).toEqual({ step: cpu.step, solves: cpu.solves });
    expect(gpu.time).toBe(cpu.time);
    // dt = safety · maxDxiPerStep / max|∂ξ/∂t| (or dtMax): the rate is an f32 maximum of the
    // f32 fields, which stay within 1e-4 of the f64 run (conformance), so the step times agree
    // to ~1e-4 relative; measured: a few 1e-6
    for (let i = 0; i < cpu.times.length; i++)
      expect(Math.abs(gpu.times[i] - cpu.times[i]) / cpu.times[i], `step ${i + 1}`).toBeLessThan(1e-4);
    expect(maxDiff(gpu.fields.xi, cpu.fields.xi)).toBeLessThan(1e-4);
  });

  it('galvanostatic plate/strip: lands on the segment end, the voltage follows the CPU controller', { timeout: 600_000 }, async () => {
    const s = parseScenario(GALVANOSTATIC);
    const cpu = await run(s, (await createBackend('cpu', s, { threads: 1 })).backend, 'one step per call');
    const gpu = await run(s, await webgpu(s), 'one step per call');
    expect({ step: gpu.step, solves: gpu.solves }).toEqual({ step: cpu.step, solves: cpu.solves });
    // the segment end (8 ms) is a step time on both; the device's df64 time holds it to ~1e-14
    const landed = (r: Run) => r.times.some((t) => Math.abs(t - 0.008) <= 1e-14);
    expect(landed(cpu)).toBe(true);
    expect(landed(gpu)).toBe(true);
    for (let i = 0; i < cpu.times.length; i++)
      expect(Math.abs(gpu.times[i] - cpu.times[i]) / cpu.times[i], `step ${i + 1}`).toBeLessThan(1e-4);
    // strip: the controller drove the voltage up from plating's; the device's controller runs in
    // f32 on the f32 current (the ξ̇ sum), within 1 mV of the CPU's after 16 updates (measured ~1e-6 V)
    expect(gpu.voltage).toBeGreaterThan(-0.15);
    expect(Math.abs(gpu.voltage - cpu.voltage)).toBeLessThan(1e-3);
  });

  for (const solve of ['transport', 'potential'] as const) {
    it(`a ${solve} solve that does not converge is found, rolled back and retried with dt halved`, { timeout: 600_000 }, async () => {
      const s = parseScenario(BASE);
      const gpu = await webgpu(s);
      let faulty = 0;
      // one run from step 5 on with an iteration limit of 1: the device stops that solve short
      const b = wrapLoop(gpu, {
        before: (start) => {
          if (faulty > 0 || start.step < 5) return start;
          faulty++;
          const key = solve === 'transport' ? 'transportMaxIter' : 'potentialMaxIter';
          return { ...start, settings: { ...start.settings, [key]: 1 } };
        },
      });
      const r = await run(s, b, 'whole runs');
      expect(faulty).toBe(1);
      expect(r.retries).toBe(1);
      expect(r.events).toHaveLength(1);
      expect(r.events[0].reason).toMatch(new RegExp(`^${solve} solver did not converge (at|in) step \\d+`));
      expect(r.events[0].rolledBackTo.step).toBeLessThan(r.events[0].step);
      expect(r.time).toBeCloseTo(0.02, 14);
    });
  }

  it("a step the device rejects (its rate moved ξ too far) is rolled back and redone at the rate's step", {
    timeout: 600_000,
  }, async () => {
    const s = parseScenario(BASE);
    const gpu = await webgpu(s);
    let tightened = 0;
    // one run from step 5 on with a rejection threshold no step meets: its first step is rejected
    const b = wrapLoop(gpu, {
      before: (start) => {
        if (tightened > 0 || start.step < 5) return start;
        tightened++;
        return { ...start, settings: { ...start.settings, policy: { ...start.settings.policy, rejectDxi: 1e-12 } } };
      },
    });
    const r = await run(s, b, 'whole runs');
    expect(tightened).toBe(1);
    expect(r.retries).toBe(1);
    expect(r.events).toHaveLength(1);
    const e = r.events[0];
    expect(e.kind).toBe('rejected');
    expect(e.reason).toMatch(
      /^step \d+ rejected \(t = [\d.e-]+ s\): max \|∂ξ\/∂t\| = [\d.e+-]+ 1\/s moved ξ by up to .* largest change ∂ξ\/∂t = .* at cell \(i, j, k\) = /,
    );
    // redone at maxDxiPerStep / rate or half the failed step, whichever is shorter (the message
    // prints the rate to 3 digits)
    const rate = Number(/max \|∂ξ\/∂t\| = ([\d.e+-]+) 1\/s/.exec(e.reason)![1]);
    expect(rate).toBeGreaterThan(0);
    expect(e.dtRetry).toBeGreaterThan(0);
    expect(e.dtRetry).toBeLessThanOrEqual((1.005 * s.numerics.maxDxiPerStep) / rate);
    expect(r.time).toBeCloseTo(0.02, 14);
  });

  it('the short circuit is seen on the device at the first check and stops the run at the CPU step and time', {
    timeout: 600_000,
  }, async () => {
    // the metal starts 0.2 µm past the contact position (L_x − w = 7.5 µm): contact at the first check
    const s = parseScenario({
      ...BASE,
      name: 'gpu-loop-contact',
      initial: { layer: '7.7 um' },
      numerics: { phase: 'explicit', checkEvery: 4 },
    });
    const go = async (backend: Backend) => {
      const sim = new Simulation(s, backend);
      const seen: number[] = [];
      sim.onShortCircuit = (e) => seen.push(e.step);
      try {
        await sim.start();
        while (sim.time < s.time.end * (1 - 1e-12) && !sim.stopped) await sim.advanceTo(s.time.end);
        return { step: sim.step, time: sim.time, at: sim.shortCircuitTime, seen, stopped: sim.stopped };
      } finally {
        await backend.dispose();
      }
    };
    const cpu = await go((await createBackend('cpu', s, { threads: 1 })).backend);
    const gpu = await go(await webgpu(s));
    expect(cpu).toMatchObject({ step: 4, stopped: true, seen: [4] });
    expect({ step: gpu.step, stopped: gpu.stopped, seen: gpu.seen }).toEqual({ step: 4, stopped: true, seen: [4] });
    expect(Math.abs(gpu.at - cpu.at) / cpu.at).toBeLessThan(1e-4);
    expect(gpu.at).toBe(gpu.time);
  });

  it('a run continued from a snapshot (a resume, a CPU warm-up) keeps its first boundary as the good state: budgets exhausted before any check are replayed from there, changing no bit', {
    timeout: 600_000,
  }, async () => {
    const s = parseScenario(BASE);
    const AT = 5;
    // the first AT steps on the CPU reference, whose state the WebGPU runs continue from
    const cpu = (await createBackend('cpu', s, { threads: 1 })).backend;
    let state: ReturnType<Simulation['snapshot']>;
    let fields: Awaited<ReturnType<Backend['read']>>;
    try {
      const ref = new Simulation(s, cpu);
      await ref.start();
      while (ref.step < AT) await ref.advanceTo(Infinity, { stepLimit: AT });
      state = ref.snapshot();
      fields = await cpu.read();
    } finally {
      await cpu.dispose();
    }
    const continued = async (budgetCap: number | null) => {
      const b = await webgpu(s);
      try {
        b.loop!.tuning.budgetCap = budgetCap;
        const sim = new Simulation(s, b);
        await sim.start();
        await sim.restore(state, fields);
        while (sim.time < s.time.end * (1 - 1e-12)) await sim.advanceTo(s.time.end);
        const f = await b.read();
        return {
          step: sim.step,
          time: sim.time,
          retries: sim.retries,
          replays: sim.budgetReplays,
          fields: { xi: f.xi, c: f.c, psi: f.psi },
        };
      } finally {
        await b.dispose();
      }
    };
    const free = await continued(null);
    // (2 recorded iterations: the continued run's first solves run out before its first check)
    const capped = await continued(2);
    expect(free.replays).toBe(0);
    expect(capped.replays).toBeGreaterThan(0);
    expect({ step: capped.step, time: capped.time, retries: capped.retries }).toEqual({ step: free.step, time: free.time, retries: 0 });
    expect(differingCells(free as Run, capped as Run), 'cells differing between the capped and the free budget').toBe(0);
  });

  it('a budget exhausted after the first device save (step 10) is replayed from that save, changing no bit', {
    timeout: 600_000,
  }, async () => {
    const s = parseScenario(BASE);
    const ref = await run(s, await webgpu(s), 'whole runs');
    expect(ref.step).toBeGreaterThan(14);
    // whole runs, the first ending at step 12; from the next run on, 2 recorded iterations per
    // solve: its solves run out past the save and the interval is replayed from it
    const gpu = await webgpu(s);
    let capped = false;
    const b = wrapLoop(gpu, {
      before: (start) => {
        if (start.step >= 12 && !capped) {
          capped = true;
          gpu.loop!.tuning.budgetCap = 2;
        }
        return capped ? start : { ...start, stepLimit: Math.min(start.stepLimit, 12) };
      },
    });
    const events: Simulation['events'] = [];
    const r = await run(s, b, 'whole runs', (sim) => {
      sim.onInstability = (e) => events.push(e);
    });
    expect(capped).toBe(true);
    expect(r.replays).toBeGreaterThan(0);
    expect(events, 'replays are not instabilities').toEqual([]);
    expectSameRun(r, ref, 0, 'the capped run against the uncapped one');
  });

  it('a potential solve that fails where the device would save (after a passed check) leaves the earlier good state in place', {
    timeout: 600_000,
  }, async () => {
    const s = parseScenario(BASE);
    const gpu = await webgpu(s);
    let faulty = 0;
    let back: { xi: Float64Array; c: Float64Array } | null = null;
    // run 1 ends at step 10, whose check passes, so run 2 saves at its first boundary; there its
    // potential solve (forced, one iteration allowed) fails: no copy is made, and the rollback
    // returns to the run's start, whose ξ and c are the initial fields
    const b = wrapLoop(gpu, {
      before: async (start) => {
        if (faulty === 0 && start.step < 10) return { ...start, stepLimit: Math.min(start.stepLimit, 10) };
        if (faulty === 0) {
          faulty++;
          return { ...start, forced: true, settings: { ...start.settings, potentialMaxIter: 1 } };
        }
        if (!back) {
          const f = await gpu.read();
          back = { xi: f.xi, c: f.c };
        }
        return start;
      },
    });
    const r = await run(s, b, 'whole runs');
    expect(faulty).toBe(1);
    expect(r.events).toHaveLength(1);
    expect(r.events[0].reason).toMatch(/^potential solver did not converge in step 11 /);
    expect(r.events[0].rolledBackTo).toEqual({ step: 0, time: 0 });
    const init = initialFields(s);
    const moved = (a: Float64Array, want: Float64Array) => a.reduce((n, v, i) => n + (Object.is(v, Math.fround(want[i])) ? 0 : 1), 0);
    expect(back, 'the fields read after the rollback').not.toBeNull();
    expect({ xi: moved(back!.xi, init.xi), c: moved(back!.c, init.c) }, 'cells differing from the initial fields').toEqual({ xi: 0, c: 0 });
    expect(r.time).toBeCloseTo(0.02, 14);
  });

  it('a potential solve that runs out at a saving boundary is replayed with a budget that holds until past it: the run goes on', {
    timeout: 600_000,
  }, async () => {
    // (known-answers' V2 disc, one step per call: the solve at boundary 10, after the first
    // check, needs over twice its warm budget; a raise dropped by the warm solves replayed before
    // it ran out there again, replay after replay)
    const s = parseScenario(v2Disc('gpu-loop-raise', 0.2));
    const b = await webgpu(s);
    const sim = new Simulation(s, b);
    try {
      await sim.start();
      let calls = 0;
      while (sim.time < 0.2 * (1 - 1e-12) && calls < 100) {
        await sim.advance(0.2 - sim.time);
        calls++;
      }
      expect(sim.budgetReplays).toBeGreaterThan(0);
      expect(sim.budgetReplays).toBeLessThanOrEqual(4);
      expect(sim.retries).toBe(0);
      expect(sim.time).toBeCloseTo(0.2, 12);
      expect(calls).toBeLessThan(100);
    } finally {
      await b.dispose();
    }
  });

  // AT = 8: before the first stability check (every 10 steps on WebGPU), back to the run's start;
  // AT = 14: after the good state was saved on the device at step 10, back to step 10 (the host
  // learns of each device save from the step records and keeps the state it applied with it)
  for (const AT of [8, 14])
    it(`a NaN put into ξ after step ${AT} is found from the records as the stage-by-stage path finds it; the run rolls back to the same good state on the device, halves dt and goes on`, {
      timeout: 600_000,
    }, async () => {
      const s = parseScenario(BASE);
      const CELL = 5 + 32 * 3; // (i, j) = (5, 3): centre (1.375, 0.875) µm
      const inject = async (gpu: WebGpuBackend) => {
        const f = await gpu.read();
        f.xi[CELL] = NaN;
        await gpu.init({ xi: f.xi, c: f.c, psi: f.psi });
      };
      // the device loop: whole runs, the first one ending at step AT, the NaN put in after it
      const gpu = await webgpu(s);
      let injected = 0;
      // the time of each step the loop took, from its records (0: the run's start)
      const stepTimes = new Map<number, number>([[0, 0]]);
      const b = wrapLoop(gpu, {
        before: (start) => (injected === 0 && start.step < AT ? { ...start, stepLimit: Math.min(start.stepLimit, AT) } : start),
        after: async (last, records) => {
          for (const q of records) if (q.tookStep) stepTimes.set(q.step, q.time);
          if (injected > 0 || last !== AT) return;
          injected++;
          await inject(gpu);
        },
      });
      const r = await run(s, b, 'whole runs');
      expect(injected).toBe(1);
      // the stage-by-stage path (the backend's loop hidden), the NaN put in after step AT
      const ref = await webgpu(s);
      const sim = new Simulation(s, new Proxy(ref, { get: (t, k) => (k === 'loop' ? undefined : Reflect.get(t, k, t)) }));
      try {
        await sim.start();
        let done = false;
        while (sim.time < 0.02 * (1 - 1e-12)) {
          await sim.advance(0.02 - sim.time);
          if (!done && sim.step === AT) {
            done = true;
            await inject(ref);
          }
        }
      } finally {
        await ref.dispose();
      }
      expect(r.retries).toBe(1);
      expect(sim.retries).toBe(1);
      expect(r.events).toHaveLength(1);
      const [e, want] = [r.events[0], sim.events[0]];
      // the step after the NaN fails: its transport solve meets it first (as on the CPU path), and
      // the cell named is the first non-finite one of ξ then (the phase stage spread it)
      expect(e.step).toBe(AT + 1);
      expect({ step: e.step, back: e.rolledBackTo.step, kind: e.kind }).toEqual({
        step: want.step,
        back: want.rolledBackTo.step,
        kind: want.kind,
      });
      expect(e.rolledBackTo.step).toBe(AT < 10 ? 0 : 10);
      // back to the time the loop had reached at that step (the stage-by-stage run, which lands
      // on no output time, took other steps; a landed step's record holds the df64 of the target)
      const back = stepTimes.get(e.rolledBackTo.step)!;
      expect(Math.abs(e.rolledBackTo.time - back)).toBeLessThanOrEqual(1e-12 * back);
      const shape = (m: string) => m.replace(/\(t = [^)]*\)/, '(t)').replace(/residual [^ ]+/, 'residual');
      expect(shape(e.reason)).toBe(shape(want.reason));
      expect(e.reason).toMatch(/ field xi \(ξ\) = NaN \(not finite\) at cell \(i, j, k\) = \(\d+, \d+, 0\)/);
      expect(r.time).toBeCloseTo(0.02, 14);
      for (const k of ['xi', 'c', 'psi'] as const) expect(r.fields[k].every(Number.isFinite), k).toBe(true);
    });

  it('an IMEX phase solve that fails (a NaN put into ξ after step 8) is reported as the stage-by-stage path reports it: at the step before the failed one, at its time', {
    timeout: 600_000,
  }, async () => {
    const s = parseScenario(IMEX);
    const AT = 8;
    const CELL = 5 + 32 * 3;
    const inject = async (gpu: WebGpuBackend) => {
      const f = await gpu.read();
      f.xi[CELL] = NaN;
      await gpu.init({ xi: f.xi, c: f.c, psi: f.psi });
    };
    // the device loop: whole runs, the first one ending at step AT, the NaN put in after it
    const gpu = await webgpu(s);
    let injected = 0;
    let atTime = NaN;
    const b = wrapLoop(gpu, {
      before: (start) => (injected === 0 && start.step < AT ? { ...start, stepLimit: Math.min(start.stepLimit, AT) } : start),
      after: async (last, records) => {
        if (injected > 0 || last !== AT) return;
        injected++;
        atTime = records[records.length - 1].time;
        await inject(gpu);
      },
    });
    const r = await run(s, b, 'whole runs');
    expect(injected).toBe(1);
    // the stage-by-stage path (the backend's loop hidden), the NaN put in after step AT
    const ref = await webgpu(s);
    const sim = new Simulation(s, new Proxy(ref, { get: (t, k) => (k === 'loop' ? undefined : Reflect.get(t, k, t)) }));
    let refAt = NaN;
    try {
      await sim.start();
      while (sim.step < AT) await sim.advance(0.02 - sim.time);
      refAt = sim.time;
      await inject(ref);
      while (sim.events.length === 0) await sim.advance(0.02 - sim.time);
    } finally {
      await ref.dispose();
    }
    expect(sim.events).toHaveLength(1);
    expect(r.events).toHaveLength(1);
    const [e, want] = [r.events[0], sim.events[0]];
    // the phase stage meets the NaN first, in step AT + 1; the stage-by-stage path has not
    // counted that step when its solve fails: the failure is at step AT, at step AT's time
    expect(want.reason).toMatch(new RegExp(`^IMEX phase solver did not converge in step ${AT + 1} `));
    expect(want.step).toBe(AT);
    expect(want.time).toBe(refAt);
    expect({ step: e.step, back: e.rolledBackTo.step, kind: e.kind }).toEqual({
      step: want.step,
      back: want.rolledBackTo.step,
      kind: want.kind,
    });
    expect(e.time).toBe(atTime);
    expect(e.reason).toBe(want.reason.replace(`(t = ${refAt} s)`, `(t = ${atTime} s)`));
    expect(r.time).toBeCloseTo(0.02, 14);
    for (const k of ['xi', 'c', 'psi'] as const) expect(r.fields[k].every(Number.isFinite), k).toBe(true);
  });

  it("a budget exhausted in the interval retried after a rollback is replayed with the retry's halved step: the same steps, events and bits as without the cap", {
    timeout: 600_000,
  }, async () => {
    // (to the first output time: the first 10 of BASE's ~20 steps)
    const s = parseScenario({ ...BASE, time: { end: '0.01 s', output: '0.01 s' } });
    const AT = 8;
    const CELL = 5 + 32 * 3;
    // whole runs, the first ending at step AT, a NaN put into ξ after it: the next run fails and
    // rolls back to the start with dt halved; with `cap`, every solve of the retried interval
    // then has 2 recorded iterations, so it runs out and the interval is replayed
    const nanRun = async (cap: boolean) => {
      const gpu = await webgpu(s);
      let injected = 0;
      let capped = false;
      const b = wrapLoop(gpu, {
        before: (start) => {
          if (injected === 0) return start.step < AT ? { ...start, stepLimit: Math.min(start.stepLimit, AT) } : start;
          if (cap && !capped && start.step === 0) {
            capped = true;
            gpu.loop!.tuning.budgetCap = 2;
          }
          return start;
        },
        after: async (last) => {
          if (injected > 0 || last !== AT) return;
          injected++;
          const f = await gpu.read();
          f.xi[CELL] = NaN;
          await gpu.init({ xi: f.xi, c: f.c, psi: f.psi });
        },
      });
      const r = await run(s, b, 'whole runs');
      expect(injected).toBe(1);
      expect(capped).toBe(cap);
      return r;
    };
    const free = await nanRun(false);
    const capped = await nanRun(true);
    expect(free.replays).toBe(0);
    expect(capped.replays).toBeGreaterThan(0);
    const ev = (r: Run) => r.events.map((e) => ({ step: e.step, back: e.rolledBackTo.step, dtRetry: e.dtRetry, attempt: e.attempt }));
    expect(ev(free)).toHaveLength(1);
    expect(ev(capped)).toEqual(ev(free));
    expectSameRun(capped, free, 1, 'the capped budget against the free one');
  });

  it("the end of the run's schedule table (a drive schedule longer than the table the host hands the loop) changes no bit: the loop stops before a step could cross it", {
    timeout: 600_000,
  }, async () => {
    // plate, strip, plate 0.4 ms each; one output at the end (no landing at the segment ends)
    const s = parseScenario({
      ...GALVANOSTATIC,
      time: { end: '0.0012 s', output: '0.0012 s' },
      control: {
        ...GALVANOSTATIC.control,
        schedule: [
          { mode: 'galvanostatic', current: '20 mA/cm^2', duration: 0.0004 },
          { mode: 'galvanostatic', current: '-20 mA/cm^2', duration: 0.0004 },
          { mode: 'galvanostatic', current: '20 mA/cm^2', duration: 0.0004 },
        ],
      },
    });
    const full = await run(s, await webgpu(s), 'whole runs');
    // the host hands the loop at most 256 segments (Simulation, SCHEDULE_TABLE); here 2, so that
    // a run in the strip segment reaches its table's end at 0.8 ms
    const gpu = await webgpu(s);
    let cut = 0;
    const b = wrapLoop(gpu, {
      before: (start) => {
        if (!start.control || start.control.table.length <= 2) return start;
        cut++;
        return { ...start, control: { ...start.control, table: start.control.table.slice(0, 2) } };
      },
    });
    const short = await run(s, b, 'whole runs');
    expect(cut).toBeGreaterThan(1);
    expect({ step: short.step, solves: short.solves, time: short.time, voltage: short.voltage, retries: short.retries }).toEqual({
      step: full.step,
      solves: full.solves,
      time: full.time,
      voltage: full.voltage,
      retries: full.retries,
    });
    expect(differingCells(full, short), 'cells differing from the run with the whole schedule').toBe(0);
  });
});
