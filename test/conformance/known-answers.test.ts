/**
 * Known answers through the full coupled Backend interface, ONE body per check run over every
 * available backend (cpu with threads; webgpu through Dawn when an adapter exists — SwiftShader
 * without a GPU). The CPU-only validation files (test/validation) test the stages in detail; this
 * file makes sure the same physics comes out of every backend:
 *  - V2 curvature flow: a disc with the reaction switched off by symmetry (voltage 0, c̃ = 1
 *    everywhere ⇒ the Butler–Volmer bracket e^{(1−α)ψ} − c̃e^{−αψ} vanishes; L_η tiny so the
 *    small ψ the source term induces does not matter): R² = R0² − 2L_σκ0 t.
 *  - V6 lithium conservation in a coupled plating run: Δ∫(c0c̃ + c_sξ)dV = boundary influx.
 */
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/backends/create.ts';
import { parseScenario, type ScenarioInput } from '../../src/model/scenario.ts';
import { Simulation } from '../../src/solver/simulation.ts';
import { v2Disc } from '../fixtures/v2-disc.ts';
import { probeWebGpu } from './webgpu-env.ts';

const probe = await probeWebGpu();
if (!probe.ok) console.warn(`webgpu known-answer cases skipped: no WebGPU adapter (${probe.reason})`);

const BACKENDS = [
  { name: 'cpu' as const, available: true, why: '' },
  { name: 'webgpu' as const, available: probe.ok, why: probe.ok ? '' : probe.reason },
];

/** Relative tolerances per backend: f64 reference vs f32 (sums of O(1e4) cells in f32). */
const TOL = { cpu: { v2: 0.03, v6: 1e-6 }, webgpu: { v2: 0.03, v6: 2e-3 } };

for (const b of BACKENDS) {
  describe.runIf(b.available)(`known answers on backend '${b.name}'${b.available ? '' : ` (skipped: ${b.why})`}`, () => {
    it('V2: a disc shrinks as R² = R0² − 2L_σκ0 t', async () => {
      const s = parseScenario(v2Disc('ka-v2', 2));
      const { backend } = await createBackend(b.name, s, { threads: 2 });
      const sim = new Simulation(s, backend);
      const ts: number[] = [],
        r2: number[] = [];
      for (const t of [0.2, 0.4, 0.6, 0.8]) {
        await sim.runTo(t);
        const m = await sim.metrics();
        // area of the disc = Σξ dV (2D: front_mean × Ly is Σξ·dx over rows... use the raw integral)
        const area = (m.front_mean_um as number) * 32 * 0.25;
        ts.push(t);
        r2.push(area / Math.PI);
      }
      await backend.dispose();
      const n = ts.length,
        mt = ts.reduce((a, x) => a + x) / n,
        mr = r2.reduce((a, x) => a + x) / n;
      const slope = ts.reduce((a, t, i) => a + (t - mt) * (r2[i] - mr), 0) / ts.reduce((a, t) => a + (t - mt) ** 2, 0);
      const expected = 2 * 1.875;
      console.log(
        `[${b.name}] V2 disc R0 = 2.5 µm: −dR²/dt = ${(-slope).toFixed(4)} µm²/s vs 2L_σκ0 = ${expected} (${((-slope / expected - 1) * 100).toFixed(2)} %)`,
      );
      expect(Math.abs(-slope / expected - 1)).toBeLessThan(TOL[b.name].v2);
    });

    it('V6: total lithium changes only by the boundary influx', async () => {
      const s = parseScenario({
        name: 'ka-v6',
        grid: { dims: 2, n: [64, 32], dx: '0.25 um' },
        time: { end: 1, output: 1 },
        voltage: '-0.45 V',
        anisotropy: { delta: 0.04 },
        boundary: { lateral: 'periodic' },
        initial: { layer: '3 um', nuclei: [{ center: ['3 um', '4 um'], radius: '1.5 um' }] },
        noise: { amplitude: 0.04, seed: 3 },
        numerics: { sigmaContrastCap: 1e4 },
      } satisfies ScenarioInput);
      const { backend } = await createBackend(b.name, s, { threads: 2 });
      const sim = new Simulation(s, backend);
      await sim.start();
      const m0 = await sim.metrics();
      await sim.runTo(0.3);
      const m1 = await sim.metrics();
      await backend.dispose();
      const dLi = m1.li_total_mol_per_m - m0.li_total_mol_per_m;
      const dep = m1.li_metal_mol_per_m - m0.li_metal_mol_per_m;
      const err = Math.abs(dLi - m1.li_influx_mol_per_m) / Math.abs(dep);
      console.log(
        `[${b.name}] V6: ${sim.step} steps, ΔLi = ${dLi.toExponential(5)}, influx = ${m1.li_influx_mol_per_m.toExponential(5)}, deposited ${dep.toExponential(3)}, relative error ${err.toExponential(2)}`,
      );
      expect(dep).toBeGreaterThan(0);
      expect(err).toBeLessThan(TOL[b.name].v6);
    });
  });
}
