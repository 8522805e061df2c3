/**
 * The time loop of a CLI run: steps the Simulation to every output time, writes the outputs,
 * writes checkpoints at their schedule (at natural restart points, docs/reliability.md §1), at a
 * stop signal and at an --until target before the scenario's end (so the run can be extended).
 */
import { relative } from 'node:path';
import type { Backend } from '../backends/backend.ts';
import { type Checkpoint, writeCheckpoint } from '../io/checkpoint.ts';
import type { RunWriter } from '../io/run-output.ts';
import { packageVersion } from '../io/version.ts';
import type { Scenario } from '../model/scenario.ts';
import { Simulation, SolverError } from '../solver/simulation.ts';
import { Progress } from './progress.ts';
import { OutputClock } from './schedule.ts';
import { StopSignals } from './signals.ts';

export interface LoopOptions {
  s: Scenario;
  /** Simulated time the run ends at (the scenario's end or an earlier --until). */
  end: number;
  quiet: boolean;
  resume?: Checkpoint;
  /** Where the files are written now (a staging directory while overwriting). */
  dir: string;
}

const eps = (t: number) => 1e-12 * Math.max(1, t);
/** Wall time one Simulation.advanceTo call may record steps for (progress and signals in between). */
const WALL_MS = 250;

export class RunLoop {
  readonly sim: Simulation;
  readonly signals = new StopSignals();
  private readonly progress: Progress;
  private readonly clock: OutputClock;
  private readonly ckEvery: number;
  private index: number;
  private nextCkpt: number;
  private lastEmitStep = -1;
  private warnedC = false;
  private lastYield = Date.now();
  /** Steps rejected and redone shorter (accuracy control, docs/numerics-notes.md): the first is reported, the rest counted. */
  private rejected = 0;

  constructor(
    private readonly o: LoopOptions,
    private readonly backend: Backend,
    private readonly writer: RunWriter,
  ) {
    const s = o.s;
    this.sim = new Simulation(s, backend);
    this.sim.onInstability = (e) => {
      if (e.kind === 'rejected' && this.rejected++ > 0) return;
      const retry =
        e.kind === 'rejected'
          ? `redone with dt = ${e.dtRetry.toExponential(3)} s (further rejected steps are only counted: rejectedSteps in the manifest)`
          : `retry ${e.attempt} of ${this.sim.maxRetries} with dt = ${e.dtRetry.toExponential(3)} s`;
      console.warn(`warning: ${e.reason}; rolled back to step ${e.rolledBackTo.step} (t = ${e.rolledBackTo.time} s), ${retry}`);
    };
    this.sim.onShortCircuit = (e) => {
      const where = `the metal reached x = ${e.tip.toFixed(3)} µm, at or beyond the contact position ${e.contactAt.toFixed(3)} µm (an interface width, or 1.5 cells on a grid coarser than w/1.5, before the counter electrode)`;
      if (e.stops) {
        if (!o.quiet)
          console.log(
            `short circuit at t = ${e.time} s (step ${e.step}): ${where}; the run stops here (stop.onShortCircuit: false would continue)`,
          );
      } else
        console.warn(
          `warning: short circuit at t = ${e.time} s (step ${e.step}): ${where}; continuing as the scenario asks (stop.onShortCircuit: false) — after contact the cell is shorted and the fields describe no battery (docs/short-circuit.md)`,
        );
    };
    this.progress = new Progress(o.end, undefined, o.quiet);
    this.ckEvery = s.output.checkpointEvery ?? s.time.output;
    const at = o.resume?.header.output;
    this.index = at ? at.nextIndex : 0;
    this.clock = new OutputClock(s.time.output, at ? at.nextTime : s.time.output);
    this.nextCkpt = at ? at.nextCheckpoint : this.ckEvery;
  }

  /** Steps rejected and redone shorter so far in this process (rollbacks of kind 'rejected'). */
  get rejectedSteps(): number {
    return this.rejected;
  }

  /** What the manifest records about the run so far. */
  stats(): {
    endTime: number;
    steps: number;
    retries: number;
    rejectedSteps: number;
    short_circuit_s: number | null;
    stoppedBy?: 'short circuit';
  } {
    const sim = this.sim;
    return {
      endTime: sim.time,
      steps: sim.step,
      retries: sim.retries,
      rejectedSteps: this.rejected,
      short_circuit_s: Number.isNaN(sim.shortCircuitTime) ? null : sim.shortCircuitTime,
      ...(sim.stopped ? { stoppedBy: 'short circuit' as const } : {}),
    };
  }

  /**
   * Runs to the end; 'interrupted' when a stop signal ended it early (outputs and a checkpoint
   * written); 'stopped' at a stop event (the short circuit, docs/short-circuit.md: the state there
   * is the last output).
   */
  async run(): Promise<'finished' | 'interrupted' | 'stopped'> {
    const { sim, o } = this;
    if (o.resume) await sim.restore(o.resume.state, o.resume.fields);
    else {
      await sim.start();
      await this.emit();
    }
    while (sim.time < o.end - eps(o.end) && !sim.stopped) {
      if (await this.stepTo(Math.min(this.clock.next, o.end))) return 'interrupted';
      if (sim.stopped) {
        // contact is seen on checked fields: this state may be an output
        if (sim.step !== this.lastEmitStep) await this.emit();
        return 'stopped';
      }
      // only checked states become outputs (with checkEvery > 1 the last steps may be unchecked)
      if (!(await sim.verify())) continue;
      await this.emit();
      this.clock.advance();
    }
    if (o.end < o.s.time.end - eps(o.s.time.end)) await this.checkpointAtEnd();
    return 'finished';
  }

  /** Steps to `target`; true when a stop signal ended the run at a checkpoint on the way. */
  private async stepTo(target: number): Promise<boolean> {
    const { sim } = this;
    while (sim.time < target - eps(target)) {
      if ((this.signals.signal || sim.time >= this.nextCkpt - eps(this.nextCkpt)) && (await this.checkpointHere())) return true;
      const max = this.o.s.numerics.maxSteps;
      if (sim.step >= max) throw new SolverError(`numerics.maxSteps = ${max} reached at t = ${sim.time} s`, sim.step, sim.time);
      // many steps per call on a device loop (one otherwise): it pauses at the first restart point
      // from the next checkpoint time on (at once after a stop signal) and returns every
      // WALL_MS so that progress and signals are seen
      const pauseAt = this.signals.signal ? sim.time : Math.max(sim.time, this.nextCkpt);
      await sim.advanceTo(target, { pauseAt, stepLimit: max, wallMs: this.signals.signal ? 20 : WALL_MS });
      this.progress.update(sim.time, sim.step, sim.dt);
      if (sim.stopped) return false;
      if (Date.now() - this.lastYield > 20) {
        // let signal handlers run (they are macrotasks; the step loop only awaits microtasks)
        await new Promise((r) => setImmediate(r));
        this.lastYield = Date.now();
      }
    }
    return false;
  }

  /** A due checkpoint, when this boundary is a restart point; true when a stop signal asked for it (the run ends). */
  private async checkpointHere(): Promise<boolean> {
    const stop = this.signals.signal;
    const kind = await this.sim.prepareCheckpoint(this.signals.force);
    if (!kind) return false;
    if (kind === 'forced')
      console.warn(
        `warning: checkpoint at step ${this.sim.step} forced by ${stop}: resuming from it adds one potential solve compared with an uninterrupted run`,
      );
    if (stop && this.sim.step !== this.lastEmitStep) await this.emit();
    await this.checkpoint(kind === 'exact');
    return stop !== null;
  }

  /**
   * At an --until target before the scenario's end: a checkpoint of the final state, so that
   * `lidendrite resume --until T` can extend the run (forced when the step there did not re-solve
   * the potential: the extension then has one potential solve more than a run straight to T).
   */
  private async checkpointAtEnd(): Promise<void> {
    const kind = await this.sim.prepareCheckpoint(true);
    if (!kind) {
      console.warn(`warning: no checkpoint at t = ${this.sim.time} s (the last step was being retried); the run cannot be extended`);
      return;
    }
    await this.checkpoint(kind === 'exact');
  }

  private async emit(): Promise<void> {
    const { sim } = this;
    const f = await this.backend.read();
    const row = await sim.metrics(f);
    this.writer.writeOutput(this.index++, sim.time, f, row);
    this.lastEmitStep = sim.step;
    this.writer.writeManifest({ state: 'running' }, this.stats());
    // the grand-potential form bounds c/c0 by K (its electrolyte sites full); warn near that bound
    const gpK = sim.k.gp?.K;
    if (!this.warnedC && row.c_max > (gpK ? 0.9 * gpK : 10)) {
      this.warnedC = true;
      console.warn(
        `warning: max c/c0 = ${row.c_max.toPrecision(3)} at t = ${sim.time.toPrecision(4)} s: Li+ is piling up ahead of the front (the model has no anion/electroneutrality, model.md §1${gpK ? `; the electrolyte sites fill at c/c0 = K = ${gpK.toPrecision(5)}` : ''})`,
      );
    }
  }

  private async checkpoint(exact: boolean): Promise<void> {
    const { sim, backend } = this;
    const f = await backend.read();
    while (this.nextCkpt <= sim.time + eps(this.nextCkpt)) this.nextCkpt += this.ckEvery;
    const w = writeCheckpoint(this.o.dir, {
      scenario: this.o.s,
      state: sim.snapshot(),
      fields: f,
      backend: backend.name,
      device: backend.device,
      lidendrite: packageVersion(),
      exact,
      loop: { nextIndex: this.index, nextTime: this.clock.next, nextCheckpoint: this.nextCkpt, outputs: this.writer.outputList() },
    });
    this.writer.noteCheckpoint({
      file: relative(this.o.dir, w.file),
      step: sim.step,
      time: sim.time,
      exact,
      writtenAt: new Date().toISOString(),
    });
    this.writer.writeManifest({ state: 'running' }, this.stats());
  }

  dispose(): void {
    this.signals.dispose();
  }
}
