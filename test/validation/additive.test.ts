/**
 * Electrostatic-shielding additive (docs/additive.md; model.md §6): the screening law
 *   L_η,eff = L_η·kL / (1 + s·max(0, ã − 1))
 * and the accumulation of the additive at a tip, on the CPU reference.
 *
 * 1. The phase stage alone with everything but the reaction off (κ, W = 0): Δξ scales by exactly
 *    1/(1 + s·max(0, ã − 1)) cell by cell (and not at all where ã ≤ 1).
 * 2. A flat front under a fixed overpotential with c̃ = 1 (reaction-limited: nothing limits the
 *    supply) and a uniform ã = 1 + e: the front velocity is v(e)/v(0) = 1/(1 + s·e). At −0.2 V the
 *    drive L_η|F| ≈ 0.05/s is small against the interface relaxation L_σW = 15/s, so v is linear
 *    in L_η (the travelling-wave profile does not change to first order). At −0.1 V the front is
 *    near the lattice-pinning regime of model.md §4 (v is no longer proportional to the drive:
 *    the same ratio comes out 0.634 instead of 0.667 at dx = w/2), so −0.2 V is used.
 * 3. A nucleus under drive with a passive additive (s = 0): the cation drifts down the field,
 *    which is strongest at the tip, so ã ahead of the tip exceeds ã ahead of the flat layer.
 */
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/backends/cpu/backend.ts';
import { fillPadded } from '../../src/backends/cpu/padded.ts';
import { phaseRows } from '../../src/backends/cpu/phase.ts';
import { makeBCs, makeLayout } from '../../src/backends/layout.ts';
import { coefficients } from '../../src/model/derived.ts';
import { initialFields } from '../../src/model/initial.ts';
import { parseScenario } from '../../src/model/scenario.ts';
import { Simulation } from '../../src/solver/simulation.ts';
import { frontMean, linearFit, PhaseStepper, setup } from './helpers.ts';

const flat = { grid: { dims: 2 as const, n: [64, 4], dx: '0.25 um' }, initial: { layer: '4 um' } };

/** One phase step of the flat front (fixed ψ = f·V, c̃ = 1, ã uniform) with the given k; returns ξ after it. */
function phaseOnce(shielding: number, a: number, V: number, reactionOnly: boolean): { before: Float64Array; after: Float64Array } {
  const { L, bc, k: k0 } = setup({ ...flat, additive: { shielding } });
  const k = reactionOnly ? { ...k0, mobKappa: 0, mobW: 0 } : k0;
  const xi = initialFields(parseScenario({ name: 'v', time: { end: 1, output: 1 }, voltage: 0, ...flat })).xi;
  const c = new Float64Array(L.N).fill(1),
    psi = new Float64Array(L.N).fill(k.f * V);
  const st = new PhaseStepper(L, k, bc.xi, xi, c, psi);
  fillPadded(st.P, xi, L, bc.xi);
  // one large step (dt = 1 s; nothing is iterated), so that Δξ = ξⁿ⁺¹ − ξⁿ is large against the
  // round-off of ξ it is formed from
  phaseRows(
    {
      L,
      k,
      P: st.P,
      c,
      psi,
      out: st.out,
      dt: 1,
      key: 0,
      rowMaxRate: new Float64Array(L.rows),
      rowStiff: new Float64Array(L.rows),
      species: [new Float64Array(L.N).fill(a)],
    },
    0,
    L.rows,
  );
  return { before: xi, after: st.out.slice() };
}

/** Flat-front velocity (µm/s) at a fixed overpotential V with ψ, c̃ = 1 and ã held. */
function velocity(shielding: number, excess: number, V: number): number {
  const { L, bc, k } = setup({ ...flat, additive: { shielding } });
  const xi = initialFields(parseScenario({ name: 'v', time: { end: 1, output: 1 }, voltage: 0, ...flat })).xi;
  const c = new Float64Array(L.N).fill(1),
    psi = new Float64Array(L.N).fill(k.f * V);
  const additive = new Float64Array(L.N).fill(1 + excess);
  const st = new PhaseStepper(L, k, bc.xi, xi, c, psi);
  const rowMaxRate = new Float64Array(L.rows),
    rowStiff = new Float64Array(L.rows);
  const dt = 4e-3;
  const ts: number[] = [],
    xs: number[] = [];
  for (let n = 1; n <= 6000; n++) {
    fillPadded(st.P, xi, L, bc.xi);
    phaseRows({ L, k, P: st.P, c, psi, out: st.out, dt, key: 0, rowMaxRate, rowStiff, species: [additive] }, 0, L.rows);
    xi.set(st.out);
    // past the start-up transient (the profile adjusts to the drive within ~1 s)
    if (n > 1000 && n % 100 === 0) {
      ts.push(n * dt);
      xs.push(frontMean(L, xi));
    }
  }
  const fit = linearFit(ts, xs);
  expect(fit.r2).toBeGreaterThan(0.9999);
  return fit.slope;
}

describe('shielding additive: screening law', () => {
  it('the reaction term scales by 1/(1 + s·max(0, ã − 1)) cell by cell', () => {
    const ref = phaseOnce(2, 1, -0.2, true);
    for (const [s, a] of [
      [2, 1.5],
      [0.5, 4],
      [3, 0.25],
      [0, 7],
    ]) {
      const r = phaseOnce(s, a, -0.2, true);
      const want = 1 / (1 + s * Math.max(0, a - 1));
      let worst = 0,
        cells = 0;
      for (let q = 0; q < ref.after.length; q++) {
        const d0 = ref.after[q] - ref.before[q],
          d = r.after[q] - r.before[q];
        if (Math.abs(d0) < 1e-6) continue;
        cells++;
        // in units of the round-off of forming Δξ = ξⁿ⁺¹ − ξⁿ from ξ = O(1): a few ulps / |Δξ|
        const roundOff = (4 * Number.EPSILON * (1 + Math.abs(ref.before[q]))) / Math.abs(d0);
        worst = Math.max(worst, Math.abs(d / d0 - want) / roundOff);
      }
      expect(cells).toBeGreaterThan(10);
      expect(worst, `s = ${s}, ã = ${a}: error in round-off units`).toBeLessThan(1);
    }
  });

  it('flat front, reaction-limited (−0.2 V, c̃ = 1): v(ã = 1 + e)/v(ã = 1) = 1/(1 + s·e)', () => {
    const V = -0.2;
    const v0 = velocity(1, 0, V);
    const rows: string[] = [];
    for (const [s, e] of [
      [0.5, 1],
      [3, 0.5],
      [10, 0.1],
      [2, -0.5],
    ]) {
      const ratio = velocity(s, e, V) / v0;
      const want = 1 / (1 + s * Math.max(0, e));
      rows.push(
        `  s = ${s}, ã = ${1 + e}: v/v0 = ${ratio.toFixed(5)} (law ${want.toFixed(5)}, error ${(ratio / want - 1).toExponential(2)})`,
      );
      expect(Math.abs(ratio / want - 1), `s = ${s}, e = ${e}`).toBeLessThan(2e-3);
    }
    console.log(`[additive] flat front at ${V} V, v0 = ${(v0 * 1e3).toFixed(3)} nm/s:\n${rows.join('\n')}`);
  }, 60_000);
});

describe('shielding additive: accumulation at a tip', () => {
  it('a nucleus under drive gathers more additive ahead of its tip than the flat layer', async () => {
    const s = parseScenario({
      name: 'tip',
      grid: { dims: 2, n: [48, 32], dx: '0.25 um' },
      time: { end: 1, output: 1 },
      voltage: '-300 mV',
      initial: { layer: '1 um', nuclei: [{ center: ['1 um', '4 um'], radius: '1.5 um' }] },
      additive: { shielding: 0 },
    });
    const sim = new Simulation(s, new CpuBackend(makeLayout(s), coefficients(s), makeBCs(s), { threads: 1 }));
    await sim.start();
    const [nx] = s.grid.n;
    const lines: string[] = [];
    let last = { tip: 0, flat: 0 };
    for (const t of [0.01, 0.02]) {
      await sim.runTo(t);
      const f = await sim.backend.read();
      const a = f.additive!;
      const rowMax = (j: number) => {
        let m = 0;
        for (let i = 0; i < nx; i++) m = Math.max(m, a[i + nx * j]);
        return m;
      };
      // one cell into the electrolyte beyond the row's ξ = ½ crossing
      const ahead = (j: number) => {
        let i = nx - 1;
        while (i > 0 && f.xi[i + nx * j] < 0.5) i--;
        return a[i + 1 + nx * j];
      };
      // j = 16: the row through the nucleus centre (y = 4 µm); j = 0: the flat layer, 4 µm away
      last = { tip: rowMax(16), flat: rowMax(0) };
      lines.push(
        `  t = ${t} s: max ã tip row ${last.tip.toFixed(3)}, flat row ${last.flat.toFixed(3)}; ã one cell ahead: tip ${ahead(16).toFixed(3)}, flat ${ahead(0).toFixed(3)}`,
      );
      expect(ahead(16)).toBeGreaterThan(1.3 * ahead(0));
    }
    console.log(`[additive] accumulation (passive additive, −0.3 V):\n${lines.join('\n')}`);
    expect(last.tip).toBeGreaterThan(1.3 * last.flat);
    expect(last.flat).toBeGreaterThan(1);
    await sim.backend.dispose();
  }, 60_000);
});
