/**
 * Temperature (model.md §6, parameters.T and parameters.activation): D_l, L_η and σ_l follow
 * X(T) = X(T_ref)·exp(−E_a/R·(1/T − 1/T_ref)) and f = nF/(RT). The host computes them once
 * (src/model/params.ts atTemperature, src/model/derived.ts coefficients), so every backend gets
 * them; the conformance test runs a 330 K case on every backend.
 *
 * Known answer: the flat front in the reaction-limited regime (V3 set-up, ψ and c̃ held fixed, so
 * neither D_l nor σ_l enters) moves at v = 3w·A, A = −L_η(T)[e^{(1−α)ψ} − c̃e^{−αψ}] (A ≪ L_σW).
 *  (a) at the same ψ = fφ (the same drive in thermal voltages) v(T)/v(T_ref) = L_η(T)/L_η(T_ref);
 *  (b) at the same φ (volts) the Butler–Volmer bracket changes with f(T) as well:
 *      v(T)/v(T_ref) = L_η(T)·B(f(T)φ) / (L_η(T_ref)·B(f(T_ref)φ)).
 * Both use the coefficients of parsed scenarios at 300 K and 330 K. Tolerance 0.5 %: the grid
 * error of v (0.7 % at dx = 0.125 µm, V3) is the same at both temperatures (same profile) and
 * cancels; what does not cancel is the drive-dependent profile distortion 1 − v/(3wA), about
 * 0.9 % per 1/s of A in the continuum (V3: 0.991 at A = 1 /s), i.e. ≤ 0.3 % at A ≤ 0.35 /s.
 */
import { describe, expect, it } from 'vitest';
import { coefficients, derivedGroups } from '../../src/model/derived.ts';
import { arrhenius, GAS_CONSTANT, interfaceWidth, DEFAULT_PARAMS } from '../../src/model/params.ts';
import { parseScenario } from '../../src/model/scenario.ts';
import { makeBCs, makeLayout } from '../../src/backends/layout.ts';
import { PhaseStepper, frontMean, linearFit } from './helpers.ts';

const w = interfaceWidth(DEFAULT_PARAMS) * 1e6;
const activation = { Dl: '15 kJ/mol', Leta: '30 kJ/mol', sigmaL: '12 kJ/mol', Tref: '300 K' };

function scenarioAt(T: number) {
  return parseScenario({
    name: 'arrhenius',
    grid: { dims: 2, n: [160, 4], dx: '0.125 um' },
    time: { end: 1, output: 1 },
    voltage: 0,
    boundary: { lateral: 'periodic' },
    parameters: { T, activation },
  });
}

/** Flat-front velocity (µm/s) at fixed uniform ψ and c̃ = 1 with the coefficients of a scenario. */
function velocity(T: number, psi: number): { v: number; A: number } {
  const s = scenarioAt(T);
  const L = makeLayout(s),
    bc = makeBCs(s),
    k = { ...coefficients(s), noiseSigma: 0 };
  const dx = L.dx,
    nx = L.nx,
    x0 = 5;
  const xi = new Float64Array(L.N);
  for (let j = 0; j < L.ny; j++) for (let i = 0; i < nx; i++) xi[i + nx * j] = 0.5 * (1 - Math.tanh(((i + 0.5) * dx - x0) / w));
  const ps = new PhaseStepper(L, k, bc.xi, xi, new Float64Array(L.N).fill(1), new Float64Array(L.N).fill(psi));
  const dt = (0.8 * dx * dx) / (4 * k.mobKappa);
  const ts: number[] = [],
    xs: number[] = [];
  for (let n = 1; n * dt <= 4; n++) {
    ps.step(dt);
    if (n % 20 === 0 && n * dt > 0.5) {
      ts.push(n * dt);
      xs.push(frontMean(L, xi));
    }
  }
  const A = -k.Leta * (Math.exp((1 - k.alpha) * psi) - Math.exp(-k.alpha * psi));
  return { v: linearFit(ts, xs).slope, A };
}

describe('Arrhenius temperature dependence', () => {
  it('coefficients: D_l, L_η, σ_l scale by exp(−E_a/R(1/T − 1/T_ref)), f = nF/(RT); printed with the groups', () => {
    const s0 = scenarioAt(300),
      s1 = scenarioAt(330);
    const k0 = coefficients(s0),
      k1 = coefficients(s1);
    const fac = (Ea: number) => Math.exp((-Ea / GAS_CONSTANT) * (1 / 330 - 1 / 300));
    expect(k1.Leta / k0.Leta).toBeCloseTo(fac(30e3), 12);
    expect(k1.Dl / k0.Dl).toBeCloseTo(fac(15e3), 12);
    expect(k1.f / k0.f).toBeCloseTo(300 / 330, 12);
    // β = f·nFc_s·l0²/σ_l(T): σ_l enters the potential equation through β
    expect(k1.beta / k1.f / (k0.beta / k0.f)).toBeCloseTo(1 / fac(12e3), 12);
    expect(arrhenius(0, 330, 300)).toBe(1);
    // at T_ref the table values hold exactly, and without `activation` nothing changes
    const plain = coefficients(parseScenario({ ...scenarioInput(), parameters: {} }));
    expect(k0.Leta).toBe(plain.Leta);
    expect(k0.Dl).toBe(plain.Dl);
    expect(k0.beta).toBe(plain.beta);
    const g = Object.fromEntries(derivedGroups(s1).map((x) => [x.symbol, x.value]));
    expect(g['L_η(T)/L_η(T_ref)']).toBeCloseTo(fac(30e3), 12);
    expect(g['σ_l']).toBeCloseTo(1.19 * fac(12e3), 12);
    console.log(
      `Arrhenius at 330 K (E_a = 15/30/12 kJ/mol): D_l ×${fac(15e3).toFixed(4)}, L_η ×${fac(30e3).toFixed(4)}, σ_l ×${fac(12e3).toFixed(4)}, f ${k0.f.toFixed(3)} → ${k1.f.toFixed(3)} 1/V`,
    );
  });

  it('flat-front velocity in the reaction-limited regime scales with L_η(T)', () => {
    const k0 = coefficients(scenarioAt(300)),
      k1 = coefficients(scenarioAt(330));
    // (a) the same ψ: A = 0.12 /s at 300 K, 0.35 /s at 330 K
    const psi = -2 * Math.asinh(0.12 / (2 * k0.Leta));
    const a0 = velocity(300, psi),
      a1 = velocity(330, psi);
    const ratioA = a1.v / a0.v,
      expectA = k1.Leta / k0.Leta;
    // (b) the same φ: ψ = f(T)φ
    const phi = psi / k0.f;
    const b1 = velocity(330, k1.f * phi);
    const ratioB = b1.v / a0.v;
    const B = (f: number) => Math.exp(-k0.alpha * f * phi) - Math.exp((1 - k0.alpha) * f * phi);
    const expectB = (k1.Leta * B(k1.f)) / (k0.Leta * B(k0.f));
    console.log(
      `Arrhenius flat front: 300 K v = ${a0.v.toFixed(5)} µm/s (v/3wA = ${(a0.v / (3 * w * a0.A)).toFixed(4)}); ` +
        `330 K same ψ = ${psi.toFixed(3)}: v = ${a1.v.toFixed(5)} µm/s, ratio ${ratioA.toFixed(5)} vs L_η(330)/L_η(300) = ${expectA.toFixed(5)}; ` +
        `330 K same φ = ${(1000 * phi).toFixed(2)} mV: v = ${b1.v.toFixed(5)} µm/s, ratio ${ratioB.toFixed(5)} vs ${expectB.toFixed(5)}`,
    );
    expect(Math.abs(ratioA / expectA - 1)).toBeLessThan(0.005);
    expect(Math.abs(ratioB / expectB - 1)).toBeLessThan(0.005);
  }, 60_000);
});

function scenarioInput() {
  return {
    name: 'arrhenius',
    grid: { dims: 2 as const, n: [160, 4], dx: '0.125 um' },
    time: { end: 1, output: 1 },
    voltage: 0,
    boundary: { lateral: 'periodic' as const },
  };
}
