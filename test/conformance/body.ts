/**
 * Backend conformance: ONE test body (conformance()) run over every available backend against
 * the f64 CPU reference (CpuBackend, serial):
 *   - cpu:    the CPU backend with worker threads (must agree bit for bit);
 *   - webgpu: the WebGPU backend (f32) through Dawn. Without a GPU, SwiftShader (chromium's CPU
 *             Vulkan) provides the adapter (webgpu-env.ts points VK_ICD_FILENAMES at it when the
 *             file exists and the variable is unset). When requestAdapter() finds nothing the
 *             webgpu cases are skipped and the reason is printed (conditional skip, never
 *             unconditional).
 * Scenarios: 2D 64×32 (full conductivity contrast σ_s/σ_l ≈ 8.4e6) and 3D 16³ (contrast capped at
 * 1e4 through numerics.sigmaContrastCap, so that path is covered too; the reference gets the same
 * cap because both are built from the same scenario). Anisotropy and noise on. N coupled steps at
 * a fixed dt, driving the stages directly in the solver's order (potential when due, phase,
 * transport); the re-solve decisions are the reference's and are applied to both, so both see
 * the same dt sequence and the same potential solves.
 *
 * Potential tolerance: 1e-12 (not the default 1e-9). At full contrast ‖b‖ is dominated by the
 * collector's Dirichlet rows, 2σ̂_s|ψ0| ≈ 3e8 per row, so a relative tolerance of 1e-9 allows an
 * absolute residual larger than the whole reaction source: the f64 reference then accepts its
 * stale ψ with 0 iterations (its ψ is ~1e-3 off the converged one, and its collector current is
 * stale), while the f32 backend, whose initial residual is rounding-dominated, iterates. That made
 * the two differ by 2.7e-3 in ψ after 30 steps; with both converged they agree to 3e-6.
 * Transport is the implicit Scharfetter–Gummel scheme on both sides (no migration CFL), so the
 * fixed dt is the size the solver's own dt policy reaches on these states once the migration
 * limit is gone: 2e-3 s (2D) and 3e-3 s (3D), 20–30× the 1e-4 s the explicit migration needed,
 * bounded by the explicit phase step (safety·dt_phase = 3.8e-3 / 1.1e-2 s; none for the IMEX
 * stage, the scenario default, which PHASE_CASES also run at 7× that bound), the reaction
 * stiffness and maxDxiPerStep/max rate (2.2e-3…2.5e-3 / 3.7e-3…7.4e-3 s); those three are checked
 * on the reference's final state. (The transport-stage test, transport-sg.test.ts, compares the stage
 * alone at 1e-4 and 1e-3 s.)
 */
import { expect } from 'vitest';
import type { Backend, PotentialReport, SolveReport, TransportReport } from '../../src/backends/backend.ts';
import { CpuBackend } from '../../src/backends/cpu/backend.ts';
import { makeBCs, makeLayout, type BCSet, type Layout } from '../../src/backends/layout.ts';
import { coefficients, stabilityLimits, type Coefficients } from '../../src/model/derived.ts';
import { initialFields, initialProps, type Fields } from '../../src/model/initial.ts';
import { cellNormal, stepKey } from '../../src/model/noise.ts';
import { displacementKeys } from '../../src/model/mechanics-fields.ts';
import { LITHIUM } from '../../src/model/mechanics.ts';
import { CERAMIC, eshelbyCase, eshelbyReport, manufactured, mmsCase, type DisplacementSolver } from '../validation/mechanics-known.ts';
import { parseScenario, type Scenario, type ScenarioInput } from '../../src/model/scenario.ts';
import { metricColumns, metricsRow, type MetricsRow } from '../../src/solver/metrics.ts';
import { DriveControl } from '../../src/solver/control.ts';
import './second-species.ts';

/** A backend under test: how to build it, and whether it exists here (else why not). */
export interface Subject {
  name: string;
  available: boolean;
  skipReason: string;
  /** props: the material field of the scenario (src/model/props.ts), null for the base model. */
  make(L: Layout, k: Coefficients, bc: BCSet, props?: Float32Array | null): Promise<Backend>;
}

export const reference = (L: Layout, k: Coefficients, bc: BCSet, props: Float32Array | null = null) =>
  new CpuBackend(L, k, bc, { threads: 1, props });

// -------------------------------------------------------------------------------------------
// Tolerances (f32 backend vs f64 reference). f32 unit round-off u = 6e-8. One explicit phase
// step commits a few u on ξ = O(1) (stencil differences, exp of ψ = O(17)); the CG solves leave
// errors of a few ulps of the solution (ψ ≤ 17.4: ulp 1.9e-6; c̃ = O(1)); over N ≤ 20 steps of this
// stable, dissipative coupling the errors add up at most linearly: ≲ 20 × 10u ≈ 1e-5 on ξ and a
// few 1e-5 on c̃, ψ. The bounds below leave ~10× headroom over that worst case and are still far
// below anything physical (a one-cell shift of the front changes ξ by O(0.5)). Measured errors are
// printed by the test (typically 1e-6 on ξ and ψ, 1e-5 on c̃).
export const TOL = {
  /** ξ, absolute (max and RMS). */
  xiMax: 1e-4,
  xiRms: 1e-5,
  /** c̃, relative to max |c̃| of the reference. */
  cMax: 1e-4,
  cRms: 1e-5,
  /** ψ, absolute (ψ = fφ ≈ 17 at −0.45 V: 1e-4 is 2.6 µV). */
  psiMax: 1e-4,
  psiRms: 2e-5,
  /** ∂ξ/∂t, relative to its max (a difference of two ξ states divided by dt: ξ errors / dt). */
  xidotMax: 1e-3,
  /**
   * w of the grand-potential form, absolute, where the electrolyte is near the bulk (reference
   * c̃ ≥ 0.5): there Δw = Δc̃/(c̃(1 − c_l)) ≤ 2.2·Δc̃, so the bounds of c̃ apply to w. Where c̃ is
   * small w = ln of a small site fraction and the f32 solve, which holds the conserved ρ (hence
   * c̃) to an absolute few ulps per cell, leaves Δw ∝ 1/c̃ (measured: 1e-4 at c̃ = 0.01, 1.3e-5
   * at c̃ ≥ 0.3); there w is held through the Li⁺ it represents, |Δw|·c̃ ≤ cMax·max|c̃|.
   */
  wMax: 1e-4,
  wRms: 1e-5,
  /** Metrics (sums of f32 fields by pairwise trees, relative error ~ log2(N)·u plus the field errors). */
  metricRel: 1e-4,
};

// short_circuit_s and xi_grown_mean are the Simulation's (the time of a checked reduction; a mean
// over the fields read back), not the backend's: both NaN here, and covered by the tip and field checks
const METRIC_EXACT = ['time_s', 'step', 'dt_s', 'potential_solves', 'voltage_V', 'short_circuit_s', 'xi_grown_mean'];
/** Solver diagnostics: reported, not compared (f32 CG may need a few more iterations). */
const METRIC_SOLVER = [
  'potential_iters',
  'potential_residual',
  'transport_iters',
  'transport_residual',
  'mechanics_iters',
  'mechanics_residual',
];

export interface Case {
  label: string;
  steps: number;
  dt: number;
  input: ScenarioInput;
}

export const CASES: Case[] = [
  {
    label: '2D 64×32, σ_s/σ_l = 8.4e6 (no cap)',
    steps: 16,
    dt: 2e-3,
    input: {
      name: 'conformance-2d',
      grid: { dims: 2, n: [64, 32], dx: '0.25 um' },
      time: { end: 1, output: 1 },
      voltage: '-450 mV',
      initial: { layer: '4 um', nuclei: [{ center: ['4 um', '4 um'], radius: '2 um' }] },
      noise: { amplitude: 0.04, seed: 3 },
      anisotropy: { delta: 0.04, omega: 4, theta0: 0.3 },
      numerics: { potentialTol: 1e-12, transportTol: 1e-10, resolveMaxSteps: 4 },
    },
  },
  {
    label: '3D 16³, contrast capped at 1e4',
    steps: 10,
    dt: 3e-3,
    input: {
      name: 'conformance-3d',
      grid: { dims: 3, n: [16, 16, 16], dx: '0.5 um' },
      time: { end: 1, output: 1 },
      voltage: '-300 mV',
      initial: { layer: '2 um', nuclei: [{ center: ['2 um', '3 um', '3 um'], radius: '2 um' }] },
      noise: { amplitude: 0.04, seed: 5 },
      anisotropy: { delta: 0.03 },
      numerics: { sigmaContrastCap: 1e4, potentialTol: 1e-12, transportTol: 1e-10, resolveMaxSteps: 4 },
    },
  },
];

/**
 * The solver-level switches (README: physics switches (binary electrolyte, drive control); model.md §6): the binary electrolyte
 * (migration 0, sink t_a), a temperature with Arrhenius D_l, L_η, σ_l, and the drive control —
 * galvanostatic plating then stripping (setVoltage every step, φ > 0 while stripping).
 */
export const SOLVER_CASES: Case[] = [
  {
    label: '2D binary electrolyte, t₊ = 0.38',
    steps: 16,
    dt: 2e-3,
    input: {
      name: 'conformance-binary',
      grid: { dims: 2, n: [64, 32], dx: '0.25 um' },
      time: { end: 1, output: 1 },
      voltage: '-450 mV',
      initial: { layer: '4 um', nuclei: [{ center: ['4 um', '4 um'], radius: '2 um' }] },
      noise: { amplitude: 0.04, seed: 3 },
      anisotropy: { delta: 0.04, omega: 4, theta0: 0.3 },
      electrolyte: { model: 'binary', transference: 0.38 },
      numerics: { potentialTol: 1e-12, transportTol: 1e-10, resolveMaxSteps: 4 },
    },
  },
  {
    label: '2D at 330 K (Arrhenius D_l, L_η, σ_l: 15, 30, 12 kJ/mol)',
    steps: 16,
    // L_η ×2.98 at 330 K: maxDxiPerStep/max|∂ξ/∂t| ≈ 1.5e-3 s at −0.35 V
    dt: 1e-3,
    input: {
      name: 'conformance-temperature',
      grid: { dims: 2, n: [64, 32], dx: '0.25 um' },
      time: { end: 1, output: 1 },
      voltage: '-350 mV',
      initial: { layer: '4 um', nuclei: [{ center: ['4 um', '4 um'], radius: '2 um' }] },
      noise: { amplitude: 0.04, seed: 3 },
      anisotropy: { delta: 0.04 },
      parameters: { T: 330, activation: { Dl: '15 kJ/mol', Leta: '30 kJ/mol', sigmaL: '12 kJ/mol' } },
      numerics: { potentialTol: 1e-12, transportTol: 1e-10, resolveMaxSteps: 4 },
    },
  },
  {
    // base-model electrolyte: in the binary mode the reservoir's influx over 32 ms is ~1e-4 of
    // the f32 rounding floor of the influx sum (diffusion has not reached it), not a useful metric
    label: '2D galvanostatic ±20 mA/cm² (plate 8 steps, strip 8 steps)',
    steps: 16,
    dt: 2e-3,
    input: {
      name: 'conformance-galvanostatic',
      grid: { dims: 2, n: [64, 32], dx: '0.25 um' },
      time: { end: 1, output: 1 },
      voltage: '-150 mV',
      initial: { layer: '4 um', nuclei: [{ center: ['4 um', '4 um'], radius: '2 um' }] },
      anisotropy: { delta: 0.04 },
      control: {
        schedule: [
          { mode: 'galvanostatic', current: '20 mA/cm^2', duration: 0.016 },
          { mode: 'galvanostatic', current: '-20 mA/cm^2', duration: 0.016 },
        ],
        maxStep: '50 mV',
      },
      numerics: { potentialTol: 1e-12, transportTol: 1e-10, resolveMaxSteps: 4 },
    },
  },
];

/**
 * The material switches (docs/material-switches.md): a patchy SEI, a 3D host in 2D and 3D, and the
 * substrate contact-angle condition on a bare collector. Same body, same tolerances; the dt of
 * each is checked against the solver's policy like the base cases.
 */
export const SWITCH_CASES: Case[] = [
  {
    label: '2D patchy SEI (σ, D ×0.1, L_η ×0.2; 30 % weak spots ×10)',
    steps: 16,
    // the weak spots (L_η ×2) react ~1.4× faster than the base case: maxDxiPerStep/max|∂ξ/∂t| ≈ 1.5e-3 s
    dt: 1.2e-3,
    input: {
      name: 'conformance-sei',
      grid: { dims: 2, n: [64, 32], dx: '0.25 um' },
      time: { end: 1, output: 1 },
      voltage: '-450 mV',
      initial: { layer: '4 um' },
      noise: { amplitude: 0.04, seed: 3 },
      sei: {
        thickness: '1 um',
        conductivity: 0.1,
        diffusivity: 0.1,
        reactionRate: 0.2,
        pattern: { patchy: { fraction: 0.3, size: '1 um', seed: 7, contrast: 10 } },
      },
      numerics: { potentialTol: 1e-12, transportTol: 1e-10, resolveMaxSteps: 4 },
    },
  },
  {
    label: '2D lithiophilic pillar host',
    steps: 16,
    dt: 2e-3,
    input: {
      name: 'conformance-host-2d',
      grid: { dims: 2, n: [64, 32], dx: '0.25 um' },
      time: { end: 1, output: 1 },
      voltage: '-450 mV',
      initial: { layer: '1 um' },
      noise: { amplitude: 0.04, seed: 3 },
      host: { geometry: { pillars: { width: '1 um', height: '5 um', spacing: '4 um' } }, lithiophilic: true },
      numerics: { potentialTol: 1e-12, transportTol: 1e-10, resolveMaxSteps: 4 },
    },
  },
  {
    label: '3D 16³ lithiophobic porous host, nucleus on the collector at 120°, contrast capped at 1e4',
    steps: 10,
    dt: 3e-3,
    input: {
      name: 'conformance-host-3d',
      grid: { dims: 3, n: [16, 16, 16], dx: '0.5 um' },
      time: { end: 1, output: 1 },
      voltage: '-300 mV',
      initial: { nuclei: [{ center: ['0 um', '4 um', '4 um'], radius: '2.5 um' }] },
      noise: { amplitude: 0.04, seed: 5 },
      host: { geometry: { porous: { porosity: 0.6, poreSize: '2 um', thickness: '4 um', seed: 3 } }, lithiophilic: false },
      substrate: { contactAngle: 120 },
      numerics: { sigmaContrastCap: 1e4, potentialTol: 1e-12, transportTol: 1e-10, resolveMaxSteps: 4 },
    },
  },
  {
    label: '2D nucleus on a bare collector, contact angle 60°',
    steps: 16,
    dt: 2e-3,
    input: {
      name: 'conformance-contact',
      grid: { dims: 2, n: [64, 32], dx: '0.25 um' },
      time: { end: 1, output: 1 },
      voltage: '-450 mV',
      initial: { nuclei: [{ center: ['0 um', '4 um'], radius: '2.5 um' }] },
      noise: { amplitude: 0.04, seed: 3 },
      substrate: { contactAngle: 60 },
      numerics: { potentialTol: 1e-12, transportTol: 1e-10, resolveMaxSteps: 4 },
    },
  },
];

/**
 * The electrostatic-shielding additive (docs/additive.md): a second cation ã transported by the
 * same SG solver (migration 1, no sink) that screens the reaction rate. On its own over the base
 * model, and with a binary electrolyte (c̃'s migration 0: the additive's drift needs ψ re-shifted
 * with migration 1) and a lithiophilic pillar host (host cells hold ã = 0). CPU threads agree bit
 * for bit (asserted for these cases, ã included), WebGPU within the base tolerances (ã as c̃).
 */
export const ADDITIVE_CASES: Case[] = [
  {
    label: '2D additive 0.05 M, shielding 0.5',
    steps: 16,
    dt: 2e-3,
    input: {
      name: 'conformance-additive',
      grid: { dims: 2, n: [64, 32], dx: '0.25 um' },
      time: { end: 1, output: 1 },
      voltage: '-450 mV',
      initial: { layer: '4 um', nuclei: [{ center: ['4 um', '4 um'], radius: '2 um' }] },
      noise: { amplitude: 0.04, seed: 3 },
      anisotropy: { delta: 0.04, omega: 4, theta0: 0.3 },
      additive: { concentration: '0.05 M', diffusivity: '2e-10 m^2/s', shielding: 0.5 },
      numerics: { potentialTol: 1e-12, transportTol: 1e-10, resolveMaxSteps: 4 },
    },
  },
  {
    label: '2D additive (shielding 2) with a binary electrolyte (t₊ = 0.38) and a lithiophilic pillar host',
    steps: 16,
    dt: 2e-3,
    input: {
      name: 'conformance-additive-host',
      grid: { dims: 2, n: [64, 32], dx: '0.25 um' },
      time: { end: 1, output: 1 },
      voltage: '-450 mV',
      initial: { layer: '1 um' },
      noise: { amplitude: 0.04, seed: 3 },
      host: { geometry: { pillars: { width: '1 um', height: '5 um', spacing: '4 um' } }, lithiophilic: true },
      electrolyte: { model: 'binary', transference: 0.38 },
      additive: { concentration: '50 mol/m^3', shielding: 2 },
      numerics: { potentialTol: 1e-12, transportTol: 1e-10, resolveMaxSteps: 4 },
    },
  },
];

/**
 * Two transported species (src/model/species.ts): the additive and the test-only `tracer`
 * (second-species.ts: a schema and coefficients, nothing else), with its own diffusivity, drift
 * factor 0.5 and screening strength, so every backend's per-species loop, the summed screening
 * and a second drift shift are exercised. CPU threads bit for bit, GPUs within the base
 * tolerances (each species like c̃).
 */
export const SPECIES_CASES: Case[] = [
  {
    label: '2D two species: additive (shielding 0.5) and a test-only tracer (drift 0.5, shielding 1.5)',
    steps: 16,
    dt: 2e-3,
    input: {
      ...ADDITIVE_CASES[0].input,
      name: 'conformance-species',
      tracer: { concentration: '20 mM', diffusivity: '1e-10 m^2/s', shielding: 1.5, migration: 0.5 },
    } as ScenarioInput,
  },
];

/**
 * The phase stages (docs/imex-phase.md). The base cases above run with the scenario default
 * (numerics.phase "imex"); these add the explicit stage on the same 2D and 3D states, and the IMEX
 * stage where it takes steps the explicit one cannot: a fine grid (dx = 0.125 µm, explicit bound
 * safety·dt_phase = 0.95 ms in 2D) at a moderate drive with dt = 7 ms, in 2D and in 3D (the 3D
 * operator, the midpoint sweeps, the implicit c̃ coupling and the noise through the implicit step
 * at several times the explicit bound). Same body, same tolerances; the dt of each is checked
 * against the solver's policy like the base cases (for IMEX: the reaction stiffness and
 * maxDxiPerStep).
 */
export const PHASE_CASES: Case[] = [
  {
    label: '2D 64×32 explicit phase stage (σ_s/σ_l = 8.4e6)',
    steps: 16,
    dt: 2e-3,
    input: { ...CASES[0].input, name: 'conformance-explicit-2d', numerics: { ...CASES[0].input.numerics, phase: 'explicit' } },
  },
  {
    label: '3D 16³ explicit phase stage, contrast capped at 1e4',
    steps: 10,
    dt: 3e-3,
    input: { ...CASES[1].input, name: 'conformance-explicit-3d', numerics: { ...CASES[1].input.numerics, phase: 'explicit' } },
  },
  {
    label: '2D IMEX at 7× the explicit bound: dx = 0.125 µm, −0.3 V, dt = 7 ms',
    steps: 14,
    dt: 7e-3,
    input: {
      name: 'conformance-imex-2d',
      grid: { dims: 2, n: [96, 48], dx: '0.125 um' },
      time: { end: 1, output: 1 },
      voltage: '-300 mV',
      initial: { layer: '3 um', nuclei: [{ center: ['3 um', '3 um'], radius: '1 um' }] },
      noise: { amplitude: 0.04, seed: 3 },
      anisotropy: { delta: 0.04, omega: 4, theta0: 0.3 },
      numerics: { phase: 'imex', potentialTol: 1e-12, transportTol: 1e-10, resolveMaxSteps: 4 },
    },
  },
  {
    label: '3D 40×16×16 IMEX at 7× the explicit bound: dx = 0.125 µm, −0.2 V, dt = 5 ms, contrast capped at 1e4',
    steps: 10,
    dt: 5e-3,
    input: {
      name: 'conformance-imex-3d',
      grid: { dims: 3, n: [40, 16, 16], dx: '0.125 um' },
      time: { end: 1, output: 1 },
      voltage: '-200 mV',
      initial: { layer: '1 um', nuclei: [{ center: ['1 um', '1 um', '1 um'], radius: '0.6 um' }] },
      noise: { amplitude: 0.04, seed: 5 },
      anisotropy: { delta: 0.03 },
      numerics: { phase: 'imex', sigmaContrastCap: 1e4, potentialTol: 1e-12, transportTol: 1e-10, resolveMaxSteps: 4 },
    },
  },
];

/**
 * Mechanics (docs/mechanics.md): the displacement solve after every potential solve (warm
 * started), its stresses shifting the Butler–Volmer exponents and driving the phase equation.
 * A ceramic separator with stack pressure, a liquid electrolyte with periodic sides and a
 * uniaxial eigenstrain, and a 3D polymer case; the liquid one on the explicit phase stage, the
 * others on the default IMEX stage (the coupling enters both). CPU threads bit for bit (the displacement too),
 * GPUs within the base tolerances; the displacement within MECH_TOL of its largest value.
 */
export const MECH_CASES: Case[] = [
  {
    label: '2D mechanics: ceramic separator (G = 60 GPa), eigenstrain 0.002, stack pressure 5 MPa',
    steps: 16,
    dt: 2e-3,
    input: {
      name: 'conformance-mech',
      grid: { dims: 2, n: [64, 32], dx: '0.25 um' },
      time: { end: 1, output: 1 },
      voltage: '-450 mV',
      initial: { layer: '4 um', nuclei: [{ center: ['4 um', '4 um'], radius: '2 um' }] },
      noise: { amplitude: 0.04, seed: 3 },
      anisotropy: { delta: 0.04, omega: 4, theta0: 0.3 },
      mechanics: { electrolyte: { G: '60 GPa', nu: 0.26 }, eigenstrain: 0.002, stackPressure: '5 MPa' },
      numerics: { potentialTol: 1e-12, transportTol: 1e-10, resolveMaxSteps: 4 },
    },
  },
  {
    label: '2D mechanics: liquid electrolyte, periodic sides, eigenstrain along x 0.01',
    steps: 16,
    dt: 2e-3,
    input: {
      name: 'conformance-mech-liquid',
      grid: { dims: 2, n: [64, 32], dx: '0.25 um' },
      time: { end: 1, output: 1 },
      voltage: '-450 mV',
      boundary: { lateral: 'periodic' },
      initial: { layer: '4 um', nuclei: [{ center: ['4 um', '4 um'], radius: '2 um' }] },
      noise: { amplitude: 0.04, seed: 3 },
      mechanics: { electrolyte: 'liquid', eigenstrain: { xx: 0.01, yy: 0 } },
      numerics: { phase: 'explicit', potentialTol: 1e-12, transportTol: 1e-10, resolveMaxSteps: 4 },
    },
  },
  {
    label: '3D 16³ mechanics: polymer separator (G = 0.5 GPa), eigenstrain 0.003, contrast capped at 1e4',
    steps: 10,
    dt: 3e-3,
    input: {
      name: 'conformance-mech-3d',
      grid: { dims: 3, n: [16, 16, 16], dx: '0.5 um' },
      time: { end: 1, output: 1 },
      voltage: '-300 mV',
      initial: { layer: '2 um', nuclei: [{ center: ['2 um', '4 um', '4 um'], radius: '2 um' }] },
      noise: { amplitude: 0.04, seed: 5 },
      mechanics: { electrolyte: { G: '0.5 GPa', nu: 0.45 }, eigenstrain: 0.003 },
      numerics: { sigmaContrastCap: 1e4, potentialTol: 1e-12, transportTol: 1e-10, resolveMaxSteps: 4 },
    },
  },
];

/** The displacement of an f32 backend against the reference, relative to its largest value. */
export const MECH_TOL = { uMax: 1e-4, uRms: 1e-5 };

interface RunResult {
  fields: Fields & { xidot: Float64Array };
  metrics: MetricsRow;
  pot: PotentialReport[];
  tr: TransportReport[];
  mech: SolveReport[];
  /** The IMEX phase stage's solves (empty with the explicit stage). */
  ph: SolveReport[];
}

interface Counters {
  solves: number;
  limitedTotal: number;
  influxTotal: number;
  pot: PotentialReport | null;
  tr: TransportReport | null;
  /** Binary electrolyte: ions migrated in from the counter electrode; the collector voltage in force. */
  migrationTotal: number;
  voltage?: number;
  /** Each transported species' boundary influx (scaled), by name. */
  speciesInfluxTotal: Record<string, number>;
  mech?: SolveReport | null;
}

/**
 * Drives two backends through the same steps in the solver's order (src/solver/simulation.ts):
 * potential when due (decided from the reference's statistics), phase, transport. With a
 * `control` section the drive controller (src/solver/control.ts) runs on the reference's
 * deposits and both backends get the same voltage (setVoltage) and a potential solve after
 * every change, as the Simulation does.
 */
export async function lockstep(s: Scenario, ref: Backend, sub: Backend, steps: number, dt: number): Promise<[RunResult, RunResult]> {
  const n = s.numerics;
  const f = initialFields(s);
  await ref.init(f);
  await sub.init(f);
  const c: [Counters, Counters] = [0, 1].map(() => ({
    solves: 0,
    limitedTotal: 0,
    influxTotal: 0,
    migrationTotal: 0,
    speciesInfluxTotal: Object.fromEntries(coefficients(s).species.map((sp) => [sp.name, 0])),
    pot: null,
    tr: null,
  })) as [Counters, Counters];
  const pots: [PotentialReport[], PotentialReport[]] = [[], []];
  const trs: [TransportReport[], TransportReport[]] = [[], []];
  const mechs: [SolveReport[], SolveReport[]] = [[], []];
  const phs: [SolveReport[], SolveReport[]] = [[], []];
  const both = [ref, sub];
  let since = Infinity;
  const kc = coefficients(s);
  const drive = s.control ? new DriveControl(s, kc) : null;
  const x0 = s.boundary.phi.x0;
  let cst = drive ? drive.initial(x0.type === 'dirichlet' ? x0.value : s.voltage) : null;
  if (cst) for (const b of both) await b.setVoltage(cst.voltage);
  for (let step = 0; step < steps; step++) {
    const st = await ref.stepStats();
    if (since >= n.resolveMaxSteps || st.dxiSinceSolve > n.resolveXiTol) {
      for (let b = 0; b < 2; b++) {
        const r = await both[b].potential(n.potentialTol, n.potentialMaxIter);
        expect(r.converged, `${both[b].name} potential converged at step ${step}`).toBe(true);
        c[b].pot = r;
        c[b].solves++;
        pots[b].push(r);
        if (kc.mechanics) {
          // the displacement solve follows every potential solve (src/solver/simulation.ts)
          const m = await both[b].mechanics(kc.mechanics.tol, kc.mechanics.maxIter);
          expect(m.converged, `${both[b].name} mechanics converged at step ${step}`).toBe(true);
          c[b].mech = m;
          mechs[b].push(m);
        }
      }
      since = 0;
    }
    for (let b = 0; b < 2; b++) {
      const ph = await both[b].phase(dt, step);
      // the IMEX stage reports its MG-PCG solves (the explicit one null), on every backend alike
      expect(ph === null, `${both[b].name} phase report at step ${step}`).toBe(s.numerics.phase === 'explicit');
      if (ph) {
        expect(ph.converged, `${both[b].name} IMEX phase converged at step ${step}`).toBe(true);
        phs[b].push(ph);
      }
      const r = await both[b].transport(dt, n.transportTol, 200);
      expect(r.converged, `${both[b].name} transport converged at step ${step}`).toBe(true);
      kc.species.forEach((sp, m) => {
        expect(r.species[m].converged, `${both[b].name} ${sp.name} transport converged at step ${step}`).toBe(true);
        c[b].speciesInfluxTotal[sp.name] += r.species[m].influx;
      });
      c[b].tr = r;
      c[b].limitedTotal += r.limited;
      c[b].influxTotal += r.influx;
      trs[b].push(r);
      c[b].migrationTotal += (1 - kc.sink) * kc.csRatio * r.deposited;
      if (cst) c[b].voltage = cst.voltage;
    }
    since++;
    if (drive && cst) {
      const u = drive.update(cst, (step + 1) * dt, trs[0][step].deposited, dt);
      cst = u.state;
      if (u.changed) {
        for (const b of both) await b.setVoltage(cst.voltage);
        since = Infinity;
      }
    }
  }
  const k = coefficients(s);
  const out: RunResult[] = [];
  for (let b = 0; b < 2; b++) {
    const red = await both[b].reductions();
    const fields = await both[b].read();
    const metrics = metricsRow(s, k, red, { time: steps * dt, step: steps, dt, ...c[b] });
    out.push({ fields, metrics, pot: pots[b], tr: trs[b], mech: mechs[b], ph: phs[b] });
  }
  return [out[0], out[1]];
}

export function errors(a: Float64Array, b: Float64Array): { max: number; rms: number; at: number } {
  let max = 0,
    s = 0,
    at = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= max)) {
      max = d;
      at = i;
    }
    s += d * d;
  }
  return { max, rms: Math.sqrt(s / a.length), at };
}

/**
 * w errors (TOL.wMax): absolute over the cells near the bulk (reference c̃ ≥ 0.5), weighted by the
 * reference c̃ everywhere (the Li⁺ a w error represents), and the max over all cells (the metal too).
 */
function gpWErrors(A: Fields, B: Fields): { max: number; rms: number; cells: number; weighted: number; all: number } {
  const a = A.w!,
    b = B.w!;
  expect(b, 'read() returns w').toBeDefined();
  let max = 0,
    all = 0,
    weighted = 0,
    s2 = 0,
    n = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= all)) all = d;
    const dc = d * A.c[i];
    if (!(dc <= weighted)) weighted = dc;
    if (!(A.c[i] >= 0.5)) continue;
    n++;
    s2 += d * d;
    if (!(d <= max)) max = d;
  }
  return { max, rms: Math.sqrt(s2 / Math.max(1, n)), cells: n, weighted, all };
}

export const maxAbs = (a: Float64Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
export const fmt = (x: number) => x.toExponential(2);

/** The test body, the same for every backend. */
export async function conformance(subject: Subject, cs: Case): Promise<void> {
  const s = parseScenario(cs.input);
  const L = makeLayout(s),
    k = coefficients(s),
    bc = makeBCs(s);
  const props = initialProps(s);
  const ref = reference(L, k, bc, props);
  const sub = await subject.make(L, k, bc, props);
  const t0 = performance.now();
  try {
    const [A, B] = await lockstep(s, ref, sub, cs.steps, cs.dt);
    const wall = (performance.now() - t0) / 1000;
    // the fixed dt is inside the solver's dt policy for this run (see the header); the transport
    // stage has no migration limit any more (both report a migration rate of 0)
    const st = await ref.stepStats();
    expect(st.migrationRate).toBe(0);
    expect(cs.dt).toBeLessThan(s.numerics.safety * stabilityLimits(k).phase);
    expect(cs.dt * st.stiffness).toBeLessThan(s.numerics.safety);
    expect(cs.dt * st.maxRate).toBeLessThan(s.numerics.maxDxiPerStep);
    const e = {
      xi: errors(B.fields.xi, A.fields.xi),
      c: errors(B.fields.c, A.fields.c),
      psi: errors(B.fields.psi, A.fields.psi),
      xidot: errors(B.fields.xidot, A.fields.xidot),
    };
    const cScale = maxAbs(A.fields.c),
      xdScale = maxAbs(A.fields.xidot);
    // each transported species (src/model/species.ts): errors and scale of its field
    const eS = k.species.map((sp) => {
      const a = A.fields[sp.name],
        b = B.fields[sp.name];
      expect(a, `the reference's read() returns ${sp.name}`).toBeDefined();
      expect(b, `${subject.name} read() returns ${sp.name}`).toBeDefined();
      return { name: sp.name, e: errors(b!, a!), scale: maxAbs(a!) };
    });
    // the displacement (mechanics): each component against the largest |u| of the reference
    const eU = k.mechanics
      ? displacementKeys(k.dims).map((key) => {
          const a = A.fields[key],
            b = B.fields[key];
          expect(a, `the reference's read() returns ${key}`).toBeDefined();
          expect(b, `${subject.name} read() returns ${key}`).toBeDefined();
          return { name: key, e: errors(b!, a!), scale: maxAbs(a!) };
        })
      : [];
    // the grand-potential form's w (docs/grand-potential.md; TOL.wMax says why these bounds). In
    // the metal w = ln of a vanishing c_l: its c_s is held through li_metal in the metrics
    const eW = k.gp ? gpWErrors(A.fields, B.fields) : null;
    const iters = (r: RunResult) =>
      `potential ${r.pot.map((p) => p.iterations).join(',')} | transport ${r.tr.map((t) => t.iterations).join(',')}` +
      (r.ph.length ? ` | IMEX phase ${r.ph.map((p) => p.iterations).join(',')}` : '') +
      (r.mech.length ? ` | mechanics ${r.mech.map((m) => m.iterations).join(',')}` : '');
    console.log(
      [
        `[${subject.name}] ${cs.label}: ${cs.steps} steps, dt = ${cs.dt} s, ${wall.toFixed(2)} s for both backends (${sub.device})`,
        `  ξ     max ${fmt(e.xi.max)}  rms ${fmt(e.xi.rms)}`,
        `  c̃     max ${fmt(e.c.max)}  rms ${fmt(e.c.rms)}  (max |c̃| ${cScale.toFixed(3)})`,
        `  ψ     max ${fmt(e.psi.max)}  rms ${fmt(e.psi.rms)}  (max |ψ| ${maxAbs(A.fields.psi).toFixed(3)})`,
        `  ∂ξ/∂t max ${fmt(e.xidot.max)}  rms ${fmt(e.xidot.rms)}  (max |∂ξ/∂t| ${xdScale.toFixed(3)})`,
        ...eS.map((x) => `  ${x.name.padEnd(5)} max ${fmt(x.e.max)}  rms ${fmt(x.e.rms)}  (max |ã| ${x.scale.toFixed(3)})`),
        ...eU.map((x) => `  ${x.name.padEnd(5)} max ${fmt(x.e.max)}  rms ${fmt(x.e.rms)}  (max |u| ${x.scale.toExponential(3)} µm)`),
        ...(eW
          ? [
              `  w     max ${fmt(eW.max)}  rms ${fmt(eW.rms)}  (${eW.cells} cells with c̃ ≥ 0.5); max |Δw|·c̃ ${fmt(eW.weighted)}; everywhere max ${fmt(eW.all)}`,
            ]
          : []),
        `  CG iterations, reference: ${iters(A)}`,
        `  CG iterations, ${subject.name}: ${iters(B)}`,
      ].join('\n'),
    );
    expect(e.xi.max).toBeLessThan(TOL.xiMax);
    expect(e.xi.rms).toBeLessThan(TOL.xiRms);
    expect(e.c.max).toBeLessThan(TOL.cMax * cScale);
    expect(e.c.rms).toBeLessThan(TOL.cRms * cScale);
    expect(e.psi.max).toBeLessThan(TOL.psiMax);
    expect(e.psi.rms).toBeLessThan(TOL.psiRms);
    expect(e.xidot.max).toBeLessThan(TOL.xidotMax * xdScale);
    for (const x of eS) {
      // a species is a transported concentration like c̃: the same relative bounds
      expect(x.e.max, x.name).toBeLessThan(TOL.cMax * x.scale);
      expect(x.e.rms, x.name).toBeLessThan(TOL.cRms * x.scale);
    }
    for (const x of eU) {
      expect(x.e.max, x.name).toBeLessThan(MECH_TOL.uMax * x.scale);
      expect(x.e.rms, x.name).toBeLessThan(MECH_TOL.uRms * x.scale);
    }
    if (eW) {
      // w is a potential (ln of a site-fraction ratio): absolute near the bulk, like ψ
      expect(eW.cells, 'cells with c̃ ≥ 0.5').toBeGreaterThan(0);
      expect(eW.max, 'w').toBeLessThan(TOL.wMax);
      expect(eW.rms, 'w').toBeLessThan(TOL.wRms);
      expect(eW.weighted, '|Δw|·c̃').toBeLessThan(TOL.cMax * cScale);
    }
    if ((eS.length || eU.length || eW) && subject.name === 'cpu') {
      // worker threads: the serial bits, every field
      const all = { ...e, ...Object.fromEntries([...eS, ...eU].map((x) => [x.name, x.e])), ...(eW ? { w: { max: eW.all } } : {}) };
      for (const [name, er] of Object.entries(all)) expect(er.max, `${name} bit for bit`).toBe(0);
    }

    // metrics
    const lines: string[] = [];
    const cols = metricColumns(k.dims, k.species, k.mechanics !== undefined);
    const collector = cols.find((c) => c.startsWith('i_collector'))!;
    for (const col of cols) {
      const a = A.metrics[col],
        b = B.metrics[col];
      const rel = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);
      lines.push(`  ${col.padEnd(24)} ${a.toPrecision(8).padStart(16)} ${b.toPrecision(8).padStart(16)}  rel ${fmt(a === b ? 0 : rel)}`);
      if (METRIC_SOLVER.includes(col)) continue;
      if (METRIC_EXACT.includes(col)) {
        expect(b, col).toBe(a);
        continue;
      }
      if (col === collector) continue;
      if (k.gp && col === 'c_min') {
        // the grand-potential form's c̃ = K·c_l·(1 − h) vanishes in the metal with 1 − h(ξ) ≈ 10(1 − ξ)³,
        // and f32 holds ξ next to 1 only to 6e-8 absolute: c_min (2e-20 here) has no f32 digits.
        // It is a value of the c̃ field: held to the field's bound, relative to max c̃
        expect(Math.abs(a - b), col).toBeLessThanOrEqual(TOL.cMax * cScale);
        continue;
      }
      expect(Math.abs(a - b), col).toBeLessThanOrEqual(TOL.metricRel * Math.max(Math.abs(a), Math.abs(b)) + 1e-30);
    }
    console.log(`  metrics (reference / ${subject.name}):\n${lines.join('\n')}`);
    // Collector current: the reference evaluates σ̂_s(ψ − g0)·2/dx next to the collector, which
    // resolves the current only to its own solver tolerance (ψ − g0 ~ current/σ̂_s); f32 cannot
    // hold it at all, so the WebGPU backend uses the exact balance fluxX1 − source. Allowed
    // difference: the reference's own balance defect plus the metric tolerance.
    const pa = A.pot[A.pot.length - 1],
      pb = B.pot[B.pot.length - 1];
    const defect = Math.abs(pa.fluxX0 - (pa.fluxX1 - pa.source));
    console.log(
      `  collector flux (scaled): reference ${pa.fluxX0.toPrecision(8)} (balance ${(pa.fluxX1 - pa.source).toPrecision(8)}), ${subject.name} ${pb.fluxX0.toPrecision(8)}`,
    );
    expect(Math.abs(pb.fluxX0 - pa.fluxX0)).toBeLessThanOrEqual(defect + TOL.metricRel * Math.abs(pa.fluxX0));
    expect(Math.abs(pb.fluxX1 - pa.fluxX1)).toBeLessThanOrEqual(TOL.metricRel * Math.abs(pa.fluxX1));
    expect(Math.abs(pb.source - pa.source)).toBeLessThanOrEqual(TOL.metricRel * Math.abs(pa.source) + 1e-12);
  } finally {
    await ref.dispose();
    await sub.dispose();
  }
}

/**
 * One phase step with everything but the noise switched off (κ, W and L_η zero), then the
 * transport step that commits it: Δξ = σ_W√dt·16ξ²(1−ξ)²·N with N from the counter-based
 * generator. Fields are f32-representable so both evaluate the mask on the same ξ.
 */
export async function noiseOnly(subject: Subject): Promise<void> {
  const s = parseScenario(CASES[0].input);
  const L = makeLayout(s),
    bc = makeBCs(s);
  const k: Coefficients = { ...coefficients(s), mobKappa: 0, mobW: 0, Leta: 0, delta: 0 };
  const f0 = initialFields(s);
  const f: Fields = { xi: Float64Array.from(Float32Array.from(f0.xi)), c: new Float64Array(L.N).fill(1), psi: new Float64Array(L.N) };
  const ref = reference(L, k, bc);
  const sub = await subject.make(L, k, bc);
  try {
    const dt = 1e-3,
      step = 5;
    const d: Float64Array[] = [];
    for (const b of [ref, sub]) {
      await b.init(f);
      await b.phase(dt, step);
      await b.transport(dt, 1e-10, 200);
      // the increment through ∂ξ/∂t·dt: an f32 backend keeps Δξ itself (ξ = ξ0 + Δξ stored in f32
      // would round it to an ulp of ξ, 6e-8, which is not small against amp·m ≈ 1e-7 … 1e-4)
      const r = await b.read();
      d.push(r.xidot.map((v) => v * dt));
    }
    const amp = k.noiseSigma * Math.sqrt(dt);
    const key = stepKey(k.seed, step);
    let maxDiff = 0,
      maxDraw = 0,
      maxRef = 0,
      cells = 0;
    for (let i = 0; i < L.N; i++) {
      const x = f.xi[i];
      const m = 16 * x * x * (1 - x) * (1 - x);
      if (m < 1e-3) continue;
      cells++;
      const nRef = d[0][i] / (amp * m),
        nSub = d[1][i] / (amp * m);
      maxRef = Math.max(maxRef, Math.abs(nRef - cellNormal(key, i)));
      maxDraw = Math.max(maxDraw, Math.abs(nSub - nRef));
      maxDiff = Math.max(maxDiff, Math.abs(d[1][i] - d[0][i]));
    }
    console.log(
      `[${subject.name}] noise only: ${cells} interface cells, max |ΔΔξ| ${fmt(maxDiff)} (amplitude ${fmt(amp)}), draws differ by ≤ ${fmt(maxDraw)} (reference vs cellNormal ${fmt(maxRef)})`,
    );
    expect(cells).toBeGreaterThan(50);
    // the reference reproduces the generator (sanity of the inversion itself)
    expect(maxRef).toBeLessThan(1e-6);
    // identical draws: |N| < 6, an f32 evaluation of the same numbers is within a few ulps,
    // the increment Δξ = O(1e-4) is stored to 6e-8 relative, so the implied N agree to < 1e-5
    expect(maxDraw).toBeLessThan(1e-5);
  } finally {
    await ref.dispose();
    await sub.dispose();
  }
}

/**
 * The coefficients D(ξ) and σ̂(ξ) take h of ξ clamped to [0, 1]. ξ slightly outside [0, 1] happens
 * (the limiter, noise); unclamped, h(−0.02) ≈ −8.3e-5 gives σ̂ = 1 + (σ̂_s − 1)h ≈ −700 at the full
 * contrast and an indefinite potential operator. Here every electrolyte cell of the 2D case is set
 * to ξ = −0.02 and every metal cell to 1.02, then one potential solve (σ̂), one phase step and one
 * transport step (D) are compared with the tolerances of the coupled runs.
 */
export async function clampedCoefficients(subject: Subject): Promise<void> {
  const s = parseScenario(CASES[0].input);
  const L = makeLayout(s),
    k = coefficients(s),
    bc = makeBCs(s);
  const f0 = initialFields(s);
  const xi = Float64Array.from(f0.xi, (v) => (v < 1e-3 ? -0.02 : v > 1 - 1e-3 ? 1.02 : Math.fround(v)));
  const f: Fields = { xi, c: Float64Array.from(Float32Array.from(f0.c)), psi: Float64Array.from(Float32Array.from(f0.psi)) };
  const ref = reference(L, k, bc);
  const sub = await subject.make(L, k, bc);
  try {
    const out: (Fields & { xidot: Float64Array })[] = [];
    for (const b of [ref, sub]) {
      await b.init(f);
      const p = await b.potential(s.numerics.potentialTol, s.numerics.potentialMaxIter);
      expect(p.converged, `${b.name} potential converged`).toBe(true);
      await b.phase(1e-3, 0);
      const t = await b.transport(1e-3, s.numerics.transportTol, 200);
      expect(t.converged, `${b.name} transport converged`).toBe(true);
      out.push(await b.read());
    }
    const ePsi = errors(out[1].psi, out[0].psi),
      eC = errors(out[1].c, out[0].c),
      eXi = errors(out[1].xi, out[0].xi);
    const cScale = maxAbs(out[0].c);
    console.log(
      `[${subject.name}] ξ outside [0, 1] (−0.02 / 1.02): ψ max ${fmt(ePsi.max)}, c̃ max ${fmt(eC.max)} (max |c̃| ${cScale.toFixed(3)}), ξ max ${fmt(eXi.max)}`,
    );
    expect(ePsi.max).toBeLessThan(TOL.psiMax);
    expect(eC.max).toBeLessThan(TOL.cMax * cScale);
    expect(eXi.max).toBeLessThan(TOL.xiMax);
  } finally {
    await ref.dispose();
    await sub.dispose();
  }
}

/**
 * The mechanics known answers (test/validation/mechanics-known.ts) through a backend's mechanics
 * stage: Eshelby's disc and sphere (stresses taken in f64 on the host from the backend's
 * displacement) and the manufactured solution's order. f32 backends solve to a relative
 * residual of 1e-7 (the CG's recursive residual; 1e-12 is below f32).
 */
export function backendSolver(subject: Subject): DisplacementSolver {
  return async (L, mc, xi, load) => {
    const s = parseScenario({
      name: 'mechanics-known',
      grid: { dims: L.dims, n: L.dims === 3 ? [L.nx, L.ny, L.nz] : [L.nx, L.ny], dx: L.dx * 1e-6 },
      time: { end: 1, output: 1 },
      voltage: 0,
      mechanics: { electrolyte: 'liquid', eigenstrain: 0 },
    });
    const tol = subject.name === 'cpu' ? mc.tol : Math.max(mc.tol, 1e-7);
    const k: Coefficients = { ...coefficients(s), mechanics: { ...mc, tol } };
    const b = await subject.make(L, k, makeBCs(s));
    try {
      const zero = new Float64Array(L.N);
      const f: Fields = { xi, c: new Float64Array(L.N).fill(1), psi: zero };
      for (const key of displacementKeys(L.dims)) f[key] = zero;
      await b.init(f);
      await b.mechanicsLoad!(load);
      const r = await b.mechanics(tol, 2000);
      const out = await b.read();
      const u = new Float64Array(L.dims * L.N);
      displacementKeys(L.dims).forEach((key, a) => {
        u.set(out[key]!, a * L.N);
      });
      return { u, iterations: r.iterations, converged: r.converged };
    } finally {
      await b.dispose();
    }
  };
}

export async function mechanicsEshelby(subject: Subject, dims: 2 | 3): Promise<void> {
  const solve = backendSolver(subject);
  const cases: [string, number, number, number, { E?: number; G?: number; nu: number }, boolean, number][] =
    dims === 2
      ? [
          ['2D disc Li in Li (64²)', 64, 0.5, 8, LITHIUM, false, 1.25],
          ['2D disc Li in ceramic (128², sharp)', 128, 0.25, 8, CERAMIC, true, 1.5],
        ]
      : [['3D sphere Li in Li (32³)', 32, 0.5, 6, LITHIUM, false, 1.25]];
  for (const [label, n, dx, a, matrix, sharp, away] of cases) {
    const r = await eshelbyCase(dims, n, dx, a, matrix, sharp, away, solve);
    console.log(`[${subject.name}] ${eshelbyReport(label, r, dims, away)}`);
    expect(r.inside, label).toBeLessThan(sharp ? 0.02 : 0.005);
    expect(r.outside, label).toBeLessThan(sharp ? 0.05 : 0.01);
    expect(Math.abs(r.slope + dims), label).toBeLessThan(sharp ? 0.03 : 0.01);
  }
}

export async function mechanicsMms(subject: Subject, dims: 2 | 3): Promise<void> {
  const solve = backendSolver(subject);
  const sizes = dims === 2 ? [16, 32, 64] : [8, 16];
  const m = manufactured(dims);
  const res: { L2: number; iterations: number }[] = [];
  for (const n of sizes) res.push(await mmsCase(dims, n, m, solve));
  const orders = res.slice(1).map((r, k) => Math.log2(res[k].L2 / r.L2));
  console.log(
    `[${subject.name}] MMS ${dims}D: L2 ${res.map((r) => r.L2.toExponential(3)).join(', ')} (n = ${sizes.join(', ')}); orders ${orders.map((o) => o.toFixed(3)).join(', ')}; CG iterations ${res.map((r) => r.iterations).join(', ')}`,
  );
  const last = orders[orders.length - 1];
  expect(last).toBeGreaterThan(1.8);
  expect(last).toBeLessThan(2.2);
}
