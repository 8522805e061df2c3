/**
 * Instability handling: a NaN or out-of-range value, or a solver that fails, is caught within one
 * check interval; the run rolls back to the last good state and retries with the step halved
 * (visible in Simulation.events / the manifest), and after numerics.maxRetries stops with a
 * SolverError naming the field, the cell (i, j, k), its centre in µm and the step.
 */
import { describe, expect, it, vi } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.ts';
import { CpuBackend } from '../../src/backends/cpu/backend.ts';
import { makeBCs, makeLayout } from '../../src/backends/layout.ts';
import { coefficients } from '../../src/model/derived.ts';
import { initialFields } from '../../src/model/initial.ts';
import { parseScenario, type Scenario } from '../../src/model/scenario.ts';
import { readCheckpoint } from '../../src/io/checkpoint.ts';
import { Simulation, SolverError } from '../../src/solver/simulation.ts';
import { bitDiffs, FaultyBackend, scenarioFile, smallScenario, tmp, type FaultPlan } from './helpers.ts';

// dtMax 2e-4 s gives ~100 steps in 0.02 s, so the faults below (at steps 3…90) are reached
// whatever the dt policy would otherwise choose (the implicit transport allows ~4e-3 s here).
function scenario(numerics: Record<string, unknown> = {}): Scenario {
  return parseScenario(smallScenario({ time: { end: '0.02 s', output: '0.01 s' }, numerics: { dtMax: 2e-4, ...numerics } }));
}

const cpu = (s: Scenario) => new CpuBackend(makeLayout(s), coefficients(s), makeBCs(s), { threads: 1 });

async function withSim<T>(
  s: Scenario,
  plan: FaultPlan | null,
  fn: (sim: Simulation, b: FaultyBackend) => Promise<T>,
  failPotential: { atStep: number; times: number } | null = null,
): Promise<T> {
  const b = new FaultyBackend(cpu(s), plan, failPotential);
  try {
    return await fn(new Simulation(s, b), b);
  } finally {
    await b.dispose();
  }
}

// cell 5 + 48·3 → (i, j, k) = (5, 3, 0), centre (1.375, 0.875, 0) µm at dx = 0.25 µm
const CELL = 5 + 48 * 3;

describe('instability: detection, rollback, retry', () => {
  it('a NaN injected once into ξ is caught at the next check; the run rolls back, halves dt and goes on', async () => {
    const s = scenario();
    await withSim(s, { atStep: 20, field: 'xi', index: CELL, value: NaN, times: 1 }, async (sim, b) => {
      await sim.runTo(0.02);
      expect(b.injected).toBe(1);
      expect(sim.retries).toBe(1);
      expect(sim.events).toHaveLength(1);
      const e = sim.events[0];
      expect(e.step).toBe(20);
      expect(e.rolledBackTo.step).toBe(19);
      expect(e.attempt).toBe(1);
      expect(e.reason).toMatch(
        /instability after step 20 \(t = [\d.e-]+ s\): field xi \(ξ\) = NaN \(not finite\) at cell \(i, j, k\) = \(5, 3, 0\), \(x, y, z\) = \(1\.375, 0\.875, 0\) µm/,
      );
      expect(sim.time).toBeCloseTo(0.02, 14);
      const m = await sim.metrics();
      expect(m.xi_min).toBeGreaterThanOrEqual(-0.5);
      expect(Number.isFinite(m.li_total_mol_per_m)).toBe(true);
    });
  });

  it('a NaN that comes back on every retry stops the run after maxRetries with a SolverError naming field, cell and step', async () => {
    const s = scenario();
    await withSim(s, { atStep: 20, field: 'xi', index: CELL, value: NaN, times: Infinity }, async (sim, b) => {
      const err = await sim.runTo(0.02).then(
        () => null,
        (e) => e,
      );
      expect(err).toBeInstanceOf(SolverError);
      const se = err as SolverError;
      expect(se.message).toMatch(
        /field xi \(ξ\) = NaN \(not finite\) at cell \(i, j, k\) = \(5, 3, 0\), \(x, y, z\) = \(1\.375, 0\.875, 0\) µm/,
      );
      expect(se.message).toMatch(/after step 20 /);
      expect(se.message).toMatch(/still failing after 3 retries with the step halved/);
      expect(se.step).toBe(20);
      expect(se.details).toMatchObject({ field: 'xi', cell: [5, 3, 0], position: [1.375, 0.875, 0], retries: 3, retryable: false });
      expect(b.injected).toBe(4);
      expect(sim.events.map((e) => e.attempt)).toEqual([1, 2, 3]);
      // each retry halves the first step of the interval again
      expect(sim.events[1].dtRetry).toBe(sim.events[0].dtRetry / 2);
      expect(sim.events[2].dtRetry).toBe(sim.events[1].dtRetry / 2);
      for (const e of sim.events) expect(e.rolledBackTo.step).toBe(19);
    });
  });

  it('c̃ below −1e-9 (which the limiter should make impossible) is caught and located', async () => {
    const s = scenario({ maxRetries: 1 });
    await withSim(s, { atStep: 7, field: 'c', index: 47 + 48 * 15, value: -1e-3, times: Infinity }, async (sim) => {
      const err = (await sim.runTo(0.02).then(
        () => null,
        (e) => e,
      )) as SolverError;
      expect(err).toBeInstanceOf(SolverError);
      expect(err.message).toMatch(
        /field c \(c̃ = c\/c0\) = -0\.001 \(below -1e-9\) at cell \(i, j, k\) = \(47, 15, 0\), \(x, y, z\) = \(11\.875, 3\.875, 0\) µm/,
      );
      expect(err.message).toMatch(/after 1 retry /);
      expect(sim.events).toHaveLength(1);
    });
  });

  it('ξ outside [−0.5, 1.5] is an instability too', async () => {
    const s = scenario({ maxRetries: 0 });
    await withSim(s, { atStep: 3, field: 'xi', index: 0, value: 2, times: Infinity }, async (sim) => {
      const err = (await sim.runTo(0.02).then(
        () => null,
        (e) => e,
      )) as SolverError;
      expect(err.message).toMatch(/field xi \(ξ\) = 2 \(outside \[-0\.5, 1\.5\]\) at cell \(i, j, k\) = \(0, 0, 0\)/);
      expect(err.details.retries).toBe(0);
    });
  });

  it('a potential solve that does not converge triggers the same rollback and retry', async () => {
    const s = scenario();
    await withSim(
      s,
      null,
      async (sim, b) => {
        await sim.runTo(0.02);
        expect(b.potentialFailures).toBe(1);
        expect(sim.events).toHaveLength(1);
        expect(sim.events[0].reason).toMatch(/potential solver did not converge in step 1 .*relative residual 5\.00e-1/);
        expect(sim.events[0].rolledBackTo.step).toBe(0);
        expect(sim.time).toBeCloseTo(0.02, 14);
      },
      { atStep: 1, times: 1 },
    );
  });

  it('a solve that fails the same way from the same state stops the run after one retry: a smaller step cannot help', async () => {
    const s = scenario({ maxRetries: 2 });
    await withSim(
      s,
      null,
      async (sim, b) => {
        const err = (await sim.runTo(0.02).then(
          () => null,
          (e) => e,
        )) as SolverError;
        expect(err).toBeInstanceOf(SolverError);
        expect(err.message).toMatch(
          /potential solver did not converge in step 1 .*a smaller step cannot help: the retry from the same state failed in exactly the same way/,
        );
        expect(err.details.retries).toBe(1);
        expect(b.potentialFailures).toBe(2);
      },
      { atStep: 1, times: Infinity },
    );
  });

  it('with numerics.checkEvery = 5 a fault is caught within 5 steps and the rollback goes to the last check', async () => {
    const s = scenario({ checkEvery: 5 });
    await withSim(s, { atStep: 22, field: 'xi', index: CELL, value: Infinity, times: 1 }, async (sim) => {
      expect(sim.checkEvery).toBe(5);
      await sim.runTo(0.02);
      expect(sim.events).toHaveLength(1);
      const e = sim.events[0];
      // caught by the next check, or earlier by the every-step test of max |∂ξ/∂t|
      expect(e.step).toBeGreaterThanOrEqual(22);
      expect(e.step).toBeLessThanOrEqual(25);
      // back to the copy taken at the last check (every 5 steps), before the fault
      expect(e.rolledBackTo.step).toBe(20);
      expect(e.reason).toMatch(/field xi \(ξ\) = (Infinity|NaN) \(not finite\) at cell \(i, j, k\) = \(\d+, \d+, 0\)/);
    });
  });

  it('NaN in the initial fields (through backend.init) is refused at start, located', async () => {
    const s = scenario();
    const f = initialFields(s);
    f.xi[CELL] = NaN;
    await withSim(s, null, async (sim) => {
      const err = (await sim.start(f).then(
        () => null,
        (e) => e,
      )) as SolverError;
      expect(err).toBeInstanceOf(SolverError);
      expect(err.message).toMatch(/^initial fields: field xi \(ξ\) = NaN \(not finite\) at cell \(i, j, k\) = \(5, 3, 0\)/);
    });
  });

  it('checks and rollback copies do not change a healthy run (bitwise), and their cost is small', async () => {
    const s1 = scenario();
    const sNo = scenario({ checkEvery: 1_000_000 });
    const run = async (s: Scenario) =>
      withSim(s, null, async (sim, b) => {
        await sim.start();
        const t0 = performance.now();
        await sim.runTo(0.02);
        const ms = performance.now() - t0;
        return { f: await b.read(), m: await sim.metrics(), ms, steps: sim.step };
      });
    const a = await run(s1),
      c = await run(sNo);
    for (const k of ['xi', 'c', 'psi', 'xidot'] as const) expect(bitDiffs(a.f[k], c.f[k]), k).toBe(0);
    expect(a.m).toEqual(c.m);
    console.log(
      `48x16, ${a.steps} steps: ${(a.ms / a.steps).toFixed(3)} ms/step with a check + copy every step, ${(c.ms / c.steps).toFixed(3)} ms/step without`,
    );
  });
});

describe('a failing run through the CLI keeps its outputs and its last checkpoint', () => {
  it('exit 3, manifest failed with the located reason and the retry count; resume from the kept checkpoint is exact', async () => {
    const file = scenarioFile(smallScenario({ numerics: { dtMax: 2e-4 } }));
    const args = (dir: string) => ['--out', dir, '--backend', 'cpu', '--threads', '1', '--until', '0.04', '--quiet'];
    const lines: string[] = [];
    const cap = (...a: unknown[]) => {
      lines.push(a.map(String).join(' '));
    };
    vi.spyOn(console, 'error').mockImplementation(cap);
    vi.spyOn(console, 'warn').mockImplementation(cap);
    vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const bad = join(tmp('fail'), 'run');
      const code = await runCli(['run', file, ...args(bad)], {
        wrapBackend: (b) => new FaultyBackend(b, { atStep: 150, field: 'xi', index: 100, value: NaN, times: Infinity }),
      });
      expect(code, lines.join('\n')).toBe(3);
      expect(lines.filter((l) => /rolled back to step 149/.test(l))).toHaveLength(3);
      const man = JSON.parse(readFileSync(join(bad, 'manifest.json'), 'utf8'));
      expect(man.status.state).toBe('failed');
      expect(man.status.reason).toMatch(
        /field xi \(ξ\) = NaN \(not finite\) at cell \(i, j, k\) = \(4, 2, 0\), \(x, y, z\) = \(1\.125, 0\.625, 0\) µm/,
      );
      expect(man.status.reason).toMatch(/after step 150 /);
      expect(man.retries).toBe(3);
      // outputs before the failure are all there, and so is the last checkpoint
      expect(man.outputs.length).toBeGreaterThanOrEqual(2);
      for (const o of man.outputs) for (const f of o.files) expect(existsSync(join(bad, f)), f).toBe(true);
      const ck = readCheckpoint(bad);
      expect(ck.state.step).toBeLessThan(150);

      // the kept checkpoint continues exactly like a run that never saw the fault
      expect(await runCli(['resume', bad, '--backend', 'cpu', '--threads', '1', '--until', '0.04', '--quiet'], {}), lines.join('\n')).toBe(
        0,
      );
      const good = join(tmp('clean'), 'run');
      expect(await runCli(['run', file, ...args(good)], {})).toBe(0);
      const last = (d: string) => readFileSync(join(d, 'fields', 'fields_0002.vti'));
      expect(last(bad).equals(last(good))).toBe(true);
      expect(readFileSync(join(bad, 'metrics.csv'), 'utf8')).toBe(readFileSync(join(good, 'metrics.csv'), 'utf8'));
    } finally {
      vi.restoreAllMocks();
    }
  });
});
