/**
 * The IMEX phase solves' preconditioner (numerics.phasePreconditioner, Coefficients.imex.precond)
 * on a browser backend: with each choice forced, the backend's phase solves take the f64 CPU
 * reference's iteration counts (±1: f32 rounding) and its ξ stays within the conformance bound.
 * The counts tell the two preconditioners apart (checked on the reference), so a backend that
 * ignored the choice fails. Two grids: the base 2D case (a V-cycle of three levels) and one of
 * ≤ 128 cells, where the V-cycle is the exact coarsest solve (one iteration) while "jacobi" still
 * takes its two sweeps, with only the fine diagonal set up.
 */
import { expect } from 'vitest';
import { makeBCs, makeLayout } from '../../src/backends/layout.ts';
import { coefficients } from '../../src/model/derived.ts';
import { initialProps } from '../../src/model/initial.ts';
import { parseScenario, type ScenarioInput } from '../../src/model/scenario.ts';
import { CASES, errors, fmt, lockstep, reference, TOL, type Subject } from '../conformance/body.ts';

const STEPS = 4;
const DT = 2e-3;

/** The base 2D case and a 12×10 one (120 cells: a single multigrid level). */
const GRIDS: { label: string; input: ScenarioInput }[] = [
  { label: '2D 64×32', input: CASES[0].input },
  {
    label: '2D 12×10 (one level)',
    input: {
      ...CASES[0].input,
      name: 'imex-precond-one-level',
      grid: { dims: 2, n: [12, 10], dx: '0.5 um' },
      initial: { layer: '2 um', nuclei: [{ center: ['3 um', '2 um'], radius: '1 um' }] },
      // the potential's f32 coarsest factor at the full contrast 8.4e6 leaves |Δξ| ~4e-5 on this
      // grid (either preconditioner); capped, as the 3D cases are, the errors are the usual 1e-7
      numerics: { ...CASES[0].input.numerics, sigmaContrastCap: 1e4 },
    },
  },
];

export async function imexPreconditionerChoice(subject: Subject): Promise<void> {
  for (const g of GRIDS) {
    const counts: Record<string, number[]> = {};
    for (const precond of ['multigrid', 'jacobi'] as const) {
      const input = { ...g.input, numerics: { ...g.input.numerics, phase: 'imex', phasePreconditioner: precond } } as ScenarioInput;
      const s = parseScenario(input);
      const L = makeLayout(s),
        k = coefficients(s),
        bc = makeBCs(s);
      expect(k.imex?.precond, `${g.label}: the coefficients carry the forced choice`).toBe(precond);
      const props = initialProps(s);
      const ref = reference(L, k, bc, props);
      const sub = await subject.make(L, k, bc, props);
      try {
        const [a, b] = await lockstep(s, ref, sub, STEPS, DT);
        const ia = a.ph.map((p) => p.iterations),
          ib = b.ph.map((p) => p.iterations);
        const eXi = errors(b.fields.xi, a.fields.xi);
        console.log(
          `[${subject.name}] ${g.label} IMEX phase ${precond}: iterations reference ${ia.join(',')}, ${subject.name} ${ib.join(',')}; ξ max ${fmt(eXi.max)}`,
        );
        expect(ib.length).toBe(STEPS);
        for (const [i, n] of ib.entries())
          expect(Math.abs(n - ia[i]), `${g.label} ${precond} step ${i}: ${n} vs ${ia[i]}`).toBeLessThanOrEqual(1);
        expect(eXi.max).toBeLessThan(TOL.xiMax);
        counts[precond] = ia;
      } finally {
        await ref.dispose();
        await sub.dispose();
      }
    }
    // the check above can only see the choice if the two preconditioners' counts differ by more than ±1
    expect(Math.min(...counts.jacobi), `${g.label}: jacobi needs more iterations than the V-cycle`).toBeGreaterThan(
      Math.max(...counts.multigrid) + 2,
    );
  }
}
