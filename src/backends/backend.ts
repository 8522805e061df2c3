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
  /**
   * The time loop on the device (the WebGPU backend; absent elsewhere): many steps recorded per
   * submission, the step policy evaluated on the device, nothing read back inside a step. The
   * Simulation drives it (Simulation.advanceTo) and keeps its own state from the records.
   */
  readonly loop?: DeviceLoop;
}

/**
 * The device-side time loop (docs/webgpu-backend.md, "The device loop"). The Simulation hands it
 * its state at a step boundary and gets back one record per step; the records carry what the
 * Simulation's own bookkeeping needs (src/solver/simulation.ts mirrors stepOnce with them), so
 * results do not depend on how many steps the loop records per submission or reads per batch.
 */
export interface DeviceLoop {
  /** Whether the loop can run from the current state (false: take a stage-by-stage step first). */
  ready(): Promise<boolean>;
  /** Runs steps from `start` until a stop condition; the records of every step taken, in order. */
  run(start: LoopStart): Promise<LoopRecord[]>;
  /** Keeps the current fields as the good state on the device (the rollback target). */
  saveGood(): Promise<void>;
  /** Puts the good state back into the fields, as init() would (∂ξ/∂t = 0, ξ at the last solve = ξ). */
  restoreGood(): Promise<void>;
  /**
   * A record reported an exhausted iteration budget (a solve still running when its recorded
   * iterations ended): the next runs record more for those solves.
   */
  raiseBudgets(rec: LoopRecord): Promise<void>;
  /** The Simulation went back to the state after step `step` (a rollback): the loop's own state follows. */
  rewind(step: number): Promise<void>;
}

/** What the loop's kernels need of the solver's settings (src/solver/policy.ts, numerics, control.ts). */
export interface LoopSettings {
  potentialTol: number;
  potentialMaxIter: number;
  transportTol: number;
  transportMaxIter: number;
  /** PolicyConstants of src/solver/policy.ts. */
  policy: {
    dtMax: number;
    safety: number;
    safeDtPhase: number;
    maxDxiPerStep: number;
    rejectDxi: number;
    controlDtMax: number;
    resolveXiTol: number;
    resolveMaxSteps: number;
  };
  /** DriveControl.constants() (null: no controller); the step cap after a new segment (numerics.dtInitial). */
  control: {
    response: number;
    tolerance: number;
    maxStep: number;
    vmin: number;
    vmax: number;
    i0: number;
    f: number;
    alphaMax: number;
    perDeposit: number;
  } | null;
  segmentDt: number;
}

/** The Simulation's state at a step boundary, and where to stop (LoopStart.* mirror simulation.ts). */
export interface LoopStart {
  settings: LoopSettings;
  time: number;
  step: number;
  /** The policy's nominal dt (the device takes the coming step's length from it, policy.ts stepDt). */
  dt: number;
  /** Steps since the last potential solve (large when none), since the last save. */
  stepsSinceSolve: number;
  sinceSave: number;
  forced: boolean;
  solvedBefore: boolean;
  /** The boundary's decision is made (its potential solved if due). */
  decided: boolean;
  /** The good state is to be kept at this boundary (a check passed before it). */
  savePending: boolean;
  checkEvery: number;
  /** The drive controller's state and the segment in force (null: none). */
  control: {
    voltage: number;
    segment: number;
    current: number;
    currentVoltage: number;
    prevCurrent: number;
    prevVoltage: number;
    accDeposit: number;
    accTime: number;
    /**
     * The schedule from the segment in force on: what each segment holds and its absolute end
     * (DriveControl.segmentByIndex; Infinity: it never ends, and the table stops there). The
     * device never adds durations: every end is the host's f64 number, whatever run reaches it.
     */
    table: { galvanostatic: boolean; value: number; end: number }[];
  } | null;
  /**
   * The short circuit (src/solver/deposit.ts, Simulation.check): the tip position that counts as
   * contact, µm, and whether the loop stops there (null: not watched — no counter electrode, or
   * contact already seen).
   */
  contact: { at: number; stops: boolean } | null;
  /** Stop on landing at this time (Infinity: no target), after this step number, at the first solved boundary at or after pauseAt. */
  target: number;
  stepLimit: number;
  pauseAt: number | null;
  /** Stop recording new steps after this much wall time (ms): the page's frames. */
  wallMs?: number;
}

/** One step as the device took it (and the boundary after it), or a boundary alone (tookStep false). */
export interface LoopRecord {
  step: number;
  tookStep: boolean;
  landed: boolean;
  /** The boundary after the step: decided on the device, solved, the good state saved there, the loop paused there. */
  decided: boolean;
  solved: boolean;
  saved: boolean;
  paused: boolean;
  /** The stability check ran after the step and passed; the voltage changed; a schedule segment began. */
  checked: boolean;
  changed: boolean;
  newSegment: boolean;
  /** Why the loop stopped at this step or its boundary (0: it did not): 1 exhausted budget, 2 a solve failed, 3 non-finite rate, 4 check failed, 5 step rejected (policy.ts stepRejected). */
  halt: number;
  /** Each solve's outcome (slot name → 1 converged, 2 breakdown, 3 maxIter, 4 exhausted budget, 0 skipped). */
  codes: Record<string, number>;
  dt: number;
  /** Time after the step (exactly the target when it landed). */
  time: number;
  dtNext: number;
  maxRate: number;
  stiffness: number;
  transport: TransportReport;
  /** The IMEX phase stage's solves of the step, reported together (null: the explicit stage). */
  phase: SolveReport | null;
  /** The boundary's potential solve (when solved). */
  potential: PotentialReport | null;
  /** The checked fields reached the contact position (LoopStart.contact) and their tip, µm (NaN: no contact). */
  contact: boolean;
  tip: number;
  /** The stability check's numbers (when it ran). */
  check: { nonFinite: number; xiMin: number; xiMax: number; cMin: number } | null;
  /** The controller after the step (null: none). */
  control: {
    voltage: number;
    segment: number;
    current: number;
    currentVoltage: number;
    prevCurrent: number;
    prevVoltage: number;
    accDeposit: number;
    accTime: number;
  } | null;
}
