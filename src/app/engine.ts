/**
 * One simulation, wherever it runs: in the page's solver worker (sim-worker.ts, the normal
 * case) or on the page's main thread (the fallback, sim-client.ts). It owns the backend
 * (selected like the CLI does: createBackend's order and log, a forced backend that cannot
 * start falls back to auto) and src/solver/simulation.ts, and it answers two requests:
 *
 *   advance(n)   n coupled steps, or fewer at the end time or an error; nothing is read back;
 *   frame(want)  one read-back: the requested quantities (src/render/quantities.ts), the
 *                metrics row (metrics.csv's columns) and the status.
 *
 * The page asks for one frame per displayed picture and sizes n so that one request takes about
 * a frame's time, so cheap steps run many per frame. A backend that can take n steps in one
 * submission (the WebGPU device loop, issue 11) takes them in one Simulation.advanceTo.
 *
 * Physics changes continue from the current fields: a new Engine starts from a Continuation (the
 * fields, the simulated time and step, the cumulative metrics) under the new scenario, so time,
 * step and the cumulative columns of the metrics carry on.
 */
import type { Backend } from '../backends/backend.ts';
import { createBackend, type BackendName, type BackendOptions, type Selected } from '../backends/create.ts';
import { stateFields, type Fields } from '../model/fields.ts';
import { parseScenario, type Scenario } from '../model/scenario.ts';
import { quantityList, quantityValues, type QuantityInfo } from '../render/quantities.ts';
import type { MetricsRow } from '../solver/metrics.ts';
import { Simulation } from '../solver/simulation.ts';

export interface EngineStart {
  /** Scenario JSON (validated here again: the worker trusts nothing). */
  scenario: unknown;
  backend: BackendName;
  /** Continue from these fields and counters instead of the initial condition. */
  from?: Continuation;
  /** Fall back to auto when the named backend cannot start (default true; false: throw). */
  fallback?: boolean;
  /** Extra backend options (tests). */
  options?: BackendOptions;
}

/** What a physics change carries over to the next engine. */
export interface Continuation {
  fields: Fields;
  time: number;
  step: number;
  /** The cumulative metrics columns at the hand-over (added to the new engine's). */
  counters: Record<string, number>;
}

export interface EngineInfo {
  backend: string;
  device: string;
  /** createBackend's log: the choice and every fallback with its reason. */
  log: string[];
  quantities: QuantityInfo[];
  /** The metrics.csv columns of this run, in order. */
  columns: string[];
}

export interface Frame {
  time: number;
  step: number;
  dt: number;
  /** The end time in force (extendable). */
  end: number;
  finished: boolean;
  error: string | null;
  /** Steps taken by the request that made this frame. */
  advanced: number;
  /** The metrics row of this state. */
  row: MetricsRow;
  /** Requested quantities by id ('xi' always). */
  fields: Record<string, Float64Array>;
}

/** Columns that accumulate since a run's start: a continued engine adds the previous engine's values. */
export function isCumulative(col: string): boolean {
  // Li⁺ influx, limiter and migration totals, and every species' influx (metrics.ts: <name>_influx_<unit>)
  return col === 'potential_solves' || /^(li_influx|limited|li_migration)_/.test(col) || /_influx_mol(_per_m)?$/.test(col);
}

/** Builds the requested backend; a named one that cannot start falls back to auto, with the reason logged. */
export async function selectBackend(name: BackendName, s: Scenario, opts: BackendOptions = {}): Promise<Selected> {
  try {
    return await createBackend(name, s, opts);
  } catch (e) {
    if (name === 'auto') throw e;
    const why = (e as Error).message.replace(/^--backend \w+: /, '');
    const fb = await createBackend('auto', s, opts);
    return {
      backend: fb.backend,
      log: [`${name} requested but unavailable: ${why}`, `falling back to auto:`, ...fb.log.map((l) => `  ${l}`)],
    };
  }
}

export class Engine {
  private sim: Simulation;
  private base = { time: 0, step: 0 };
  private counters: Record<string, number> = {};
  private end: number;
  private err: string | null = null;
  private quantities: QuantityInfo[] = [];
  private columns: string[] = [];

  private constructor(
    readonly scenario: Scenario,
    readonly backend: Backend,
    readonly log: string[],
  ) {
    this.sim = new Simulation(scenario, backend);
    this.end = scenario.time.end;
  }

  static async create(start: EngineStart): Promise<Engine> {
    const s = parseScenario(start.scenario);
    const { backend, log } =
      start.fallback === false
        ? await createBackend(start.backend, s, start.options)
        : await selectBackend(start.backend, s, start.options);
    const e = new Engine(s, backend, log);
    try {
      if (start.from) {
        await e.sim.start(start.from.fields);
        e.base = { time: start.from.time, step: start.from.step };
        e.counters = { ...start.from.counters };
      } else {
        await e.sim.start();
      }
      const f = await backend.read();
      e.quantities = quantityList(s, rawKeys(f));
      e.columns = Object.keys(await e.sim.metrics(f));
    } catch (err) {
      await backend.dispose();
      throw err;
    }
    return e;
  }

  info(): EngineInfo {
    return { backend: this.backend.name, device: this.backend.device, log: this.log, quantities: this.quantities, columns: this.columns };
  }

  get time(): number {
    return this.base.time + this.sim.time;
  }
  get step(): number {
    return this.base.step + this.sim.step;
  }
  /** At the end time, or stopped by the short circuit (docs/short-circuit.md; short_circuit_s in the row). */
  get finished(): boolean {
    return this.sim.stopped || this.time >= this.end - 1e-12 * Math.max(1, this.end);
  }

  /** Moves the end time (a finished run continues when it grows). */
  setEnd(end: number): void {
    if (!(end > 0) || !Number.isFinite(end)) throw new Error(`time.end: must be a positive number of seconds (got ${end})`);
    this.end = end;
  }

  /**
   * Up to n coupled steps; stops early at the end time or at an error (kept for the next frame).
   * Returns the steps taken. On a backend with a device loop the n steps are recorded many per
   * submission with no read-back but the loop's lagged step records (Simulation.advanceTo).
   */
  async advance(n: number): Promise<number> {
    const first = this.sim.step;
    const stepLimit = first + n;
    while (this.sim.step < stepLimit && !this.finished && !this.err) {
      const before = this.sim.step;
      try {
        await this.sim.advanceTo(this.end - this.base.time, { stepLimit });
        // (a target closer than the landing tolerance: one plain step onto it)
        if (this.sim.step === before) await this.sim.advance(this.end - this.time);
      } catch (e) {
        this.err = e instanceof Error ? e.message : String(e);
      }
    }
    return Math.max(0, this.sim.step - first);
  }

  /** One read-back: the quantities in `want` ('*': all), the metrics row and the status. */
  async frame(want: readonly string[], advanced = 0): Promise<Frame> {
    const f = await this.backend.read();
    const ids = want.includes('*') ? this.quantities.map((q) => q.id) : ['xi', ...want.filter((w) => w !== 'xi')];
    const fields: Record<string, Float64Array> = {};
    for (const id of new Set(ids)) fields[id] = quantityValues(id, this.scenario, f, this.sim.k);
    const row = await this.sim.metrics(f);
    row.time_s = this.time;
    row.step = this.step;
    for (const k of Object.keys(row)) if (isCumulative(k)) row[k] += this.counters[k] ?? 0;
    return {
      time: this.time,
      step: this.step,
      dt: this.sim.dt,
      end: this.end,
      finished: this.finished,
      error: this.err,
      advanced,
      row,
      fields,
    };
  }

  /** What the next engine needs to continue from here (physics change). */
  async continuation(): Promise<Continuation> {
    const f = await this.backend.read();
    const row = await this.sim.metrics(f);
    const counters: Record<string, number> = {};
    for (const k of Object.keys(row)) if (isCumulative(k)) counters[k] = row[k] + (this.counters[k] ?? 0);
    const fields = stateFields(this.sim.k, f);
    return { fields, time: this.time, step: this.step, counters };
  }

  async dispose(): Promise<void> {
    await this.backend.dispose();
  }
}

/** The keys of a backend read that hold a field (typed arrays). */
function rawKeys(f: object): string[] {
  return Object.entries(f)
    .filter(([, v]) => v instanceof Float64Array)
    .map(([k]) => k);
}
