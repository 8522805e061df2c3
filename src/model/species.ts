/**
 * Transported species besides Li⁺ (c̃): the list every backend loops over (docs/fields-and-species.md).
 *
 * A species is a minority ion ã = c/bulk carried by the same implicit Scharfetter–Gummel
 * operator as Li⁺ (src/backends/cpu/transport.ts): D(1 − h(ξ)) (none in the metal, the SEI's kD,
 * none in host cells), a drift `migration`·∇ψ, no sink, the bulk value 1 at c̃'s Dirichlet faces
 * (the reservoir), no flux elsewhere, and an initial field like c̃'s. It may screen the Li
 * reaction rate: L_η,eff = L_η·kL / (1 + Σ_species s·max(0, ã − 1)) (src/backends/cpu/phase.ts).
 * Every consumer — backends, solver state, metrics, checkpoints, outputs — takes the list from
 * Coefficients.species (speciesList below), so a new species is a scenario section and an entry
 * here: its kind (name, coefficients, derived groups, warnings).
 *
 * The electrostatic-shielding additive (docs/additive.md) is the one built-in kind.
 */
import type { ZodTypeAny } from 'zod';
import type { DerivedGroup } from './derived.ts';
import type { AdditiveSpec, Scenario } from './scenario.ts';

const UM = 1e-6;

/** One transported species as the backends see it (scaled units; part of Coefficients, plain data). */
export interface Species {
  /** Its field's key (Fields, read(), VTI cell data, checkpoint payload) and metrics.csv column prefix. */
  name: string;
  /** For messages: the key and what the field is. */
  label: string;
  /** What the field holds, for the run manifest's units. */
  meaning: string;
  /** Bulk (reservoir) concentration, mol/m³: the field is c/bulk, the metrics' amounts are bulk·Σã dV. */
  bulk: number;
  /** Diffusivity in the electrolyte, µm²/s (times 1 − h(ξ), the SEI's kD, 0 in host cells). */
  D: number;
  /**
   * Drift factor of the Scharfetter–Gummel flux, a = migration·(ψ − ψ_ref): 1 for a monovalent
   * cation. In [0, 1]: ψ_ref is the largest ψ, which keeps every exponent ≤ 0 only for a
   * non-negative factor (an anion would need ψ_ref = min ψ).
   */
  migration: number;
  /** Strength s of its screening of the Li reaction rate (0: none). */
  shielding: number;
}

/**
 * A kind of species: a scenario section (named `name`) and how it resolves into the species'
 * coefficients. `schema` is needed only for kinds registered at run time (registerSpeciesKind);
 * the built-in ones have their section in the scenario schema (src/model/scenario.ts).
 */
export interface SpeciesKind<T = unknown> {
  name: string;
  schema?: ZodTypeAny;
  species(section: T, s: Scenario): Species;
  /** Derived groups printed by `lidendrite check` and stored in the manifest. */
  groups?(section: T, sp: Species, s: Scenario): DerivedGroup[];
  /** Warnings printed at start. */
  warnings?(section: T, s: Scenario): string[];
}

const additive: SpeciesKind<AdditiveSpec> = {
  name: 'additive',
  species: (a) => ({
    name: 'additive',
    label: 'additive (ã = c_add/c_add,bulk)',
    meaning: 'shielding-additive concentration / its bulk value',
    bulk: a.concentration,
    D: a.diffusivity / (UM * UM),
    migration: 1,
    shielding: a.shielding,
  }),
  groups: (a, sp) => [
    { symbol: 'c_add', value: a.concentration, unit: 'mol/m³', meaning: 'bulk concentration of the shielding additive (ã = 1)' },
    { symbol: 'D_a', value: sp.D, unit: 'µm²/s', meaning: 'additive diffusivity (electrolyte; 0 in the metal)' },
    { symbol: 's_shield', value: sp.shielding, unit: '', meaning: 'screening strength: L_η,eff = L_η/(1 + s·max(0, ã − 1))' },
  ],
  warnings: (a, s) =>
    a.concentration > 0.2 * s.parameters.c0
      ? [
          `additive.concentration = ${a.concentration} mol/m³ is more than 20 % of the Li⁺ bulk concentration c0 = ${s.parameters.c0} mol/m³; ` +
            'the model treats the additive as a minority carrier (its share of the current and of σ_l is neglected).',
        ]
      : [],
};

/** The built-in kinds, in list order. */
const BUILT_IN: SpeciesKind[] = [additive as SpeciesKind];
const registered: SpeciesKind[] = [];

/** Names a species may not take: the base fields and their output names. */
const RESERVED = new Set(['xi', 'c', 'psi', 'phi', 'xidot']);

/**
 * Adds a kind whose section is not in the built-in scenario schema (a species kept outside
 * src/, e.g. a test's): parseScenario accepts its section from then on (this module instance).
 */
export function registerSpeciesKind<T>(kind: SpeciesKind<T> & { schema: ZodTypeAny }): void {
  const k = kind as SpeciesKind;
  if (!/^[A-Za-z][A-Za-z0-9]{0,31}$/.test(k.name))
    throw new Error(`species kind name "${k.name}": letters and digits, 1–32, a letter first`);
  if (RESERVED.has(k.name) || speciesKinds().some((o) => o.name === k.name)) throw new Error(`species kind "${k.name}" exists already`);
  registered.push(k);
}

/** Every kind, built-in first. */
export function speciesKinds(): readonly SpeciesKind[] {
  return [...BUILT_IN, ...registered];
}

/** The scenario sections of the registered kinds (scenario.ts adds them to its schema). */
export function registeredSections(): Record<string, ZodTypeAny> {
  return Object.fromEntries(registered.map((k) => [k.name, k.schema!.optional()]));
}

function sections(s: Scenario): [SpeciesKind, unknown][] {
  const raw = s as unknown as Record<string, unknown>;
  return speciesKinds().flatMap((k) => (raw[k.name] === undefined ? [] : [[k, raw[k.name]] as [SpeciesKind, unknown]]));
}

/** The scenario's transported species (empty for the base model), in kind order. */
export function speciesList(s: Scenario): Species[] {
  return sections(s).map(([k, sec]) => {
    const sp = k.species(sec, s);
    if (sp.name !== k.name) throw new Error(`species kind "${k.name}" resolved to a species named "${sp.name}"`);
    return sp;
  });
}

/** The derived groups of the scenario's species. */
export function speciesGroups(s: Scenario): DerivedGroup[] {
  return sections(s).flatMap(([k, sec]) => k.groups?.(sec, k.species(sec, s), s) ?? []);
}

/** The warnings of the scenario's species. */
export function speciesWarnings(s: Scenario): string[] {
  return sections(s).flatMap(([k, sec]) => k.warnings?.(sec, s) ?? []);
}
