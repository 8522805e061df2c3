/**
 * The mechanics section of a scenario (src/model/mechanics.ts): units, defaults, the scaled
 * coefficients, and bad input refused with the field, the value and the allowed range.
 */
import { describe, expect, it } from 'vitest';
import { coefficients, derivedGroups, scenarioWarnings } from '../../src/model/derived.ts';
import { fieldDefs } from '../../src/model/fields.ts';
import { initialFields } from '../../src/model/initial.ts';
import { MECH_CLAMP, MECH_PERIODIC, MECH_ROLLER, MECH_TRACTION } from '../../src/model/mechanics.ts';
import { parseScenario, ScenarioError } from '../../src/model/scenario.ts';
import { quantityList, quantityValues } from '../../src/render/quantities.ts';

const base = {
  name: 'mech',
  grid: { dims: 2, n: [16, 8], dx: '0.25 um' },
  time: { end: '1 s', output: '1 s' },
  voltage: '-0.1 V',
  initial: { layer: '1 um' },
};

function issues(mechanics: unknown, extra: Record<string, unknown> = {}): string[] {
  try {
    parseScenario({ ...base, ...extra, mechanics });
  } catch (e) {
    if (e instanceof ScenarioError) return e.issues;
    throw e;
  }
  return [];
}

describe('mechanics scenario section', () => {
  it('accepts SI numbers and units, G or E, "liquid"; fills the defaults; scales by the metal shear modulus', () => {
    const s = parseScenario({ ...base, mechanics: { electrolyte: { G: '60 GPa', nu: 0.26 }, eigenstrain: 0.001, stackPressure: '2 MPa' } });
    const m = coefficients(s).mechanics!;
    // Li: E = 4.9 GPa, ν = 0.42 → μ = E/(2(1+ν)) = 1.7254 GPa, λ = 2μν/(1−2ν) = 9.0584 GPa
    expect(m.muRef).toBeCloseTo(4.9e9 / 2.84, 0);
    expect(m.lamM).toBeCloseTo((2 * 0.42) / (1 - 0.84), 12);
    expect(m.muE).toBeCloseTo(60e9 / m.muRef, 9);
    expect(m.pressure).toBeCloseTo(2e6 / m.muRef, 15);
    expect([...m.faces]).toEqual([MECH_CLAMP, MECH_TRACTION, MECH_ROLLER, MECH_ROLLER, MECH_ROLLER, MECH_ROLLER]);
    expect(m.e0).toEqual([0.001, 0.001, 0.001]);
    const liquid = coefficients(
      parseScenario({ ...base, boundary: { lateral: 'periodic' }, mechanics: { electrolyte: 'liquid', eigenstrain: { xx: 0.01, yy: 0 } } }),
    ).mechanics!;
    expect(liquid.liquid).toBe(true);
    expect(liquid.muE).toBeCloseTo(1e-4, 15);
    expect(liquid.e0).toEqual([0.01, 0, 0]);
    expect([...liquid.faces].slice(0, 4)).toEqual([MECH_CLAMP, MECH_TRACTION, MECH_PERIODIC, MECH_PERIODIC]);
    const g = derivedGroups(s).map((x) => x.symbol);
    expect(g).toEqual(expect.arrayContaining(['G_el/G_metal', 'Ω·100 MPa/RT']));
  });

  it('adds the displacement (state) and the stresses (outputs) to the field registry; the initial displacement is zero', () => {
    const s = parseScenario({ ...base, mechanics: { electrolyte: 'liquid', eigenstrain: 0.001 } });
    const defs = fieldDefs(coefficients(s));
    expect(defs.filter((d) => d.state).map((d) => d.key)).toEqual(['xi', 'c', 'psi', 'ux', 'uy']);
    expect(defs.filter((d) => d.derive).map((d) => d.output?.name)).toEqual(['sigma_h', 'sigma_vm']);
    const f = initialFields(s);
    expect(f.ux?.every((v) => v === 0)).toBe(true);
    expect(f.uy?.length).toBe(16 * 8);
  });

  it("puts the displacement and the stresses in the page's quantity list; σ_h of confined metal is −E ε⁰/(1 − 2ν)", () => {
    const s = parseScenario({ ...base, mechanics: { electrolyte: { G: '60 GPa', nu: 0.26 }, eigenstrain: 0.001 } });
    const q = quantityList(s, ['xi', 'c', 'psi', 'xidot', 'ux', 'uy']);
    const by = Object.fromEntries(q.map((x) => [x.id, x]));
    expect(q.map((x) => x.id)).toEqual(expect.arrayContaining(['ux', 'uy', 'sigma_h', 'sigma_vm']));
    expect([by.ux.unit, by.sigma_h.unit, by.sigma_vm.unit]).toEqual(['um', 'MPa', 'MPa']);
    expect(by.sigma_h.colormap).toBe('coolwarm');
    // all metal, held at u = 0 (plane strain): ε_e = −ε⁰ in x, y and z, so σ = −3K ε⁰ I with
    // 3K = E/(1 − 2ν) = 4.9 GPa/0.16: σ_h = −30.625 MPa, no deviatoric part (σ_vm = 0)
    const N = 16 * 8;
    const f = {
      xi: new Float64Array(N).fill(1),
      c: new Float64Array(N),
      psi: new Float64Array(N),
      ux: new Float64Array(N),
      uy: new Float64Array(N),
    };
    const sh = quantityValues('sigma_h', s, f);
    const vm = quantityValues('sigma_vm', s, f);
    for (let p = 0; p < N; p++) {
      expect(sh[p]).toBeCloseTo(-30.625, 9);
      expect(vm[p]).toBeCloseTo(0, 9);
    }
  });

  it('refuses bad moduli, strains and pressures with the field and the allowed range', () => {
    // the coupling is derived for the concentration form's units
    expect(issues({ electrolyte: 'liquid', eigenstrain: 0.001 }, { model: 'grand-potential' })).toEqual([
      expect.stringMatching(/^mechanics: not available with model "grand-potential"/),
    ]);
    expect(issues({ electrolyte: { G: '1 GPa', nu: 0.5 }, eigenstrain: 0 })).toEqual([
      expect.stringMatching(/^mechanics\.electrolyte\.nu: allowed 0 <= nu <= 0\.49.*\(got 0\.5\)/),
    ]);
    expect(issues({ electrolyte: { E: '1 GPa', G: '1 GPa', nu: 0.3 }, eigenstrain: 0 })).toEqual([
      expect.stringMatching(/^mechanics\.electrolyte: give exactly one of E .* and G/),
    ]);
    expect(issues({ electrolyte: { E: -1, nu: 0.3 }, eigenstrain: 0 })[0]).toMatch(
      /^mechanics\.electrolyte\.E: out of range: allowed >= 100000 and <= 1000000000000 Pa \(got -1\)/,
    );
    expect(issues({ electrolyte: { E: '2 TPa', nu: 0.3 }, eigenstrain: 0 })[0]).toMatch(
      /^mechanics\.electrolyte\.E: unknown pressure unit "TPa"/,
    );
    expect(issues({ electrolyte: { G: '100 kPa', nu: 0.3 }, eigenstrain: 0 })[0]).toMatch(
      /shear modulus 1\.00e\+5 Pa is 5\.80e-5 × the metal's; allowed 0\.0001 to 1000 × \(use "liquid"/,
    );
    expect(issues({ electrolyte: 'liquid', eigenstrain: 0.2 })[0]).toMatch(
      /^mechanics\.eigenstrain: .*allowed -0\.1 <= eigenstrain <= 0\.1/,
    );
    expect(issues({ electrolyte: 'liquid', eigenstrain: 0, stackPressure: '-1 MPa' })[0]).toMatch(
      /^mechanics\.stackPressure: out of range: allowed >= 0 and <= 1000000000 Pa/,
    );
    expect(issues({ electrolyte: 'solid', eigenstrain: 0 }).length).toBeGreaterThan(0);
    expect(issues({ electrolyte: 'liquid' })[0]).toMatch(/^mechanics\.eigenstrain/);
    expect(issues({ electrolyte: 'liquid', eigenstrain: 0, youngs: 1 })[0]).toMatch(/Unrecognized key/);
    expect(
      issues(
        { electrolyte: 'liquid', eigenstrain: 0 },
        { host: { geometry: { pillars: { width: '1 um', height: '1 um', spacing: '2 um' } } } },
      ),
    ).toEqual([expect.stringMatching(/^mechanics: not available with a 3D host/)]);
  });

  it('warns when the elastic energy rivals the double-well barrier', () => {
    const s = parseScenario({ ...base, mechanics: { electrolyte: { G: '60 GPa', nu: 0.26 }, eigenstrain: 0.01 } });
    expect(scenarioWarnings(s).join('\n')).toMatch(/elastic energy scale .* × the double-well barrier W/);
    const ok = parseScenario({ ...base, mechanics: { electrolyte: { G: '60 GPa', nu: 0.26 }, eigenstrain: 0.002 } });
    expect(scenarioWarnings(ok).join('\n')).not.toMatch(/double-well/);
  });
});
