/**
 * Switches with the grand-potential form (docs/grand-potential.md §6) on coupled CPU runs, the
 * ones no conformance case covers (SEI and temperature: test/conformance/gp-body.ts):
 *  - galvanostatic control: the controller holds the set current measured as nFc_s·Σξ̇ (the
 *    charge source's c_s, what the potential balances) on a flat electrode, with the tolerances of
 *    the concentration form's single-ion plant (test/validation/drive-control.test.ts: the front
 *    crosses cells one by one, so single steps deviate; the time means hold);
 *  - a lithiophilic pillar host with substrate wetting: host cells hold no Li and keep their w,
 *    and lithium is conserved to the Newton tolerance around them.
 */
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/backends/create.ts';
import { hostMask } from '../../src/model/props.ts';
import { parseScenario, type ScenarioInput } from '../../src/model/scenario.ts';
import { Simulation } from '../../src/solver/simulation.ts';

async function run(input: ScenarioInput) {
  const s = parseScenario(input);
  const { backend } = await createBackend('cpu', s, { threads: 1 });
  const sim = new Simulation(s, backend);
  await sim.start();
  return { s, sim, backend };
}

describe('grand-potential form with the drive and material switches (CPU)', () => {
  it('galvanostatic hold on a flat electrode: steps within 10 %, 0.1 s means within 1 % of 10 mA/cm² after 0.1 s', async () => {
    const { sim, backend } = await run({
      name: 'gp-hold-flat',
      model: 'grand-potential',
      grid: { dims: 2, n: [96, 4], dx: '0.25 um' },
      time: { end: 1, output: 1 },
      voltage: '-0.1 V',
      initial: { layer: '3 um' },
      control: { mode: 'galvanostatic', current: '10 mA/cm^2', maxStep: '20 mV' },
    });
    try {
      const J: { t: number; J: number; V: number }[] = [];
      while (sim.time < 0.5 - 1e-12) {
        await sim.advance(0.5 - sim.time);
        const c = sim.controlState!;
        J.push({ t: sim.time, J: c.current, V: c.currentVoltage });
      }
      const after = J.filter((r) => r.t > 0.1);
      const worst = Math.max(...after.map((r) => Math.abs(r.J / 100 - 1)));
      // time means over 0.1 s windows (each step weighted by its dt)
      const means: number[] = [];
      for (let t0 = 0.1; t0 < 0.5 - 1e-9; t0 += 0.1) {
        let q = 0,
          T = 0;
        J.forEach((r, k) => {
          const dt = r.t - (k ? J[k - 1].t : 0);
          if (r.t > t0 + 1e-12 && r.t <= t0 + 0.1 + 1e-12) {
            q += r.J * dt;
            T += dt;
          }
        });
        means.push(q / T / 100 - 1);
      }
      const worstMean = Math.max(...means.map(Math.abs));
      console.log(
        `grand-potential galvanostatic hold: ${J.length} steps to 0.5 s; after 0.1 s worst |J/J_set − 1| = ${worst.toExponential(2)} over ${after.length} steps, 0.1 s means ${means.map((m) => m.toExponential(1)).join(', ')}, V = ${J.at(-1)!.V.toFixed(4)} V`,
      );
      expect(after.length).toBeGreaterThan(10);
      expect(worst).toBeLessThan(0.1);
      expect(worstMean).toBeLessThan(0.01);
    } finally {
      await backend.dispose();
    }
  }, 120_000);

  it('lithiophilic pillars and a 60° contact angle: host cells hold no Li and keep w, lithium conserved', async () => {
    const input: ScenarioInput = {
      name: 'gp-host',
      model: 'grand-potential',
      grid: { dims: 2, n: [64, 32], dx: '0.25 um' },
      time: { end: 1, output: 1 },
      voltage: '-0.3 V',
      initial: { layer: '1 um' },
      noise: { amplitude: 0.04, seed: 2 },
      host: { geometry: { pillars: { width: '1 um', height: '5 um', spacing: '4 um' } }, lithiophilic: true },
      substrate: { contactAngle: 60 },
      numerics: { sigmaContrastCap: 1e4 },
    };
    const { s, sim, backend } = await run(input);
    try {
      const host = hostMask(s)!;
      const w0 = (await backend.read()).w!.slice();
      const m0 = await sim.metrics();
      await sim.runTo(0.1);
      const m1 = await sim.metrics();
      const f = await backend.read();
      let hostCells = 0,
        hostC = 0,
        hostDw = 0;
      for (let i = 0; i < host.length; i++) {
        if (!host[i]) continue;
        hostCells++;
        hostC = Math.max(hostC, Math.abs(f.c[i]));
        hostDw = Math.max(hostDw, Math.abs(f.w![i] - w0[i]));
      }
      const dLi = m1.li_total_mol_per_m - m0.li_total_mol_per_m;
      const dep = m1.li_metal_mol_per_m - m0.li_metal_mol_per_m;
      const err = Math.abs(dLi - m1.li_influx_mol_per_m) / Math.abs(dep);
      console.log(
        `grand-potential with host + wetting: ${sim.step} steps to 0.1 s, ${hostCells} host cells (max |c̃| ${hostC}, max |Δw| ${hostDw}); metal +${dep.toExponential(3)} mol/m, |ΔLi − influx|/Δmetal = ${err.toExponential(2)}`,
      );
      expect(hostCells).toBeGreaterThan(0);
      expect(hostC).toBe(0);
      expect(hostDw).toBe(0);
      expect(dep).toBeGreaterThan(0);
      // the Newton target is 1e-9 of each step's first residual (gpConservation: ~2e-11 measured)
      expect(err).toBeLessThan(1e-8);
    } finally {
      await backend.dispose();
    }
  }, 120_000);
});
