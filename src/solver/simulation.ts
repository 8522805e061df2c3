/**
 * The coupled time step and the adaptive time-step policy. Step order (every backend):
 *   1. potential — re-solved when ξ has moved by more than numerics.resolveXiTol anywhere
 *      since the last solve, or after numerics.resolveMaxSteps steps (warm-started);
 *   2. phase     — ξ with the current ψ and c̃ⁿ (+ noise): the IMEX stage (numerics.phase
 *                  "imex", docs/imex-phase.md; its MG-PCG report must converge) or forward Euler;
 *   3. transport — implicit c̃ with the sink −(c_s/c0)Δξ (with IMEX, the deposit's c̃-dependence
 *                  implicit) and the conservative limiter.
 * Time-step policy (after every step, from the backend's step statistics; policy.ts, the one
 * definition the WebGPU device loop's kernel twins):
 *   dt = min(dtMax, safety·dt_phase, safety/stiffness, maxDxiPerStep/max rate,
 *            safety/migration outflow rate, control.dtMax in a galvanostatic segment,
 *            1.5·dt_prev, time to the next output)
 *   dt_phase = dx²/(2d·L_σκ0·((1+δ)² + δω²(1+δ)) + L_σW·dx²) for the explicit stage, ∞ for IMEX;
 *   max rate = max|∂ξ/∂t| (explicit) or max|δ|/dt (IMEX)
 * The first step uses numerics.dtInitial. A step with dt·max rate > DXI_REJECT_FACTOR·
 * maxDxiPerStep is rejected (rolled back and redone shorter; docs/numerics-notes.md).
 *
 * Drive control (scenario.control, control.ts): after every step the controller turns the
 * step's deposit into a current density and picks the voltage of the next step (galvanostatic),
 * or the schedule's voltage (potentiostatic segments); a changed voltage goes to the backend
 * (setVoltage) and forces a potential solve at the next decision. Steps are shortened to land
 * on schedule segment ends. The controller's state is part of SimState (checkpoints, rollbacks).
 *
 * Binary electrolyte (scenario.electrolyte): the t₊ share of each step's deposit migrates in
 * from the counter electrode; migrationTotal accumulates it ((1 − sink)·(c_s/c0)·deposited,
 * scaled c0·µm^d) so that Δ(ions + metal) = boundary influx + migrationTotal (metrics.ts).
 *
 * Stability checks and rollback (docs/reliability.md). Every numerics.checkEvery steps (default:
 * 1 on the CPU, 10 on GPU backends) the fields are checked through the backend's reductions:
 * any NaN/Inf, ξ outside [−0.5, 1.5] or c̃ < −1e-9 is an instability; so are a non-finite
 * ∂ξ/∂t (every step) and a potential or transport solve that does not converge. At every check
 * that passes, the next step boundary keeps an in-memory copy of the state fields (ξ, c̃, ψ and
 * each species': src/model/fields.ts) and of the solver state (read()); an instability rolls
 * back to that copy and retries with the first step of the
 * interval halved, up to numerics.maxRetries times, then stops with a SolverError naming the
 * field, the cell (i, j, k), its centre (x, y, z) in µm and the step.
 *
 * Transported species (src/model/species.ts): each one's step follows c̃'s in the transport
 * stage; their boundary influx accumulates per species (speciesInfluxTotal) and a species solve
 * that does not converge is an instability like c̃'s.
 *
 * Restart points. Backend.init() uploads the state fields, sets ∂ξ/∂t = 0 and takes ξ as "ξ at the
 * last potential solve". Between the potential decision of a step and its phase stage neither
 * of those two matters when a solve has just happened (∂ξ/∂t is rewritten by the transport
 * stage before anything reads it, and ξ at the last solve is ξ), so a state captured there
 * (snapshot() after prepareCheckpoint() returned 'exact') restores bit for bit: the restarted
 * run takes exactly the steps the uninterrupted one takes. A state captured anywhere else
 * restores with one extra potential solve at the next step.
 */
import type { Backend, LoopRecord, PotentialReport, SolveReport, TransportReport } from '../backends/backend.ts';
import { isDtIndependent } from '../backends/errors.ts';
import type { MechCoefficients } from '../model/mechanics.ts';
import { coefficients, stabilityLimits, type Coefficients } from '../model/derived.ts';
import { fieldDefs, missingState, stateFields } from '../model/fields.ts';
import { initialFields, type Fields } from '../model/initial.ts';
import { DriveControl, type ControlState } from './control.ts';
import { contactPosition, electrolyteMask, grownMean, type ShortCircuitEvent } from './deposit.ts';
import type { Scenario } from '../model/scenario.ts';
import { metricsRow, type MetricsRow, type RunCounters } from './metrics.ts';
import {
  dtLimit,
  nextDt,
  policyConstants,
  potentialDue,
  rejectedRetryDt,
  stepDt,
  stepRejected,
  DXI_REJECT_FACTOR,
  type PolicyConstants,
} from './policy.ts';

/** Schedule segments handed to a device loop run (it stops when it passes them all; the next run gets more). */
const SCHEDULE_TABLE = 256;
/** The transport solves' iteration limit. */
const TRANSPORT_MAX_ITER = 200;
/** The device loop's halt codes and its exhausted-budget outcome (Backend.loop's LoopRecord). */
const LOOP_HALT = { EXHAUSTED: 1, NOT_CONVERGED: 2, RATE: 3, CHECK: 4, REJECT: 5 } as const;
const OUTCOME_EXHAUSTED = 4;

/** Physical ranges a field may never leave (model.md §4; the limiter keeps c̃ ≥ 0). */
export const XI_RANGE = [-0.5, 1.5] as const;
export const C_MIN = -1e-9;
/** A step's largest accepted change of ξ over maxDxiPerStep (policy.ts, stepRejected). */
export { DXI_REJECT_FACTOR } from './policy.ts';

/**
 * A rejected step retried at ≤ half its length that still changes ξ by at least this share of
 * the first attempt's change is a jump, and the run stops (Simulation.jumpRejected). A rate-driven
 * change would have halved; 0.9 leaves room for round-off and the nonlinear terms only.
 */
export const JUMP_KEPT = 0.9;

export interface SolverErrorDetails {
  /** The offending field (its key in src/model/fields.ts), its value, the cell (i, j, k) and the cell centre (x, y, z) in µm. */
  field?: string;
  value?: number;
  cell?: [number, number, number];
  position?: [number, number, number];
  /** Retries made before giving up (final errors). */
  retries?: number;
  /** An instability the simulation may roll back from (internal; false on what callers see). */
  retryable?: boolean;
  /** A solve ran out of the device loop's recorded iterations (internal: replayed, not rolled back). */
  exhausted?: boolean;
  /** The failure is fixed by the state the failing step started from, whatever its dt (StateError). */
  dtIndependent?: boolean;
  /** A step length the retry should not exceed (a rejected step: maxDxiPerStep over the measured rate). */
  dtRetry?: number;
  /** A rejected step: its length and its largest change of ξ (dt·max rate). */
  rejected?: { dt: number; dxi: number };
}

/**
 * A lost GPU device (the WebGPU backend's DeviceLostError carries `deviceLost: true`). Never
 * retried: the fields and the rollback copy's upload target are gone with the device, and a
 * loss is not a numerical instability.
 */
export function isDeviceLoss(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { deviceLost?: unknown }).deviceLost === true;
}

/** A run that cannot continue (non-convergence, NaN, a field out of range). */
export class SolverError extends Error {
  constructor(
    message: string,
    public readonly step: number,
    public readonly time: number,
    public readonly details: SolverErrorDetails = {},
  ) {
    super(message);
    this.name = 'SolverError';
  }
}

/** Everything a Simulation needs, besides the state fields, to continue exactly (snapshot/restore). */
export interface SimState {
  time: number;
  step: number;
  dt: number;
  solves: number;
  stepsSinceSolve: number;
  limitedTotal: number;
  influxTotal: number;
  /** Ions carried in from the counter electrode by migration (binary electrolyte; scaled c0·µm^d). */
  migrationTotal: number;
  /**
   * Per transported species (by name): what entered through the boundary since the start
   * (scaled bulk·µm^d). Empty for the base model.
   */
  speciesInfluxTotal: Record<string, number>;
  /** Drive controller state (null without scenario.control). */
  control: ControlState | null;
  lastPot: PotentialReport | null;
  lastTr: TransportReport | null;
  /** The last mechanics solve (docs/mechanics.md); absent or null without mechanics. */
  lastMech?: SolveReport | null;
  /** Captured right after a potential solve: ψ belongs to ξ and the restart is exact. */
  atSolvePoint: boolean;
  /** The next potential decision solves regardless of the re-solve test. */
  forceSolve: boolean;
  /** Rollbacks so far. */
  retries: number;
  /** When the metal first came within an interface width of the counter electrode, s (NaN: not yet; absent in older checkpoints). */
  shortCircuitTime?: number;
}

/** One rollback. */
export interface InstabilityEvent {
  /**
   * 'rejected': a step whose rate jumped (DXI_REJECT_FACTOR) redone shorter — accuracy control,
   * expected now and then on coarse grids; 'instability': a field or a solver failed.
   */
  kind: 'rejected' | 'instability';
  /** Where the problem was found. */
  step: number;
  time: number;
  reason: string;
  /** The state the run went back to. */
  rolledBackTo: { step: number; time: number };
  /** 1..maxRetries for the current check interval. */
  attempt: number;
  /** The first step of the retried interval. */
  dtRetry: number;
}

interface GoodState {
  /** The fields, or 'device': kept on the device by its loop (Backend.loop.saveGood). */
  fields: Fields | 'device';
  state: SimState;
  /** Saved after the boundary's potential decision (else before it: start()). */
  decided: boolean;
}

export class Simulation {
  readonly k: Coefficients;
  time = 0;
  step = 0;
  dt: number;
  solves = 0;
  limitedTotal = 0;
  /** Ions that entered through the boundaries since the start (scaled: c0·µm^d). */
  influxTotal = 0;
  /** Ions carried in by migration from the counter electrode since the start (binary mode; scaled c0·µm^d). */
  migrationTotal = 0;
  /** Per transported species (by name): what entered through the boundary since the start (scaled bulk·µm^d). */
  speciesInfluxTotal: Record<string, number>;
  /** The drive controller (null: potentiostatic at the scenario's voltage, nothing is ever changed). */
  readonly control: DriveControl | null;
  /** Its state. */
  controlState: ControlState | null = null;
  /** Rollbacks so far (all intervals). */
  retries = 0;
  /** MG-PCG iterations of the IMEX phase stage since this object was made (0 with the explicit stage; not part of SimState). */
  phaseIterations = 0;
  /** Every rollback, in order. */
  readonly events: InstabilityEvent[] = [];
  /** Called after each rollback (logging). */
  onInstability?: (e: InstabilityEvent) => void;
  /** When the metal first came within w of the counter electrode (NaN: not yet). */
  shortCircuitTime = NaN;
  /** Called once, at the checked boundary where contact is first seen (logging). */
  onShortCircuit?: (e: ShortCircuitEvent) => void;
  /**
   * The tip position (µm) that counts as contact with the counter electrode, L_x − w; null where
   * there is none (boundary.phi.x1 not dirichlet): then nothing is detected.
   */
  readonly contactAt: number | null;
  /** Stop at the short circuit (scenario stop.onShortCircuit, default true). */
  readonly stopOnShortCircuit: boolean;
  /** Cells that were electrolyte (ξ < ½) in the initial condition: the reference of xi_grown_mean. */
  private grownRef: Uint8Array | null = null;
  readonly checkEvery: number;
  readonly maxRetries: number;
  private stepsSinceSolve = Infinity;
  private lastPot: PotentialReport | null = null;
  private lastMech: SolveReport | null = null;
  private lastTr: TransportReport | null = null;
  /** The time-step policy's constants (policy.ts). */
  private readonly policy: PolicyConstants;
  private started = false;
  // step-boundary bookkeeping
  /** The potential decision of the coming step is made (and solvedHere says whether it solved). */
  private decided = false;
  private solvedHere = false;
  private forcedHere = false;
  private forceSolve = false;
  /** The fields at this boundary passed the stability check. */
  private checkedHere = false;
  // rollback
  private saveNext = true;
  private sinceSave = 0;
  private attempt = 0;
  private segFirstDt = NaN;
  private good: GoodState | null = null;
  /** Steps completed since `good` when the current step began (0: it started from `good`). */
  private stepFromSave = 0;
  /** The last failure rolled back from `good` (message, the first dt of its interval, the step it failed at, a rejected step's change). */
  private lastFailure: { message: string; dt: number; step: number; rejected?: { dt: number; dxi: number } } | null = null;
  /** The first step's dt and the step limits computed after it (for the advice of a failure; not checkpointed). */
  private firstStep: { dt: number; limit: number } | null = null;

  constructor(
    readonly scenario: Scenario,
    readonly backend: Backend,
  ) {
    this.k = coefficients(scenario);
    this.speciesInfluxTotal = Object.fromEntries(this.k.species.map((sp) => [sp.name, 0]));
    this.dt = scenario.numerics.dtInitial;
    this.policy = policyConstants(scenario.numerics, stabilityLimits(this.k).phase, scenario.control ? scenario.control.dtMax : Infinity);
    const n = scenario.numerics as Scenario['numerics'] & { checkEvery?: number | null; maxRetries?: number };
    this.checkEvery = n.checkEvery ?? (backend.name === 'cpu' ? 1 : 10);
    this.maxRetries = n.maxRetries ?? 3;
    this.control = scenario.control ? new DriveControl(scenario, this.k) : null;
    this.contactAt = contactPosition(scenario, this.k);
    this.stopOnShortCircuit = this.contactAt !== null && scenario.stop?.onShortCircuit !== false;
    if (this.control) {
      const x0 = scenario.boundary.phi.x0;
      this.controlState = this.control.initial(x0.type === 'dirichlet' ? x0.value : scenario.voltage);
    }
  }

  /** The voltage in force on the collector (the scenario's when there is no control), V. */
  get voltage(): number {
    if (this.controlState) return this.controlState.voltage;
    const x0 = this.scenario.boundary.phi.x0;
    return x0.type === 'dirichlet' ? x0.value : NaN;
  }

  /** Hands the controller's voltage to the backend (after init: the backend starts from the scenario's). */
  private async applyVoltage(): Promise<void> {
    if (this.controlState) await this.backend.setVoltage(this.controlState.voltage);
  }

  /** Uploads the initial condition (or given fields) and checks it. */
  async start(fields = initialFields(this.scenario)): Promise<void> {
    this.grownRef = electrolyteMask(fields.xi);
    await this.backend.init(fields);
    await this.applyVoltage();
    this.started = true;
    this.resetBoundary();
    const bad = await this.findProblem();
    if (bad) throw new SolverError(`initial fields: ${bad.text}`, this.step, this.time, { ...bad.details, retryable: false });
    this.checkedHere = true;
    // the first rollback target (before the first potential decision: ∂ξ/∂t = 0 is exact here)
    await this.save();
  }

  /** The solver state (counters, dt, last solver reports); exact at a point prepareCheckpoint() reported. */
  snapshot(): SimState {
    const copy = <T extends object>(r: T | null): T | null => (r ? { ...r } : null);
    return {
      time: this.time,
      step: this.step,
      dt: this.dt,
      solves: this.solves,
      stepsSinceSolve: this.stepsSinceSolve,
      limitedTotal: this.limitedTotal,
      influxTotal: this.influxTotal,
      migrationTotal: this.migrationTotal,
      speciesInfluxTotal: { ...this.speciesInfluxTotal },
      control: copy(this.controlState),
      lastPot: copy(this.lastPot),
      lastTr: copy(this.lastTr),
      ...(this.k.mechanics ? { lastMech: copy(this.lastMech) } : {}),
      atSolvePoint: this.decided && this.solvedHere,
      forceSolve: this.forceSolve,
      retries: this.retries,
      shortCircuitTime: this.shortCircuitTime,
    };
  }

  /**
   * Continues from a snapshot and the fields taken with it (the state fields of
   * src/model/fields.ts; ∂ξ/∂t is not needed, see the header comment). The next advance() takes
   * the step the snapshotted run took next.
   */
  async restore(state: SimState, fields: Fields): Promise<void> {
    const N = this.k.n[0] * this.k.n[1] * this.k.n[2];
    const bad = missingState(this.k, fields, N);
    if (bad.length) throw new Error(`Simulation.restore: the fields do not fit the scenario: ${bad.join('; ')}`);
    await this.backend.init(stateFields(this.k, fields));
    // a restored run measures grown metal against the scenario's initial condition
    this.grownRef = electrolyteMask(initialFields(this.scenario).xi);
    this.started = true;
    this.applyState(state);
    await this.applyVoltage();
    this.retries = state.retries;
    this.resetBoundary();
    this.decided = true;
    this.solvedHere = state.atSolvePoint;
    this.forceSolve = state.forceSolve || !state.atSolvePoint;
    this.checkedHere = true;
  }

  private applyState(s: SimState): void {
    this.time = s.time;
    this.step = s.step;
    this.dt = s.dt;
    this.solves = s.solves;
    this.stepsSinceSolve = s.stepsSinceSolve;
    this.limitedTotal = s.limitedTotal;
    this.influxTotal = s.influxTotal;
    this.migrationTotal = s.migrationTotal;
    // a species the state does not name (none can: checkpoints hold every species) starts at 0
    this.speciesInfluxTotal = Object.fromEntries(this.k.species.map((sp) => [sp.name, s.speciesInfluxTotal[sp.name] ?? 0]));
    this.shortCircuitTime = s.shortCircuitTime ?? NaN;
    if (this.control) {
      if (!s.control) throw new Error('Simulation: the state has no drive-control state, the scenario has a control section');
      this.controlState = { ...s.control };
    }
    this.lastPot = s.lastPot ? { ...s.lastPot } : null;
    this.lastTr = s.lastTr ? { ...s.lastTr } : null;
    this.lastMech = s.lastMech ? { ...s.lastMech } : null;
  }

  private resetBoundary(): void {
    this.decided = false;
    this.solvedHere = false;
    this.forcedHere = false;
    this.checkedHere = false;
    this.saveNext = true;
    this.sinceSave = 0;
    this.attempt = 0;
    this.segFirstDt = NaN;
    this.good = null;
    this.lastFailure = null;
  }

  private async solvePotential(): Promise<void> {
    const n = this.scenario.numerics;
    const r = await this.stage('potential solver', () => this.backend.potential(n.potentialTol, n.potentialMaxIter));
    this.solves++;
    this.stepsSinceSolve = 0;
    this.lastPot = r;
    this.iterationTotals.potential += r.iterations;
    if (!r.converged) {
      throw new SolverError(
        `potential solver did not converge in step ${this.step + 1} (t = ${this.time} s): relative residual ${r.residual.toExponential(2)} after ${r.iterations} iterations (tolerance ${n.potentialTol})`,
        this.step,
        this.time,
        { retryable: true },
      );
    }
    if (this.k.mechanics) await this.solveMechanics(this.k.mechanics);
  }

  /** The displacement solve, on the potential's re-solve rule (docs/mechanics.md); a failure rolls back like the others. */
  private async solveMechanics(m: MechCoefficients): Promise<void> {
    const r = await this.stage('mechanics solver', () => this.backend.mechanics(m.tol, m.maxIter));
    this.lastMech = r;
    if (!r.converged) {
      throw new SolverError(
        `mechanics solver did not converge in step ${this.step + 1} (t = ${this.time} s): relative residual ${r.residual.toExponential(2)} after ${r.iterations} iterations (tolerance ${m.tol})`,
        this.step,
        this.time,
        { retryable: true },
      );
    }
  }

  /**
   * Runs a solver stage; an exception from it (e.g. the multigrid's "not positive definite" on
   * fields that left their range) becomes a retryable SolverError like a non-convergence — but
   * a lost device passes through unchanged (isDeviceLoss: the run stops, nothing is retried).
   */
  private async stage<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      if (e instanceof SolverError || isDeviceLoss(e)) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      throw new SolverError(`${what} failed at step ${this.step + 1} (t = ${this.time} s): ${msg}`, this.step, this.time, {
        retryable: true,
        ...(isDtIndependent(e) ? { dtIndependent: true } : {}),
      });
    }
  }

  /** The potential decision of the coming step (made once per step boundary). */
  private async decide(force: boolean): Promise<void> {
    if (this.decided) {
      if (force && !this.solvedHere) {
        await this.solvePotential();
        this.solvedHere = true;
        this.forcedHere = true;
      }
      return;
    }
    const state = { forced: this.forceSolve, solvedBefore: this.lastPot !== null, stepsSinceSolve: this.stepsSinceSolve, dxiSinceSolve: 0 };
    let due = potentialDue(this.policy, state);
    // (the ξ test needs the backend's statistics: asked only when nothing else decides)
    if (!due) due = potentialDue(this.policy, { ...state, dxiSinceSolve: (await this.backend.stepStats()).dxiSinceSolve });
    if (due) {
      await this.solvePotential();
      this.forceSolve = false;
    }
    this.decided = true;
    this.solvedHere = due;
  }

  /**
   * One coupled step of length min(dt, maxDt) — or, after an instability, a rollback (time goes
   * back). On a device loop (Backend.loop) the step runs there (a loop run of one step), so that
   * the same steps come out however the calls are batched.
   */
  async advance(maxDt = Infinity): Promise<void> {
    if (!this.started) await this.start();
    if (await this.loopUsable()) {
      await this.runLoop(this.time + maxDt, { stepLimit: this.step + 1 });
      return;
    }
    try {
      await this.stepOnce(maxDt);
    } catch (e) {
      if (!(e instanceof SolverError) || !e.details.retryable) throw e;
      await this.rollback(e);
    }
  }

  private async stepOnce(maxDt: number): Promise<void> {
    const n = this.scenario.numerics;
    await this.decide(false);
    if (this.saveNext) await this.save();
    // land on the caller's target and on the end of a drive-schedule segment (Infinity without one)
    const toSwitch = this.control ? this.control.timeToSwitch(this.time) : Infinity;
    const dt = stepDt(this.dt, maxDt, toSwitch, this.time);
    if (this.sinceSave === 0) this.segFirstDt = dt;
    this.stepFromSave = this.sinceSave;
    this.decided = false;
    this.solvedHere = false;
    this.forcedHere = false;
    this.checkedHere = false;
    const ph = await this.stage('phase solver', () => this.backend.phase(dt, this.step));
    if (ph) {
      this.phaseIterations += ph.iterations;
      if (!ph.converged) throw this.phaseFailure(ph, this.step + 1);
    }
    const tr = await this.stage('transport solver', () => this.backend.transport(dt, n.transportTol, TRANSPORT_MAX_ITER));
    this.lastTr = tr;
    this.iterationTotals.transport += tr.iterations;
    this.limitedTotal += tr.limited;
    this.influxTotal += tr.influx;
    if (this.k.sink !== 1) this.migrationTotal += (1 - this.k.sink) * this.k.csRatio * tr.deposited;
    this.k.species.forEach((sp, m) => {
      this.speciesInfluxTotal[sp.name] += tr.species[m].influx;
    });
    this.time += dt;
    this.step++;
    this.stepsSinceSolve++;
    this.sinceSave++;
    this.checkTransport(tr);
    const st = await this.backend.stepStats();
    if (!Number.isFinite(st.maxRate)) throw await this.instability(`non-finite max |∂ξ/∂t| = ${st.maxRate}`);
    if (stepRejected(this.policy, dt, st.maxRate)) throw await this.rejection(dt, st.maxRate);
    if (this.sinceSave >= this.checkEvery) await this.check();
    // the drive controller's step cap in a galvanostatic segment (control.ts dtCap; policy.ts dtLimit)
    const cap = this.control ? this.control.dtCap(this.time) : Infinity;
    const limit = dtLimit(this.policy, st, cap);
    this.dt = nextDt(this.policy, st, dt, cap);
    if (this.step === 1) this.firstStep = { dt, limit };
    if (this.control && this.controlState) await this.controlStep(tr.deposited, dt);
  }

  /** The drive controller after a step: the next voltage (control.ts). */
  private async controlStep(deposited: number, dt: number): Promise<void> {
    const r = this.control!.update(this.controlState!, this.time, deposited, dt);
    this.controlState = r.state;
    if (r.newSegment) this.dt = Math.min(this.dt, this.control!.segmentDt);
    if (r.changed) {
      await this.backend.setVoltage(r.state.voltage);
      this.forceSolve = true;
    }
  }

  /**
   * Keeps the fields and the state at this boundary (the rollback target). A copy holding a
   * non-finite value (ψ included, which the range check does not see: it may come from the
   * potential decision just made) is never kept: that is an instability of this boundary.
   */
  private async save(): Promise<void> {
    // with a device loop the good state stays on the device (no read-back; the loop's own check
    // covers ψ: a non-finite ψ from the boundary's solve is a solve that did not converge)
    let fields: Fields | 'device' = 'device';
    if (this.backend.loop) await this.backend.loop.saveGood();
    else {
      const f = await this.backend.read();
      const bad = locateProblem(f, this.k);
      if (bad) throw await this.instability(`the state to keep holds ${bad.field} = ${bad.value} (${bad.why})`);
      fields = stateFields(this.k, f);
    }
    this.lastFailure = null;
    this.good = { fields, state: this.snapshot(), decided: this.decided };
    this.saveNext = false;
    this.sinceSave = 0;
    // the interval before this boundary is done: a later failure starts a fresh retry count
    this.attempt = 0;
  }

  /** The stability check of the current fields; throws a retryable SolverError. */
  private async check(): Promise<void> {
    const red = await this.backend.reductions();
    const ok = red.nonFinite === 0 && red.xiMin >= XI_RANGE[0] && red.xiMax <= XI_RANGE[1] && red.cMin >= C_MIN;
    if (!ok)
      throw await this.instability(`reductions: ${red.nonFinite} non-finite cells, ξ in [${red.xiMin}, ${red.xiMax}], min c̃ = ${red.cMin}`);
    this.checkedHere = true;
    this.saveNext = true;
    // contact with the counter electrode, seen on checked fields only (so it survives rollbacks)
    if (this.contactAt !== null && Number.isNaN(this.shortCircuitTime) && red.tip >= this.contactAt) {
      this.shortCircuitTime = this.time;
      this.onShortCircuit?.({ time: this.time, step: this.step, tip: red.tip, contactAt: this.contactAt, stops: this.stopOnShortCircuit });
    }
  }

  /** The run has reached a stop event (a short circuit, unless the scenario continues past it). */
  get stopped(): boolean {
    return this.stopOnShortCircuit && !Number.isNaN(this.shortCircuitTime);
  }

  /** Reads the fields back and names the first problem cell. */
  private async findProblem(): Promise<{ text: string; details: SolverErrorDetails } | null> {
    const f = await this.backend.read();
    const p = locateProblem(f, this.k);
    if (!p) return null;
    const loc = this.describeCell(p.index);
    const label = fieldDefs(this.k).find((d) => d.key === p.field)?.label ?? p.field;
    const text = `field ${label} = ${p.value} (${p.why}) ${loc.text}`;
    return { text, details: { field: p.field, value: p.value, cell: loc.cell, position: loc.position } };
  }

  /**
   * A step whose own rate moved ξ by more than DXI_REJECT_FACTOR·maxDxiPerStep: retried from the
   * last good state at a step the measured rate allows (details.dtRetry), located at the cell with
   * the largest |∂ξ/∂t|.
   */
  private async rejection(dt: number, maxRate: number): Promise<SolverError> {
    const n = this.scenario.numerics;
    const f = await this.backend.read();
    const at = argMaxAbs(f.xidot);
    const loc = this.describeCell(at);
    const fmt = (v: number) => v.toPrecision(3);
    // the IMEX stage's rate is its measured change over the step, max|δ|/dt
    const rate = this.k.imex ? 'max |Δξ|/dt' : 'max |∂ξ/∂t|';
    return new SolverError(
      `step ${this.step} rejected (t = ${this.time} s): ${rate} = ${fmt(maxRate)} 1/s moved ξ by up to ${fmt(dt * maxRate)} in dt = ${dt.toExponential(3)} s, more than ${DXI_REJECT_FACTOR} × numerics.maxDxiPerStep = ${fmt(DXI_REJECT_FACTOR * n.maxDxiPerStep)} (${this.step === 1 ? 'the first step takes numerics.dtInitial unchecked' : 'the rate jumped within one step'}; largest change ∂ξ/∂t = ${fmt(f.xidot[at])} 1/s ${loc.text})`,
      this.step,
      this.time,
      {
        field: 'xidot',
        value: f.xidot[at],
        cell: loc.cell,
        position: loc.position,
        retryable: true,
        dtRetry: rejectedRetryDt(this.policy, maxRate),
        rejected: { dt, dxi: dt * maxRate },
      },
    );
  }

  /** Cell index → "at cell (i, j, k) = …, (x, y, z) = … µm" and its parts. */
  private describeCell(index: number): { text: string; cell: [number, number, number]; position: [number, number, number] } {
    const [nx, ny] = this.k.n;
    const i = index % nx,
      j = Math.floor(index / nx) % ny,
      kk = Math.floor(index / (nx * ny));
    const dx = this.k.dx;
    const position: [number, number, number] = [(i + 0.5) * dx, (j + 0.5) * dx, this.k.dims === 3 ? (kk + 0.5) * dx : 0];
    const fmt = (v: number) => Number(v.toPrecision(6)).toString();
    return {
      text: `at cell (i, j, k) = (${i}, ${j}, ${kk}), (x, y, z) = (${position.map(fmt).join(', ')}) µm`,
      cell: [i, j, kk],
      position,
    };
  }

  private async instability(fallback: string): Promise<SolverError> {
    const p = await this.findProblem();
    const what = p ? p.text : fallback;
    return new SolverError(`instability after step ${this.step} (t = ${this.time} s): ${what}`, this.step, this.time, {
      ...(p?.details ?? {}),
      retryable: true,
    });
  }

  /**
   * Adds the first problem cell to a solver failure that does not name one yet; when the fields
   * are all finite and in range, the cell with the largest |∂ξ/∂t| (where a runaway starts).
   */
  private async locate(err: SolverError): Promise<SolverError> {
    if (err.details.field) return err;
    const p = await this.findProblem();
    if (p) return new SolverError(`${err.message}; ${p.text}`, err.step, err.time, { ...err.details, ...p.details });
    const f = await this.backend.read();
    const at = argMaxAbs(f.xidot);
    if (!(Math.abs(f.xidot[at]) > 0)) return err;
    const loc = this.describeCell(at);
    return new SolverError(`${err.message}; largest |∂ξ/∂t| = ${f.xidot[at].toPrecision(3)} 1/s ${loc.text}`, err.step, err.time, {
      ...err.details,
      field: 'xidot',
      value: f.xidot[at],
      cell: loc.cell,
      position: loc.position,
    });
  }

  /**
   * Which setting to change after the retries. The first step takes numerics.dtInitial unchecked
   * (the limits are computed from its result), so a failure in it, or after a first step longer
   * than the limits then allowed, is dtInitial's.
   */
  private advice(failedStep: number): string {
    const n = this.scenario.numerics;
    const f = this.firstStep;
    if (failedStep <= 1)
      return `The first step takes numerics.dtInitial = ${n.dtInitial} s (the step limits apply from the second step on): reduce numerics.dtInitial, or check the scenario`;
    if (f && f.dt > f.limit)
      return `The first step (numerics.dtInitial = ${n.dtInitial} s, taken with dt = ${f.dt.toExponential(3)} s) was longer than the ${f.limit.toExponential(3)} s the step limits allowed after it: reduce numerics.dtInitial, or check the scenario`;
    return 'Reduce numerics.dtMax / numerics.maxDxiPerStep or check the scenario';
  }

  /**
   * A rejected step redone from the same state at a step at least twice shorter whose largest change
   * of ξ did not shrink (≥ JUMP_KEPT of the change before) is a jump, not a rate: the step takes ξ to
   * another value whatever its length. A change driven by a rate shrinks with dt (the explicit stage's
   * in exact proportion, dt·rate with the rate of the step's start), so this never fires there; the
   * IMEX stage shows it where its implicit part drives ξ to the local equilibrium of a reaction far
   * from it within one step (a disconnected island at a runaway potential, docs/numerics-notes.md).
   * Returns the reason a retry cannot help, or null.
   */
  private jumpRejected(err: SolverError): string | null {
    const prev = this.lastFailure?.rejected;
    const cur = err.details.rejected;
    if (!prev || !cur || this.lastFailure?.step !== err.step) return null;
    if (cur.dt > prev.dt / 2 || cur.dxi < JUMP_KEPT * prev.dxi) return null;
    const fmt = (v: number) => v.toPrecision(3);
    return `a smaller step cannot help: the step's largest change of ξ did not shrink with it (${fmt(prev.dxi)} at dt = ${prev.dt.toExponential(3)} s, ${fmt(cur.dxi)} at ${cur.dt.toExponential(3)} s), a jump the state makes at any step length`;
  }

  /**
   * Goes back to the last good state and retries with the first step halved (or shorter, as a
   * rejected step asks), or gives up. It gives up at once when a retry cannot help: the failure
   * does not depend on dt and the failing step started from the state a retry would restore
   * (details.dtIndependent), or the same failure came back unchanged after the step was halved.
   */
  private async rollback(failure: SolverError): Promise<void> {
    const err = await this.locate(failure);
    const g = this.good;
    // the first step of the failed interval (the current dt when it failed before taking one)
    const failedDt = Number.isNaN(this.segFirstDt) ? this.dt : this.segFirstDt;
    this.attempt++;
    const fromGood = g?.decided === true && this.stepFromSave === 0 && this.sinceSave === 0;
    const jump = this.jumpRejected(err);
    const futile =
      err.details.dtIndependent && fromGood
        ? 'a smaller step cannot help: the failure does not depend on dt, and the state a retry would restore is the one it failed from'
        : this.lastFailure && this.lastFailure.message === err.message
          ? `a smaller step cannot help: the retry from the same state failed in exactly the same way (first step ${this.lastFailure.dt.toExponential(3)} s, then ${failedDt.toExponential(3)} s)`
          : jump;
    if (!g || this.attempt > this.maxRetries || futile) {
      const why = !g
        ? 'no earlier good state to roll back to'
        : futile
          ? futile
          : `still failing after ${this.maxRetries} ${this.maxRetries === 1 ? 'retry' : 'retries'} with the step halved (last retry dt = ${failedDt.toExponential(3)} s)`;
      const advice = futile ? 'Check the scenario (docs/numerics-notes.md, "When a run stops")' : this.advice(err.step);
      throw new SolverError(`${err.message}; ${why}. ${advice}`, err.step, err.time, {
        ...err.details,
        retryable: false,
        retries: this.attempt - 1,
      });
    }
    this.lastFailure = {
      message: err.message,
      dt: failedDt,
      step: err.step,
      ...(err.details.rejected ? { rejected: err.details.rejected } : {}),
    };
    this.stepFromSave = 0;
    const retries = this.retries;
    await this.returnToGood(g);
    this.retries = retries + 1;
    this.dt = Math.min(failedDt / 2, err.details.dtRetry ?? Infinity);
    // a device loop's budget replay of the retried interval (replay()) returns to the good state
    // too: it must take the retry's first step, not the one that failed (the stage-by-stage path
    // has no replays: it goes on with this dt)
    this.good = { ...g, state: { ...g.state, dt: this.dt } };
    const ev: InstabilityEvent = {
      kind: err.details.dtRetry !== undefined ? 'rejected' : 'instability',
      step: err.step,
      time: err.time,
      reason: err.message,
      rolledBackTo: { step: this.step, time: this.time },
      attempt: this.attempt,
      dtRetry: this.dt,
    };
    this.events.push(ev);
    this.onInstability?.(ev);
  }

  /** The fields and the state of the good state g back in place (a rollback or a replay). */
  private async returnToGood(g: GoodState): Promise<void> {
    if (g.fields === 'device') await this.backend.loop!.restoreGood();
    else await this.backend.init(g.fields);
    await this.backend.loop?.rewind(g.state.step);
    this.applyState(g.state);
    await this.applyVoltage();
    this.decided = g.decided;
    this.solvedHere = g.decided && g.state.atSolvePoint;
    this.forcedHere = false;
    // after a save past the decision without a solve, ξ-at-last-solve is lost: solve next time
    this.forceSolve = g.state.forceSolve || (g.decided && !g.state.atSolvePoint);
    this.checkedHere = true;
    this.saveNext = false;
    this.sinceSave = 0;
  }

  /**
   * Advances toward time `target` (the step that reaches it lands on it exactly), stopping after
   * step `opts.stepLimit` (numerics.maxSteps at most), at the first restart point at or after
   * `opts.pauseAt` (a boundary whose decision solves: prepareCheckpoint() then says 'exact'), or
   * once `opts.wallMs` of recording have passed. With a device loop (Backend.loop: the WebGPU
   * backend) it runs many steps on the device and applies their records here, exactly as
   * advance() applies its own step (the same policy and decisions, the same counters, the same
   * rollbacks); without one, or where the loop cannot start (its first step: no coarse factors
   * yet), it takes one step with advance(). Throws maxSteps like runTo.
   */
  async advanceTo(target: number, opts: { stepLimit?: number; pauseAt?: number | null; wallMs?: number } = {}): Promise<void> {
    if (!this.started) await this.start();
    const n = this.scenario.numerics;
    if (this.step >= Math.min(opts.stepLimit ?? n.maxSteps, n.maxSteps)) {
      if (this.step >= n.maxSteps)
        throw new SolverError(`numerics.maxSteps = ${n.maxSteps} reached at t = ${this.time} s`, this.step, this.time);
      return;
    }
    if (await this.loopUsable()) await this.runLoop(target, opts);
    else await this.advance(target - this.time);
  }

  /** The backend's device loop can take the coming steps (it exists; a controller's segment is the one in force). */
  private async loopUsable(): Promise<boolean> {
    const loop = this.backend.loop;
    if (!loop || !(await loop.ready())) return false;
    return !this.control || this.control.segmentAt(this.time).index === this.controlState!.segment;
  }

  /** Runs the device loop toward `target` and applies its records (advanceTo). */
  private async runLoop(target: number, opts: { stepLimit?: number; pauseAt?: number | null; wallMs?: number }): Promise<void> {
    const n = this.scenario.numerics;
    const loop = this.backend.loop!;
    const stepLimit = Math.min(opts.stepLimit ?? n.maxSteps, n.maxSteps);
    const cs = this.controlState;
    const ctl = this.control?.constants() ?? null;
    const table: { galvanostatic: boolean; value: number; end: number }[] = [];
    if (this.control && cs) {
      for (let q = 0; q < SCHEDULE_TABLE; q++) {
        const g = this.control.segmentByIndex(cs.segment + q);
        table.push({ galvanostatic: g.mode === 'galvanostatic', value: g.value, end: g.end });
        if (!Number.isFinite(g.end)) break;
      }
    }
    const records = await loop.run({
      settings: {
        potentialTol: n.potentialTol,
        potentialMaxIter: n.potentialMaxIter,
        transportTol: n.transportTol,
        transportMaxIter: TRANSPORT_MAX_ITER,
        policy: this.policy,
        control: ctl
          ? {
              response: ctl.response,
              tolerance: ctl.tolerance,
              maxStep: ctl.maxStep,
              vmin: ctl.vmin,
              vmax: ctl.vmax,
              i0: ctl.i0,
              f: ctl.f,
              alphaMax: ctl.alphaMax,
              perDeposit: ctl.perDeposit,
            }
          : null,
        segmentDt: n.dtInitial,
      },
      time: this.time,
      step: this.step,
      dt: this.dt,
      stepsSinceSolve: this.stepsSinceSolve,
      sinceSave: this.sinceSave,
      forced: this.forceSolve,
      solvedBefore: this.lastPot !== null,
      decided: this.decided,
      savePending: this.saveNext,
      checkEvery: this.checkEvery,
      control: cs
        ? {
            voltage: cs.voltage,
            segment: cs.segment,
            current: cs.current,
            currentVoltage: cs.currentVoltage,
            prevCurrent: cs.prevCurrent,
            prevVoltage: cs.prevVoltage,
            accDeposit: cs.accDeposit,
            accTime: cs.accTime,
            table,
          }
        : null,
      contact:
        this.contactAt !== null && Number.isNaN(this.shortCircuitTime) ? { at: this.contactAt, stops: this.stopOnShortCircuit } : null,
      target,
      stepLimit,
      pauseAt: opts.pauseAt ?? null,
      wallMs: opts.wallMs,
    });
    for (const r of records) {
      try {
        this.applyRecord(r, target);
      } catch (e) {
        if (!(e instanceof SolverError) || !e.details.retryable) throw e;
        if (e.details.exhausted) await this.replay(r);
        // (a rejected step: the message names the cell with the largest |∂ξ/∂t|, read now)
        else if (e.details.dtRetry !== undefined) await this.rollback(await this.rejection(r.dt, r.maxRate));
        else await this.rollback(await this.located(e, r));
        return;
      }
    }
  }

  /** A step and the boundary after it, as the device loop took them (stepOnce's bookkeeping, then decide's and save's). */
  private applyRecord(r: LoopRecord, target: number): void {
    if (r.tookStep) {
      if (this.sinceSave === 0) this.segFirstDt = r.dt;
      this.stepFromSave = this.sinceSave;
      this.decided = false;
      this.solvedHere = false;
      this.forcedHere = false;
      this.checkedHere = false;
      if (r.phase) this.phaseIterations += r.phase.iterations;
      const exhausted = r.halt === LOOP_HALT.EXHAUSTED && Object.entries(r.codes).some(([s, c]) => s !== 'psi' && c === OUTCOME_EXHAUSTED);
      // the IMEX phase stage comes first in a step: where its solve failed (not ran out of its
      // budget: a replay), stepOnce throws before the step is counted, at the time and step
      // before it; so does this (the rollback's event, the final error's step and message)
      if (!exhausted && r.phase && !r.phase.converged) throw this.phaseFailure(r.phase, this.step + 1);
      const tr = r.transport;
      this.lastTr = tr;
      this.iterationTotals.transport += tr.iterations;
      this.limitedTotal += tr.limited;
      this.influxTotal += tr.influx;
      if (this.k.sink !== 1) this.migrationTotal += (1 - this.k.sink) * this.k.csRatio * tr.deposited;
      this.k.species.forEach((sp, m) => {
        this.speciesInfluxTotal[sp.name] += tr.species[m].influx;
      });
      // (the device's own time: an f64 that splits back into the same df64 words at the next run)
      this.time = r.landed ? target : r.time;
      this.step++;
      this.stepsSinceSolve++;
      this.sinceSave++;
      if (r.step !== this.step) throw new Error(`device loop: record of step ${r.step} where the Simulation is at step ${this.step}`);
      if (exhausted) throw this.exhaustedError();
      this.checkTransport(tr);
      if (!Number.isFinite(r.maxRate)) throw this.deviceInstability(`non-finite max |∂ξ/∂t| = ${r.maxRate}`);
      if (r.halt === LOOP_HALT.REJECT)
        throw new SolverError(`step ${this.step} rejected`, this.step, this.time, {
          retryable: true,
          dtRetry: rejectedRetryDt(this.policy, r.maxRate),
        });
      if (r.halt === LOOP_HALT.CHECK && r.check) {
        const c = r.check;
        throw this.deviceInstability(`reductions: ${c.nonFinite} non-finite cells, ξ in [${c.xiMin}, ${c.xiMax}], min c̃ = ${c.cMin}`);
      }
      if (r.checked) {
        this.checkedHere = true;
        this.saveNext = true;
      }
      if (r.contact && this.contactAt !== null && Number.isNaN(this.shortCircuitTime)) {
        this.shortCircuitTime = this.time;
        this.onShortCircuit?.({ time: this.time, step: this.step, tip: r.tip, contactAt: this.contactAt, stops: this.stopOnShortCircuit });
      }
      this.dt = r.dtNext;
      if (this.step === 1)
        this.firstStep = { dt: r.dt, limit: dtLimit(this.policy, { maxRate: r.maxRate, stiffness: r.stiffness, migrationRate: 0 }) };
      if (r.control && this.controlState) {
        this.controlState = { ...this.controlState, ...r.control };
        if (r.changed) this.forceSolve = true;
      }
    }
    // the boundary after the step: its decision and solve, then the save
    if (r.decided) {
      this.decided = true;
      this.solvedHere = r.solved;
      if (r.solved && r.potential) {
        this.solves++;
        this.stepsSinceSolve = 0;
        this.lastPot = r.potential;
        this.iterationTotals.potential += r.potential.iterations;
        if (r.codes.psi === OUTCOME_EXHAUSTED) throw this.exhaustedError();
        if (!r.potential.converged) {
          throw new SolverError(
            `potential solver did not converge in step ${this.step + 1} (t = ${this.time} s): relative residual ${r.potential.residual.toExponential(2)} after ${r.potential.iterations} iterations (tolerance ${this.scenario.numerics.potentialTol})`,
            this.step,
            this.time,
            { retryable: true },
          );
        }
        this.forceSolve = false;
      }
    }
    if (r.saved) {
      this.lastFailure = null;
      this.good = { fields: 'device', state: this.snapshot(), decided: this.decided };
      this.saveNext = false;
      this.sinceSave = 0;
      this.attempt = 0;
    }
  }

  /** The transport's and the species' solves converged (else a retryable SolverError at the step just taken). */
  private checkTransport(tr: TransportReport): void {
    this.k.species.forEach((sp, m) => {
      const q = tr.species[m];
      if (q.converged) return;
      throw new SolverError(
        `${sp.name} transport solver did not converge at step ${this.step} (t = ${this.time} s): relative residual ${q.residual.toExponential(2)} after ${q.iterations} iterations`,
        this.step,
        this.time,
        { retryable: true },
      );
    });
    if (!tr.converged) {
      throw new SolverError(
        `transport solver did not converge at step ${this.step} (t = ${this.time} s): relative residual ${tr.residual.toExponential(2)} after ${tr.iterations} iterations`,
        this.step,
        this.time,
        { retryable: true },
      );
    }
  }

  /** The retryable error of an IMEX phase solve that did not converge in step `step`. */
  private phaseFailure(ph: SolveReport, step: number): SolverError {
    return new SolverError(
      `IMEX phase solver did not converge in step ${step} (t = ${this.time} s): relative residual ${ph.residual.toExponential(2)} after ${ph.iterations} iterations (tolerance ${this.k.imex?.tol})`,
      this.step,
      this.time,
      { retryable: true },
    );
  }

  /** A solve ran out of the iterations the device loop recorded: not an instability (replay()). */
  private exhaustedError(): SolverError {
    return new SolverError(`a solve ran out of its recorded iterations at step ${this.step}`, this.step, this.time, {
      retryable: true,
      exhausted: true,
    });
  }

  /** An instability found on the device; the problem cell is named when the rollback locates it. */
  private deviceInstability(fallback: string): SolverError {
    return new SolverError(`instability after step ${this.step} (t = ${this.time} s): ${fallback}`, this.step, this.time, {
      retryable: true,
    });
  }

  /** The device loop's instability with the first problem cell named, as instability() names it on the stage-by-stage path. */
  private async located(e: SolverError, _r: LoopRecord): Promise<SolverError> {
    if (!e.message.startsWith('instability after')) return e;
    const p = await this.findProblem();
    return p
      ? new SolverError(`instability after step ${e.step} (t = ${e.time} s): ${p.text}`, e.step, e.time, { ...p.details, retryable: true })
      : e;
  }

  /**
   * A solve ran out of its recorded iterations (the device loop's budget): back to the good state
   * with nothing else changed, and on with a larger budget. The replayed steps are the same steps
   * (same dt, same decisions): the result does not depend on the budget. Not an instability: no
   * retry counted, dt not halved.
   */
  private async replay(r: LoopRecord): Promise<void> {
    const g = this.good;
    if (!g)
      throw new SolverError('a solve ran out of its recorded iterations and there is no good state to replay from', this.step, this.time);
    await this.backend.loop!.raiseBudgets(r);
    await this.returnToGood(g);
    this.budgetReplays++;
  }

  /** Intervals replayed because a solve ran out of the device loop's recorded iterations. */
  budgetReplays = 0;
  /** CG iterations of the potential and transport (c̃) solves so far, replays and rollbacks included (benchmarks). */
  readonly iterationTotals = { potential: 0, transport: 0 };

  /**
   * Makes sure the current fields passed the stability check (rolling back if not).
   * Returns false after a rollback: the caller should keep stepping.
   */
  async verify(): Promise<boolean> {
    if (!this.started) await this.start();
    if (this.checkedHere) return true;
    try {
      await this.check();
      return true;
    } catch (e) {
      if (!(e instanceof SolverError) || !e.details.retryable) throw e;
      await this.rollback(e);
      return false;
    }
  }

  /**
   * At a step boundary: checks the fields and makes the coming step's potential decision.
   * Returns 'exact' when that decision solved (snapshot() + read() now restore bit for bit),
   * 'forced' when `force` made it solve (a valid restart point, but the uninterrupted run
   * would not have solved here), or null (no restart point here; take a step and ask again).
   */
  async prepareCheckpoint(force = false): Promise<'exact' | 'forced' | null> {
    if (!this.started) await this.start();
    // in the middle of a retry (rolled back, no good state saved since): not a restart point
    if (this.attempt > 0) return null;
    try {
      if (!this.checkedHere) await this.check();
      await this.decide(false);
      if (!this.solvedHere && force) await this.decide(true);
    } catch (e) {
      if (!(e instanceof SolverError) || !e.details.retryable) throw e;
      await this.rollback(e);
      return null;
    }
    if (!this.solvedHere) return null;
    return this.forcedHere ? 'forced' : 'exact';
  }

  /**
   * Advances to exactly time t (the last step is shortened to land on t). `onStep` runs after
   * each step taken (not after an advance() that rolled back and took none).
   */
  async runTo(t: number, onStep?: () => void): Promise<void> {
    const eps = 1e-12 * Math.max(1, t);
    while (this.time < t - eps && !this.stopped) {
      if (this.step >= this.scenario.numerics.maxSteps)
        throw new SolverError(`numerics.maxSteps = ${this.scenario.numerics.maxSteps} reached at t = ${this.time} s`, this.step, this.time);
      const before = this.step;
      await this.advance(t - this.time);
      if (this.step === before + 1) onStep?.();
    }
  }

  /**
   * The metrics row for the current state. `fields` (the current backend.read(), when the caller
   * has it) saves a read for xi_grown_mean.
   */
  async metrics(fields?: Fields): Promise<MetricsRow> {
    const red = await this.backend.reductions();
    const xi = (fields ?? (await this.backend.read())).xi;
    const cs = this.controlState;
    // the voltage the last step ran at (its current is the ξ̇ the reductions see)
    const voltage = cs && Number.isFinite(cs.currentVoltage) ? cs.currentVoltage : this.voltage;
    const run: RunCounters = {
      time: this.time,
      step: this.step,
      dt: this.dt,
      solves: this.solves,
      limitedTotal: this.limitedTotal,
      influxTotal: this.influxTotal,
      migrationTotal: this.migrationTotal,
      voltage,
      pot: this.lastPot,
      tr: this.lastTr,
      speciesInfluxTotal: this.speciesInfluxTotal,
      mech: this.lastMech,
      shortCircuitTime: this.shortCircuitTime,
      xiGrownMean: grownMean(xi, this.grownRef),
    };
    return metricsRow(this.scenario, this.k, red, run);
  }
}

/**
 * The first problem cell: a non-finite value in ξ, c̃, ψ, ∂ξ/∂t or a species' field (in the
 * order of src/model/fields.ts), else the cell furthest outside ξ ∈ [−0.5, 1.5], else the most
 * negative c̃ below −1e-9; null if none.
 */
export function locateProblem(
  f: Fields & { xidot?: Float64Array },
  k: Pick<Coefficients, 'f' | 'species' | 'gp'>,
): { field: string; index: number; value: number; why: string } | null {
  for (const d of fieldDefs(k)) {
    const a = f[d.key];
    if (!a || d.derive) continue;
    const name = d.key;
    const i = firstNonFinite(a);
    if (i >= 0) return { field: name, index: i, value: a[i], why: 'not finite' };
  }
  const xo = worstOutside(f.xi, XI_RANGE[0], XI_RANGE[1]);
  if (xo >= 0) return { field: 'xi', index: xo, value: f.xi[xo], why: `outside [${XI_RANGE[0]}, ${XI_RANGE[1]}]` };
  const co = worstOutside(f.c, C_MIN, Infinity);
  if (co >= 0) return { field: 'c', index: co, value: f.c[co], why: `below ${C_MIN}` };
  return null;
}

/** The index of the largest |a[i]| (the first of equal values; 0 for an empty array). */
function argMaxAbs(a: Float64Array): number {
  let at = 0;
  for (let q = 1; q < a.length; q++) if (Math.abs(a[q]) > Math.abs(a[at])) at = q;
  return at;
}

function firstNonFinite(a: Float64Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

function worstOutside(a: Float64Array, lo: number, hi: number): number {
  let worst = -1,
    by = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    const d = v < lo ? lo - v : v > hi ? v - hi : 0;
    if (d > by) {
      by = d;
      worst = i;
    }
  }
  return worst;
}
