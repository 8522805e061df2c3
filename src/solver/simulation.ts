/**
 * The coupled time step and the adaptive time-step policy. Step order (every backend):
 *   1. potential — re-solved when ξ has moved by more than numerics.resolveXiTol anywhere
 *      since the last solve, or after numerics.resolveMaxSteps steps (warm-started);
 *   2. phase     — explicit update of ξ with the current ψ and c̃ⁿ (+ noise);
 *   3. transport — implicit c̃ with the sink −(c_s/c0)Δξ and the conservative limiter.
 * Time-step policy (after every step, from the backend's step statistics):
 *   dt = min(dtMax, safety·dx²/(2d·L_σκ0·((1+δ)² + δω²(1+δ))), safety/stiffness,
 *            maxDxiPerStep/max|∂ξ/∂t|, safety/migration outflow rate, 1.5·dt_prev,
 *            time to the next output)
 * The first step uses numerics.dtInitial.
 */
import type { Backend, PotentialReport, TransportReport } from '../backends/backend.ts';
import { coefficients, stabilityLimits, type Coefficients } from '../model/derived.ts';
import { initialFields } from '../model/initial.ts';
import type { Scenario } from '../model/scenario.ts';
import { metricsRow, type MetricsRow, type RunCounters } from './metrics.ts';

/** A run that cannot continue (non-convergence, NaN); `where` names the stage or field. */
export class SolverError extends Error {
  constructor(message: string, public readonly step: number, public readonly time: number) {
    super(message);
    this.name = 'SolverError';
  }
}

export class Simulation {
  readonly k: Coefficients;
  time = 0;
  step = 0;
  dt: number;
  solves = 0;
  limitedTotal = 0;
  private stepsSinceSolve = Infinity;
  private lastPot: PotentialReport | null = null;
  private lastTr: TransportReport | null = null;
  private dtPhase: number;
  private started = false;

  constructor(readonly scenario: Scenario, readonly backend: Backend) {
    this.k = coefficients(scenario);
    this.dt = scenario.numerics.dtInitial;
    this.dtPhase = stabilityLimits(this.k).phase;
  }

  /** Uploads the initial condition (or restored fields) and solves the potential. */
  async start(fields = initialFields(this.scenario)): Promise<void> {
    await this.backend.init(fields);
    this.started = true;
  }

  private async solvePotential(): Promise<void> {
    const n = this.scenario.numerics;
    const r = await this.backend.potential(n.potentialTol, n.potentialMaxIter);
    this.solves++;
    this.stepsSinceSolve = 0;
    this.lastPot = r;
    if (!r.converged) {
      throw new SolverError(`potential solver did not converge: relative residual ${r.residual.toExponential(2)} after ${r.iterations} iterations (tolerance ${n.potentialTol})`, this.step, this.time);
    }
  }

  /** One coupled step of length min(dt, maxDt). */
  async advance(maxDt = Infinity): Promise<void> {
    if (!this.started) await this.start();
    const n = this.scenario.numerics;
    const dt = Math.min(this.dt, maxDt);
    if (this.stepsSinceSolve >= n.resolveMaxSteps || this.lastPot === null) await this.solvePotential();
    else {
      const st = await this.backend.stepStats();
      if (st.dxiSinceSolve > n.resolveXiTol) await this.solvePotential();
    }
    await this.backend.phase(dt, this.step);
    const tr = await this.backend.transport(dt, n.transportTol, 200);
    this.lastTr = tr;
    if (!tr.converged) throw new SolverError(`transport solver did not converge: relative residual ${tr.residual.toExponential(2)} after ${tr.iterations} iterations`, this.step, this.time);
    this.limitedTotal += tr.limited;
    this.time += dt;
    this.step++;
    this.stepsSinceSolve++;
    const st = await this.backend.stepStats();
    if (!Number.isFinite(st.maxRate)) throw new SolverError(`non-finite ∂ξ/∂t at step ${this.step} (t = ${this.time} s): the phase field blew up; reduce numerics.dtMax or numerics.maxDxiPerStep`, this.step, this.time);
    const inf = (x: number) => (x > 0 ? x : 0);
    this.dt = Math.min(
      n.dtMax,
      n.safety * this.dtPhase,
      st.stiffness > 0 ? n.safety / st.stiffness : Infinity,
      st.maxRate > 0 ? n.maxDxiPerStep / st.maxRate : Infinity,
      inf(st.migrationRate) > 0 ? n.safety / st.migrationRate : Infinity,
      1.5 * dt,
    );
  }

  /** Advances to exactly time t (the last step is shortened to land on t). */
  async runTo(t: number, onStep?: () => void): Promise<void> {
    const eps = 1e-12 * Math.max(1, t);
    while (this.time < t - eps) {
      if (this.step >= this.scenario.numerics.maxSteps) throw new SolverError(`numerics.maxSteps = ${this.scenario.numerics.maxSteps} reached at t = ${this.time} s`, this.step, this.time);
      await this.advance(t - this.time);
      onStep?.();
    }
  }

  /** The metrics row for the current state. */
  async metrics(): Promise<MetricsRow> {
    const red = await this.backend.reductions();
    const run: RunCounters = { time: this.time, step: this.step, dt: this.dt, solves: this.solves, limitedTotal: this.limitedTotal, pot: this.lastPot, tr: this.lastTr };
    return metricsRow(this.scenario, this.k, red, run);
  }
}
