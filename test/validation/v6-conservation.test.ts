/**
 * V6 (model.md §5): lithium and charge conservation over a full coupled run.
 *  - d/dt ∫(c0 c̃ + c_s ξ) dV = ions entering through the boundary: the total lithium at the
 *    end minus the start equals the accumulated boundary influx. Equation (2) conserves exactly
 *    c0c̃ + c_sξ (c̃ counts everywhere); the limiter moves amounts between the two terms without
 *    changing the sum, so the only error is the transport solver's residual (tol 1e-9).
 *  - the Faradaic source ∫β ξ̇ dV equals the current through the counter electrode minus the
 *    current through the collector, to the potential solver's tolerance. The tolerance is
 *    relative to ‖b‖, which at full contrast is dominated by the collector's Dirichlet rows
 *    (2σ̂_s|ψ_V| ≈ 3e8 per row), so the balance is checked (a) at full contrast with a tight
 *    tolerance (1e-14; the f64 round-off floor in the metal, σ̂_s·ε·|ψ| per cell, is ~1e-15 of ‖b‖)
 *    and (b) with the documented contrast cap 1e4 at the default tolerance.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/model/scenario.ts';
import { createBackend } from '../../src/backends/create.ts';
import { Simulation } from '../../src/solver/simulation.ts';
import { coefficients } from '../../src/model/derived.ts';

function scenario(dims: 2 | 3) {
  return parseScenario(rawScenario(dims));
}

function rawScenario(dims: 2 | 3) {
  return {
    name: `v6-${dims}d`,
    grid: dims === 2 ? { dims, n: [96, 48], dx: '0.25 um' } : { dims, n: [32, 16, 16], dx: '0.25 um' },
    time: { end: 1, output: 1 },
    voltage: '-0.45 V',
    anisotropy: { delta: 0.04 },
    boundary: { lateral: 'periodic' },
    initial: { layer: '3 um', nuclei: [{ center: dims === 2 ? ['3 um', '6 um'] : ['3 um', '2 um', '2 um'], radius: '1.5 um' }] },
    noise: { amplitude: 0.04, seed: 5 },
  };
}

describe('V6 conservation (coupled run, CPU)', () => {
  for (const dims of [2, 3] as const) {
    it(`${dims}D: total lithium changes only by the boundary influx; charge balances`, async () => {
      const s = scenario(dims);
      const { backend } = await createBackend('cpu', s);
      const sim = new Simulation(s, backend);
      await sim.start();
      const m0 = await sim.metrics();
      await sim.runTo(dims === 2 ? 0.4 : 0.08);
      const m1 = await sim.metrics();
      const u = dims === 2 ? 'mol_per_m' : 'mol';
      const dLi = m1[`li_total_${u}`] - m0[`li_total_${u}`];
      const influx = m1[`li_influx_${u}`];
      const deposited = m1[`li_metal_${u}`] - m0[`li_metal_${u}`];
      const err = Math.abs(dLi - influx) / Math.abs(deposited);
      console.log(
        `V6 ${dims}D: steps ${sim.step}, ΔLi_total = ${dLi.toExponential(6)}, boundary influx = ${influx.toExponential(6)}, deposited = ${deposited.toExponential(4)}, limiter returned ${m1[`limited_${u}`].toExponential(3)}, relative error ${err.toExponential(2)}`,
      );
      expect(deposited).toBeGreaterThan(0);
      expect(m1[`limited_${u}`]).toBeGreaterThanOrEqual(0);
      // per-step residual 1e-9 relative over a few hundred steps: ≤ 1e-6 of the deposit
      expect(err).toBeLessThan(1e-6);
      expect(m1.c_min).toBeGreaterThanOrEqual(0);

      const pot = await backend.potential(1e-14, 1000);
      const balance = Math.abs(pot.source - (pot.fluxX1 - pot.fluxX0)) / Math.abs(pot.source);
      console.log(
        `V6 ${dims}D charge (σs/σl = 8.4e6, tol 1e-14): source ${pot.source.toExponential(6)}, counter − collector ${(pot.fluxX1 - pot.fluxX0).toExponential(6)}, relative imbalance ${balance.toExponential(2)} (${pot.iterations} iterations)`,
      );
      expect(pot.converged).toBe(true);
      // ‖r‖ ≤ 1e-14·‖b‖ with ‖b‖ ≈ 2σ̂_s|ψ_V|·√rows ≈ 2e9 (2D) allows Σr up to ~1e-3 of a source
      // of ~13; measured 1e-5…2e-5. A wrong flux or source formula gives O(1).
      expect(balance).toBeLessThan(1e-4);
      await backend.dispose();

      // (b) capped contrast, default tolerance: a short coupled run so that ∂ξ/∂t is non-zero
      const capped = parseScenario({ ...rawScenario(dims), numerics: { sigmaContrastCap: 1e4 } });
      const { backend: b2 } = await createBackend('cpu', capped);
      const sim2 = new Simulation(capped, b2);
      await sim2.runTo(dims === 2 ? 0.05 : 0.02);
      const rate = (await b2.stepStats()).maxRate;
      const pot2 = await b2.potential(capped.numerics.potentialTol, 1000);
      const bal2 = Math.abs(pot2.source - (pot2.fluxX1 - pot2.fluxX0)) / Math.abs(pot2.source);
      // The imbalance is the sum of the CG residual over the cells (the fluxes telescope), so
      // |Σr| ≤ √N‖r‖ = √N·residual·‖b‖. ‖b‖: the collector rows 2σ̂_s|ψ_V| plus the source rows
      // dx^d·β|ξ̇| (bounded by max|ξ̇|). Where in that range a run lands depends on the residual's
      // signs: 2e-7 … 3e-6 at 0.03 … 0.07 s in 2D (2.3e-7 at 0.05 s before the phase bound of
      // issue 12 changed the steps, 1.5e-6 after), against a bound of ~1.5e-5.
      const k2 = coefficients(capped);
      const [nx, ny, nz] = k2.n;
      const N = nx * ny * nz,
        rows = ny * nz;
      const src = k2.dx ** dims * k2.beta * rate;
      const coll = 2 * k2.sigmaS * Math.abs(k2.f * capped.voltage);
      const bNorm = Math.sqrt(rows * (coll + src) ** 2 + (N - rows) * src ** 2);
      const bound = (Math.sqrt(N) * pot2.residual * bNorm) / Math.abs(pot2.source);
      console.log(
        `V6 ${dims}D charge (cap 1e4, tol ${capped.numerics.potentialTol}): relative imbalance ${bal2.toExponential(2)} (${pot2.iterations} iterations; residual bound √N·residual·‖b‖/source = ${bound.toExponential(2)})`,
      );
      expect(pot2.converged).toBe(true);
      expect(bal2).toBeLessThanOrEqual(bound);
      // and the bound itself is small: the cap makes the default tolerance enough for the currents
      expect(bound).toBeLessThan(1e-4);
      await b2.dispose();
    });
  }
});
