/**
 * The IMEX phase stage in the coupled model (docs/imex-phase.md), against the explicit stage at a
 * small step: the quasi-1D Hong front (noise off) and a reduced default case (a nucleus on a
 * layer, noise on, δ = 0.04), each run three times on the CPU (src/analysis/scheme-compare.ts):
 * the reference (explicit, dt ≤ 1 ms), the explicit stage at its default step (dx² bound,
 * 3.8–6.7 ms) and the IMEX stage at its default step (the policy: maxDxiPerStep, the reaction,
 * dtMax). The full-size comparison is `npm run bench -- imex` (README "Benchmarks").
 *
 * What is compared, at the last output: the advance of the mean front (metal volume per width),
 * the deposit (metal grown), and the advance of the tip (the farthest ξ = ½ crossing).
 * Tolerances:
 * - front and deposit within 0.5 % of the reference's advance, at every output (measured: IMEX
 *   0.08 % and 0.20 %, explicit 0.10–0.15 % and 0.37 %); a phase stage 2 % slow (one sweep at
 *   δ = 0.04 and a 10 ms step, section 5 of the doc) or a lagged c̃ (the period-2 limit cycle of
 *   section 2) fails it.
 * - the tip: its height depends on the density of the grown metal behind the front (ξ ≈ 0.86–0.94),
 *   which converges slowly in dt in both stages (0.94 at the explicit default step, 0.89 at 1 ms,
 *   0.865 at 0.25 ms in the quasi-1D front); the IMEX tip must be within 5 % of the reference's
 *   advance and no further from it than the explicit stage's plus 1 % (measured: IMEX −2.3 % and
 *   +1.6 %, explicit −5.3 % and −2.5 %).
 * - steps: the quasi-1D front takes ≥ 3× fewer steps with IMEX (measured 3.55× over 2 s, the first
 *   0.1 s being the ramp from dtInitial; 4.4× over 3 s).
 */
import { describe, expect, it } from 'vitest';
import { compareSchemes, formatComparison, type SchemeComparison } from '../../src/analysis/scheme-compare.ts';
import { timer } from './helpers.ts';

const noOutput = { vti: false, png: false };

function check(c: SchemeComparison, tipSlack = 0.01): void {
  expect(c.reference).not.toBeNull();
  for (const d of [c.imexDiff, c.explicitDiff!]) {
    expect(d.maxFrontRel).toBeLessThan(0.005);
    expect(d.maxDepositRel).toBeLessThan(0.005);
  }
  expect(Math.abs(c.imexDiff.tipRel)).toBeLessThan(0.05);
  expect(Math.abs(c.imexDiff.tipRel)).toBeLessThanOrEqual(Math.abs(c.explicitDiff!.tipRel) + tipSlack);
  expect(c.imex.retries + c.explicit.retries + c.reference!.retries).toBe(0);
}

describe('IMEX phase stage in the coupled model, against the explicit stage at a small step', () => {
  it('quasi-1D Hong front (320×4, dx = 0.25 µm, −0.45 V, noise off, 2 s)', async () => {
    const t = timer();
    const c = await compareSchemes({
      name: 'front-q1d',
      grid: { dims: 2, n: [320, 4], dx: '0.25 um' },
      time: { end: '2 s', output: '0.5 s' },
      voltage: '-0.45 V',
      anisotropy: { delta: 0 },
      initial: { layer: '20 um' },
      noise: { amplitude: 0, seed: 1 },
      output: noOutput,
    });
    console.log(`${formatComparison(c)}\nruntime ${t()}`);
    check(c);
    expect(c.stepRatio).toBeGreaterThanOrEqual(3);
  });

  it('reduced default case (96×40, periodic, one nucleus, δ = 0.04, noise on, 0.5 s)', async () => {
    const t = timer();
    const c = await compareSchemes({
      name: 'default-reduced',
      grid: { dims: 2, n: [96, 40], dx: '0.25 um' },
      time: { end: '0.5 s', output: '0.25 s' },
      voltage: '-0.45 V',
      anisotropy: { delta: 0.04 },
      boundary: { lateral: 'periodic' },
      initial: { layer: '3 um', nuclei: [{ center: ['3 um', '5 um'], radius: '1.5 um' }] },
      noise: { amplitude: 0.04, seed: 1 },
      output: noOutput,
    });
    console.log(`${formatComparison(c)}\nruntime ${t()}`);
    check(c);
    // a strongly driven tip (~7 µm/s): the accuracy rule, not the dx² bound, sets the IMEX step
    expect(c.imex.steps).toBeLessThan(c.explicit.steps);
  });
});
