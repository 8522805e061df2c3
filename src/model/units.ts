/**
 * Explicit units in scenario files. A quantity is either a plain number in SI or a string
 * "<number> <unit>" (e.g. "0.25 um", "-450 mV", "1 M"). Conversion happens once, at load time;
 * the engine only ever sees SI.
 */
export type Dimension =
  | 'length'
  | 'time'
  | 'voltage'
  | 'concentration'
  | 'temperature'
  | 'rate'
  | 'currentDensity'
  | 'molarEnergy'
  | 'diffusivity'
  | 'pressure'
  | 'molarVolume';

const UNITS: Record<Dimension, Record<string, number>> = {
  length: { m: 1, mm: 1e-3, um: 1e-6, µm: 1e-6, μm: 1e-6, micron: 1e-6, nm: 1e-9 },
  time: { s: 1, ms: 1e-3, us: 1e-6, min: 60, h: 3600 },
  voltage: { V: 1, mV: 1e-3 },
  concentration: { 'mol/m3': 1, 'mol/m^3': 1, M: 1e3, mM: 1, 'mol/L': 1e3 },
  temperature: { K: 1 },
  rate: { '1/s': 1, 's^-1': 1 },
  // current per electrode area (A/m²); 1 mA/cm² = 10 A/m²
  currentDensity: {
    'A/m^2': 1,
    'A/m2': 1,
    'mA/cm^2': 10,
    'mA/cm2': 10,
    'A/cm^2': 1e4,
    'A/cm2': 1e4,
    'uA/cm^2': 1e-2,
    'µA/cm^2': 1e-2,
    'mA/m^2': 1e-3,
  },
  // activation energies; eV per particle × N_A·e = F J/mol
  molarEnergy: { 'J/mol': 1, 'kJ/mol': 1e3, eV: 96485.33212 },
  // diffusion coefficients; 1 cm²/s = 1e-4 m²/s, 1 µm²/s = 1e-12 m²/s
  diffusivity: {
    'm^2/s': 1,
    'm2/s': 1,
    'cm^2/s': 1e-4,
    'cm2/s': 1e-4,
    'mm^2/s': 1e-6,
    'um^2/s': 1e-12,
    'µm^2/s': 1e-12,
  },
  // stresses and elastic moduli (mechanics, docs/mechanics.md)
  pressure: { Pa: 1, kPa: 1e3, MPa: 1e6, GPa: 1e9, bar: 1e5, atm: 101325, psi: 6894.757293168 },
  molarVolume: { 'm^3/mol': 1, 'm3/mol': 1, 'cm^3/mol': 1e-6, 'cm3/mol': 1e-6 },
};

/** SI unit name of each dimension, used in messages. */
export const SI_UNIT: Record<Dimension, string> = {
  length: 'm',
  time: 's',
  voltage: 'V',
  concentration: 'mol/m^3',
  temperature: 'K',
  rate: '1/s',
  currentDensity: 'A/m^2',
  molarEnergy: 'J/mol',
  diffusivity: 'm^2/s',
  pressure: 'Pa',
  molarVolume: 'm^3/mol',
};

/** Units accepted for a dimension, for error messages. */
export function unitsFor(dim: Dimension): string[] {
  return Object.keys(UNITS[dim]);
}

/**
 * Parses a quantity to SI. Returns a string describing the problem when it cannot
 * (the schema turns that into a message naming the field).
 */
export function parseQuantity(value: unknown, dim: Dimension): number | { error: string } {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string')
    return { error: `expected a number in ${SI_UNIT[dim]} or a string like "1.5 ${unitsFor(dim)[1] ?? SI_UNIT[dim]}"` };
  if (value.length > 64) return { error: `quantity string too long (${value.length} characters, at most 64)` };
  const m = /^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\s\d].*?)?\s*$/.exec(value);
  if (!m) return { error: `cannot read "${value}" as a number with a unit` };
  const num = Number(m[1]);
  const unit = m[2] ?? SI_UNIT[dim];
  const factor = UNITS[dim][unit];
  if (factor === undefined) return { error: `unknown ${dim} unit "${unit}"; allowed: ${unitsFor(dim).join(', ')}` };
  return num * factor;
}
