/**
 * The numbers the solver actually uses. All backends compute in scaled units:
 * length in µm, time in s, potential as ψ = fφ (dimensionless), concentration as c̃ = c/c0,
 * conductivity as σ/σ_l. These keep every field O(1), which f32 backends need.
 */
import { FARADAY, fFactor, interfaceEnergy, interfaceWidth, type PhysicalParams } from './params.ts';
import type { Scenario } from './scenario.ts';

const UM = 1e-6;

export interface Coefficients {
  dims: 2 | 3;
  n: [number, number, number];
  /** Grid spacing, µm. */
  dx: number;
  /** L_σ κ0, µm²/s (interface "diffusivity"). */
  mobKappa: number;
  /** L_σ W, 1/s. */
  mobW: number;
  /** L_η, 1/s. */
  Leta: number;
  alpha: number;
  /** f = nF/RT, 1/V (ψ = f φ). */
  f: number;
  /** D_l and D_s, µm²/s. */
  Dl: number;
  Ds: number;
  /** σ_s/σ_l after the optional contrast cap; σ_l/σ_l = 1. */
  sigmaS: number;
  /** β in ∇̂·(σ̂∇̂ψ) = β ∂ξ/∂t, s. */
  beta: number;
  /** c_s/c0. */
  csRatio: number;
  /** Anisotropy strength δ, mode ω, offset θ0 (rad). */
  delta: number;
  omega: number;
  theta0: number;
  /** Noise: σ_W = a √(dt_ref/3), 1/√s; seed. */
  noiseSigma: number;
  seed: number;
}

export function coefficients(s: Scenario): Coefficients {
  const p = s.parameters;
  const f = fFactor(p);
  const cap = s.numerics.sigmaContrastCap;
  const sigmaS = Math.min(p.sigmaS / p.sigmaL, cap ?? Infinity);
  return {
    dims: s.grid.dims,
    n: s.grid.n,
    dx: s.grid.dx / UM,
    mobKappa: (p.Lsigma * p.kappa0) / (UM * UM),
    mobW: p.Lsigma * p.W,
    Leta: p.Leta,
    alpha: p.alpha,
    f,
    Dl: p.Dl / (UM * UM),
    Ds: p.Ds / (UM * UM),
    sigmaS,
    beta: (f * p.n * FARADAY * p.cs * UM * UM) / p.sigmaL,
    csRatio: p.cs / p.c0,
    delta: s.anisotropy.delta,
    omega: s.anisotropy.omega,
    theta0: s.anisotropy.theta0,
    noiseSigma: s.noise.amplitude * Math.sqrt(s.noise.dtRef / 3),
    seed: s.noise.seed >>> 0,
  };
}

export interface DerivedGroup { symbol: string; value: number; unit: string; meaning: string }

/** The dimensionless (and scaled) groups printed at start and stored in the manifest. */
export function derivedGroups(s: Scenario): DerivedGroup[] {
  const p: PhysicalParams = s.parameters;
  const k = coefficients(s);
  const w = interfaceWidth(p);
  const V = Math.abs(s.voltage);
  return [
    { symbol: 'f = nF/RT', value: k.f, unit: '1/V', meaning: 'inverse thermal voltage' },
    { symbol: 'w', value: w / UM, unit: 'µm', meaning: 'interface width √(2κ0/W)' },
    { symbol: 'w/dx', value: w / s.grid.dx, unit: '', meaning: 'cells per interface width (≥ 2 needed)' },
    { symbol: 'γ', value: interfaceEnergy(p), unit: 'J/m²', meaning: 'interface energy √(κ0W)/(3√2)' },
    { symbol: 'L_σW', value: k.mobW, unit: '1/s', meaning: 'interface relaxation rate' },
    { symbol: 'L_σκ0', value: k.mobKappa, unit: 'µm²/s', meaning: 'interface diffusivity' },
    { symbol: 'L_η', value: k.Leta, unit: '1/s', meaning: 'reaction rate constant' },
    { symbol: 'D_l', value: k.Dl, unit: 'µm²/s', meaning: 'Li⁺ diffusivity (electrolyte)' },
    { symbol: 'c_s/c0', value: k.csRatio, unit: '', meaning: 'site density over bulk concentration' },
    { symbol: 'σ_s/σ_l', value: k.sigmaS, unit: '', meaning: 'conductivity contrast used (after any cap)' },
    { symbol: 'nFc_s l0²/(σ_l t0)', value: k.beta / k.f, unit: 'V', meaning: 'potential scale of the reaction source' },
    { symbol: 'f|V|', value: k.f * V, unit: '', meaning: 'applied drive in thermal voltages' },
    { symbol: 'exp(αf|V|)', value: Math.exp(k.alpha * k.f * V), unit: '', meaning: 'Butler–Volmer amplification at the applied voltage' },
    { symbol: 'i0 = nFc_s·3w·L_η', value: p.n * FARADAY * p.cs * 3 * w * p.Leta, unit: 'A/m²', meaning: 'effective exchange current density' },
    { symbol: 'L_σW/L_η', value: k.mobW / k.Leta, unit: '', meaning: 'interface relaxation over reaction rate' },
  ];
}

/** Explicit stability bounds on dt, s (the adaptive policy starts from these). */
export function stabilityLimits(k: Coefficients): { phase: number; curvature: string } {
  // Largest eigenvalue of ∂J/∂∇ξ over all directions: the normal part a² ≤ (1+δ)², the
  // tangential part a² + a′² + a a″ ≤ (1+δ)² + δω²(1+δ) (Kobayashi; the cubic 3D form is the ω = 4 case).
  const w = k.dims === 3 ? 4 : k.omega;
  const aniso = (1 + k.delta) ** 2 + k.delta * w * w * (1 + k.delta);
  const phase = (k.dx * k.dx) / (2 * k.dims * k.mobKappa * aniso);
  return { phase, curvature: 'dx²/(2·d·L_σκ0·((1+δ)² + δω²(1+δ)))' };
}

/** Warnings to print before a run (under-resolution, step counts). */
export function scenarioWarnings(s: Scenario): string[] {
  const out: string[] = [];
  const w = interfaceWidth(s.parameters);
  if (s.grid.dx > w / 2) {
    out.push(`dx = ${(s.grid.dx / UM).toPrecision(3)} µm > w/2 = ${(w / 2 / UM).toPrecision(3)} µm: the grid under-resolves the interface; ` +
      `a flat front can pin (at dx = 1 µm it does not move below |V| ≈ 0.4 V) and velocities are too low (model.md §4).`);
  }
  const k = coefficients(s);
  const dtPhase = s.numerics.safety * stabilityLimits(k).phase;
  const dt = Math.min(dtPhase, s.numerics.dtMax);
  const steps = s.time.end / dt;
  if (steps > s.numerics.maxSteps) {
    out.push(`time.end = ${s.time.end} s needs at least ${steps.toExponential(2)} steps at the stable dt ≈ ${dt.toExponential(2)} s, more than numerics.maxSteps = ${s.numerics.maxSteps}; the run will stop early.`);
  } else if (steps > 1e6) {
    out.push(`time.end = ${s.time.end} s needs at least ${steps.toExponential(2)} steps (dt ≤ ${dt.toExponential(2)} s): expect a long run.`);
  }
  return out;
}
