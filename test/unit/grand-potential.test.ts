/**
 * The grand-potential form's scenario section, derived parameters, groups, site fractions and the
 * per-cell capacity inversion of its Newton update (docs/grand-potential.md §1–2).
 */
import { describe, expect, it } from 'vitest';
import { gpDeltaRho, gpInvertRho } from '../../src/backends/cpu/gp-transport.ts';
import { scenarioToInput } from '../../src/io/checkpoint.ts';
import { coefficients, derivedGroups } from '../../src/model/derived.ts';
import {
  equilibriumPotential,
  GP_DEFAULTS,
  gpCoefficients,
  logistic,
  logisticSlope,
  migrationFrontK,
  siteL,
  wOfConcentration,
} from '../../src/model/grand-potential.ts';
import { initialFields } from '../../src/model/initial.ts';
import { interfaceWidth } from '../../src/model/params.ts';
import { parseScenario, ScenarioError } from '../../src/model/scenario.ts';

const base = () => ({
  name: 'gp-unit',
  model: 'grand-potential' as const,
  grid: { dims: 2 as const, n: [32, 16], dx: '0.25 um' },
  time: { end: 1, output: 0.5 },
  voltage: -0.45,
});

function issues(raw: unknown): string[] {
  try {
    parseScenario(raw);
  } catch (e) {
    if (e instanceof ScenarioError) return e.issues;
    throw e;
  }
  return [];
}

describe('grand-potential scenario', () => {
  it('fills the input values and derives the SI parameters the shared code reads', () => {
    const s = parseScenario(base());
    expect(s.grandPotential).toEqual({ ...GP_DEFAULTS });
    const p = s.parameters;
    expect(interfaceWidth(p)).toBeCloseTo(0.5e-6, 15);
    expect(p.Leta).toBe(0.001);
    expect(p.sigmaS).toBe(1e6);
    expect(p.sigmaL).toBe(1.19);
    expect(p.Dl).toBeCloseTo(317.9e-12, 20);
    expect(p.cs / p.c0).toBeCloseTo(76.696, 2);
    const k = coefficients(s);
    expect(k.mobW).toBeCloseTo(15, 12);
    expect(k.mobKappa).toBeCloseTo(1.875, 12);
    expect(k.Leta).toBe(0.001);
    expect(k.sigmaS).toBeCloseTo(1e6 / 1.19, 6);
    expect(k.gp?.K).toBeCloseTo(14.8877, 4);
    expect(k.gp?.M0).toBeCloseTo(317.9, 10);
    expect(k.Ds).toBe(0);
    // β = AA·ft2/S2
    expect(k.beta).toBeCloseTo((k.f * 0.0074) / 1.19, 10);
  });

  it('is absent from a concentration scenario and refused there', () => {
    const s = parseScenario({ ...base(), model: undefined });
    expect(s.grandPotential).toBeUndefined();
    expect(s.model).toBeUndefined();
    expect(JSON.stringify(s)).not.toMatch(/"model"/);
    expect(coefficients(s).gp).toBeUndefined();
    expect(issues({ ...base(), model: 'concentration', grandPotential: { M0: 300 } })[0]).toMatch(
      /^grandPotential: only used with model "grand-potential"/,
    );
    expect(issues({ ...base(), model: 'moose' })[0]).toMatch(/^model: Invalid enum value/);
  });

  it('refuses the concentration parameters, the binary electrolyte, the additive and a uniform c̃, naming why', () => {
    expect(issues({ ...base(), parameters: { Dl: 3e-10 } })[0]).toMatch(
      /^parameters\.Dl: not an input of model "grand-potential", which derives it from grandPotential\.M0/,
    );
    expect(issues({ ...base(), electrolyte: { model: 'binary', transference: 0.3 } })[0]).toMatch(
      /^electrolyte\.model: "binary" is not available .* one mobile species/,
    );
    expect(issues({ ...base(), additive: {} })[0]).toMatch(/^additive: not available .* electrolyte sites/);
    expect(issues({ ...base(), initial: { concentration: 'uniform' } })[0]).toMatch(/^initial\.concentration: "uniform" is not available/);
    expect(issues({ ...base(), boundary: { c: { x1: { type: 'dirichlet', value: 20 } } } })[0]).toMatch(
      /^boundary\.c\.x1: c\/c0 = 20 has no diffusion potential w; allowed 0 < c\/c0 < K = 1 \+ e\^el = 14\.8877 \(the electrolyte sites full\)/,
    );
    expect(issues({ ...base(), grandPotential: { M0: -1 } })[0]).toMatch(/^grandPotential\.M0: /);
    expect(issues({ ...base(), grandPotential: { nope: 1 } })[0]).toMatch(/Unrecognized key.*nope/);
    // T, alpha, c0 and activation are the form's own inputs
    expect(issues({ ...base(), parameters: { T: 330, alpha: 0.4, c0: 500, activation: { Dl: 15000 } } })).toEqual([]);
  });

  it('runs the explicit phase stage: the default for this form, "imex" refused naming why', () => {
    expect(parseScenario(base()).numerics.phase).toBe('explicit');
    expect(coefficients(parseScenario(base())).imex).toBeUndefined();
    expect(parseScenario({ ...base(), numerics: { phase: 'explicit' } }).numerics.phase).toBe('explicit');
    expect(issues({ ...base(), numerics: { phase: 'imex' } })[0]).toMatch(
      /^numerics\.phase: "imex" is not available with model "grand-potential": .* use "explicit"/,
    );
    // the concentration form keeps its default
    expect(parseScenario({ ...base(), model: undefined }).numerics.phase).toBe('imex');
  });

  it('round-trips through the checkpoint input form', () => {
    const s = parseScenario({ ...base(), grandPotential: { M0: 300, S1: 1e7 }, parameters: { T: 320, activation: { Leta: '20 kJ/mol' } } });
    const again = parseScenario(scenarioToInput(s));
    expect(again).toEqual(s);
  });

  it('prints its own derived groups', () => {
    const g = Object.fromEntries(derivedGroups(parseScenario(base())).map((x) => [x.symbol, x.value]));
    expect(g['AA = nF/RT']).toBeCloseTo(38.68, 2);
    expect(g['w']).toBeCloseTo(0.5, 10);
    expect(g['K = 1 + e^el']).toBeCloseTo(14.8877, 4);
    expect(g['w_bulk']).toBeCloseTo(0, 12);
    expect(g['K·dv·c_s']).toBeCloseTo(81.88, 2);
    expect(g['mass/charge']).toBeCloseTo(81.87 / 76.7, 2);
    expect(g['φ_eq(w_bulk)']).toBeCloseTo((-Math.LN2 / 38.682) * 1e3, 2);
    expect(g['K_front']).toBeCloseTo(68.42, 1);
  });

  it('starts from a uniform w at the reservoir with c̃ = K·c_l(w)(1 − h)', () => {
    const s = parseScenario({ ...base(), initial: { layer: '2 um' }, boundary: { c: { x1: { type: 'dirichlet', value: 0.5 } } } });
    const f = initialFields(s);
    const g = coefficients(s).gp!;
    const w0 = wOfConcentration(g, 0.5);
    expect(f.w!.every((v) => v === w0)).toBe(true);
    expect(g.K * siteL(g, w0)).toBeCloseTo(0.5, 14);
    // far electrolyte c̃ = 0.5, metal 0
    expect(f.c[31]).toBeCloseTo(0.5, 12);
    expect(f.c[0]).toBeLessThan(1e-8);
  });
});

describe('grand-potential site fractions and known answers', () => {
  const g = gpCoefficients({ ...GP_DEFAULTS }, GP_DEFAULTS.M0);
  it('logistic and its slope are accurate on both tails', () => {
    for (const x of [-700, -40, -13.8, 0, 2.631, 40, 700]) {
      const s = logistic(x);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
      expect(logisticSlope(x)).toBeCloseTo(s * (1 - s), 15);
    }
    // 1 − σ(x) is not formed: σ(x)(1 − σ(x)) keeps its relative accuracy where σ → 1
    expect(logisticSlope(30) / Math.exp(-30)).toBeCloseTo(1, 10);
  });

  it('w and c̃ invert each other; φ_eq and K_front follow docs §3, §4', () => {
    for (const c of [1e-6, 0.1, 1, 5, 14]) expect(g.K * siteL(g, wOfConcentration(g, c))).toBeCloseTo(c, 10);
    expect(wOfConcentration(g, 1)).toBeCloseTo(0, 14);
    expect(equilibriumPotential(g, 38.682, 0)).toBeCloseTo(-Math.LN2 / 38.682, 12);
    expect(migrationFrontK(g, 38.682, -0.45)).toBeCloseTo((317.9 * 38.682 * 0.45) / (g.K * 5.5 * (1 / (1 + Math.exp(-13.8))) - 1), 8);
  });

  it('the capacity inversion lands on the assigned change of ρ, or 0.999 of the way to a bound', () => {
    for (const h of [0, 0.3, 0.9, 0.999, 1]) {
      for (const w0 of [-8, 0, 3]) {
        for (const target of [-0.2, -1e-3, -1e-9, 1e-9, 1e-3, 0.2]) {
          const w = gpInvertRho(g, h, w0, target, w0);
          const rho0 = (1 - h) * siteL(g, w0) + h * g.dv * logistic(w0 - g.es);
          const rhoMax = 1 - h + h * g.dv;
          const want = target < 0 ? Math.max(target, -0.999 * rho0) : Math.min(target, 0.999 * (rhoMax - rho0));
          // (the room is formed as a sum, equal to ρ_max − ρ0 up to round-off)
          expect(Math.abs(gpDeltaRho(g, h, w0, w) - want)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(want)) + 1e-15);
        }
      }
    }
  });
});
