/**
 * Drives one simulation in the page: the backend (selected like the CLI does, createBackend,
 * with its log), src/solver/simulation.ts, and run / pause / step / reset. Steps run in short
 * slices (about 25 ms of work) with a yield to the event loop after each, so the page stays
 * responsive while a run is going; stepping stops at the scenario's end time.
 *
 * Physics changes (voltage, c0, T, anisotropy, noise) can continue from the current fields:
 * the new backend starts from what the old one computed and the simulated time carries on
 * (a fresh Simulation with the current fields as its initial condition). A grid change resets.
 */
import type { Backend } from '../backends/backend.ts';
import { createBackend, type BackendName } from '../backends/create.ts';
import type { Fields } from '../model/initial.ts';
import type { Scenario } from '../model/scenario.ts';
import { Simulation } from '../solver/simulation.ts';
import type { PhysFields } from '../render/fields.ts';

export interface RunnerStatus {
  /** Simulated time, s (continues across physics changes). */
  time: number;
  step: number;
  dt: number;
  running: boolean;
  finished: boolean;
  /** Steps per wall-clock second over the last second of running (display only). */
  stepsPerSecond: number;
  backend: string;
  device: string;
  /** createBackend's log: the choice and every fallback with its reason. */
  log: string[];
  error: string | null;
}

/** Builds the requested backend; a named one that cannot start falls back to auto, with the reason logged. */
export async function selectBackend(name: BackendName, s: Scenario): Promise<{ backend: Backend; log: string[] }> {
  try {
    return await createBackend(name, s);
  } catch (e) {
    if (name === 'auto') throw e;
    const why = (e as Error).message.replace(/^--backend \w+: /, '');
    const fb = await createBackend('auto', s);
    return {
      backend: fb.backend,
      log: [`${name} requested but unavailable: ${why}`, `falling back to auto:`, ...fb.log.map((l) => `  ${l}`)],
    };
  }
}

const nextTask = () =>
  new Promise<void>((r) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => r();
    ch.port2.postMessage(0);
  });

export class SimRunner {
  private sim: Simulation;
  private timeOffset = 0;
  private steps = 0;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private rate = { t: 0, steps: 0, value: 0 };
  private err: string | null = null;
  /** Called after a batch of steps when the picture should be redrawn (at most every `drawEveryMs`). */
  onUpdate: (() => Promise<void> | void) | null = null;
  drawEveryMs = 250;

  private constructor(
    readonly scenario: Scenario,
    readonly backend: Backend,
    readonly log: string[],
  ) {
    this.sim = new Simulation(scenario, backend);
  }

  /** A runner for `s` on the requested backend, started from `from` (fields and time) or the initial condition. */
  static async create(s: Scenario, backendName: BackendName, from?: { fields: Fields; time: number; step: number }): Promise<SimRunner> {
    const { backend, log } = await selectBackend(backendName, s);
    const r = new SimRunner(s, backend, log);
    try {
      if (from) {
        await r.sim.start(from.fields);
        r.timeOffset = from.time;
        r.steps = from.step;
      } else {
        await r.sim.start();
      }
    } catch (e) {
      await backend.dispose();
      throw e;
    }
    return r;
  }

  get time(): number {
    return this.timeOffset + this.sim.time;
  }
  get finished(): boolean {
    return this.time >= this.scenario.time.end - 1e-12 * Math.max(1, this.scenario.time.end);
  }

  status(): RunnerStatus {
    return {
      time: this.time,
      step: this.steps,
      dt: this.sim.dt,
      running: this.running,
      finished: this.finished,
      stepsPerSecond: this.rate.value,
      backend: this.backend.name,
      device: this.backend.device,
      log: this.log,
      error: this.err,
    };
  }

  /** One coupled step (or a rollback after an instability, which the solver logs). */
  private async advance(): Promise<void> {
    await this.sim.advance(this.scenario.time.end - this.time);
    this.steps++;
  }

  /** `n` steps in paused mode (stops early at the end time); resolves when done. */
  async stepN(n: number): Promise<void> {
    await this.pause();
    for (let q = 0; q < n && !this.finished; q++) {
      await this.guard(() => this.advance());
      if (this.err) break;
      if (q % 8 === 7) await nextTask();
    }
  }

  /** Starts stepping until pause() or the end time. */
  run(): void {
    if (this.running || this.finished || this.err) return;
    this.running = true;
    this.rate = { t: performance.now(), steps: this.steps, value: this.rate.value };
    this.loopDone = this.loop();
  }

  /** Stops stepping after the current step; resolves when the loop has stopped. */
  async pause(): Promise<void> {
    this.running = false;
    await this.loopDone;
  }

  private async loop(): Promise<void> {
    let lastDraw = performance.now();
    let drawGap = this.drawEveryMs;
    try {
      while (this.running && !this.finished && !this.err) {
        const t0 = performance.now();
        do {
          await this.guard(() => this.advance());
        } while (this.running && !this.finished && !this.err && performance.now() - t0 < 25);
        const now = performance.now();
        if (now - this.rate.t > 1000) {
          this.rate = { t: now, steps: this.steps, value: ((this.steps - this.rate.steps) * 1000) / (now - this.rate.t) };
        }
        if (now - lastDraw > drawGap) {
          await this.onUpdate?.();
          // a slow picture (a large 3D surface) must not eat the run: at most ~20 % of the time drawing
          const after = performance.now();
          drawGap = Math.max(this.drawEveryMs, 4 * (after - now));
          lastDraw = after;
        }
        await nextTask();
      }
    } finally {
      this.running = false;
      await this.onUpdate?.();
    }
  }

  private async guard(f: () => Promise<void>): Promise<void> {
    try {
      await f();
    } catch (e) {
      this.err = e instanceof Error ? e.message : String(e);
      this.running = false;
    }
  }

  /** The current fields in physical units (φ in V). */
  async fields(): Promise<PhysFields & { psi: Float64Array }> {
    const f = await this.backend.read();
    const kf = this.sim.k.f;
    return { xi: f.xi, c: f.c, psi: f.psi, phi: f.psi.map((v) => v / kf) };
  }

  /** The state to continue from under another scenario (physics change). */
  async snapshot(): Promise<{ fields: Fields; time: number; step: number }> {
    const f = await this.backend.read();
    return { fields: { xi: f.xi, c: f.c, psi: f.psi }, time: this.time, step: this.steps };
  }

  async dispose(): Promise<void> {
    await this.pause();
    await this.backend.dispose();
  }
}
