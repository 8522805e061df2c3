/**
 * The numbers the solver actually uses. All backends compute in scaled units:
 * length in µm, time in s, potential as ψ = fφ (dimensionless), concentration as c̃ = c/c0,
 * conductivity as σ/σ_l. These keep every field O(1), which f32 backends need.
 */
import { arrhenius, atTemperature, FARADAY, fFactor, interfaceEnergy, interfaceWidth, type PhysicalParams } from './params.ts';
import { mechanicsGroups, mechanicsWarnings, mechCoefficients, type MechCoefficients } from './mechanics.ts';
import { materialWarnings } from './props.ts';
import { gpCoefficients, type GpCoefficients } from './grand-potential.ts';
import { gpGroups } from './grand-potential-groups.ts';
import type { Scenario } from './scenario.ts';
import { speciesGroups, speciesList, speciesWarnings, type Species } from './species.ts';

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
  /**
   * Transport scalars (README: physics switches (binary electrolyte)): `migration` multiplies the drift ψ in the
   * Scharfetter–Gummel flux (1; 0 in the binary-electrolyte mode, ambipolar diffusion), `sink`
   * the (c_s/c0)Δξ sink and the limiter's exchange rate (1; t_a = 1 − t₊ in binary mode: the
   * t₊ share of the deposited ions migrates in from the counter electrode).
   */
  migration: number;
  sink: number;
  /**
   * The transported species besides Li⁺ (src/model/species.ts; the shielding additive,
   * docs/additive.md), in the order every backend advances them; empty for the base model.
   */
  species: Species[];
  /** The mechanics stage (scenario.mechanics, docs/mechanics.md); absent: none. */
  mechanics?: MechCoefficients;
  /**
   * The grand-potential form (scenario model "grand-potential", docs/grand-potential.md); absent
   * = the concentration form. With it the fields above hold the form's own numbers (mobKappa =
   * L·κ, mobW = L·B, Leta = Ls, f = AA, σ̂_s = S1/S2, β = AA·ft2/S2, D_s = 0) and transport
   * advances w (src/backends/cpu/gp-transport.ts).
   */
  gp?: GpCoefficients;
  /**
   * The semi-implicit phase stage (numerics.phase = "imex", docs/imex-phase.md); absent: the
   * explicit stage. K: the implicit gradient stiffness (multiplies L_σκ0; the largest eigenvalue
   * of the anisotropic flux Jacobian, anisoStiffness()); sweeps: defect-correction sweeps per
   * step (1 = the plain linearly implicit step); tol, maxIter: the PCG of each sweep; precond:
   * its preconditioner (numerics.phasePreconditioner, "auto" resolved by imexPreconditioner()).
   */
  imex?: { K: number; sweeps: number; tol: number; maxIter: number; precond: ImexPreconditioner };
}

export function coefficients(s: Scenario): Coefficients {
  // D_l, L_η and σ_l at the run temperature (Arrhenius, parameters.activation)
  const p = atTemperature(s.parameters);
  const binary = s.electrolyte?.model === 'binary';
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
    migration: binary ? 0 : 1,
    sink: binary ? 1 - (s.electrolyte?.transference ?? 0) : 1,
    species: speciesList(s),
    ...(s.mechanics ? { mechanics: mechCoefficients(s.mechanics, p, s.grid.dims, periodicAxes(s)) } : {}),
    // M0 at the run temperature is D_l(T) (parameters.Dl is M0·1e-12 m²/s, Arrhenius-scaled above)
    ...(s.grandPotential ? { gp: gpCoefficients(s.grandPotential, p.Dl / (UM * UM)) } : {}),
    ...(s.numerics.phase === 'imex'
      ? {
          imex: {
            K: anisoStiffness(s.grid.dims, s.anisotropy.delta, s.anisotropy.omega),
            sweeps: s.numerics.imexSweeps,
            tol: s.numerics.phaseTol,
            maxIter: 200,
            precond: imexPreconditioner(s).precond,
          },
        }
      : {}),
  };
}

/** The IMEX sweeps' preconditioner: one multigrid V-cycle, or two damped Jacobi sweeps from zero. */
export type ImexPreconditioner = 'multigrid' | 'jacobi';

/**
 * "auto" takes the Jacobi sweeps while ρ ≤ this. Two Jacobi sweeps cost 2 passes an iteration
 * where a V-cycle costs 2T + 2 on the GPU (10 at 800²); on hong2018 the sweeps need 2.1× the
 * V-cycle's iterations at ρ ≈ 2.1 (dt ≈ 20 ms) and 2.6× at ρ = 5.2 (dt = 50 ms), a ratio that
 * grows like √ρ. The threshold was set where that ratio reaches ~4×, when a V-cycle iteration
 * moved ~2× a Jacobi iteration's bytes plus its set-up; since the fused V-cycle passes it moves
 * ~1.5× (114–125 against 76 bytes per cell, bench/results/device), so the sweeps win on launches
 * (grids where dispatches dominate, as 800²) more than on bytes (docs/imex-phase.md §6).
 */
export const IMEX_JACOBI_MAX_RHO = 8;

/**
 * The IMEX operator I + (dt/2)(diag(S) + L_σκ0·K·(−Δ_h)) at the largest step (numerics.dtMax):
 * ρ = dims·dtMax·L_σκ0·K/dx², its gradient part's diagonal over the identity. Where the
 * reaction slope S is small the Jacobi-preconditioned spectrum spreads over about 1 + ρ : 1, so
 * the Jacobi sweeps' iteration count grows like √ρ; the V-cycle's does not depend on it.
 */
export function imexPreconditioner(s: Scenario): { rho: number; precond: ImexPreconditioner } {
  const p = atTemperature(s.parameters);
  const K = anisoStiffness(s.grid.dims, s.anisotropy.delta, s.anisotropy.omega);
  const dxUm = s.grid.dx / UM;
  const rho = (s.grid.dims * s.numerics.dtMax * ((p.Lsigma * p.kappa0) / (UM * UM)) * K) / (dxUm * dxUm);
  const choice = s.numerics.phasePreconditioner;
  return { rho, precond: choice === 'auto' ? (rho <= IMEX_JACOBI_MAX_RHO ? 'jacobi' : 'multigrid') : choice };
}

/**
 * The largest eigenvalue of the anisotropic flux Jacobian ∂J/∂∇ξ over all directions, in units
 * of κ0: the normal part a² ≤ (1+δ)², the tangential part a² + a′² + a a″ ≤ (1+δ)² + δω²(1+δ)
 * (Kobayashi; the cubic 3D form is the ω = 4 case); 1 when isotropic.
 */
export function anisoStiffness(dims: 2 | 3, delta: number, omega: number): number {
  const w = dims === 3 ? 4 : omega;
  return (1 + delta) ** 2 + delta * w * w * (1 + delta);
}

/** The axes whose faces are periodic (the ξ conditions; scenario.ts keeps the fields consistent). */
function periodicAxes(s: Scenario): [boolean, boolean, boolean] {
  const b = s.boundary.xi;
  return [b.x0.type === 'periodic', b.y0.type === 'periodic', s.grid.dims === 3 && b.z0.type === 'periodic'];
}

export interface DerivedGroup {
  symbol: string;
  value: number;
  unit: string;
  meaning: string;
}

/** The dimensionless (and scaled) groups printed at start and stored in the manifest. */
export function derivedGroups(s: Scenario): DerivedGroup[] {
  const p: PhysicalParams = atTemperature(s.parameters);
  const k = coefficients(s);
  if (k.gp && s.grandPotential) return [...gpGroups(s, p, k, k.gp), ...switchGroups(s, p, k)];
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
    {
      symbol: 'i0 = nFc_s·3w·L_η',
      value: p.n * FARADAY * p.cs * 3 * w * p.Leta,
      unit: 'A/m²',
      meaning: 'effective exchange current density',
    },
    { symbol: 'L_σW/L_η', value: k.mobW / k.Leta, unit: '', meaning: 'interface relaxation over reaction rate' },
    ...(k.imex
      ? [
          {
            symbol: 'ρ = d·dtMax·L_σκ0K/dx²',
            value: imexPreconditioner(s).rho,
            unit: '',
            meaning: `IMEX operator's gradient stiffness at dtMax: phase solves preconditioned by ${k.imex.precond} (auto: jacobi while ρ ≤ ${IMEX_JACOBI_MAX_RHO})`,
          },
        ]
      : []),
    ...switchGroups(s, p, k),
    ...(k.mechanics ? mechanicsGroups(k.mechanics, p) : []),
  ];
}

/** Groups of the solver-level switches: temperature, binary electrolyte, drive control. */
function switchGroups(s: Scenario, p: PhysicalParams, k: Coefficients): DerivedGroup[] {
  const out: DerivedGroup[] = [];
  const a = s.parameters.activation;
  out.push({ symbol: 'σ_l', value: p.sigmaL, unit: 'S/m', meaning: 'electrolyte conductivity at T' });
  if (a) {
    const T = s.parameters.T;
    out.push(
      { symbol: 'T/T_ref', value: T / a.Tref, unit: '', meaning: `run temperature over the reference ${a.Tref} K of the parameter values` },
      {
        symbol: 'D_l(T)/D_l(T_ref)',
        value: arrhenius(a.Dl, T, a.Tref),
        unit: '',
        meaning: `Arrhenius factor, E_a = ${(a.Dl / 1e3).toPrecision(4)} kJ/mol`,
      },
      {
        symbol: 'L_η(T)/L_η(T_ref)',
        value: arrhenius(a.Leta, T, a.Tref),
        unit: '',
        meaning: `Arrhenius factor, E_a = ${(a.Leta / 1e3).toPrecision(4)} kJ/mol`,
      },
      {
        symbol: 'σ_l(T)/σ_l(T_ref)',
        value: arrhenius(a.sigmaL, T, a.Tref),
        unit: '',
        meaning: `Arrhenius factor, E_a = ${(a.sigmaL / 1e3).toPrecision(4)} kJ/mol`,
      },
    );
  }
  const Lx = s.grid.n[0] * s.grid.dx;
  if (s.electrolyte?.model === 'binary') {
    const ta = k.sink;
    // limiting current of a cell of length L between the electrode and the reservoir
    // (equivalently a symmetric cell of length 2L): J* = zFDc0/(t_a L)
    const jLim = (p.n * FARADAY * p.Dl * p.c0) / (ta * Lx);
    out.push(
      { symbol: 't_a = 1 − t₊', value: ta, unit: '', meaning: 'anion transference number (share of the deposit supplied by diffusion)' },
      {
        symbol: 'J* = zFDc0/(t_a L_x)',
        value: jLim,
        unit: 'A/m²',
        meaning: 'limiting current density to the c̃ = 1 reservoir at x = L_x (model.md §5 V8)',
      },
    );
  }
  out.push(...speciesGroups(s));
  const c = s.control;
  const currents = c
    ? c.schedule
      ? c.schedule.flatMap((g) => (g.mode === 'galvanostatic' ? [g.current] : []))
      : c.current !== undefined
        ? [c.current]
        : []
    : [];
  const jMax = currents.reduce((m, j) => Math.max(m, Math.abs(j)), 0);
  if (jMax > 0) {
    const ta = k.sink;
    // Sand's time of the largest plating/stripping current: τ = πD(zc0F)²/(4(J t_a)²)
    const tau = (Math.PI * p.Dl * (p.n * p.c0 * FARADAY) ** 2) / (4 * (jMax * ta) ** 2);
    out.push(
      { symbol: '|J|max', value: jMax, unit: 'A/m²', meaning: 'largest held current density of the drive control' },
      {
        symbol: 'J/i0',
        value: jMax / (p.n * FARADAY * p.cs * 3 * interfaceWidth(p) * p.Leta),
        unit: '',
        meaning: 'held current over the exchange current density',
      },
      {
        symbol: 'τ_Sand',
        value: tau,
        unit: 's',
        meaning: `Sand's time πD(zc0F)²/(4(J t_a)²) at |J|max${s.electrolyte?.model === 'binary' ? '' : ' (t_a = 1; the base model has no anion)'}`,
      },
    );
  }
  return out;
}

/**
 * Stability bounds on dt, s (the adaptive policy starts from these). The IMEX stage
 * (docs/imex-phase.md) has none (Infinity): its implicit part dominates every gradient mode at any dt.
 *
 * Explicit phase stage (forward Euler): linearised about the bulk states ξ = 0 and ξ = 1, where
 * h″ = 0 (no reaction slope) and g″ = 2, a perturbation δξ obeys
 *   δξⁿ⁺¹ = [1 − dt(L_σκ0·λ_h + 2L_σW)] δξⁿ,  0 ≤ λ_h ≤ 4d·K/dx²  (K: anisoStiffness()),
 * so |1 − dt·λ| ≤ 1 needs dt ≤ 2/(4d·L_σκ0·K/dx² + 2L_σW) = dx²/(2d·L_σκ0·K + L_σW·dx²).
 * Dropping the double-well term 2L_σW (as this bound once did) is harmless at dx ≤ w/2, but at
 * dx = 0.5 µm in 2D it lets dt reach 1.2× the true limit: the checkerboard mode then grows by
 * 1.4 per step in the bulk electrolyte (docs/numerics-notes.md, the coarse-grid crash).
 */
export function stabilityLimits(k: Coefficients): { phase: number; curvature: string } {
  if (k.imex) return { phase: Infinity, curvature: 'none (IMEX phase stage)' };
  const aniso = anisoStiffness(k.dims, k.delta, k.omega);
  const dx2 = k.dx * k.dx;
  const phase = dx2 / (2 * k.dims * k.mobKappa * aniso + k.mobW * dx2);
  return { phase, curvature: 'dx²/(2·d·L_σκ0·((1+δ)² + δω²(1+δ)) + L_σW·dx²)' };
}

/** Warnings to print before a run (under-resolution, step counts). */
export function scenarioWarnings(s: Scenario): string[] {
  const out: string[] = [];
  const w = interfaceWidth(s.parameters);
  if (s.grid.dx > w / 2) {
    out.push(
      `dx = ${(s.grid.dx / UM).toPrecision(3)} µm > w/2 = ${(w / 2 / UM).toPrecision(3)} µm: the grid under-resolves the interface; ` +
        `a flat front can pin (at dx = 1 µm it does not move below |V| ≈ 0.4 V) and velocities are too low (model.md §4).`,
    );
  }
  const k = coefficients(s);
  out.push(...driveWarnings(s, k));
  const dtPhase = s.numerics.safety * stabilityLimits(k).phase;
  const dt = Math.min(dtPhase, s.numerics.dtMax);
  const steps = s.time.end / dt;
  if (steps > s.numerics.maxSteps) {
    out.push(
      `time.end = ${s.time.end} s needs at least ${steps.toExponential(2)} steps at the stable dt ≈ ${dt.toExponential(2)} s, more than numerics.maxSteps = ${s.numerics.maxSteps}; the run will stop early.`,
    );
  } else if (steps > 1e6) {
    out.push(
      `time.end = ${s.time.end} s needs at least ${steps.toExponential(2)} steps (dt ≤ ${dt.toExponential(2)} s): expect a long run.`,
    );
  }
  out.push(...materialWarnings(s));
  if (k.mechanics) out.push(...mechanicsWarnings(k.mechanics, s.parameters));
  out.push(...speciesWarnings(s));
  return out;
}

/**
 * Binary electrolyte under a held current above the limiting current J* = zFDc0/(t_a L_x): no
 * steady state exists; after about Sand's time the controller runs the voltage to its bound.
 */
function driveWarnings(s: Scenario, k: Coefficients): string[] {
  const c = s.control;
  if (!c || s.electrolyte?.model !== 'binary') return [];
  const p = atTemperature(s.parameters);
  const currents = c.schedule
    ? c.schedule.flatMap((g) => (g.mode === 'galvanostatic' ? [g.current] : []))
    : c.current !== undefined
      ? [c.current]
      : [];
  const jMax = currents.reduce((m, j) => Math.max(m, Math.abs(j)), 0);
  const jLim = (p.n * FARADAY * p.Dl * p.c0) / (k.sink * s.grid.n[0] * s.grid.dx);
  if (jMax <= jLim) return [];
  const tau = (Math.PI * p.Dl * (p.n * p.c0 * FARADAY) ** 2) / (4 * (jMax * k.sink) ** 2);
  return [
    `control: the held current ${jMax.toPrecision(4)} A/m² exceeds the limiting current J* = ${jLim.toPrecision(4)} A/m² of this cell (binary electrolyte, t_a = ${k.sink.toPrecision(3)}); ` +
      `after about Sand's time τ = ${tau.toPrecision(4)} s the interface runs out of Li+ and the voltage goes to its bound (control.vmin/vmax = ${c.vmin}/${c.vmax} V).`,
  ];
}
