/**
 * Runs one scenario twice on the CPU reference, once with each phase stage (numerics.phase
 * "explicit" and "imex", docs/imex-phase.md), and compares what a study reads off a run: the mean
 * front (metal volume per width), the tip height, the deposited lithium, at every output time;
 * and what the run costs: steps per simulated second, potential solves, wall time. Used by the
 * reduced comparison test (test/validation/imex-coupled.test.ts) and the full comparison
 * (`npm run bench -- imex`, README "Benchmarks").
 */
import { createBackend } from '../backends/create.ts';
import { parseScenario, type Scenario } from '../model/scenario.ts';
import { Simulation } from '../solver/simulation.ts';

export type PhaseScheme = 'explicit' | 'imex';

export interface SchemeSample {
  time: number;
  step: number;
  /** Mean front (µm), tip height (µm), metal (mol per metre of depth in 2D, mol in 3D). */
  front: number;
  tip: number;
  metal: number;
}

export interface SchemeRun {
  scheme: PhaseScheme;
  samples: SchemeSample[];
  steps: number;
  /** Steps per simulated second over the whole run. */
  stepsPerSecond: number;
  solves: number;
  /** MG-PCG iterations of the IMEX phase stage (0 for the explicit one). */
  phaseIterations: number;
  retries: number;
  wallSeconds: number;
}

/** At the last output, a run minus the reference: front advance, tip advance, deposit (absolute and relative to the reference's). */
export interface SchemeDiff {
  front: number;
  frontRel: number;
  tip: number;
  tipRel: number;
  deposit: number;
  depositRel: number;
  /** The largest |relative difference| of the front advance and of the deposit over all output times. */
  maxFrontRel: number;
  maxDepositRel: number;
}

export interface SchemeComparison {
  name: string;
  until: number;
  /**
   * The explicit stage at dt ≤ refDtMax (the reference; null when not run: then the IMEX run is
   * compared with the explicit one), at its default step, and the IMEX stage at its default step.
   */
  reference: SchemeRun | null;
  refDtMax: number | null;
  explicit: SchemeRun;
  imex: SchemeRun;
  /** explicit steps / IMEX steps (both at their default steps). */
  stepRatio: number;
  /** IMEX − reference and explicit − reference (without a reference: IMEX − explicit, and null). */
  imexDiff: SchemeDiff;
  explicitDiff: SchemeDiff | null;
}

function difference(run: SchemeRun, ref: SchemeRun): SchemeDiff {
  const rel = (a: number, b: number) => (b !== 0 ? a / Math.abs(b) : a === 0 ? 0 : Infinity);
  const r0 = ref.samples[0],
    u0 = run.samples[0];
  let maxFrontRel = 0,
    maxDepositRel = 0;
  const n = Math.min(ref.samples.length, run.samples.length);
  for (let q = 1; q < n; q++) {
    const r = ref.samples[q],
      u = run.samples[q];
    maxFrontRel = Math.max(maxFrontRel, Math.abs(rel(u.front - u0.front - (r.front - r0.front), r.front - r0.front)));
    maxDepositRel = Math.max(maxDepositRel, Math.abs(rel(u.metal - u0.metal - (r.metal - r0.metal), r.metal - r0.metal)));
  }
  const rN = ref.samples[n - 1],
    uN = run.samples[n - 1];
  const fR = rN.front - r0.front,
    fU = uN.front - u0.front;
  const tR = rN.tip - r0.tip,
    tU = uN.tip - u0.tip;
  const dR = rN.metal - r0.metal,
    dU = uN.metal - u0.metal;
  return {
    front: fU - fR,
    frontRel: rel(fU - fR, fR),
    tip: tU - tR,
    tipRel: rel(tU - tR, tR),
    deposit: dU - dR,
    depositRel: rel(dU - dR, dR),
    maxFrontRel,
    maxDepositRel,
  };
}

/** One run of `s` with the given phase stage to `until` (outputs every s.time.output). */
export async function runScheme(s: Scenario, scheme: PhaseScheme, until: number, threads = 1): Promise<SchemeRun> {
  const sc: Scenario = { ...s, numerics: { ...s.numerics, phase: scheme } };
  const { backend } = await createBackend('cpu', sc, { threads });
  const t0 = performance.now();
  try {
    const sim = new Simulation(sc, backend);
    await sim.start();
    const samples: SchemeSample[] = [];
    const take = async () => {
      const m = await sim.metrics();
      const metal = m.li_metal_mol_per_m ?? m.li_metal_mol;
      samples.push({ time: sim.time, step: sim.step, front: m.front_mean_um, tip: m.front_tip_um, metal });
    };
    await take();
    const out = s.time.output;
    for (let k = 1; k * out <= until * (1 + 1e-12); k++) {
      await sim.runTo(Math.min(k * out, until));
      await take();
    }
    if (samples[samples.length - 1].time < until * (1 - 1e-12)) {
      await sim.runTo(until);
      await take();
    }
    return {
      scheme,
      samples,
      steps: sim.step,
      stepsPerSecond: sim.step / sim.time,
      solves: sim.solves,
      phaseIterations: sim.phaseIterations,
      retries: sim.retries,
      wallSeconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await backend.dispose();
  }
}

/**
 * The runs of a scenario (object or file content) to `until` (default time.end): the reference
 * (explicit, numerics.dtMax = refDtMax; refDtMax null: none), the explicit and the IMEX stage at
 * their default steps, and their differences from the reference.
 */
export async function compareSchemes(
  input: unknown,
  opts: { until?: number; refDtMax?: number | null; threads?: number } = {},
): Promise<SchemeComparison> {
  const s = parseScenario(input);
  const end = Math.min(opts.until ?? s.time.end, s.time.end);
  const refDtMax = opts.refDtMax === undefined ? 1e-3 : opts.refDtMax;
  const threads = opts.threads ?? 1;
  const reference =
    refDtMax === null
      ? null
      : await runScheme({ ...s, numerics: { ...s.numerics, dtMax: Math.min(refDtMax, s.numerics.dtMax) } }, 'explicit', end, threads);
  const explicit = await runScheme(s, 'explicit', end, threads);
  const imex = await runScheme(s, 'imex', end, threads);
  return {
    name: s.name,
    until: end,
    reference,
    refDtMax,
    explicit,
    imex,
    stepRatio: explicit.steps / imex.steps,
    imexDiff: difference(imex, reference ?? explicit),
    explicitDiff: reference ? difference(explicit, reference) : null,
  };
}

/** One line per run and one of differences per stage, for logs and the README. */
export function formatComparison(c: SchemeComparison): string {
  const row = (label: string, r: SchemeRun) => {
    const l = r.samples[r.samples.length - 1];
    return (
      `  ${label.padEnd(22)} ${String(r.steps).padStart(7)} steps (${r.stepsPerSecond.toFixed(1)} per simulated s), ${r.solves} potential solves, ` +
      `${r.wallSeconds.toFixed(1)} s wall; front ${l.front.toFixed(4)} µm, tip ${l.tip.toFixed(4)} µm, metal ${l.metal.toExponential(6)}` +
      (r.retries ? `, ${r.retries} rollbacks` : '')
    );
  };
  const pct = (v: number) => `${(100 * v).toFixed(3)} %`;
  const diff = (label: string, d: SchemeDiff) =>
    `  ${label.padEnd(22)} front advance ${d.front.toExponential(2)} µm (${pct(d.frontRel)}), tip advance ${d.tip.toExponential(2)} µm (${pct(d.tipRel)}), ` +
    `deposit ${d.deposit.toExponential(2)} (${pct(d.depositRel)}); worst over the outputs: front ${pct(d.maxFrontRel)}, deposit ${pct(d.maxDepositRel)}`;
  const ref = c.reference;
  return [
    `${c.name} to t = ${c.until} s: ${c.stepRatio.toFixed(2)}× fewer steps with IMEX than explicit` +
      (ref ? `; reference: explicit at dt ≤ ${c.refDtMax} s` : ''),
    ...(ref ? [row(`reference (dt ≤ ${c.refDtMax} s)`, ref)] : []),
    row('explicit', c.explicit),
    row('imex', c.imex),
    diff(ref ? 'imex − reference' : 'imex − explicit', c.imexDiff),
    ...(c.explicitDiff ? [diff('explicit − reference', c.explicitDiff)] : []),
  ].join('\n');
}
