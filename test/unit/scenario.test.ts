import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError } from '../../src/model/scenario.ts';
import { coefficients, derivedGroups, scenarioWarnings } from '../../src/model/derived.ts';
import { parseQuantity } from '../../src/model/units.ts';

const base = () => ({
  name: 'unit',
  grid: { dims: 2, n: [32, 16], dx: '0.25 um' },
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

describe('scenario schema', () => {
  it('fills the model.md §2 defaults and converts units to SI', () => {
    const s = parseScenario(base());
    expect(s.grid.dx).toBeCloseTo(0.25e-6, 18);
    expect(s.parameters.Dl).toBe(3.197e-10);
    expect(s.parameters.sigmaS).toBe(1e7);
    expect(s.boundary.phi.x0).toEqual({ type: 'dirichlet', value: -0.45 });
    expect(s.boundary.c.x1).toEqual({ type: 'dirichlet', value: 1 });
    expect(parseScenario({ ...base(), voltage: '-450 mV' }).voltage).toBeCloseTo(-0.45, 12);
  });

  it('derives the groups of model.md §2', () => {
    const s = parseScenario(base());
    const k = coefficients(s);
    expect(k.f).toBeCloseTo(38.69, 1);
    expect(k.mobW).toBeCloseTo(15, 10);
    expect(k.mobKappa).toBeCloseTo(1.875, 10);
    expect(k.Dl).toBeCloseTo(319.7, 6);
    expect(k.csRatio).toBeCloseTo(76.4, 10);
    const g = Object.fromEntries(derivedGroups(s).map((x) => [x.symbol, x.value]));
    expect(g['w']).toBeCloseTo(0.5, 10);
    expect(g['nFc_s l0²/(σ_l t0)']).toBeCloseTo(6.2e-3, 4);
    expect(g['exp(αf|V|)']).toBeGreaterThan(5900);
    expect(g['exp(αf|V|)']).toBeLessThan(6100);
    expect(g['i0 = nFc_s·3w·L_η']).toBeCloseTo(11.06, 1);
  });

  it('names the field, the value and the allowed range', () => {
    const bad = issues({ ...base(), grid: { dims: 2, n: [32, 16], dx: -1 } });
    expect(bad.join('\n')).toMatch(/grid\.dx: .*allowed > 1e-10.* m.*\(got -1\)/);
    expect(issues({ ...base(), voltage: 'abc' })[0]).toMatch(/^voltage: cannot read "abc"/);
    expect(issues({ ...base(), voltage: '3 V' })[0]).toMatch(/^voltage: out of range: allowed >= -2 and <= 2 V \(got "3 V"\)/);
    expect(issues({ ...base(), grid: { dims: 2, n: [32, 16], dx: '1 parsec' } })[0]).toMatch(/unknown length unit "parsec"/);
    expect(issues({ ...base(), extra: 1 })[0]).toMatch(/Unrecognized key.*extra/);
    expect(issues({ ...base(), time: { end: 1, output: 2 } })[0]).toMatch(/^time\.output: 2 s is longer than time\.end/);
    expect(issues({ ...base(), grid: { dims: 3, n: [32, 16], dx: 1e-7 } })[0]).toMatch(/^grid\.n: needs 3 entries/);
    expect(issues({ ...base(), grid: { dims: 2, n: [1e6, 1e6], dx: 1e-7 } }).join()).toMatch(/grid\.n\.0: .*16384/);
    expect(issues('nope')[0]).toMatch(/must be a JSON object/);
  });

  it('refuses anisotropy above the ill-posed limit 1/(ω²−1)', () => {
    expect(issues({ ...base(), anisotropy: { delta: 0.066 } })).toEqual([]);
    expect(issues({ ...base(), anisotropy: { delta: 0.07 } })[0]).toMatch(/anisotropy\.delta: 0\.07 .*ill-posed.*0\.06667/);
    expect(issues({ ...base(), anisotropy: { delta: 0.03, omega: 6 } })[0]).toMatch(/0\.02857/);
  });

  it('checks boundary conditions for consistency', () => {
    expect(issues({ ...base(), boundary: { c: { y0: { type: 'periodic' } } } }).join()).toMatch(/periodic must be set on both faces/);
    const noElectrode = { ...base(), boundary: { phi: { x0: { type: 'noflux' }, x1: { type: 'noflux' } } } };
    expect(issues(noElectrode).join()).toMatch(/boundary\.phi: the potential needs at least one dirichlet face/);
    expect(issues({ ...base(), initial: { nuclei: [{ center: ['0 um', '100 um'], radius: '1 um' }] } }).join()).toMatch(
      /initial\.nuclei\.0\.center\[1\]: .* outside the domain/,
    );
  });

  it('warns when dx > w/2', () => {
    expect(scenarioWarnings(parseScenario(base()))).toEqual([]);
    const coarse = parseScenario({ ...base(), grid: { dims: 2, n: [32, 16], dx: '1 um' } });
    expect(scenarioWarnings(coarse).join()).toMatch(/dx = 1\.00 µm > w\/2 = 0\.250 µm/);
  });

  it('parses quantities', () => {
    expect(parseQuantity('1 M', 'concentration')).toBe(1000);
    expect(parseQuantity('2.5e-1 um', 'length')).toBeCloseTo(2.5e-7, 20);
    expect(parseQuantity('  3 ', 'time')).toBe(3);
    expect(parseQuantity('x'.repeat(100), 'time')).toEqual({ error: expect.stringMatching(/too long/) });
  });
});

describe('solver-level switches: electrolyte, control, parameters.activation', () => {
  it('parses current densities and activation energies with units', () => {
    expect(parseQuantity('10 mA/cm^2', 'currentDensity')).toBe(100);
    expect(parseQuantity('-2.5 A/m^2', 'currentDensity')).toBe(-2.5);
    expect(parseQuantity('25 kJ/mol', 'molarEnergy')).toBe(25000);
    expect(parseQuantity('0.3 eV', 'molarEnergy')).toBeCloseTo(0.3 * 96485.33212, 6);
    expect(parseQuantity('1 mA', 'currentDensity')).toEqual({ error: expect.stringMatching(/unknown currentDensity unit "mA"/) });
  });

  it('accepts the documented shapes; the base model is unchanged without them', () => {
    const s = parseScenario({
      ...base(),
      electrolyte: { model: 'binary', transference: 0.38 },
      parameters: { T: 320, activation: { Dl: '15 kJ/mol', Leta: 30000 } },
      control: {
        schedule: [
          { mode: 'galvanostatic', current: '10 mA/cm^2', duration: '1 s' },
          { mode: 'potentiostatic', voltage: '0.1 V', duration: 0.5 },
        ],
      },
    });
    expect(s.control?.schedule?.[0]).toEqual({ mode: 'galvanostatic', current: 100, duration: 1 });
    expect(s.control?.vmin).toBe(-1);
    expect(s.parameters.activation).toEqual({ Dl: 15000, Leta: 30000, sigmaL: 0, Tref: 300 });
    const k = coefficients(s);
    expect(k.migration).toBe(0);
    expect(k.sink).toBeCloseTo(0.62, 15);
    const k0 = coefficients(parseScenario(base()));
    expect(k0.migration).toBe(1);
    expect(k0.sink).toBe(1);
    const g = Object.fromEntries(derivedGroups(s).map((x) => [x.symbol, x.value]));
    expect(g['t_a = 1 − t₊']).toBeCloseTo(0.62, 15);
    expect(g['τ_Sand']).toBeGreaterThan(0);
  });

  it('names the field and the allowed range', () => {
    expect(issues({ ...base(), electrolyte: { model: 'binary' } })[0]).toMatch(
      /^electrolyte\.transference: required for the binary model.*0 <= t\+ < 1/,
    );
    expect(issues({ ...base(), electrolyte: { model: 'binary', transference: 1 } })[0]).toMatch(
      /^electrolyte\.transference: allowed 0 <= t\+ < 1.*\(got 1\)/,
    );
    expect(issues({ ...base(), electrolyte: { transference: 0.3 } })[0]).toMatch(
      /^electrolyte\.transference: only used with model "binary"/,
    );
    expect(issues({ ...base(), control: { mode: 'galvanostatic' } })[0]).toMatch(/^control\.current: required for mode "galvanostatic"/);
    expect(issues({ ...base(), control: { mode: 'galvanostatic', current: '10 mA' } })[0]).toMatch(
      /^control\.current: unknown currentDensity unit "mA"/,
    );
    expect(
      issues({
        ...base(),
        control: { mode: 'galvanostatic', current: 5, schedule: [{ mode: 'potentiostatic', voltage: 0, duration: 1 }] },
      })[0],
    ).toMatch(/^control: give either mode\/current or schedule/);
    expect(issues({ ...base(), control: { schedule: [{ mode: 'potentiostatic', voltage: '1.5 V', duration: 1 }] } })[0]).toMatch(
      /^control\.schedule\.0\.voltage: 1\.5 V is outside control\.vmin\.\.vmax = \[-1, 1\] V/,
    );
    expect(issues({ ...base(), control: { schedule: [{ mode: 'galvanostatic', current: 1, duration: 0 }] } })[0]).toMatch(
      /^control\.schedule\.0\.duration: out of range: allowed > 0/,
    );
    expect(issues({ ...base(), control: { mode: 'galvanostatic', current: 1, vmin: 0.5, vmax: 0.2 } }).join()).toMatch(
      /control\.vmin: 0\.5 V must be below control\.vmax = 0\.2 V/,
    );
    expect(issues({ ...base(), parameters: { activation: { Dl: -1 } } })[0]).toMatch(
      /^parameters\.activation\.Dl: out of range: allowed >= 0 and <= 300000 J\/mol/,
    );
    expect(
      issues({ ...base(), boundary: { phi: { x0: { type: 'noflux' } } }, control: { mode: 'galvanostatic', current: 1 } }).join(),
    ).toMatch(/control: needs the collector face boundary\.phi\.x0 to be dirichlet/);
  });
});

describe('numerics.phase (docs/imex-phase.md)', () => {
  it('accepts "explicit" and "imex", refuses anything else naming the field and the choices', () => {
    expect(parseScenario({ ...base(), numerics: { phase: 'explicit' } }).numerics.phase).toBe('explicit');
    expect(parseScenario({ ...base(), numerics: { phase: 'imex' } }).numerics.phase).toBe('imex');
    const bad = issues({ ...base(), numerics: { phase: 'implicit' } });
    expect(bad.join('\n')).toMatch(/numerics\.phase: .*"explicit" or "imex"/);
    expect(issues({ ...base(), numerics: { imexSweeps: 0 } }).join('\n')).toMatch(/numerics\.imexSweeps/);
    expect(issues({ ...base(), numerics: { phaseTol: 1 } }).join('\n')).toMatch(/numerics\.phaseTol/);
  });

  it('IMEX: coefficients carry the implicit stiffness; no dx² bound and no step-count warning from it', () => {
    const s = parseScenario({ ...base(), anisotropy: { delta: 0.04, omega: 4 }, numerics: { phase: 'imex' } });
    const k = coefficients(s);
    // K = (1+δ)² + δω²(1+δ), the explicit bound's stiffness
    expect(k.imex?.K).toBeCloseTo(1.04 ** 2 + 0.04 * 16 * 1.04, 12);
    expect(k.imex?.sweeps).toBe(2);
    expect(coefficients(parseScenario({ ...base(), numerics: { phase: 'explicit' } })).imex).toBeUndefined();
    // 400 s at dx = 0.25 µm: ~1e5 explicit steps (warned when over maxSteps), ~8000 at dtMax with IMEX
    const long = { ...base(), time: { end: 400, output: 10 }, numerics: { maxSteps: 20000 } };
    expect(scenarioWarnings(parseScenario({ ...long, numerics: { ...long.numerics, phase: 'explicit' } })).join()).toMatch(
      /numerics\.maxSteps/,
    );
    expect(scenarioWarnings(parseScenario({ ...long, numerics: { ...long.numerics, phase: 'imex' } })).join()).not.toMatch(
      /numerics\.maxSteps/,
    );
  });
});
