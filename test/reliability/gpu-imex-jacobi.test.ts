/**
 * The IMEX phase solves' "jacobi" preconditioner on the WebGPU backend (numerics.phasePreconditioner,
 * Coefficients.imex.precond; src/backends/webgpu/mgpcg.ts, a slot added with precond 'jacobi'):
 * - the phase stage records no multigrid kernel (set-up, restriction, post-smoothing, tail), and
 *   every solve is cg_init, cg_start, one cg_update for its first direction (counted as
 *   cgUpdate.start), then per iteration cg_matvec + cg_update: stage by stage (the later sweep
 *   without a set-up) and on the device loop;
 * - its iterations are the CPU reference's (the same preconditioner in f64: two damped Jacobi
 *   sweeps) within one per sweep, step by step, on both paths;
 * - a "multigrid" run of the same case does record the V-cycle's kernels in the phase stage (the
 *   counters tell the two apart).
 * Skipped, with the reason, when no WebGPU adapter exists (test/conformance/webgpu-env.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backends/backend.ts';
import { createBackend } from '../../src/backends/create.ts';
import type { WebGpuBackend } from '../../src/backends/webgpu/backend.ts';
import { coefficients } from '../../src/model/derived.ts';
import { parseScenario, type Scenario } from '../../src/model/scenario.ts';
import { Simulation } from '../../src/solver/simulation.ts';
import { lockstep } from '../conformance/body.ts';
import { probeWebGpu } from '../conformance/webgpu-env.ts';
import { smallScenario } from './helpers.ts';

const probe = await probeWebGpu();

/** 32 × 16 cells, IMEX phase stage (two sweeps a step) with the given preconditioner. */
function scenario(precond: 'jacobi' | 'multigrid'): Scenario {
  return parseScenario(
    smallScenario({
      name: `gpu-imex-${precond}`,
      grid: { dims: 2, n: [32, 16], dx: '0.25 um' },
      time: { end: '0.01 s', output: '0.01 s' },
      output: { png: false },
      numerics: { phase: 'imex', phasePreconditioner: precond, potentialTol: 1e-12, transportTol: 1e-10 },
    }),
  );
}

/** The phase stage's dispatches per kernel (GpuContext counters, "stage/kernel" keys). */
function phaseKernels(gpu: WebGpuBackend): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of Object.entries(gpu.counters().kernels)) if (k.startsWith('phase/')) out.set(k.slice(6), v.dispatches);
  return out;
}

const MULTIGRID_KERNELS = ['mgCoarsen', 'mgRestrict', 'mgPost', 'mgTail', 'mgTailCoarsen', 'mgDirect'];

/** A jacobi phase stage: no multigrid kernel; per solve init, start, first direction; 2 dispatches per iteration. */
function expectJacobiDispatches(gpu: WebGpuBackend, solves: number): void {
  const k = phaseKernels(gpu);
  for (const m of MULTIGRID_KERNELS) expect(k.get(m) ?? 0, `phase/${m}`).toBe(0);
  expect(k.get('cgInit'), 'phase/cgInit: one per sweep').toBe(solves);
  expect(k.get('cgStart'), 'phase/cgStart').toBe(solves);
  expect(k.get('cgMatvec') ?? 0).toBeGreaterThan(0);
  // (cg_update: every recorded iteration's; each solve's first direction is counted apart)
  expect(k.get('cgUpdate'), 'phase/cgUpdate: one per recorded iteration').toBe(k.get('cgMatvec'));
  expect(k.get('cgUpdate.start'), 'phase/cgUpdate.start: one per sweep').toBe(solves);
}

async function webgpu(s: Scenario): Promise<WebGpuBackend> {
  const { backend } = await createBackend('webgpu', s, { threads: 1 });
  expect(backend.name).toBe('webgpu');
  return backend as WebGpuBackend;
}

/** Phase iterations of each step of a run to the scenario's end (one step per call). */
async function stepIterations(s: Scenario, backend: Backend): Promise<number[]> {
  const sim = new Simulation(s, backend);
  await sim.start();
  const per: number[] = [];
  let last = sim.phaseIterations;
  await sim.runTo(s.time.end, () => {
    per.push(sim.phaseIterations - last);
    last = sim.phaseIterations;
  });
  return per;
}

describe.skipIf(!probe.ok)(
  `IMEX phase solves preconditioned by two Jacobi sweeps on WebGPU (${probe.ok ? probe.description : probe.reason})`,
  () => {
    it("stage by stage: no multigrid dispatch, 2 per iteration; the CPU reference's iterations within one per sweep", {
      timeout: 300_000,
    }, async () => {
      const s = scenario('jacobi');
      const sweeps = coefficients(s).imex!.sweeps;
      expect(coefficients(s).imex!.precond).toBe('jacobi');
      const steps = 6;
      const cpu = (await createBackend('cpu', s, { threads: 1 })).backend;
      const gpu = await webgpu(s);
      try {
        const [ref, sub] = await lockstep(s, cpu, gpu, steps, 2e-3);
        const its = (r: typeof ref) => r.ph.map((p) => p.iterations).join(',');
        console.log(`[stage by stage] phase iterations per step (${sweeps} sweeps): cpu ${its(ref)} | webgpu ${its(sub)}`);
        expect(sub.ph.length).toBe(steps);
        for (let i = 0; i < steps; i++) {
          const want = ref.ph[i].iterations;
          // (two sweeps from zero converge no faster than a V-cycle: several iterations a sweep)
          expect(want, `step ${i}: CPU iterations`).toBeGreaterThanOrEqual(2 * sweeps);
          expect(Math.abs(sub.ph[i].iterations - want), `step ${i}: webgpu ${sub.ph[i].iterations}, cpu ${want}`).toBeLessThanOrEqual(
            sweeps,
          );
        }
        expectJacobiDispatches(gpu, steps * sweeps);
      } finally {
        await cpu.dispose();
        await gpu.dispose();
      }
    });

    it("on the device loop: no multigrid dispatch, 2 per iteration; the CPU backend's steps, its iterations within one per sweep", {
      timeout: 300_000,
    }, async () => {
      const s = scenario('jacobi');
      const sweeps = coefficients(s).imex!.sweeps;
      const gpu = await webgpu(s);
      expect(gpu.loop, 'the WebGPU backend has a device loop').toBeDefined();
      const before = phaseKernels(gpu);
      expect(before.size, 'nothing recorded in the phase stage before the run').toBe(0);
      let onGpu: number[];
      try {
        onGpu = await stepIterations(s, gpu);
        expect(gpu.counters().stages.loop?.readbacks ?? 0, 'steps taken on the device loop').toBeGreaterThan(0);
        // (the loop records a budget of iterations per sweep: the margin's iterations find the solve frozen)
        expectJacobiDispatches(gpu, phaseKernels(gpu).get('cgInit') ?? 0);
        expect(phaseKernels(gpu).get('cgInit') ?? 0).toBeGreaterThanOrEqual(onGpu.length * sweeps);
      } finally {
        await gpu.dispose();
      }
      const cpu = (await createBackend('cpu', s, { threads: 1 })).backend;
      let onCpu: number[];
      try {
        onCpu = await stepIterations(s, cpu);
      } finally {
        await cpu.dispose();
      }
      console.log(`[device loop] phase iterations per step (${sweeps} sweeps): cpu ${onCpu.join(',')} | webgpu ${onGpu.join(',')}`);
      expect(onGpu.length).toBe(onCpu.length);
      expect(onGpu.length).toBeGreaterThan(2);
      for (let i = 0; i < onCpu.length; i++)
        expect(Math.abs(onGpu[i] - onCpu[i]), `step ${i + 1}: webgpu ${onGpu[i]}, cpu ${onCpu[i]}`).toBeLessThanOrEqual(sweeps);
    });

    it('a multigrid phase stage does record the V-cycle (the counters tell the preconditioners apart)', { timeout: 300_000 }, async () => {
      const s = scenario('multigrid');
      const cpu = (await createBackend('cpu', s, { threads: 1 })).backend;
      const gpu = await webgpu(s);
      try {
        await lockstep(s, cpu, gpu, 2, 2e-3);
        const k = phaseKernels(gpu);
        expect(k.get('mgPost') ?? 0).toBeGreaterThan(0);
        expect(k.get('mgTail') ?? 0).toBeGreaterThan(0);
        // (the update is the fine restriction's in every iteration, mgRestrict.cg; one
        // restrictPre0 per solve's first direction, each with the tail's V-cycle)
        expect(k.get('mgRestrict.cg') ?? 0).toBeGreaterThan(0);
        expect(k.get('mgRestrict.cg')).toBe(k.get('cgMatvec'));
        expect(k.get('mgTail')).toBe((k.get('cgMatvec') ?? 0) + (k.get('mgRestrict.start') ?? 0));
        expect(k.get('cgUpdate') ?? 0).toBe(0);
        expect(k.get('cgUpdate.start') ?? 0).toBe(0);
      } finally {
        await cpu.dispose();
        await gpu.dispose();
      }
    });
  },
);
