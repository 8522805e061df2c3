/**
 * The interface every backend implements (CPU reference, WebGPU, WebGL). The stage names are
 * the same everywhere: potential, mechanics, phase, transport, reductions. The solver (src/solver) owns
 * the step order and the time-step policy and calls only this interface.
 */
import type { Fields } from '../model/initial.ts';

export interface SolveReport {
  iterations: number;
  residual: number;
  converged: boolean;
}

export interface PotentialReport extends SolveReport {
  /** Scaled current through the x1 (counter) and x0 (collector) faces, and the source Σβξ̇dV. */
  fluxX1: number;
  fluxX0: number;
  source: number;
}

export interface TransportReport extends SolveReport {
  /** Ions returned by the conservative sink limiter this step (scaled: c0·µm^d). */
  limited: number;
  /** Ions that entered through the boundary faces this step (scaled: c0·µm^d). */
  influx: number;
  /**
   * Σ Δξ·dV of the step after the limiter (scaled: µm^d): the metal deposited (negative:
   * dissolved). The Faradaic current of the step is nFc_s·deposited/dt; in the binary mode the
   * (1 − sink)·(c_s/c0)·deposited ions carried in from the counter electrode by migration.
   */
  deposited: number;
  /** One per transported species (Coefficients.species, in order), advanced after c̃. */
  species: SpeciesReport[];
  /** Grand-potential form: Newton iterations (linear solves) of the w step (docs/grand-potential.md §2). */
  newton?: number;
}

/** A transported species' step (src/model/species.ts). */
export interface SpeciesReport extends SolveReport {
  /** What entered through its Dirichlet faces (scaled: bulk·µm^d; Δ(Σã dV) equals it: no sink). */
  influx: number;
}

/** Per-step quantities the time-step and re-solve policies need. */
export interface StepStats {
  /** max |deterministic ∂ξ/∂t|, 1/s. */
  maxRate: number;
  /** Reaction stiffness bound, 1/s. */
  stiffness: number;
  /** Largest explicit migration outflow rate, 1/s. */
  migrationRate: number;
  /** max |ξ − ξ at the last potential solve|. */
  dxiSinceSolve: number;
}

/** Raw sums the metrics are made of (scaled units; src/solver/metrics.ts converts to SI). */
export interface Reductions {
  sumXi: number;
  sumC: number;
  sumXidot: number;
  sumGrad: number;
  tip: number;
  cMax: number;
  cMin: number;
  xiMin: number;
  xiMax: number;
  nonFinite: number;
  /**
   * One per transported species (Coefficients.species, in order): Σã (times dV: the amount,
   * scaled bulk·µm^d) and max ã over the non-host cells. A non-finite ã counts in nonFinite (the
   * CPU counts cells; an f32 backend counts 1 per species whose Σã is not finite).
   */
  species: { sum: number; max: number }[];
  /**
   * Grand-potential form: the Li of the metal Σ K·dv·h·c_s(w) dV (scaled c0·µm^d, host cells left
   * out); the metrics' li_metal. Absent in the concentration form (li_metal = c_s Σξ dV there).
   */
  sumMetal?: number;
}

export interface Backend {
  readonly name: 'cpu' | 'webgpu' | 'webgl';
  /** Human-readable device description (adapter, threads). */
  readonly device: string;
  /** Uploads the state fields (src/model/fields.ts: ξ, c̃, ψ and each species'); ∂ξ/∂t = 0. */
  init(fields: Fields): Promise<void>;
  potential(tol: number, maxIter: number): Promise<PotentialReport>;
  /**
   * Advances ξ by dt. The explicit stage returns null; the IMEX stage (numerics.phase = "imex",
   * docs/imex-phase.md) the report of its MG-PCG solves (iterations summed over its sweeps, the
   * worst residual, whether all converged).
   */
  phase(dt: number, step: number): Promise<SolveReport | null>;
  transport(dt: number, tol: number, maxIter: number): Promise<TransportReport>;
  /**
   * The displacement solve of the mechanics stage (Coefficients.mechanics, docs/mechanics.md),
   * warm-started from the last displacement; it also refreshes the coupling the phase stage reads.
   * Called only when the scenario has mechanics (the solver calls it right after potential()).
   */
  mechanics(tol: number, maxIter: number): Promise<SolveReport>;
  /**
   * An added load of the displacement solve (d·N values, component-major, in the solver's
   * scaled force units; null: none): body forces and boundary data of the mechanics known-answer
   * tests (test/validation/mechanics-helpers.ts). Runs never set one.
   */
  mechanicsLoad?(f: Float64Array | null): Promise<void>;
  stepStats(): Promise<StepStats>;
  reductions(): Promise<Reductions>;
  /**
   * Sets the φ Dirichlet value on the collector face x0 to `volts` (src/solver/control.ts), between
   * steps; the next potential solve uses it (the caller forces one). Galvanostatic control and
   * plate/strip schedules (src/solver/control.ts) drive it.
   */
  setVoltage(volts: number): Promise<void>;
  /**
   * Grand-potential form only (tests): a per-cell source S of (2′) (ρ per second, added to the
   * right-hand side of every following transport step; null removes it), for the
   * manufactured-solution check of the w transport (docs/grand-potential.md §5).
   */
  setTransportSource?(s: Float64Array | null): Promise<void>;
  /** The fields of src/model/fields.ts (ξ, c̃, ψ, each species' field, w of the grand-potential form) and the last ∂ξ/∂t, as f64 copies. */
  read(): Promise<Fields & { xidot: Float64Array }>;
  dispose(): Promise<void>;
}
