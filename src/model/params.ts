/**
 * Physical parameters of the phase-field model (model.md §2), in SI.
 * Defaults are the Chen 2015 / Hong & Viswanathan 2018 set.
 */
export const FARADAY = 96485.33212; // C/mol
export const GAS_CONSTANT = 8.314462618; // J/(mol K)

export interface PhysicalParams {
  /** Temperature, K. */
  T: number;
  /** Electrons transferred per ion. */
  n: number;
  /** Charge-transfer coefficient α. */
  alpha: number;
  /** Interface mobility L_σ, m³/(J·s). */
  Lsigma: number;
  /** Reaction rate constant L_η, 1/s. */
  Leta: number;
  /** Gradient-energy coefficient κ0, J/m. */
  kappa0: number;
  /** Double-well barrier height W, J/m³. */
  W: number;
  /** Li⁺ diffusivity in the electrolyte, m²/s. */
  Dl: number;
  /** Li diffusivity in the electrode, m²/s. */
  Ds: number;
  /** Electrode conductivity, S/m. */
  sigmaS: number;
  /** Electrolyte conductivity, S/m. */
  sigmaL: number;
  /** Li site density of the metal, mol/m³. */
  cs: number;
  /** Bulk Li⁺ concentration, mol/m³. */
  c0: number;
  /**
   * Arrhenius activation energies (J/mol) of D_l, L_η and σ_l and the temperature T_ref (K) at
   * which the values above hold; absent = no temperature dependence (src/model/derived.ts).
   */
  activation?: { Dl: number; Leta: number; sigmaL: number; Tref: number };
}

export const DEFAULT_PARAMS: Readonly<PhysicalParams> = Object.freeze({
  T: 300,
  n: 1,
  alpha: 0.5,
  Lsigma: 2.5e-6,
  Leta: 1e-3,
  kappa0: 7.5e-7,
  W: 6.0e6,
  Dl: 3.197e-10,
  Ds: 7.5e-13,
  sigmaS: 1e7,
  sigmaL: 1.19,
  cs: 7.64e4,
  c0: 1e3,
});

/** f = nF/(RT), 1/V. */
export function fFactor(p: PhysicalParams): number {
  return (p.n * FARADAY) / (GAS_CONSTANT * p.T);
}

/** Equilibrium interface width w = √(2κ0/W), m. */
export function interfaceWidth(p: PhysicalParams): number {
  return Math.sqrt((2 * p.kappa0) / p.W);
}

/** Interface energy γ = √(κ0 W)/(3√2), J/m². */
export function interfaceEnergy(p: PhysicalParams): number {
  return Math.sqrt(p.kappa0 * p.W) / (3 * Math.SQRT2);
}

/** Largest anisotropy strength for which the interface stiffness stays positive: 1/(ω²−1). */
export function anisotropyLimit(omega: number): number {
  return 1 / (omega * omega - 1);
}

/**
 * Arrhenius factor exp(−E_a/R·(1/T − 1/T_ref)) of a property with activation energy E_a (J/mol);
 * exactly 1 for E_a = 0 or T = T_ref.
 */
export function arrhenius(Ea: number, T: number, Tref: number): number {
  return Math.exp((-Ea / GAS_CONSTANT) * (1 / T - 1 / Tref));
}

/**
 * The parameters at the run temperature: D_l, L_η and σ_l scaled by their Arrhenius factors
 * (parameters.activation; the given values hold at T_ref). Without `activation` the same object
 * is returned, so the base model is unchanged bit for bit. f = nF/(RT) uses T itself (fFactor).
 */
export function atTemperature(p: PhysicalParams): PhysicalParams {
  const a = p.activation;
  if (!a) return p;
  return {
    ...p,
    Dl: p.Dl * arrhenius(a.Dl, p.T, a.Tref),
    Leta: p.Leta * arrhenius(a.Leta, p.T, a.Tref),
    sigmaL: p.sigmaL * arrhenius(a.sigmaL, p.T, a.Tref),
  };
}
