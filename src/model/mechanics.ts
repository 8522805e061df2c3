/**
 * The mechanics switch (docs/mechanics.md, model.md §8): quasi-static linear elasticity with
 * stiffness interpolated by h(ξ) between the metal and the electrolyte, a deposition eigenstrain
 * h(ξ)·ε⁰ carried by the metal, an optional stack pressure on the counter-electrode face x1,
 * and the stress coupled back into the phase equation (elastic driving force) and into the
 * Butler–Volmer exponents (the mechanical work ΩΔP of a mole of deposit).
 *
 * This file holds the scenario section (zod), its checks, and the scaled numbers the backends
 * use (MechCoefficients): lengths in µm, stresses over the metal's shear modulus μ_m.
 */
import { z } from 'zod';
import type { DerivedGroup } from './derived.ts';
import { GAS_CONSTANT, type PhysicalParams } from './params.ts';
import { qty } from './quantity.ts';

/** Stiffness of a "liquid" electrolyte relative to the metal (λ and μ): negligible, but keeps the operator definite. */
export const LIQUID_STIFFNESS = 1e-4;
/** Allowed ratio of the electrolyte's shear modulus to the metal's (below: use "liquid"). */
export const MODULUS_RATIO = { min: LIQUID_STIFFNESS, max: 1e3 } as const;
/** Largest eigenstrain component (small-strain elasticity). */
export const MAX_EIGENSTRAIN = 0.1;
/** Largest Poisson ratio: the displacement-decomposition preconditioner and the lowest-order scheme degrade towards 0.5. */
export const MAX_NU = 0.49;

/** Lithium (model.md §8): E = 4.9 GPa, ν = 0.42 (G = 1.73 GPa from these; model.md quotes 3.4 GPa for G). */
export const LITHIUM = { E: 4.9e9, nu: 0.42 } as const;
/** Molar volume of Li, m³/mol (13.0 cm³/mol). */
export const LI_MOLAR_VOLUME = 1.3e-5;

/** Face types of the displacement (the order of FACES: x0, x1, y0, y1, z0, z1). */
export const MECH_CLAMP = 0;
export const MECH_ROLLER = 1;
export const MECH_TRACTION = 2;
export const MECH_PERIODIC = 3;

const moduliSchema = z
  .object({
    /** Young's modulus, Pa (or "4.9 GPa"); give E or G. */
    E: qty('pressure', { min: 1e5, max: 1e12 }).optional(),
    /** Shear modulus, Pa; give E or G. */
    G: qty('pressure', { min: 1e5, max: 1e12 }).optional(),
    nu: z
      .number()
      .finite()
      .min(0, `allowed 0 <= nu <= ${MAX_NU}`)
      .max(MAX_NU, `allowed 0 <= nu <= ${MAX_NU} (nearly incompressible solids are not supported)`),
  })
  .strict();

const strainComponent = z
  .number()
  .finite()
  .min(-MAX_EIGENSTRAIN, `allowed -${MAX_EIGENSTRAIN} <= eigenstrain <= ${MAX_EIGENSTRAIN} (small strains)`)
  .max(MAX_EIGENSTRAIN, `allowed -${MAX_EIGENSTRAIN} <= eigenstrain <= ${MAX_EIGENSTRAIN} (small strains)`);

/**
 * The scenario section. eigenstrain: a number (isotropic ε⁰) or the diagonal {xx, yy, zz}
 * (xx along the growth direction x; zz defaults to yy). stackPressure: compressive normal
 * traction on the counter-electrode face x1, Pa (or "1 MPa").
 */
export const mechanicsSchema = z
  .object({
    electrolyte: z.union([z.literal('liquid'), moduliSchema]),
    metal: moduliSchema.default({ E: LITHIUM.E, nu: LITHIUM.nu }),
    eigenstrain: z.union([
      strainComponent,
      z.object({ xx: strainComponent, yy: strainComponent, zz: strainComponent.optional() }).strict(),
    ]),
    stackPressure: qty('pressure', { min: 0, max: 1e9 }).default(0),
    /** Molar volume Ω of the deposited metal in the Butler–Volmer shift ΩΔP/RT. */
    molarVolume: qty('molarVolume', { gt: 0, max: 1e-3 }).default(LI_MOLAR_VOLUME),
    /** Switch the two couplings off separately (studies, tests). */
    coupling: z
      .object({ reaction: z.boolean().default(true), driving: z.boolean().default(true) })
      .strict()
      .default({}),
    /** MG-PCG relative tolerance and iteration cap of the displacement solve. */
    tolerance: z.number().finite().min(1e-14).max(1e-2).default(1e-8),
    maxIterations: z.number().int().min(1).max(10000).default(500),
  })
  .strict();

export type MechanicsInput = z.input<typeof mechanicsSchema>;
export type MechanicsSpec = z.output<typeof mechanicsSchema>;
type Moduli = z.output<typeof moduliSchema>;

/** Lamé constants (Pa) of an {E or G, ν} pair. */
export function lame(m: { E?: number; G?: number; nu: number }): { lambda: number; mu: number; E: number } {
  const mu = m.G ?? (m.E as number) / (2 * (1 + m.nu));
  const E = m.E ?? 2 * mu * (1 + m.nu);
  return { lambda: (2 * mu * m.nu) / (1 - 2 * m.nu), mu, E };
}

/** The eigenstrain's diagonal (xx, yy, zz). */
export function eigenDiagonal(e: MechanicsSpec['eigenstrain']): [number, number, number] {
  return typeof e === 'number' ? [e, e, e] : [e.xx, e.yy, e.zz ?? e.yy];
}

/** Checks the section cannot express in the schema; appends messages naming the field. */
export function checkMechanics(m: MechanicsSpec, ctx: { host: boolean; periodicX: boolean }, issues: string[]): void {
  const one = (x: Moduli, where: string): boolean => {
    const ok = (x.E === undefined) !== (x.G === undefined);
    if (!ok) issues.push(`${where}: give exactly one of E (Young's modulus) and G (shear modulus), with nu`);
    return ok;
  };
  const metalOk = one(m.metal, 'mechanics.metal');
  if (m.electrolyte !== 'liquid' && one(m.electrolyte, 'mechanics.electrolyte') && metalOk) {
    const mu = lame(m.electrolyte).mu;
    const r = mu / lame(m.metal).mu;
    if (r < MODULUS_RATIO.min || r > MODULUS_RATIO.max) {
      issues.push(
        `mechanics.electrolyte: shear modulus ${mu.toPrecision(3)} Pa is ${r.toExponential(2)} × the metal's; allowed ${MODULUS_RATIO.min} to ${MODULUS_RATIO.max} × (use "liquid" for a fluid electrolyte)`,
      );
    }
  }
  if (ctx.host)
    issues.push('mechanics: not available with a 3D host (the scaffold has no mechanical model yet); remove one of the two sections');
  if (ctx.periodicX) issues.push('mechanics: needs the collector x0 (clamped) and the counter face x1 (traction): x cannot be periodic');
}

/** Scaled numbers of the mechanics stage (every backend). Stresses are over μ_ref = μ_metal. */
export interface MechCoefficients {
  /** μ_ref = the metal's shear modulus, Pa (the stress unit). */
  muRef: number;
  /** Lamé λ and μ of the metal and the electrolyte over μ_ref (muM = 1). */
  lamM: number;
  muM: number;
  lamE: number;
  muE: number;
  /** The metal's eigenstrain diagonal ε⁰ (xx, yy, zz); the field carries h(ξ)·ε⁰. */
  e0: [number, number, number];
  /** Stack pressure on x1 over μ_ref (compression > 0), a traction of the solve (solid electrolytes; 0 with a liquid). */
  pressure: number;
  /**
   * The stack pressure over μ_ref carried hydrostatically (a liquid electrolyte transmits it as
   * −pI; the solve runs without it and the coupling adds it: the BV shift Ωp/RT and the work
   * p·tr ε⁰ in the driving force); 0 with a solid electrolyte.
   */
  hydro: number;
  /** Face types (MECH_*) in the order x0, x1, y0, y1, z0, z1. */
  faces: Int32Array;
  /** Ω μ_ref/(RT): the Butler–Volmer exponent shift per unit of −σ_h/μ_ref (0 with the coupling off). */
  sFactor: number;
  /** L_σ μ_ref, 1/s: the phase rate per unit of ∂f_el/∂ξ/(h′ μ_ref) (0 with the coupling off). */
  mobEl: number;
  /** Molar volume Ω of the deposit, m³/mol. */
  omega: number;
  tol: number;
  maxIter: number;
  liquid: boolean;
}

/** The scaled coefficients of a validated section at the run temperature. */
export function mechCoefficients(
  m: MechanicsSpec,
  p: PhysicalParams,
  dims: 2 | 3,
  periodic: [boolean, boolean, boolean],
): MechCoefficients {
  const metal = lame(m.metal);
  const liquid = m.electrolyte === 'liquid';
  const el = liquid ? { lambda: metal.lambda * LIQUID_STIFFNESS, mu: metal.mu * LIQUID_STIFFNESS } : lame(m.electrolyte as Moduli);
  const mu0 = metal.mu;
  // collector clamped, counter face loaded by the stack pressure, lateral faces symmetry planes
  // (a no-flux side is a mirror plane) or periodic
  const lat = (a: number) => (periodic[a] ? MECH_PERIODIC : MECH_ROLLER);
  const faces = new Int32Array([
    MECH_CLAMP,
    MECH_TRACTION,
    lat(1),
    lat(1),
    dims === 3 ? lat(2) : MECH_ROLLER,
    dims === 3 ? lat(2) : MECH_ROLLER,
  ]);
  return {
    muRef: mu0,
    lamM: metal.lambda / mu0,
    muM: 1,
    lamE: el.lambda / mu0,
    muE: el.mu / mu0,
    e0: eigenDiagonal(m.eigenstrain),
    pressure: liquid ? 0 : m.stackPressure / mu0,
    hydro: liquid ? m.stackPressure / mu0 : 0,
    faces,
    sFactor: m.coupling.reaction ? (m.molarVolume * mu0) / (GAS_CONSTANT * p.T) : 0,
    mobEl: m.coupling.driving ? p.Lsigma * mu0 : 0,
    omega: m.molarVolume,
    tol: m.tolerance,
    maxIter: m.maxIterations,
    liquid,
  };
}

/** The derived groups of the mechanics stage (printed by `lidendrite check`, stored in the manifest). */
export function mechanicsGroups(m: MechCoefficients, p: PhysicalParams): DerivedGroup[] {
  const e0 = Math.max(...m.e0.map(Math.abs));
  const muMax = Math.max(m.muM, m.muE) * m.muRef;
  const shift = (P: number) => (P * m.omega) / (GAS_CONSTANT * p.T);
  return [
    { symbol: 'G_metal', value: m.muRef / 1e9, unit: 'GPa', meaning: 'shear modulus of the metal (the stress unit of the solver)' },
    {
      symbol: 'G_el/G_metal',
      value: m.muE,
      unit: '',
      meaning: m.liquid
        ? `liquid electrolyte (stiffness ${LIQUID_STIFFNESS} × the metal's)`
        : 'separator over metal shear modulus (Monroe–Newman: > 2 suppresses roughening)',
    },
    { symbol: 'ε⁰', value: e0, unit: '', meaning: 'largest deposition eigenstrain component (carried as h(ξ)·ε⁰)' },
    {
      symbol: 'Ω·100 MPa/RT',
      value: shift(1e8),
      unit: '',
      meaning: `Butler–Volmer exponent shift per 100 MPa of pressure (Ω = ${(m.omega * 1e6).toPrecision(3)} cm³/mol)`,
    },
    { symbol: 'G_max ε⁰²/W', value: (muMax * e0 * e0) / p.W, unit: '', meaning: 'elastic energy scale over the double-well barrier' },
    { symbol: 'ΩP_stack/RT', value: shift((m.pressure + m.hydro) * m.muRef), unit: '', meaning: 'exponent shift of the stack pressure' },
  ];
}

/** Warnings of the mechanics stage: elastic energy against the double-well barrier. */
export function mechanicsWarnings(m: MechCoefficients, p: PhysicalParams): string[] {
  const e0 = Math.max(...m.e0.map(Math.abs));
  const muMax = Math.max(m.muM, m.muE) * m.muRef;
  const r = (muMax * e0 * e0) / p.W;
  if (r < 0.5) return [];
  return [
    `mechanics: the elastic energy scale G_max·ε⁰² = ${(muMax * e0 * e0).toPrecision(3)} J/m³ is ${r.toPrecision(2)} × the double-well barrier W; ` +
      'the elastic driving force can then hold ξ at intermediate values (a mushy deposit) instead of a sharp interface; a smaller eigenstrain keeps it well below W (docs/mechanics.md).',
  ];
}
