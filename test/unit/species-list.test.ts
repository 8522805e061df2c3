/**
 * Transported species as a list (src/model/species.ts, src/model/fields.ts): a second species
 * that exists only in the tests (test/conformance/second-species.ts: a schema and coefficients)
 * runs through the solver, the metrics, checkpoints and outputs on the CPU reference without any
 * of them knowing it. Its conformance on every backend is SPECIES_CASES (test/conformance/body.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CpuBackend } from '../../src/backends/cpu/backend.ts';
import { makeBCs, makeLayout } from '../../src/backends/layout.ts';
import { readCheckpoint, writeCheckpoint } from '../../src/io/checkpoint.ts';
import { RunWriter } from '../../src/io/run-output.ts';
import { decodeVti } from '../../src/io/vti.ts';
import { coefficients } from '../../src/model/derived.ts';
import { fieldDefs } from '../../src/model/fields.ts';
import { initialFields, initialProps } from '../../src/model/initial.ts';
import { parseScenario, type ScenarioError, type Scenario, type ScenarioInput } from '../../src/model/scenario.ts';
import { registerSpeciesKind } from '../../src/model/species.ts';
import { metricColumns } from '../../src/solver/metrics.ts';
import { Simulation } from '../../src/solver/simulation.ts';
import { TRACER } from '../conformance/second-species.ts';

const base = (extra: Record<string, unknown> = {}): ScenarioInput =>
  ({
    name: 'species',
    grid: { dims: 2, n: [32, 16], dx: '0.25 um' },
    time: { end: 1, output: 1 },
    voltage: '-450 mV',
    initial: { layer: '1 um', nuclei: [{ center: ['1 um', '2 um'], radius: '1 um' }] },
    noise: { amplitude: 0.04, seed: 2 },
    anisotropy: { delta: 0.04 },
    ...extra,
  }) as ScenarioInput;

const ADDITIVE = { concentration: '0.05 M', diffusivity: '2e-10 m^2/s', shielding: 1 };

const cpu = (s: Scenario, threads = 1) => new CpuBackend(makeLayout(s), coefficients(s), makeBCs(s), { threads, props: initialProps(s) });

async function run(s: Scenario, until: number): Promise<Simulation> {
  const sim = new Simulation(s, cpu(s));
  await sim.start();
  await sim.runTo(until);
  return sim;
}

describe('species list: the registry', () => {
  it('a registered kind brings its section; the list, fields and columns follow it', () => {
    const s = parseScenario(base({ additive: ADDITIVE, [TRACER]: { concentration: '20 mM', migration: 0.5 } }));
    const k = coefficients(s);
    expect(k.species.map((sp) => sp.name)).toEqual(['additive', TRACER]);
    expect(k.species[1]).toMatchObject({ bulk: 20, migration: 0.5, shielding: 1 });
    expect(fieldDefs(k).map((d) => d.key)).toEqual(['xi', 'c', 'psi', 'xidot', 'additive', TRACER]);
    const f = initialFields(s);
    expect(f[TRACER]).toEqual(f.c);
    // the species' columns follow the fixed ones; the run-level xi_grown_mean and short_circuit_s come last
    expect(metricColumns(2, k.species).slice(26, -2)).toEqual([
      'additive_mol_per_m',
      'additive_influx_mol_per_m',
      'additive_max',
      'tracer_mol_per_m',
      'tracer_influx_mol_per_m',
      'tracer_max',
    ]);
    // its section is validated like any other
    try {
      parseScenario(base({ [TRACER]: { migration: 2 } }));
      expect.unreachable();
    } catch (e) {
      expect((e as ScenarioError).issues[0]).toMatch(/^tracer\.migration: /);
    }
  });

  it('refuses a kind that would clash with a field or another kind', () => {
    const kind = (name: string) => ({ name, schema: z.object({}), species: () => ({}) as never });
    expect(() => registerSpeciesKind(kind('psi'))).toThrow(/exists already/);
    expect(() => registerSpeciesKind(kind('additive'))).toThrow(/exists already/);
    expect(() => registerSpeciesKind(kind(TRACER))).toThrow(/exists already/);
    expect(() => registerSpeciesKind(kind('a-b'))).toThrow(/letters and digits/);
  });
});

describe('species list: two species on the CPU reference', () => {
  it('a passive second species leaves ξ, c̃, ψ and the first species bit for bit', async () => {
    const one = await run(parseScenario(base({ additive: ADDITIVE })), 0.02);
    const two = await run(parseScenario(base({ additive: ADDITIVE, [TRACER]: { shielding: 0 } })), 0.02);
    const a = await one.backend.read(),
      b = await two.backend.read();
    expect(two.step).toBe(one.step);
    for (const f of ['xi', 'c', 'psi', 'xidot', 'additive']) expect(b[f], f).toEqual(a[f]);
    expect(b[TRACER]).toBeDefined();
    await one.backend.dispose();
    await two.backend.dispose();
  });

  it("a second species with the first's coefficients evolves bit for bit like it, and both screen", async () => {
    const twin = await run(parseScenario(base({ additive: ADDITIVE, [TRACER]: { ...ADDITIVE, migration: 1 } })), 0.02);
    const one = await run(parseScenario(base({ additive: ADDITIVE })), 0.02);
    const t = await twin.backend.read(),
      o = await one.backend.read();
    expect(t[TRACER]).toEqual(t.additive);
    expect(twin.speciesInfluxTotal[TRACER]).toBe(twin.speciesInfluxTotal.additive);
    // the screening sums: two equal species screen more than one, so less metal is deposited
    const metal = (f: typeof t) => f.xi.reduce((x, v) => x + v, 0);
    expect(metal(t)).toBeLessThan(metal(o));
    await twin.backend.dispose();
    await one.backend.dispose();
  });

  it('each species balances its own influx (metrics), and a checkpoint with both restarts bit for bit', async () => {
    const s = parseScenario(
      base({
        additive: ADDITIVE,
        [TRACER]: { diffusivity: '1e-10 m^2/s', migration: 0.5, shielding: 2 },
        numerics: { transportTol: 1e-13 },
      }),
    );
    const a = new Simulation(s, cpu(s));
    await a.start();
    const m0 = await a.metrics();
    await a.runTo(0.01);
    let at: string | null = null;
    while (at !== 'exact') {
      at = await a.prepareCheckpoint();
      if (at !== 'exact') await a.advance(1);
    }
    const dir = mkdtempSync(join(tmpdir(), 'lid-species-'));
    try {
      writeCheckpoint(dir, {
        scenario: s,
        state: a.snapshot(),
        fields: await a.backend.read(),
        loop: { nextIndex: 1, nextTime: 1, nextCheckpoint: 1, outputs: [] },
        backend: 'cpu',
        device: 'test',
        lidendrite: 'test',
        exact: true,
      });
      const ck = readCheckpoint(dir);
      expect(ck.header.payload.fields).toEqual(['xi', 'c', 'psi', 'xidot', 'additive', TRACER]);
      expect(ck.state.speciesInfluxTotal).toEqual(a.speciesInfluxTotal);
      await a.runTo(0.02);
      const b = new Simulation(ck.scenario, cpu(ck.scenario, 2));
      await b.restore(ck.state, ck.fields);
      await b.runTo(0.02);
      const fa = await a.backend.read(),
        fb = await b.backend.read();
      expect(b.step).toBe(a.step);
      for (const f of ['xi', 'c', 'psi', 'additive', TRACER]) expect(fb[f], f).toEqual(fa[f]);
      expect(b.speciesInfluxTotal).toEqual(a.speciesInfluxTotal);
      const m1 = await a.metrics();
      for (const n of ['additive', TRACER]) {
        const gained = m1[`${n}_mol_per_m`] - m0[`${n}_mol_per_m`];
        console.log(`[species] ${n}: +${gained.toExponential(4)} mol/m, influx ${m1[`${n}_influx_mol_per_m`].toExponential(4)} mol/m`);
        expect(m1[`${n}_influx_mol_per_m`]).toBeGreaterThan(0.05 * m0[`${n}_mol_per_m`]);
        expect(Math.abs(gained - m1[`${n}_influx_mol_per_m`])).toBeLessThan(1e-10 * m1[`${n}_mol_per_m`]);
      }
      // a restart without one of the species' fields is refused, naming it
      const missing = { ...ck.fields, [TRACER]: undefined };
      const c = new Simulation(ck.scenario, cpu(ck.scenario));
      await expect(c.restore(ck.state, missing)).rejects.toThrow(/tracer \(b̃ = c_b\/c_b,bulk\): missing/);
      await Promise.all([a.backend.dispose(), b.backend.dispose(), c.backend.dispose()]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('outputs: VTI cell data and metrics.csv columns of both species, the manifest says what they are', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lid-species-out-'));
    try {
      const s = parseScenario(base({ additive: ADDITIVE, [TRACER]: {}, output: { png: false } }));
      const sim = await run(s, 0.005);
      const w = new RunWriter(dir, s, { groups: [], backend: 'cpu', device: 'test', warnings: [], argv: [] });
      const f = await sim.backend.read();
      w.writeOutput(0, sim.time, f, await sim.metrics());
      w.writeManifest({ state: 'finished' });
      const v = decodeVti(readFileSync(join(dir, 'fields', 'fields_0000.vti')));
      expect(Object.keys(v.fields)).toEqual(['xi', 'c', 'phi', 'additive', TRACER]);
      expect(v.fields[TRACER]).toEqual(f[TRACER]);
      expect(v.fields.phi).toEqual(f.psi.map((x) => x / sim.k.f));
      const header = readFileSync(join(dir, 'metrics.csv'), 'utf8').split('\n')[0];
      expect(header.endsWith('additive_max,tracer_mol_per_m,tracer_influx_mol_per_m,tracer_max,xi_grown_mean,short_circuit_s')).toBe(true);
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
      expect(manifest.units.fields).toMatch(/; additive: .*; tracer: test-only second additive/);
      await sim.backend.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
