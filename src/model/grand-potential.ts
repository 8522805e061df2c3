/**
 * The grand-potential form of Hong & Viswanathan (2018) as their MOOSE input solves it
 * (model.md §7; derivation and discretisation in docs/grand-potential.md): scenario section,
 * parameter set, site fractions and the conversions between the diffusion potential w and
 * c̃ = c/c0. No GPU imports; the solver stages live in src/backends/cpu/gp-transport.ts and
 * shaders/gp_*.
 *
 * Normalised units of the input: l0 = 1 µm, t0 = 1 s, energies over c0RT, φ in volts,
 * conductivities in S/m. The parameters keep the input's names and values:
 *   L      interface mobility, 1/(c0RT·s) (L·B in 1/s, L·κ in µm²/s)
 *   B      double-well barrier height, c0RT            (W = B·c0RT)
 *   kappa  gradient coefficient, c0RT·µm²              (κ0 = kappa·c0RT·1e-12 m²)
 *   Ls     reaction rate constant, 1/s                 (L_η)
 *   M0     Li⁺ diffusivity in the electrolyte, µm²/s
 *   el, es chemical-potential offsets (over RT) of the electrolyte and electrode sites
 *   dv     site density of the electrode over that of the electrolyte
 *   S1, S2 electrode and electrolyte conductivity, S/m
 *   ft2    charge source of the potential equation, nF·c_s·(1 µm)² in C/m³·µm² (1e12 C/m³)
 * Every other quantity of the engine follows: AA = nF/(RT) from parameters.T (38.68 V⁻¹ at
 * 300 K; the input rounds it to 38.69), the electrolyte site density K·c0 with K = 1 + e^{el}
 * (so that w = 0 is the bulk c̃ = 1; the input rounds K to 14.89), and the SI parameter set the
 * shared code reads (interface width, control, metrics): gpParams().
 */
import { z } from 'zod';
import { FARADAY, GAS_CONSTANT, type PhysicalParams } from './params.ts';

/** The values of the published input (model.md §7). */
export const GP_DEFAULTS = Object.freeze({
  L: 6.25,
  B: 2.4,
  kappa: 0.3,
  Ls: 0.001,
  M0: 317.9,
  el: 2.631,
  es: -13.8,
  dv: 5.5,
  S1: 1e6,
  S2: 1.19,
  ft2: 0.0074,
});

const num = (min: number, max: number, def: number) => z.number().finite().min(min).max(max).default(def);
const pos = (max: number, def: number) => z.number().finite().positive().max(max).default(def);

/** The `grandPotential` section (only with model "grand-potential"); every key has the input's value as default. */
export const grandPotentialSchema = z
  .object({
    /** 0 freezes the interface (no curvature or barrier relaxation). */
    L: num(0, 1e4, GP_DEFAULTS.L),
    B: pos(1e4, GP_DEFAULTS.B),
    kappa: pos(1e4, GP_DEFAULTS.kappa),
    /** 0 switches the reaction off. */
    Ls: num(0, 1e6, GP_DEFAULTS.Ls),
    M0: pos(1e6, GP_DEFAULTS.M0),
    el: num(-30, 30, GP_DEFAULTS.el),
    es: num(-30, 30, GP_DEFAULTS.es),
    dv: pos(1e3, GP_DEFAULTS.dv),
    S1: pos(1e10, GP_DEFAULTS.S1),
    S2: pos(1e4, GP_DEFAULTS.S2),
    ft2: pos(1e3, GP_DEFAULTS.ft2),
  })
  .strict();
export type GrandPotentialSpec = z.output<typeof grandPotentialSchema>;

/** The parameters of the concentration form that the grand-potential form derives (and the key that sets each). */
export const GP_DERIVED_PARAMS: Readonly<Record<string, string>> = Object.freeze({
  Lsigma: 'L',
  kappa0: 'kappa',
  W: 'B',
  Leta: 'Ls',
  Dl: 'M0',
  Ds: 'M0 (the electrode has no Li⁺ mobility in this form: D = M0(1−h)²c_l)',
  sigmaS: 'S1',
  sigmaL: 'S2',
  cs: 'ft2',
});

/** Whether a scenario runs the grand-potential form (model absent = the concentration form). */
export function isGrandPotential(s: { model?: string }): boolean {
  return s.model === 'grand-potential';
}

/** c0RT, J/m³. */
export function energyScale(p: Pick<PhysicalParams, 'c0' | 'T'>): number {
  return p.c0 * GAS_CONSTANT * p.T;
}

/**
 * The concentration form's SI parameters that the grand-potential values stand for (the shared
 * code reads these: interface width √(2κ0/W) = √(2·kappa/B) µm, control's exchange current,
 * metrics' Faradaic current nFc_s·Σξ̇dV with c_s = ft2·1e12/(nF)). D_s = 0: no Li⁺ in the metal.
 */
export function gpParams(g: GrandPotentialSpec, base: PhysicalParams): PhysicalParams {
  const E0 = energyScale(base);
  return {
    ...base,
    Lsigma: g.L / E0,
    W: g.B * E0,
    kappa0: g.kappa * E0 * 1e-12,
    Leta: g.Ls,
    Dl: g.M0 * 1e-12,
    Ds: 0,
    sigmaS: g.S1,
    sigmaL: g.S2,
    cs: (g.ft2 * 1e12) / (base.n * FARADAY),
  };
}

/** The scaled numbers the grand-potential stages use (Coefficients.gp). */
export interface GpCoefficients {
  /** M0 at the run temperature, µm²/s (D = M0·(1−h)²·c_l, times the SEI's kD). */
  M0: number;
  el: number;
  es: number;
  dv: number;
  /** K = 1 + e^{el}: electrolyte site density over c0 (c̃ = K·c_l·(1−h)). */
  K: number;
}

export function gpCoefficients(g: GrandPotentialSpec, M0AtT: number): GpCoefficients {
  return { M0: M0AtT, el: g.el, es: g.es, dv: g.dv, K: 1 + Math.exp(g.el) };
}

/**
 * h(ξ) = ξ³(6ξ² − 15ξ + 10) of ξ clamped to [0, 1] (NaN stays NaN): every coefficient of the form
 * (ρ, χ, D, c̃) uses it, so (1 − h) ≥ 0 and χ > 0 whatever the noise does to ξ (the operator stays
 * SPD); the same as hCoef of the CPU coefficients.
 */
export function hClamped(x: number): number {
  const v = x < 0 ? 0 : Math.min(x, 1);
  return v * v * v * (6 * v * v - 15 * v + 10);
}

/**
 * 1 − h(ξ) of ξ clamped to [0, 1], from the symmetry 1 − h(ξ) = h(1 − ξ) above ½ (1 − ξ is exact
 * there): ≥ 0 and accurate to its own ulps next to the metal, where 1 − h as a difference is off by
 * ~1e-16 absolute and can be negative (c̃ = −2e-15 in a metal cell). c̃ uses it, as the GPUs' gpH does.
 */
export function oneMinusHClamped(x: number): number {
  const v = x < 0 ? 0 : Math.min(x, 1);
  if (!(v > 0.5)) return 1 - v * v * v * (6 * v * v - 15 * v + 10);
  const m = 1 - v;
  return m * m * m * (6 * m * m - 15 * m + 10);
}

/** Logistic σ(x) = 1/(1 + e^{−x}) without overflow. */
export function logistic(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** σ(x)(1 − σ(x)) = e^{−|x|}/(1 + e^{−|x|})², free of the cancellation in 1 − σ near σ = 1. */
export function logisticSlope(x: number): number {
  const e = Math.exp(-Math.abs(x));
  return e / ((1 + e) * (1 + e));
}

/** Site fraction of Li in the electrolyte, c_l(w) = σ(w − el). */
export function siteL(g: GpCoefficients, w: number): number {
  return logistic(w - g.el);
}

/** Site fraction of Li in the electrode, c_s(w) = σ(w − es). */
export function siteS(g: GpCoefficients, w: number): number {
  return logistic(w - g.es);
}

/** w of an electrolyte concentration c̃ = K·c_l (0 < c̃ < K): w = el + ln(c_l/(1 − c_l)). */
export function wOfConcentration(g: Pick<GpCoefficients, 'el' | 'K'>, c: number): number {
  return g.el + Math.log(c / (g.K - c));
}

/**
 * Zero net current of (1′) on a flat equilibrium profile: the reduction term carries (1−h),
 * whose weight across the profile is ½ of the oxidation term's, so the interface stands still at
 * AA·φ = ln(½·K·c_l(w)) (docs/grand-potential.md §3); returns φ in volts.
 */
export function equilibriumPotential(g: GpCoefficients, AA: number, w: number): number {
  return Math.log(0.5 * g.K * siteL(g, w)) / AA;
}

/**
 * The migration-limited flat front (docs/grand-potential.md §4): v = K_front/L_e with
 * K_front = M0·AA·|V|/(K·dv·c_s − 1), c_s = c_s(w) of the metal (≈ 1): L_e² = L_e(0)² − 2K_front·t.
 * µm²/s.
 */
export function migrationFrontK(g: GpCoefficients, AA: number, volts: number, wMetal = 0): number {
  return (g.M0 * AA * Math.abs(volts)) / (g.K * g.dv * siteS(g, wMetal) - 1);
}

/** Gas constant over Faraday: RT/F per kelvin, V/K (for messages). */
export const R_OVER_F = GAS_CONSTANT / FARADAY;

/** What resolveGrandPotential needs from a parsed scenario (structural, so scenario.ts can pass its own types). */
export interface GpScenarioView {
  model: 'concentration' | 'grand-potential';
  grandPotential?: GrandPotentialSpec;
  /** The parameters as the user gave them (before defaults). */
  given: Partial<Record<keyof PhysicalParams, unknown>>;
  electrolyte?: { model: string };
  additive?: unknown;
  initialConcentration: 'electrolyte' | 'uniform';
  /** boundary.c after defaults: Dirichlet values are c̃. */
  boundaryC: Record<string, { type: string; value?: number }>;
}

/**
 * Checks a grand-potential scenario (or a concentration one that carries a grandPotential
 * section) and returns the resolved section and the SI parameters the engine runs with; problems
 * go to `issues` with the field, the value and what is allowed. `base` holds the defaults merged
 * with the given T, n, alpha, c0 and activation.
 */
export function resolveGrandPotential(
  v: GpScenarioView,
  base: PhysicalParams,
  issues: string[],
): { spec: GrandPotentialSpec; params: PhysicalParams } | null {
  if (v.model !== 'grand-potential') {
    if (v.grandPotential !== undefined) issues.push('grandPotential: only used with model "grand-potential" (got model "concentration")');
    return null;
  }
  const spec = v.grandPotential ?? grandPotentialSchema.parse({});
  const params = gpParams(spec, base);
  // the concentration form's parameters are derived here; a value equal to the derived one is
  // accepted (a resolved scenario read back from a checkpoint or manifest carries them)
  for (const [key, from] of Object.entries(GP_DERIVED_PARAMS)) {
    const got = v.given[key as keyof PhysicalParams];
    if (got === undefined) continue;
    const want = params[key as keyof PhysicalParams];
    if (got !== want)
      issues.push(
        `parameters.${key}: not an input of model "grand-potential", which derives it from grandPotential.${from} (derived ${String(want)}, got ${String(got)}); remove it`,
      );
  }
  if (v.electrolyte?.model === 'binary')
    issues.push(
      'electrolyte.model: "binary" is not available with model "grand-potential": the Hong & Viswanathan form has one mobile species (Li⁺, no anion, no electroneutrality); use model "concentration" for the binary electrolyte',
    );
  if (v.additive !== undefined)
    issues.push(
      'additive: not available with model "grand-potential": a second cation would share the electrolyte sites of the site-fraction free energy (c_l + c_add ≤ 1), a model the published form does not define; use model "concentration"',
    );
  if (v.initialConcentration === 'uniform')
    issues.push(
      'initial.concentration: "uniform" is not available with model "grand-potential": c̃ = K·c_l(w)·(1 − h) vanishes in the metal by construction; the initial w is uniform (use "electrolyte")',
    );
  const K = 1 + Math.exp(spec.el);
  for (const [face, bc] of Object.entries(v.boundaryC)) {
    if (bc.type !== 'dirichlet' || bc.value === undefined) continue;
    if (!(bc.value > 0 && bc.value < K))
      issues.push(
        `boundary.c.${face}: c/c0 = ${bc.value} has no diffusion potential w; allowed 0 < c/c0 < K = 1 + e^el = ${K.toPrecision(6)} (the electrolyte sites full)`,
      );
  }
  return { spec, params };
}
