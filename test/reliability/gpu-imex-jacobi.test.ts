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
 *   counters tell the two apart);
 * - the operator stored in its uniform-weight form (d per cell and one face weight, the default
 *   with the Jacobi sweeps: WebGpuOptions.phaseOperator, common/op_uniform.wgsl) gives the general
 *   form's numbers bit for bit, with host cells on both sides of faces, walls and periodic axes,
 *   stage by stage and on the device loop, and its kernels move 12 bytes per cell less per op read.
 * Skipped, with the reason, when no WebGPU adapter exists (test/conformance/webgpu-env.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backends/backend.ts';
import { createBackend } from '../../src/backends/create.ts';
import { makeBCs, makeLayout } from '../../src/backends/layout.ts';
import { WebGpuBackend } from '../../src/backends/webgpu/backend.ts';
import type { OpForm } from '../../src/backends/webgpu/mgpcg.ts';
import { coefficients } from '../../src/model/derived.ts';
import { initialProps } from '../../src/model/initial.ts';
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

/** A WebGPU backend whose IMEX phase operator is stored in the given form. */
function webgpuForm(s: Scenario, phaseOperator: OpForm): Promise<WebGpuBackend> {
  return WebGpuBackend.create(makeLayout(s), coefficients(s), makeBCs(s), { props: initialProps(s), phaseOperator });
}

/** The first index where two field sets differ bit for bit (field name and cell), or null. */
function firstDifference(a: Record<string, Float64Array | undefined>, b: Record<string, Float64Array | undefined>): string | null {
  expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  for (const k of Object.keys(a)) {
    const x = a[k]!,
      y = b[k]!;
    if (x.length !== y.length) return `${k}: lengths ${x.length}, ${y.length}`;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return `${k}[${i}]: ${x[i]} vs ${y[i]}`;
  }
  return null;
}

/** Bytes per dispatch of each phase-stage kernel (GpuContext counters). */
function phaseBytes(gpu: WebGpuBackend): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of Object.entries(gpu.counters().kernels))
    if (k.startsWith('phase/') && v.dispatches) out.set(k.slice(6), v.bytes / v.dispatches);
  return out;
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
    it("the uniform-weight operator form gives the general form's numbers bit for bit, 12 bytes per cell less per op read", {
      timeout: 600_000,
    }, async () => {
      // host cells (pillars: faces between two hosts, a host and the electrolyte, the collector
      // wall), and a periodic axis; 2D on the device loop, 3D stage by stage
      const host = (dims: 2 | 3): Scenario =>
        parseScenario(
          smallScenario({
            name: `gpu-imex-form-${dims}d`,
            grid: dims === 2 ? { dims, n: [32, 16], dx: '0.25 um' } : { dims, n: [8, 8, 6], dx: '0.5 um' },
            time: { end: '0.008 s', output: '0.008 s' },
            initial: { layer: '1 um' },
            boundary: { lateral: 'periodic' },
            host: { geometry: { pillars: { width: '1 um', height: '2 um', spacing: '2 um' } }, lithiophilic: true },
            output: { png: false },
            numerics: { phase: 'imex', phasePreconditioner: 'jacobi', potentialTol: 1e-12, transportTol: 1e-10 },
          }),
        );
      const s2 = host(2);
      expect(
        initialProps(s2)?.some((v, i) => i % 4 === 3 && v > 0.5),
        'the case has host cells',
      ).toBe(true);
      const loop: Record<OpForm, { its: number[]; f: Record<string, Float64Array | undefined>; bytes: Map<string, number> }> = {} as never;
      for (const form of ['faces', 'uniform'] as const) {
        const gpu = await webgpuForm(s2, form);
        try {
          expect(gpu.loop).toBeDefined();
          const its = await stepIterations(s2, gpu);
          loop[form] = { its, f: await gpu.read(), bytes: phaseBytes(gpu) };
        } finally {
          await gpu.dispose();
        }
      }
      console.log(`[device loop] phase iterations per step: faces ${loop.faces.its.join(',')} | uniform ${loop.uniform.its.join(',')}`);
      expect(loop.uniform.its.length).toBeGreaterThan(2);
      expect(loop.uniform.its).toEqual(loop.faces.its);
      expect(firstDifference(loop.faces.f, loop.uniform.f), 'device loop: the fields').toBeNull();
      // the kernels that read (or write) op: 16 N bytes of it in the general form, 4 (N + 1) in the uniform one
      const N = makeLayout(s2).N;
      for (const k of ['phaseImexOp', 'cgInit', 'cgMatvec', 'cgUpdate', 'cgUpdate.start'])
        expect(loop.faces.bytes.get(k)! - loop.uniform.bytes.get(k)!, k).toBe(16 * N - 4 * (N + 1));
      expect(loop.uniform.bytes.get('cgStart')).toBe(loop.faces.bytes.get('cgStart'));

      const s3 = host(3);
      const [a, b] = [await webgpuForm(s3, 'faces'), await webgpuForm(s3, 'uniform')];
      try {
        const [A, B] = await lockstep(s3, a, b, 4, 2e-3);
        expect(B.ph.map((p) => p.iterations)).toEqual(A.ph.map((p) => p.iterations));
        expect(B.ph.every((p) => p.iterations > 0)).toBe(true);
        expect(firstDifference(A.fields, B.fields), 'stage by stage: the fields').toBeNull();
      } finally {
        await a.dispose();
        await b.dispose();
      }
    });
  },
);
