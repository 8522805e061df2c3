/**
 * Runs a (small) scenario in this process on the CPU reference backend and returns the final
 * fields with their morphology and the last metrics row: what the trend tests and the figures
 * need when no run directory exists. Nothing is written to disk; use `lidendrite run` for a run
 * a researcher keeps.
 */
import { createBackend } from '../backends/create.ts';
import { parseScenario, type Scenario } from '../model/scenario.ts';
import { Simulation } from '../solver/simulation.ts';
import type { MetricsRow } from '../solver/metrics.ts';
import type { Fields } from '../model/fields.ts';
import { hostMask } from '../model/props.ts';
import { morphology, type Morphology } from './morphology.ts';

export interface SimulatedState {
  scenario: Scenario;
  xi: Float64Array;
  c: Float64Array;
  /** ψ = fφ (scaled potential). */
  psi: Float64Array;
  /** Every field the backend reads (src/model/fields.ts: species, displacement…), for writers. */
  fields: Fields;
  metrics: MetricsRow;
  morphology: Morphology;
  steps: number;
  wallSeconds: number;
}

/** Runs `input` (a scenario object or a resolved Scenario) to `until` (default time.end). */
export interface SimulateOptions {
  /** Stop at this simulated time (s); default and cap: time.end. */
  until?: number;
  /** Stop as soon as the mean front (front_mean_um) has advanced this far (µm): compares cases at equal deposited charge. */
  frontAdvance?: number;
  threads?: number;
}

/** Runs `input` (a scenario object or a resolved Scenario) to `until`, or until the front has advanced `frontAdvance`. */
export async function simulate(input: unknown, opts: SimulateOptions = {}): Promise<SimulatedState> {
  const s = isResolved(input) ? input : parseScenario(input);
  const t0 = performance.now();
  // createBackend builds what the scenario's switches need (the material props field)
  const { backend } = await createBackend('cpu', s, { threads: opts.threads ?? 1 });
  try {
    const sim = new Simulation(s, backend);
    await sim.start();
    const end = Math.min(opts.until ?? s.time.end, s.time.end);
    if (opts.frontAdvance === undefined) await sim.runTo(end);
    else {
      // the front is read (a reduction pass) when half the steps the current rate needs to reach
      // the target have passed (at most 16 steps apart): the stop lands on (or, if the rate more than
      // doubles within that window, a few steps past) the first step past the target
      const front = async () => (await sim.metrics()).front_mean_um;
      const start = await front();
      const eps = 1e-12 * Math.max(1, end);
      let lastAdv = 0,
        lastStep = sim.step,
        checkAt = sim.step + 1;
      while (sim.time < end - eps) {
        if (sim.step >= s.numerics.maxSteps) break;
        await sim.advance(end - sim.time);
        if (sim.step < checkAt) continue;
        const adv = (await front()) - start;
        if (adv >= opts.frontAdvance) break;
        const rate = (adv - lastAdv) / Math.max(1, sim.step - lastStep);
        const left = rate > 0 ? (opts.frontAdvance - adv) / rate : 1;
        checkAt = sim.step + Math.max(1, Math.min(16, Math.floor(left / 2)));
        lastAdv = adv;
        lastStep = sim.step;
      }
    }
    const f = await backend.read();
    const metrics = await sim.metrics();
    const um = s.grid.dx * 1e6;
    return {
      scenario: s,
      xi: f.xi,
      c: f.c,
      psi: f.psi,
      fields: f,
      metrics,
      steps: sim.step,
      morphology: morphology(f.xi, s.grid.n, um, s.grid.dims, hostMask(s)),
      wallSeconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await backend.dispose();
  }
}

function isResolved(v: unknown): v is Scenario {
  const g = (v as Scenario | null)?.grid;
  return (
    !!g &&
    Array.isArray(g.n) &&
    g.n.length === 3 &&
    typeof g.dx === 'number' &&
    typeof (v as Scenario).parameters?.T === 'number' &&
    typeof (v as { numerics?: { dtMax?: unknown } }).numerics?.dtMax === 'number'
  );
}
