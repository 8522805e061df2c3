/**
 * Reliability of the mechanics stage (docs/mechanics.md, docs/reliability.md): a displacement
 * solve that does not converge rolls back and retries like the potential's; checkpoints carry
 * the displacement, and a run stopped early and resumed writes the same fields, bit for bit, as
 * an uninterrupted one (CPU backend); the stress outputs are in the VTI.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CpuBackend } from '../../src/backends/cpu/backend.ts';
import { makeBCs, makeLayout } from '../../src/backends/layout.ts';
import { readCheckpoint } from '../../src/io/checkpoint.ts';
import { decodeVti } from '../../src/io/vti.ts';
import { coefficients } from '../../src/model/derived.ts';
import { parseScenario } from '../../src/model/scenario.ts';
import { Simulation } from '../../src/solver/simulation.ts';
import { bitDiffs, cli, FaultyBackend, scenarioFile, smallScenario, tmp } from './helpers.ts';

const MECH = { electrolyte: { G: '1 GPa', nu: 0.4 }, eigenstrain: 0.002, stackPressure: '1 MPa' };
const mechScenario = (over: Record<string, unknown> = {}) =>
  smallScenario({ initial: { layer: '3 um', nuclei: [{ center: ['3 um', '2 um'], radius: '1 um' }] }, mechanics: MECH, ...over });

describe('mechanics: rollback and exact resume', () => {
  it('a mechanics solve that does not converge rolls back and retries with the step halved', async () => {
    const s = parseScenario(mechScenario({ time: { end: '0.004 s', output: '0.004 s' }, numerics: { dtMax: 2e-4 } }));
    const b = new FaultyBackend(new CpuBackend(makeLayout(s), coefficients(s), makeBCs(s), { threads: 1 }), null);
    b.failMechanics = { atStep: 1, times: 1 };
    try {
      const sim = new Simulation(s, b);
      await sim.runTo(0.004);
      expect(b.mechanicsFailures).toBe(1);
      expect(sim.events).toHaveLength(1);
      expect(sim.events[0].reason).toMatch(/mechanics solver did not converge in step 1 .*relative residual 5\.00e-1/);
      expect(sim.events[0].dtRetry).toBeGreaterThan(0);
      expect(sim.time).toBeCloseTo(0.004, 14);
      const m = await sim.metrics();
      expect(m.mechanics_iters).toBeGreaterThanOrEqual(0);
      console.log(
        `mechanics rollback: ${sim.events[0].reason.slice(0, 90)}…; rolled back to step ${sim.events[0].rolledBackTo.step}, dt halved to ${sim.events[0].dtRetry.toExponential(2)} s`,
      );
    } finally {
      await b.dispose();
    }
  });

  it('checkpoints carry the displacement; stop at 0.01 s (an output time, where both runs land) and resume = uninterrupted run, bit for bit', async () => {
    // re-solving every step makes the --until checkpoint an exact restart point (otherwise it is
    // forced there and the extension has one solve more than a straight run, src/cli/run-loop.ts);
    // the resumed run's first displacement solve then warm-starts from the checkpointed u
    const file = scenarioFile(mechScenario({ time: { end: '0.02 s', output: '0.01 s' }, numerics: { resolveMaxSteps: 1 } }));
    const ARGS = ['--backend', 'cpu', '--threads', '1', '--quiet'];
    const ref = join(tmp('mref'), 'run');
    const r1 = await cli(['run', file, '--out', ref, ...ARGS]);
    expect(r1.code, r1.err).toBe(0);
    const cut = join(tmp('mcut'), 'run');
    const r2 = await cli(['run', file, '--out', cut, '--until', '0.01', ...ARGS]);
    expect(r2.code, r2.err).toBe(0);
    const ck = readCheckpoint(cut);
    expect(ck.state.atSolvePoint).toBe(true);
    expect(Object.keys(ck.fields)).toEqual(expect.arrayContaining(['ux', 'uy']));
    const uMax = Math.max(...ck.fields.ux!.map(Math.abs));
    expect(uMax).toBeGreaterThan(0);
    const r3 = await cli(['resume', cut, '--until', '0.02', ...ARGS]);
    expect(r3.code, r3.err).toBe(0);
    const last = (dir: string) => {
      const names = readdirSync(join(dir, 'fields'))
        .filter((n) => n.endsWith('.vti'))
        .sort();
      return decodeVti(readFileSync(join(dir, 'fields', names.at(-1)!)));
    };
    const a = last(ref),
      b = last(cut);
    const names = ['xi', 'c', 'phi', 'ux', 'uy', 'sigma_h', 'sigma_vm'];
    let diffs = 0;
    for (const n of names) {
      const fa = a.fields[n],
        fb = b.fields[n];
      expect(fa, `${n} in the VTI`).toBeDefined();
      diffs += bitDiffs(fa, fb);
    }
    const vm = Math.max(...a.fields.sigma_vm);
    console.log(
      `mechanics resume from step ${ck.state.step} (t = ${ck.state.time} s): ${diffs} differing values in ${names.join(', ')}; max |u_x| at the checkpoint ${uMax.toExponential(3)} µm, max σ_vm ${vm.toFixed(2)} MPa`,
    );
    expect(diffs).toBe(0);
  });
});
