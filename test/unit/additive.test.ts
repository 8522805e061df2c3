/**
 * The electrostatic-shielding additive (docs/additive.md): the schema section and its errors,
 * the plumbing (initial field, read(), reductions and metrics columns, checkpoints, VTI,
 * backend selection), that it leaves the base model alone, and on the CPU reference backend its
 * conservation (Σã dV changes only by the boundary influx), positivity without a limiter, and
 * a bit-exact checkpoint restart. The physics checks (screening law, accumulation at a tip) are
 * in test/validation/additive.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backends/backend.ts';
import { speciesBC } from '../../src/backends/species.ts';
import { CpuBackend } from '../../src/backends/cpu/backend.ts';
import { BC_DIRICHLET, BC_NOFLUX, BC_PERIODIC, makeBCs, makeLayout } from '../../src/backends/layout.ts';
import { readCheckpoint, writeCheckpoint } from '../../src/io/checkpoint.ts';
import { RunWriter } from '../../src/io/run-output.ts';
import { decodeVti } from '../../src/io/vti.ts';
import { coefficients, derivedGroups, scenarioWarnings } from '../../src/model/derived.ts';
import { initialFields, initialProps } from '../../src/model/initial.ts';
import { parseScenario, ScenarioError, type Scenario, type ScenarioInput } from '../../src/model/scenario.ts';
import { metricColumns } from '../../src/solver/metrics.ts';
import { Simulation } from '../../src/solver/simulation.ts';

const base = (extra: Partial<ScenarioInput> = {}): ScenarioInput => ({
  name: 'additive',
  grid: { dims: 2, n: [32, 16], dx: '0.25 um' },
  time: { end: 1, output: 1 },
  voltage: '-450 mV',
  initial: { layer: '1 um', nuclei: [{ center: ['1 um', '2 um'], radius: '1 um' }] },
  ...extra,
});

function issues(raw: ScenarioInput): string[] {
  try {
    parseScenario(raw);
  } catch (e) {
    if (e instanceof ScenarioError) return e.issues;
    throw e;
  }
  return [];
}

function cpu(s: Scenario, threads = 1): CpuBackend {
  return new CpuBackend(makeLayout(s), coefficients(s), makeBCs(s), { threads, props: initialProps(s) });
}

const sum = (a: Float64Array) => a.reduce((x, v) => x + v, 0);
const cellVolume = (s: Scenario) => (s.grid.dx * 1e6) ** s.grid.dims;

describe('additive: schema', () => {
  it('fills the defaults (0.05 M, D_a = D_l of the default set, shielding 1) and reads unit strings', () => {
    const d = parseScenario(base({ additive: {} })).additive!;
    expect(d).toEqual({ concentration: 50, diffusivity: 3.197e-10, shielding: 1 });
    const a = parseScenario(base({ additive: { concentration: '0.05 M', diffusivity: '2e-6 cm^2/s', shielding: 0 } })).additive!;
    expect(a.concentration).toBeCloseTo(50, 12);
    expect(a.diffusivity).toBeCloseTo(2e-10, 22);
    expect(parseScenario(base({ additive: { diffusivity: '300 um^2/s' } })).additive!.diffusivity).toBeCloseTo(3e-10, 22);
    expect(parseScenario(base()).additive).toBeUndefined();
  });

  it('rejects bad values, naming the field and the allowed range', () => {
    expect(issues(base({ additive: { concentration: 0 } }))).toEqual([
      'additive.concentration: out of range: allowed > 0 and <= 10000 mol/m^3 (got 0)',
    ]);
    expect(issues(base({ additive: { concentration: '-1 mM' } }))[0]).toMatch(/^additive\.concentration: out of range: allowed > 0/);
    expect(issues(base({ additive: { diffusivity: 0 } }))[0]).toMatch(
      /^additive\.diffusivity: out of range: allowed > 0 and <= 0\.000001 m\^2\/s/,
    );
    expect(issues(base({ additive: { diffusivity: '1 cm' } }))[0]).toMatch(
      /^additive\.diffusivity: unknown diffusivity unit "cm"; allowed: m\^2\/s/,
    );
    expect(issues(base({ additive: { shielding: -0.1 } }))[0]).toMatch(/^additive\.shielding: .*0/);
    expect(issues(base({ additive: { shielding: Number.NaN } }))[0]).toMatch(/^additive\.shielding/);
    expect(issues(base({ additive: { charge: 1 } as never }))[0]).toMatch(/^additive: Unrecognized key.*charge/);
  });

  it('warns when the additive is no minority carrier; derived groups show it', () => {
    const s = parseScenario(base({ additive: { concentration: '0.5 M' } }));
    expect(scenarioWarnings(s).some((w) => /additive\.concentration = 500 mol\/m³ is more than 20 %/.test(w))).toBe(true);
    expect(scenarioWarnings(parseScenario(base({ additive: {} }))).some((w) => w.includes('additive'))).toBe(false);
    const g = derivedGroups(s).find((x) => x.symbol === 'D_a')!;
    expect(g.value).toBeCloseTo(319.7, 9);
  });
});

describe('additive: plumbing', () => {
  it('coefficients, boundary values and the initial field (like c̃: 1 − h(ξ), 0 in host cells)', () => {
    const s = parseScenario(base({ additive: { shielding: 2, diffusivity: '2e-10 m^2/s' } }));
    expect(coefficients(s).species).toHaveLength(1);
    const sp = coefficients(s).species[0];
    expect(sp.name).toBe('additive');
    expect(sp.D).toBeCloseTo(200, 10);
    expect(sp.shielding).toBe(2);
    expect(sp.migration).toBe(1);
    expect(sp.bulk).toBe(50);
    expect(coefficients(parseScenario(base())).species).toEqual([]);
    const f = initialFields(s);
    expect(f.additive).toEqual(f.c);
    expect(initialFields(parseScenario(base())).additive).toBeUndefined();
    const bcA = speciesBC(
      makeBCs(parseScenario(base({ boundary: { lateral: 'periodic', c: { x1: { type: 'dirichlet', value: 0.7 } } } }))).c,
    );
    expect(Array.from(bcA.type)).toEqual([BC_NOFLUX, BC_DIRICHLET, BC_PERIODIC, BC_PERIODIC, BC_NOFLUX, BC_NOFLUX]);
    expect(Array.from(bcA.value)).toEqual([0, 1, 0, 0, 0, 0]);
    const h = parseScenario(
      base({
        initial: { layer: '0.5 um' },
        host: { geometry: { pillars: { width: '1 um', height: '2 um', spacing: '2 um' } } },
        additive: {},
      }),
    );
    const fh = initialFields(h),
      p = initialProps(h)!;
    for (let q = 0; q < fh.xi.length; q++) if (p[4 * q + 3] > 0.5) expect(fh.additive![q]).toBe(0);
  });

  it('metrics columns only with the additive', () => {
    expect(metricColumns(2)).toHaveLength(28);
    const add = [{ name: 'additive' }];
    expect(metricColumns(2, add).slice(26, 29)).toEqual(['additive_mol_per_m', 'additive_influx_mol_per_m', 'additive_max']);
    expect(metricColumns(3, add).slice(26, 29)).toEqual(['additive_mol', 'additive_influx_mol', 'additive_max']);
    // the run-level columns stay last, so an older metrics.csv is a prefix of a newer one (resume)
    expect(metricColumns(3, add).slice(29)).toEqual(['xi_grown_mean', 'short_circuit_s']);
  });

  it('a shielding-0 additive is a passive tracer: ξ, c̃, ψ bit for bit those of the run without it', async () => {
    const runs: Awaited<ReturnType<Backend['read']>>[] = [];
    for (const extra of [{}, { additive: { shielding: 0 } }]) {
      const s = parseScenario(base({ noise: { amplitude: 0.04, seed: 2 }, anisotropy: { delta: 0.04 }, ...extra }));
      const sim = new Simulation(s, cpu(s));
      await sim.start();
      await sim.runTo(0.02);
      runs.push(await sim.backend.read());
      await sim.backend.dispose();
    }
    expect(runs[0].additive).toBeUndefined();
    expect(runs[1].additive).toBeDefined();
    for (const f of ['xi', 'c', 'psi', 'xidot'] as const) expect(runs[1][f], f).toEqual(runs[0][f]);
  });
});

describe('additive: conservation and positivity (CPU reference)', () => {
  const cases: [string, Partial<ScenarioInput>][] = [
    ['nucleus, shielding 1', { additive: { shielding: 1 } }],
    [
      'lithiophilic pillars, binary electrolyte, periodic sides, shielding 3',
      {
        initial: { layer: '0.5 um' },
        boundary: { lateral: 'periodic' },
        electrolyte: { model: 'binary', transference: 0.4 },
        host: { geometry: { pillars: { width: '1 um', height: '2 um', spacing: '2 um' } }, lithiophilic: true },
        additive: { shielding: 3, concentration: '20 mM' },
      },
    ],
  ];
  for (const [label, extra] of cases) {
    it(`Σã dV changes only by the boundary influx, ã ≥ 0 (${label})`, async () => {
      // the balance is exact for the exact solution of each implicit step; a tight solver
      // tolerance makes the defect round-off (at the default 1e-9 it is ~5e-11 of Σã dV)
      const s = parseScenario(base({ ...extra, numerics: { transportTol: 1e-13 } }));
      const sim = new Simulation(s, cpu(s));
      await sim.start();
      const vol = cellVolume(s);
      const a0 = sum((await sim.backend.read()).additive!) * vol;
      const m0 = await sim.metrics();
      await sim.runTo(0.03);
      const f = await sim.backend.read();
      const a1 = sum(f.additive!) * vol;
      const m1 = await sim.metrics();
      const gained = a1 - a0;
      const defect = gained - sim.speciesInfluxTotal.additive;
      const minA = f.additive!.reduce((m, v) => Math.min(m, v), Infinity);
      const maxA = f.additive!.reduce((m, v) => Math.max(m, v), -Infinity);
      console.log(
        `[additive ${label}] ${sim.step} steps: Σã dV ${a0.toPrecision(6)} → ${a1.toPrecision(6)} µm², influx ${sim.speciesInfluxTotal.additive.toPrecision(6)}, ` +
          `defect ${defect.toExponential(2)} (${(defect / a1).toExponential(2)} relative); ã in [${minA.toExponential(3)}, ${maxA.toPrecision(4)}]`,
      );
      // the drift pulls the cation in from the reservoir: a real influx, balanced to round-off
      expect(sim.speciesInfluxTotal.additive).toBeGreaterThan(0.05 * a0);
      expect(Math.abs(defect)).toBeLessThan(1e-11 * a1);
      // no sink, no limiter: the M-matrix step keeps ã ≥ 0 up to the CG tolerance
      expect(minA).toBeGreaterThan(-1e-9 * maxA);
      // the metrics columns say the same (amounts in mol per metre of depth)
      const mol = s.additive!.concentration * 1e-12;
      expect(m1.additive_mol_per_m).toBeCloseTo(a1 * mol, 20);
      expect(m1.additive_influx_mol_per_m).toBeCloseTo(sim.speciesInfluxTotal.additive * mol, 20);
      expect(Math.abs(m1.additive_mol_per_m - m0.additive_mol_per_m - m1.additive_influx_mol_per_m)).toBeLessThan(
        1e-10 * m1.additive_mol_per_m,
      );
      expect(m1.additive_max).toBe(maxA);
      if (s.host) {
        const p = initialProps(s)!;
        for (let q = 0; q < f.xi.length; q++) if (p[4 * q + 3] > 0.5) expect(f.additive![q]).toBe(0);
      }
      await sim.backend.dispose();
    }, 60_000);
  }
});

describe('additive: checkpoints and VTI output', () => {
  it('a checkpoint carries ã and its influx; the restart continues bit for bit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lid-additive-'));
    try {
      const s = parseScenario(base({ additive: { shielding: 1 }, noise: { amplitude: 0.04, seed: 2 } }));
      const a = new Simulation(s, cpu(s));
      await a.start();
      await a.runTo(0.01);
      let exact: string | null = null;
      for (let n = 0; n < 20 && exact !== 'exact'; n++) {
        exact = await a.prepareCheckpoint();
        if (exact !== 'exact') await a.advance(1);
      }
      expect(exact).toBe('exact');
      const loop = { nextIndex: 1, nextTime: 1, nextCheckpoint: 1, outputs: [] };
      writeCheckpoint(dir, {
        scenario: s,
        state: a.snapshot(),
        fields: await a.backend.read(),
        loop,
        backend: 'cpu',
        device: 'test',
        lidendrite: 'test',
        exact: true,
      });
      const ck = readCheckpoint(dir);
      expect(ck.header.payload.fields).toEqual(['xi', 'c', 'psi', 'xidot', 'additive']);
      expect(ck.state.speciesInfluxTotal.additive).toBe(a.speciesInfluxTotal.additive);
      expect(ck.fields.additive).toEqual((await a.backend.read()).additive);
      await a.runTo(0.025);
      const b = new Simulation(s, cpu(s));
      await b.restore(ck.state, ck.fields);
      await b.runTo(0.025);
      const fa = await a.backend.read(),
        fb = await b.backend.read();
      expect(b.step).toBe(a.step);
      for (const f of ['xi', 'c', 'psi', 'additive'] as const) expect(fb[f], f).toEqual(fa[f]);
      expect(b.speciesInfluxTotal.additive).toBe(a.speciesInfluxTotal.additive);
      await a.backend.dispose();
      await b.backend.dispose();

      // a base-model checkpoint keeps the old layout (4 fields, no additive state), so files
      // written before the additive existed read the same way
      const s0 = parseScenario(base());
      const c0 = new Simulation(s0, cpu(s0));
      await c0.start();
      const dir0 = join(dir, 'base');
      writeCheckpoint(dir0, {
        scenario: s0,
        state: c0.snapshot(),
        fields: await c0.backend.read(),
        loop,
        backend: 'cpu',
        device: 'test',
        lidendrite: 'test',
        exact: true,
      });
      const k0 = readCheckpoint(dir0);
      expect(k0.header.payload.fields).toEqual(['xi', 'c', 'psi', 'xidot']);
      expect('speciesInfluxTotal' in k0.header.sim).toBe(false);
      expect(k0.fields.additive).toBeUndefined();
      await c0.backend.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('VTI output has the additive cell data; metrics.csv its columns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lid-additive-out-'));
    try {
      const s = parseScenario(base({ additive: {}, output: { png: false } }));
      const sim = new Simulation(s, cpu(s));
      await sim.start();
      await sim.runTo(0.005);
      const f = await sim.backend.read();
      const w = new RunWriter(dir, s, { groups: derivedGroups(s), backend: 'cpu', device: 'test', warnings: [], argv: [] });
      w.writeOutput(0, sim.time, f, await sim.metrics());
      const v = decodeVti(readFileSync(join(dir, 'fields/fields_0000.vti')));
      expect(Object.keys(v.fields)).toEqual(['xi', 'c', 'phi', 'additive']);
      expect(v.fields.additive).toEqual(f.additive);
      const header = readFileSync(join(dir, 'metrics.csv'), 'utf8').split('\n')[0];
      expect(header.endsWith('additive_mol_per_m,additive_influx_mol_per_m,additive_max,xi_grown_mean,short_circuit_s')).toBe(true);
      await sim.backend.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
