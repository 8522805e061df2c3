/**
 * Switch checks the shared CASES of test/conformance/body.ts do not cover yet, run on the browser
 * backends with the same body and tolerances:
 * - PERIODIC_CASE: periodic lateral faces on an odd 3D grid;
 * - voltageStep(): Backend.setVoltage (src/solver/control.ts) between steps — both backends run two
 *   coupled steps at −450 mV, switch the collector to −300 mV, re-solve the potential and run
 *   two more; ψ (which carries the new Dirichlet value into the metal), ξ and c̃ are compared.
 */
import { expect } from 'vitest';
import { makeBCs, makeLayout } from '../../src/backends/layout.ts';
import { coefficients } from '../../src/model/derived.ts';
import { initialFields, initialProps } from '../../src/model/initial.ts';
import { parseScenario } from '../../src/model/scenario.ts';
import { CASES, errors, fmt, maxAbs, reference, TOL, type Case, type Subject } from '../conformance/body.ts';

/**
 * Periodic lateral faces on an odd 3D grid (12×10×7: the atlas has an unused tile, the multigrid
 * levels have odd sizes and wrap): the periodic paths of the ghosts, the operator, the Galerkin
 * coarsening and the reductions, which the shared CASES (all no-flux laterally) do not reach.
 */
export const PERIODIC_CASE: Case = {
  label: '3D 12×10×7, periodic lateral faces, contrast capped at 1e4',
  steps: 10,
  // inside the policy: maxDxiPerStep/max rate is 2.9e-3 s on this state with the (default) IMEX stage
  dt: 2.5e-3,
  input: {
    ...CASES[1].input,
    name: 'conformance-periodic',
    grid: { dims: 3, n: [12, 10, 7], dx: '0.5 um' },
    boundary: { lateral: 'periodic' },
  } as Case['input'],
};

export async function voltageStep(subject: Subject): Promise<void> {
  const s = parseScenario(CASES[0].input);
  const L = makeLayout(s),
    k = coefficients(s),
    bc = makeBCs(s);
  const props = initialProps(s);
  const ref = reference(L, k, bc, props);
  const sub = await subject.make(L, k, bc, props);
  try {
    const out = [];
    for (const b of [ref, sub]) {
      await b.init(initialFields(s));
      let step = 0;
      for (const volts of [-0.45, -0.3]) {
        await b.setVoltage(volts);
        const p = await b.potential(s.numerics.potentialTol, s.numerics.potentialMaxIter);
        expect(p.converged, `${b.name} potential at ${volts} V`).toBe(true);
        for (let i = 0; i < 2; i++, step++) {
          await b.phase(2e-3, step);
          const t = await b.transport(2e-3, s.numerics.transportTol, 200);
          expect(t.converged, `${b.name} transport`).toBe(true);
        }
      }
      out.push(await b.read());
    }
    const ePsi = errors(out[1].psi, out[0].psi),
      eXi = errors(out[1].xi, out[0].xi),
      eC = errors(out[1].c, out[0].c);
    const cScale = maxAbs(out[0].c);
    // the collector cell's ψ follows the new Dirichlet value: f·(−0.3 V) ≈ −11.6
    console.log(
      `[${subject.name}] setVoltage −450 → −300 mV: ψ(collector) ${out[1].psi[0].toFixed(4)} (reference ${out[0].psi[0].toFixed(4)}), ψ max ${fmt(ePsi.max)}, ξ max ${fmt(eXi.max)}, c̃ max ${fmt(eC.max)}`,
    );
    expect(out[0].psi[0]).toBeCloseTo(k.f * -0.3, 2);
    expect(ePsi.max).toBeLessThan(TOL.psiMax);
    expect(eXi.max).toBeLessThan(TOL.xiMax);
    expect(eC.max).toBeLessThan(TOL.cMax * cScale);
  } finally {
    await ref.dispose();
    await sub.dispose();
  }
}
