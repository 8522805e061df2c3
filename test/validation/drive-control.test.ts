/**
 * Drive control (src/solver/control.ts, src/solver/control.ts) on coupled CPU runs:
 *  - galvanostatic hold: after the transient the Faradaic current of every step stays within
 *    a tolerance of the set current — on a flat electrode in the binary mode (smooth plant:
 *    0.5 %) and on a nucleus in the base model (the front crosses cells one by one and the Li⁺
 *    pile-up of the base model moves, so single steps deviate: 10 % per step, 1 % on 0.1 s means);
 *  - plate/strip schedule in the binary mode with noise: plating, stripping (reversed current:
 *    the controller takes φ > 0), a potentiostatic strip at +0.1 V, repeated; no NaN, the metal
 *    grows and shrinks with the sign of the current, the conservative limiter stays conservative
 *    and the lithium balance ΔLi = boundary influx + t₊ share from the counter electrode holds
 *    to the transport solver's tolerance;
 *  - a checkpoint of a galvanostatic schedule run resumes bit for bit (controller state included).
 */
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/backends/create.ts';
import { readCheckpoint, writeCheckpoint } from '../../src/io/checkpoint.ts';
import { parseScenario, type ScenarioInput } from '../../src/model/scenario.ts';
import { Simulation } from '../../src/solver/simulation.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function run(input: ScenarioInput) {
  const s = parseScenario(input);
  const { backend } = await createBackend('cpu', s, { threads: 1 });
  const sim = new Simulation(s, backend);
  await sim.start();
  return { s, sim, backend };
}

/** Steps until t; returns (time, dt, current, voltage) of every step. */
async function trace(sim: Simulation, t: number): Promise<{ t: number; dt: number; J: number; V: number }[]> {
  const out: { t: number; dt: number; J: number; V: number }[] = [];
  while (sim.time < t - 1e-12) {
    const before = sim.time;
    await sim.advance(t - sim.time);
    const c = sim.controlState!;
    out.push({ t: sim.time, dt: sim.time - before, J: c.current, V: c.currentVoltage });
  }
  return out;
}

describe('galvanostatic control (CPU)', () => {
  it('flat electrode, binary electrolyte: every step within 0.5 % of 10 mA/cm² after 0.1 s', async () => {
    const { sim, backend } = await run({
      name: 'hold-flat',
      grid: { dims: 2, n: [96, 4], dx: '0.25 um' },
      time: { end: 1, output: 1 },
      voltage: '-0.1 V',
      initial: { layer: '3 um' },
      electrolyte: { model: 'binary', transference: 0.38 },
      control: { mode: 'galvanostatic', current: '10 mA/cm^2', maxStep: '20 mV' },
    });
    try {
      const tr = await trace(sim, 1);
      const after = tr.filter((r) => r.t > 0.1);
      const worst = Math.max(...after.map((r) => Math.abs(r.J / 100 - 1)));
      const first = tr.findIndex((r) => Math.abs(r.J / 100 - 1) < 0.005);
      console.log(
        `hold, flat binary: ${tr.length} steps, ${sim.solves} potential solves; within 0.5 % from step ${first} (t = ${tr[first].t.toExponential(2)} s, V ${tr[0].V} → ${tr[first].V.toFixed(4)} V); after 0.1 s worst |J/J_set − 1| = ${worst.toExponential(2)}, V = ${tr.at(-1)!.V.toFixed(4)} V`,
      );
      expect(worst).toBeLessThan(0.005);
    } finally {
      await backend.dispose();
    }
  }, 60_000);

  it('nucleus, base model: steps within 10 %, 0.1 s means within 1 % of 10 mA/cm² after 0.2 s', async () => {
    const { sim, backend } = await run({
      name: 'hold-nucleus',
      grid: { dims: 2, n: [64, 32], dx: '0.25 um' },
      time: { end: 1, output: 1 },
      voltage: '-0.1 V',
      initial: { layer: '3 um', nuclei: [{ center: ['3 um', '4 um'], radius: '1.5 um' }] },
      anisotropy: { delta: 0.04 },
      boundary: { lateral: 'periodic' },
      control: { mode: 'galvanostatic', current: '10 mA/cm^2', maxStep: '20 mV' },
    });
    try {
      const tr = await trace(sim, 1);
      const after = tr.filter((r) => r.t > 0.2);
      const worst = Math.max(...after.map((r) => Math.abs(r.J / 100 - 1)));
      const means: number[] = [];
      for (let t1 = 0.2; t1 < 0.95; t1 += 0.1) {
        const win = tr.filter((r) => r.t > t1 + 1e-9 && r.t <= t1 + 0.1 + 1e-9);
        means.push(win.reduce((a, r) => a + r.J * r.dt, 0) / win.reduce((a, r) => a + r.dt, 0));
      }
      const worstMean = Math.max(...means.map((m) => Math.abs(m / 100 - 1)));
      console.log(
        `hold, nucleus base model: ${tr.length} steps, ${sim.solves} solves; after 0.2 s worst step |J/J_set − 1| = ${worst.toExponential(2)}, 0.1 s means ${means.map((m) => m.toFixed(2)).join(' ')} A/m²`,
      );
      expect(worst).toBeLessThan(0.1);
      expect(worstMean).toBeLessThan(0.01);
    } finally {
      await backend.dispose();
    }
  }, 60_000);
});

const cycling: ScenarioInput = {
  name: 'plate-strip',
  grid: { dims: 2, n: [64, 24], dx: '0.25 um' },
  time: { end: 1.3, output: 0.65 },
  voltage: '-0.15 V',
  initial: { layer: '3 um', nuclei: [{ center: ['3 um', '3 um'], radius: '1.2 um' }] },
  noise: { amplitude: 0.04, seed: 9 },
  anisotropy: { delta: 0.04 },
  boundary: { lateral: 'periodic' },
  electrolyte: { model: 'binary', transference: 0.38 },
  control: {
    schedule: [
      { mode: 'galvanostatic', current: '20 mA/cm^2', duration: '0.25 s' },
      { mode: 'galvanostatic', current: '-20 mA/cm^2', duration: '0.3 s' },
      { mode: 'potentiostatic', voltage: '0.2 V', duration: '0.1 s' },
    ],
    maxStep: '50 mV',
    response: '0.01 s',
  },
};

describe('setVoltage reaches the CPU worker threads', () => {
  it('a galvanostatic run on 2 threads gives the serial bits (grid above the pool threshold)', async () => {
    // 128×40 = 5120 cells ≥ MIN_PARALLEL_CELLS: the potential and transport kernels run on the pool,
    // whose task arguments were posted once; the φ values they read must follow setVoltage()
    const input: ScenarioInput = {
      name: 'threads-voltage',
      grid: { dims: 2, n: [128, 40], dx: '0.25 um' },
      time: { end: 1, output: 1 },
      voltage: '-0.1 V',
      initial: { layer: '3 um', nuclei: [{ center: ['3 um', '5 um'], radius: '1.5 um' }] },
      noise: { amplitude: 0.04, seed: 2 },
      control: { mode: 'galvanostatic', current: '20 mA/cm^2', maxStep: '20 mV' },
    };
    const out: Float64Array[] = [];
    const volts: number[] = [];
    for (const threads of [1, 2]) {
      const s = parseScenario(input);
      const { backend } = await createBackend('cpu', s, { threads });
      const sim = new Simulation(s, backend);
      for (let n = 0; n < 12; n++) await sim.advance();
      const f = await backend.read();
      out.push(f.psi, f.xi);
      volts.push(sim.controlState!.voltage);
      await backend.dispose();
    }
    console.log(`threads: voltage after 12 steps ${volts.join(' / ')} V`);
    expect(volts[1]).toBe(volts[0]);
    expect(volts[0]).not.toBe(-0.1);
    expect(Buffer.from(out[2].buffer).equals(Buffer.from(out[0].buffer))).toBe(true);
    expect(Buffer.from(out[3].buffer).equals(Buffer.from(out[1].buffer))).toBe(true);
  }, 60_000);
});

describe('plate/strip schedule (binary electrolyte, noise, CPU)', () => {
  it('plates and strips with the sign of the current, stays finite and conserves lithium', async () => {
    const { sim, backend } = await run(cycling);
    try {
      const m0 = await sim.metrics();
      const rows: { t: number; metal: number; V: number; J: number; lim: number }[] = [];
      // the lithium moved so far, gross: plating and stripping both count (each sample is a segment
      // end, so the metal and the migration change monotonically between samples). The net change
      // nearly cancels after a strip (0.55 s) and is no measure of the work done
      let gross = 0,
        lastMetal = m0.li_metal_mol_per_m,
        lastMig = m0.li_migration_mol_per_m;
      // the ends of the segments of two cycles
      for (const t of [0.25, 0.55, 0.65, 0.9, 1.2, 1.3]) {
        await sim.runTo(t);
        const m = await sim.metrics();
        rows.push({
          t,
          metal: m.li_metal_mol_per_m,
          V: sim.controlState!.currentVoltage,
          J: sim.controlState!.current,
          lim: m.limited_mol_per_m,
        });
        expect(m.xi_min).toBeGreaterThan(-0.5);
        expect(m.c_min).toBeGreaterThanOrEqual(0);
        const bal = m.li_total_mol_per_m - m0.li_total_mol_per_m - m.li_influx_mol_per_m - m.li_migration_mol_per_m;
        gross += Math.abs(m.li_metal_mol_per_m - lastMetal) + Math.abs(m.li_migration_mol_per_m - lastMig);
        lastMetal = m.li_metal_mol_per_m;
        lastMig = m.li_migration_mol_per_m;
        expect(Math.abs(bal) / gross, `lithium balance at ${t} s`).toBeLessThan(1e-6);
      }
      const f = await backend.read();
      for (const a of [f.xi, f.c, f.psi, f.xidot]) expect(a.every(Number.isFinite)).toBe(true);
      const m = await sim.metrics();
      console.log(
        'plate/strip: t, metal (mol/m), V of the last step, J (A/m²), limiter total\n' +
          rows
            .map((r) => `  ${r.t.toFixed(2)} ${r.metal.toExponential(6)} ${r.V.toFixed(4)} ${r.J.toFixed(1)} ${r.lim.toExponential(2)}`)
            .join('\n') +
          `\n  balance: ΔLi ${(m.li_total_mol_per_m - m0.li_total_mol_per_m).toExponential(6)} = influx ${m.li_influx_mol_per_m.toExponential(6)} + migration ${m.li_migration_mol_per_m.toExponential(6)}; steps ${sim.step}, rollbacks ${sim.retries}`,
      );
      // plating grows the metal, stripping (galvanostatic −J, then +0.2 V) dissolves it
      for (const [k, prev] of [
        [0, m0.li_metal_mol_per_m],
        [3, rows[2].metal],
      ] as const)
        expect(rows[k].metal, `plating to ${rows[k].t} s`).toBeGreaterThan(prev);
      for (const k of [1, 2, 4, 5]) expect(rows[k].metal, `stripping to ${rows[k].t} s`).toBeLessThan(rows[k - 1].metal);
      // the controller holds ±20 mA/cm² by the end of each galvanostatic segment (block means,
      // noise on: 25 % per block), stripping ran at φ > 0 on the collector
      for (const k of [0, 3]) expect(rows[k].J).toBeGreaterThan(150);
      for (const k of [1, 4]) {
        expect(rows[k].J).toBeLessThan(-150);
        expect(rows[k].V).toBeGreaterThan(0);
      }
      for (const k of [2, 5]) expect(rows[k].V).toBeCloseTo(0.2, 12);
      expect(sim.retries).toBe(0);
    } finally {
      await backend.dispose();
    }
  });

  it('a checkpoint of a galvanostatic schedule run resumes bit for bit', async () => {
    const input = { ...cycling, time: { end: 0.6, output: 0.6 } };
    const a = await run(input);
    const dir = mkdtempSync(join(tmpdir(), 'lid-drive-'));
    try {
      // an exact restart point inside the galvanostatic stripping segment
      await a.sim.runTo(0.3);
      let kind = await a.sim.prepareCheckpoint();
      while (kind !== 'exact') {
        await a.sim.advance();
        kind = await a.sim.prepareCheckpoint();
      }
      const fields = await a.backend.read();
      writeCheckpoint(dir, {
        scenario: a.s,
        state: a.sim.snapshot(),
        fields,
        backend: 'cpu',
        device: 'test',
        lidendrite: 'test',
        exact: true,
        loop: { nextIndex: 1, nextTime: 0.6, nextCheckpoint: 0.6, outputs: [] },
      });
      const stateAt = a.sim.snapshot();
      await a.sim.runTo(0.6);
      const endA = await a.backend.read();
      const ck = readCheckpoint(dir);
      expect(ck.state.control).toEqual(stateAt.control);
      const { backend } = await createBackend('cpu', ck.scenario, { threads: 1 });
      const b = new Simulation(ck.scenario, backend);
      await b.restore(ck.state, ck.fields);
      await b.runTo(0.6);
      const endB = await backend.read();
      console.log(
        `resume: checkpoint at step ${stateAt.step} (t = ${stateAt.time.toFixed(4)} s, V = ${stateAt.control!.voltage.toFixed(5)} V); both end at step ${a.sim.step}/${b.step}, V ${a.sim.controlState!.voltage} / ${b.controlState!.voltage}`,
      );
      expect(b.step).toBe(a.sim.step);
      expect(b.controlState).toEqual(a.sim.controlState);
      for (const k of ['xi', 'c', 'psi'] as const) expect(Buffer.from(endB[k].buffer).equals(Buffer.from(endA[k].buffer)), k).toBe(true);
      await backend.dispose();
    } finally {
      await a.backend.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
