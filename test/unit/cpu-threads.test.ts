/**
 * The threaded CPU backend (worker_threads over shared memory) must give the same bits as the
 * serial one: every kernel writes only its own rows and every sum is per-row partials added in
 * a fixed order on the main thread. A coupled 2D and 3D scenario (anisotropy, noise, nuclei,
 * no-flux and periodic sides) runs 20 steps serially and with 2 and 3 threads, with every task
 * split between threads (minParallelCells = 1, coarse multigrid levels included) and with the
 * default serial threshold; fields and metrics must agree bit for bit. Both phase stages
 * (numerics.phase explicit and imex: the IMEX kernels, its MG-PCG and the transport's implicit
 * c̃ coupling).
 */
import { describe, expect, it } from 'vitest';
import { CpuBackend, type CpuOptions } from '../../src/backends/cpu/backend.ts';
import { createBackend } from '../../src/backends/create.ts';
import { makeBCs, makeLayout } from '../../src/backends/layout.ts';
import { coefficients } from '../../src/model/derived.ts';
import { parseScenario, type Scenario } from '../../src/model/scenario.ts';
import { Simulation } from '../../src/solver/simulation.ts';
import type { Backend } from '../../src/backends/backend.ts';

const STEPS = 20;

function scenario(dims: 2 | 3, phase: 'explicit' | 'imex' = 'imex'): Scenario {
  return parseScenario({
    numerics: { phase },
    name: `threads-${dims}d`,
    grid: dims === 2 ? { dims: 2, n: [96, 48], dx: 2.5e-7 } : { dims: 3, n: [24, 24, 24], dx: 2.5e-7 },
    time: { end: 1, output: 1 },
    voltage: -0.25,
    anisotropy: { delta: dims === 2 ? 0.04 : 0.03, omega: 4 },
    boundary: { lateral: dims === 2 ? 'noflux' : 'periodic' },
    initial: {
      layer: 1.5e-6,
      nuclei: dims === 2 ? [{ center: [1.5e-6, 6e-6], radius: 1e-6 }] : [{ center: [1.5e-6, 3e-6, 3e-6], radius: 1e-6 }],
    },
    noise: { amplitude: 0.05, seed: 7 },
  });
}

interface Outcome {
  fields: Record<string, Float64Array>;
  metrics: Record<string, number>;
  stats: ReturnType<CpuBackend['threadStats']>;
}

async function run(s: Scenario, backend: Backend): Promise<Outcome> {
  try {
    const sim = new Simulation(s, backend);
    for (let i = 0; i < STEPS; i++) await sim.advance();
    const f = await backend.read();
    const metrics = await sim.metrics();
    const stats = backend instanceof CpuBackend ? backend.threadStats() : null;
    return { fields: { xi: f.xi, c: f.c, psi: f.psi, xidot: f.xidot }, metrics, stats };
  } finally {
    await backend.dispose();
  }
}

function cpu(s: Scenario, opts: CpuOptions): CpuBackend {
  return new CpuBackend(makeLayout(s), coefficients(s), makeBCs(s), opts);
}

/** Indices where the two arrays differ in any bit (so −0 ≠ +0, and NaN = NaN only with the same payload). */
function bitDiffs(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  const ua = new BigUint64Array(a.slice().buffer),
    ub = new BigUint64Array(b.slice().buffer);
  let n = 0;
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) n++;
  return n;
}

function expectIdentical(ref: Outcome, got: Outcome, label: string): void {
  for (const name of Object.keys(ref.fields)) {
    expect(bitDiffs(ref.fields[name], got.fields[name]), `${label}: ${name} differs`).toBe(0);
  }
  for (const key of Object.keys(ref.metrics)) {
    expect(Object.is(ref.metrics[key], got.metrics[key]), `${label}: metric ${key}: ${ref.metrics[key]} vs ${got.metrics[key]}`).toBe(true);
  }
}

describe('CPU backend threads', () => {
  for (const dims of [2, 3] as const)
    for (const phase of ['explicit', 'imex'] as const) {
      it(`${dims}D coupled run, ${phase} phase stage: threads = 2 and 3 give the serial bits`, async () => {
        const s = scenario(dims, phase);
        const serial = await run(s, cpu(s, { threads: 1 }));
        expect(serial.stats).toBeNull();
        // sanity: the scenario does something (the front moves, the solvers iterate)
        expect(serial.metrics.step).toBe(STEPS);
        expect(serial.metrics.transport_iters).toBeGreaterThan(0);
        expect(serial.fields.xidot.some((v) => v !== 0)).toBe(true);

        for (const threads of [2, 3]) {
          // every task split between threads, coarse levels included
          const all = await run(s, cpu(s, { threads, minParallelCells: 1 }));
          expect(all.stats!.workerChunks, 'workers ran part of the work').toBeGreaterThan(0);
          expectIdentical(serial, all, `${dims}D threads ${threads}, all parallel`);
          // the default threshold: large tasks split, coarse levels serial
          const mixed = await run(s, cpu(s, { threads, minParallelCells: 2000 }));
          expectIdentical(serial, mixed, `${dims}D threads ${threads}, mixed`);
        }
        // through createBackend (the CLI path)
        const { backend } = await createBackend('cpu', s, { threads: 2 });
        expect(backend.device).toContain('2 threads');
        expectIdentical(serial, await run(s, backend), `${dims}D createBackend threads 2`);
      });
    }

  it('serial mode stays on the calling thread; dispose() is safe to repeat', async () => {
    const s = scenario(2);
    const b = cpu(s, { threads: 1 });
    expect(b.device).toContain('serial');
    await b.dispose();
    await b.dispose();
    const p = cpu(s, { threads: 2 });
    await p.dispose();
    await p.dispose();
  });
});
