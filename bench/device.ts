/**
 * Device benchmark: `npm run bench:device [-- options]` (also `npm run bench -- device …`).
 * What the WebGPU backend records per coupled step, and per stage, on any adapter (SwiftShader
 * included: the counts do not depend on the hardware): dispatches (and how many are single
 * workgroups), submissions, host read-backs and the bytes read back, uploads, the bytes moved per
 * cell (the per-kernel binding table, src/backends/webgpu/traffic.ts), a modelled time on a named
 * GPU from documented constants (bench/model.ts; H100 defaults) next to the measured wall time.
 * Cases: examples/hong2018 (800², a fixed number of steps after a warm-up past the dt ramp and the
 * solves' early iteration budgets; the modelled time to 400 s with the step count the run needs,
 * STEPS_PER_S) and the 3D benchmark scenario (bench/common.ts, 256³; modelled cell-updates per
 * second). Each case runs on two paths (--paths): "stages", the
 * stage-by-stage Backend calls (one step per Simulation.advance, the host deciding between
 * stages: before the device loop), and "loop", the device-side time loop (Simulation.advanceTo,
 * issue 11: after); a before → after line compares them. Writes JSON into bench/results/device/.
 * Speed is reported, never asserted; the targets of issue 11 are printed next to the figures.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeLayout } from '../src/backends/layout.ts';
import { gridNeeds, WebGpuBackend, type WebGpuOptions } from '../src/backends/webgpu/backend.ts';
import { combineCounts, zeroCounts, type CountSnapshot, type GpuCounts } from '../src/backends/webgpu/context.ts';
import { acquireAdapter, limitsFor } from '../src/backends/webgpu/device.ts';
import { coefficients, imexPreconditioner, stabilityLimits } from '../src/model/derived.ts';
import { initialProps } from '../src/model/initial.ts';
import { parseScenario, type Scenario } from '../src/model/scenario.ts';
import { makeBCs } from '../src/backends/layout.ts';
import type { Backend } from '../src/backends/backend.ts';
import { CpuBackend } from '../src/backends/cpu/backend.ts';
import { Simulation } from '../src/solver/simulation.ts';
import {
  benchScenario,
  cellsOf,
  eachArg,
  formatTable,
  gridName,
  machine,
  optionsOrReport,
  parseList,
  parseOut,
  parsePositive,
  resultsDir,
  writeJson,
} from './common.ts';
import { customModel, modelTime, type GpuModel, type Modelled } from './model.ts';

export const DEVICE_BENCH_HELP = `  --cases LIST       hong, 3d (default both)
  --paths LIST       stages (stage by stage: before), loop (the device loop: after); default both
  --phase P          imex (default: the scenarios' default) or explicit; both run on the device loop
  --phase-precond P  the IMEX phase solve's preconditioner: auto (default: the scenario's rule, by ρ), jacobi or multigrid
  --steps-per-s R    hong2018: steps per simulated second assumed to 400 s (default: measured by npm run bench -- imex
                     at dx = 0.25 µm, bench/results/imex-vm.json: 29.5 IMEX, 286.5 explicit)
  --hong N[,W,S]     hong2018 on N×N cells (same dx; default 800): W warm-up steps (default 48), S measured steps (default 64:
                     one ring batch of the device loop, so its read-backs per step are the steady ones)
  --3d N[,W,S]       the 3D benchmark scenario on N³ cells (default 256): W warm-up, S measured steps (default 8, 16)
  --cpu-warm N       first N steps on the CPU reference (f64), whose state the WebGPU backend then takes over
                     (Simulation.snapshot/restore): past the dt ramp in seconds where a software adapter takes minutes
                     per step; the W warm-up steps then run on the device (its solves' budgets follow their history)
  --quick            hong 96 (12 + 6 steps), 3D 24³ (3 + 3 steps): a check of the script, not figures
  --bandwidth GBs    modelled device bandwidth (default 3000 GB/s, H100)
  --dispatch-us U    modelled cost of one recorded dispatch (default 5 µs)
  --readback-us U    modelled cost of one host read-back (default 100 µs)
  --workgroup N      WebGPU workgroup size (default: the backend's)
  --dawn-flag F      Dawn toggle for create(), repeatable
  --require-hardware refuse a software adapter (SwiftShader, llvmpipe): the kit's runner passes it
  --out FILE         results file (default bench/results/device/<host>-<adapter>.json)
  --no-write         print only`;

/** Issue 11's targets, printed next to the figures (never asserted). */
export const TARGETS = {
  hongReadbacksPerStep: 0.05,
  hongDispatchesPerStep: 120,
  hongModelledSecondsTo400: 60,
  cellUpdates3d: 1.5e9,
};
const HONG_END = 400;
/**
 * hong2018's steps per simulated second at dx = 0.25 µm, measured on the CPU reference over its
 * first 2 s (`npm run bench -- imex`, bench/results/imex-vm.json): the step count the run needs
 * is a property of the model and the policy, not of the device; later dt (sharper tips) may differ.
 */
export const STEPS_PER_S = { imex: 29.5, explicit: 286.5 } as const;

interface CaseSpec {
  n: number;
  warm: number;
  steps: number;
}

/** How the steps are driven: the stage-by-stage Backend calls, or the device loop. */
export type StepPath = 'stages' | 'loop';

interface Options {
  cases: ('hong' | '3d')[];
  paths: StepPath[];
  phase: 'explicit' | 'imex';
  /** hong2018's steps per simulated second to 400 s (null: STEPS_PER_S of the phase stage). */
  stepsPerSecond: number | null;
  hong: CaseSpec;
  d3: CaseSpec;
  model: GpuModel;
  workgroup: number | undefined;
  dawnFlags: string[];
  out: string | null;
  quick: boolean;
  requireHardware: boolean;
  /** Steps run on the CPU reference before the WebGPU backend takes the state over (0: none). */
  cpuWarm: number;
  /** numerics.phasePreconditioner of both cases ('auto': the scenario's rule). */
  phasePrecond: 'auto' | 'jacobi' | 'multigrid';
}

function parseCase(v: string | undefined, what: string, base: CaseSpec): CaseSpec {
  const [n, w, s] = parseList(v, what);
  return {
    n: parsePositive(n, `${what} N`, true),
    warm: w === undefined ? base.warm : Number.isInteger(Number(w)) && Number(w) >= 0 ? Number(w) : parsePositive(w, `${what} W`, true),
    steps: s === undefined ? base.steps : parsePositive(s, `${what} S`, true),
  };
}

export function parseDeviceArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const o: Options = {
    cases: ['hong', '3d'],
    paths: ['stages', 'loop'],
    phase: 'imex',
    phasePrecond: 'auto',
    stepsPerSecond: null,
    // (defaults for a GPU, where a 800² step takes milliseconds: past the dt ramp and the early
    // budgets, wider while a solve has fewer than 4 solves behind it; SwiftShader needs ~90 s per 800² step: --cpu-warm)
    hong: quick ? { n: 96, warm: 12, steps: 6 } : { n: 800, warm: 48, steps: 64 },
    d3: quick ? { n: 24, warm: 3, steps: 3 } : { n: 256, warm: 8, steps: 16 },
    model: customModel({}),
    workgroup: undefined,
    dawnFlags: [],
    out: '',
    quick,
    requireHardware: false,
    cpuWarm: 0,
  };
  const m: { bandwidthGBs?: number; dispatchUs?: number; readbackUs?: number } = {};
  eachArg(argv, (key, val, raw) => {
    switch (key) {
      case '--quick':
        break;
      case '--require-hardware':
        o.requireHardware = true;
        break;
      case '--cases': {
        const c = parseList(val(), '--cases');
        for (const x of c) if (x !== 'hong' && x !== '3d') throw new Error(`bench device: --cases takes hong and 3d (got "${x}")`);
        o.cases = c as ('hong' | '3d')[];
        break;
      }
      case '--paths': {
        const c = parseList(val(), '--paths');
        for (const x of c) if (x !== 'stages' && x !== 'loop') throw new Error(`bench device: --paths takes stages and loop (got "${x}")`);
        o.paths = c as StepPath[];
        break;
      }
      case '--cpu-warm': {
        const text = val();
        const v = Number(text);
        if (!Number.isInteger(v) || v < 0) throw new Error(`bench device: --cpu-warm takes a whole number of steps ≥ 0 (got "${text}")`);
        o.cpuWarm = v;
        break;
      }
      case '--steps-per-s': {
        const text = val();
        const v = Number(text);
        if (!(v > 0) || !Number.isFinite(v)) throw new Error(`bench device: --steps-per-s takes a positive number (got "${text}")`);
        o.stepsPerSecond = v;
        break;
      }
      case '--phase': {
        const v = val();
        if (v !== 'explicit' && v !== 'imex') throw new Error(`bench device: --phase takes explicit or imex (got "${v}")`);
        o.phase = v;
        break;
      }
      case '--phase-precond': {
        const v = val();
        if (v !== 'auto' && v !== 'jacobi' && v !== 'multigrid')
          throw new Error(`bench device: --phase-precond takes auto, jacobi or multigrid (got "${v}")`);
        o.phasePrecond = v;
        break;
      }
      case '--hong':
        o.hong = parseCase(val(), '--hong', o.hong);
        break;
      case '--3d':
        o.d3 = parseCase(val(), '--3d', o.d3);
        break;
      case '--bandwidth':
        m.bandwidthGBs = parsePositive(val(), '--bandwidth');
        break;
      case '--dispatch-us':
        m.dispatchUs = parsePositive(val(), '--dispatch-us');
        break;
      case '--readback-us':
        m.readbackUs = parsePositive(val(), '--readback-us');
        break;
      case '--workgroup':
        o.workgroup = parsePositive(val(), '--workgroup', true);
        break;
      case '--dawn-flag': {
        const f = val();
        if (!f) throw new Error('bench device: --dawn-flag needs a value');
        o.dawnFlags.push(f);
        break;
      }
      case '--out':
        o.out = parseOut(val());
        break;
      case '--no-write':
        o.out = null;
        break;
      default:
        throw new Error(`bench device: unknown option "${raw}"\n${DEVICE_BENCH_HELP}`);
    }
  });
  o.model = customModel(m);
  return o;
}

/** The scenario with numerics.phase (and, unless 'auto', numerics.phasePreconditioner) set. */
function withPhase(s: Scenario, phase: 'explicit' | 'imex', precond: Options['phasePrecond'] = 'auto'): Scenario {
  return { ...s, numerics: { ...s.numerics, phase, ...(precond === 'auto' ? {} : { phasePreconditioner: precond }) } };
}

/** examples/hong2018 on an N×N grid at its dx (the Li layer keeps its share), ending at 400 s. */
export function hongCase(n: number): Scenario {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const raw = JSON.parse(fs.readFileSync(path.join(here, '..', 'examples', 'hong2018', 'scenario.json'), 'utf8'));
  const full = parseScenario(raw);
  const share = full.initial.layer / (full.grid.n[0] * full.grid.dx);
  return parseScenario({
    ...raw,
    name: n === full.grid.n[0] ? raw.name : `hong2018-${n}`,
    grid: { ...raw.grid, n: [n, n] },
    initial: { ...raw.initial, layer: share * n * full.grid.dx },
  });
}

// ---------------------------------------------------------------------------------------------

/** Per-step averages of a count difference. */
function perStep(c: GpuCounts, steps: number): GpuCounts {
  const out = zeroCounts();
  for (const k of Object.keys(out) as (keyof GpuCounts)[]) out[k] = c[k] / steps;
  return out;
}

function diff(a: CountSnapshot, b: CountSnapshot): CountSnapshot {
  const stages: Record<string, GpuCounts> = {};
  for (const k of new Set([...Object.keys(a.stages), ...Object.keys(b.stages)])) {
    const d = combineCounts(b.stages[k] ?? zeroCounts(), a.stages[k] ?? zeroCounts(), -1);
    if (Object.values(d).some((v) => v !== 0)) stages[k] = d;
  }
  const kernels: CountSnapshot['kernels'] = {};
  for (const k of Object.keys(b.kernels)) {
    const x = b.kernels[k],
      y = a.kernels[k] ?? { dispatches: 0, bytes: 0 };
    if (x.dispatches !== y.dispatches) kernels[k] = { dispatches: x.dispatches - y.dispatches, bytes: x.bytes - y.bytes };
  }
  return { stages, kernels };
}

function total(s: CountSnapshot): GpuCounts {
  return Object.values(s.stages).reduce((acc, c) => combineCounts(acc, c, 1), zeroCounts());
}

export interface StageRow {
  stage: string;
  /** Recorded per step (every dispatch, and the bytes of its bindings as if it ran). */
  perStep: GpuCounts;
  /** Bytes moved per cell per step by the recorded work (an upper bound: gated-off dispatches counted as if they ran). */
  bytesPerCell: number;
  /**
   * Of the recorded work, what the gates skipped (device loop: CG iterations past their solve's
   * end and potential stages where no solve was due, GpuDeviceLoop.idle; 0 on the stage path,
   * whose batches end within a few iterations of a solve's end): dispatches whose workgroups
   * return at once, and the bytes they do not move, per step.
   */
  skipped: { dispatches: number; bytesPerCell: number };
  /** The model: every recorded dispatch, the bytes of the work that ran (recorded − skipped), the read-backs. */
  modelled: Modelled;
}

/** Per-stage work of the window that the gates skipped (the device loop's idle bookkeeping). */
function skippedWork(
  window: CountSnapshot,
  idleIterations: Map<string, number>,
  idlePotentialStages: number,
): Record<string, { dispatches: number; bytes: number }> {
  const stageOf = (slot: string) => (slot === 'psi' ? 'potential' : slot === 'phase' ? 'phase' : 'transport');
  const iters = new Map<string, number>();
  for (const [slot, n] of idleIterations) iters.set(stageOf(slot), (iters.get(stageOf(slot)) ?? 0) + n);
  const out: Record<string, { dispatches: number; bytes: number }> = {};
  for (const [stage, idle] of iters) {
    const k = (name: string) => window.kernels[`${stage}/${name}`] ?? { dispatches: 0, bytes: 0 };
    const mv = k('cgMatvec'),
      cg = k('cgUpdate'),
      fused = k('mgRestrict.cg'),
      rs = k('mgRestrict'),
      tl = k('mgTail'),
      po = k('mgPost');
    if (!mv.dispatches) continue;
    // one CG iteration, as the window recorded them: the matrix-vector product, the update (with
    // a multigrid tail fused into the fine restriction, mgRestrict.cg; else cg_update) and the
    // rest of one V-cycle: the coarser levels' restrictions (the fine one of a solve's first
    // direction is counted apart, mgRestrict.start, so every V-cycle recorded has T − 1), the
    // tail, one post-smoothing pass per level; a "jacobi" slot's (the IMEX phase's option: no
    // V-cycle, its first direction counted as cgUpdate.start) is the first two
    const up = { dispatches: cg.dispatches + fused.dispatches, bytes: cg.bytes + fused.bytes };
    const vcycle = tl.dispatches
      ? {
          bytes: (rs.bytes + tl.bytes + po.bytes) / tl.dispatches,
          dispatches: (rs.dispatches + tl.dispatches + po.dispatches) / tl.dispatches,
        }
      : { bytes: 0, dispatches: 0 };
    const perIter = {
      bytes: mv.bytes / mv.dispatches + up.bytes / up.dispatches + vcycle.bytes,
      dispatches: 2 + vcycle.dispatches,
    };
    const skip = { dispatches: idle * perIter.dispatches, bytes: idle * perIter.bytes };
    const st = window.stages[stage];
    const recordings = k('coef').dispatches;
    if (stage === 'potential' && idlePotentialStages > 0 && st && recordings > 0) {
      // a potential stage where no solve was due: its set-up, start, report, flux and reductions too
      skip.dispatches += (idlePotentialStages * (st.dispatches - mv.dispatches * perIter.dispatches)) / recordings;
      skip.bytes += (idlePotentialStages * (st.bytesMoved - mv.dispatches * perIter.bytes)) / recordings;
    }
    out[stage] = skip;
  }
  return out;
}

export interface CaseResult {
  case: 'hong2018' | '3d';
  /** stages: stage-by-stage calls (before the device loop); loop: the device loop (after). */
  path: StepPath;
  scenario: string;
  grid: string;
  cells: number;
  multigridLevels: number;
  /** Steps on the CPU reference before the device took the state over (--cpu-warm). */
  cpuWarmSteps: number;
  warmSteps: number;
  steps: number;
  /** Simulated time of the measured window and its mean dt, s. */
  windowTime: number;
  meanDt: number;
  potentialSolves: number;
  /** Device loop runs in the window that stopped where a potential solve was due and not recorded (LoopTuning.potential). */
  potentialStops: number;
  /** Device loop intervals replayed in the window because a solve exhausted its recorded budget (each: a rollback and a read-back). */
  budgetReplays: number;
  potentialItersPerSolve: number | null;
  transportItersPerStep: number | null;
  /** IMEX: the phase solves' iterations per step (all sweeps) and their preconditioner (numerics.phasePreconditioner resolved, ρ). */
  phase?: { itersPerStep: number; precond: string; rho: number };
  /** Per coupled step: the totals and each stage. */
  total: StageRow;
  stages: StageRow[];
  /** Dispatches and bytes per step of every kernel ("stage/kernel"). */
  kernels: Record<string, { dispatches: number; bytesPerCell: number }>;
  /** One output (fields read back + metrics reductions), counted and modelled. */
  output: StageRow;
  measured: { setupSeconds: number; firstStepSeconds: number; wallSecondsPerStep: number; software: boolean; adapter: string };
  /** hong2018: steps to 400 s at the window's mean dt (and at the policy's ceiling safety·dt_phase), modelled time to 400 s. */
  to400?: {
    stepsAtMeanDt: number;
    stepsAtCeiling: number;
    /** The steps assumed to 400 s (Options.stepsPerSecond or STEPS_PER_S) and their source. */
    steps: number;
    stepsSource: string;
    outputs: number;
    /** Modelled time to 400 s with `steps` steps. */
    modelledSeconds: number;
  };
  /** 3D: modelled and measured cell-updates per second of a coupled step. */
  cellUpdates?: { modelled: number; measured: number };
}

const now = () => performance.now() / 1000;

async function runCase(which: 'hong' | '3d', path: StepPath, spec: CaseSpec, o: Options): Promise<CaseResult> {
  const s = withPhase(which === 'hong' ? hongCase(spec.n) : benchScenario([spec.n, spec.n, spec.n]), o.phase, o.phasePrecond);
  const L = makeLayout(s);
  const cells = cellsOf(s.grid.n.slice(0, s.grid.dims));
  const wopts: WebGpuOptions = { dawnFlags: o.dawnFlags, ...(o.workgroup ? { workgroupSize: o.workgroup } : {}) };
  const t0 = now();
  const b = await WebGpuBackend.create(L, coefficients(s), makeBCs(s), { ...wopts, props: initialProps(s) });
  try {
    // (stages: the Simulation sees no device loop and calls the stages one by one)
    const driven: Backend = path === 'loop' ? b : new Proxy(b, { get: (t, k) => (k === 'loop' ? undefined : Reflect.get(t, k, t)) });
    const sim = new Simulation(s, driven);
    await sim.start();
    if (o.cpuWarm > 0) {
      // the CPU reference takes the run's first steps; the device continues from its state
      const cpu = new CpuBackend(L, coefficients(s), makeBCs(s), { props: initialProps(s) });
      try {
        const ref = new Simulation(s, cpu);
        await ref.start();
        while (ref.step < o.cpuWarm) await ref.advanceTo(Infinity, { stepLimit: o.cpuWarm });
        await sim.restore(ref.snapshot(), await cpu.read());
      } finally {
        await cpu.dispose();
      }
    }
    await b.drain();
    const setupSeconds = now() - t0;
    const startStep = sim.step;
    let t = now();
    await sim.advance();
    await b.drain();
    const firstStepSeconds = now() - t;
    // the warm-up and the window run as the CLI runs: Simulation.advanceTo (the device loop, or
    // one stage-by-stage step per call without one)
    const to = async (step: number, onStep?: () => void) => {
      while (sim.step < step) {
        const before = sim.step;
        await sim.advanceTo(Infinity, { stepLimit: step });
        if (sim.step === before) throw new Error(`no progress at step ${before}`);
        onStep?.();
      }
    };
    await to(startStep + spec.warm);
    await b.drain();

    const c0 = b.counters();
    const time0 = sim.time;
    const solves0 = sim.solves;
    const stops0 = b.loop?.potentialStops ?? 0;
    const replays0 = sim.budgetReplays;
    const idleOf = () => ({ iterations: new Map(b.loop?.idle.iterations ?? []), potentialStages: b.loop?.idle.potentialStages ?? 0 });
    const idle0 = idleOf();
    const step0 = sim.step;
    const iters0 = { ...sim.iterationTotals };
    const phaseIters0 = sim.phaseIterations;
    t = now();
    await to(step0 + spec.steps);
    await b.drain();
    const iters1 = sim.iterationTotals;
    const phaseIters = sim.phaseIterations - phaseIters0;
    const potIters = iters1.potential - iters0.potential,
      trIters = iters1.transport - iters0.transport;
    const wall = now() - t;
    const c1 = b.counters();
    const window = diff(c0, c1);
    const windowTime = sim.time - time0;
    const potentialSolves = sim.solves - solves0;

    // one output as the CLI writes it: the metrics' reductions and the fields
    await sim.metrics();
    await b.read();
    const c2 = b.counters();
    const out = diff(c1, c2);

    const idle1 = idleOf();
    const idleIters = new Map<string, number>();
    for (const [slot, n] of idle1.iterations) idleIters.set(slot, n - (idle0.iterations.get(slot) ?? 0));
    const skipped = skippedWork(window, idleIters, idle1.potentialStages - idle0.potentialStages);
    const row = (stage: string, c: GpuCounts, steps: number, skip = skipped[stage] ?? { dispatches: 0, bytes: 0 }): StageRow => {
      const p = perStep(c, steps);
      const ran = { ...p, bytesMoved: Math.max(0, p.bytesMoved - skip.bytes / steps) };
      return {
        stage,
        perStep: p,
        bytesPerCell: p.bytesMoved / cells,
        skipped: { dispatches: skip.dispatches / steps, bytesPerCell: skip.bytes / steps / cells },
        modelled: modelTime(ran, o.model),
      };
    };
    const stages = Object.entries(window.stages)
      .map(([k, c]) => row(k, c, spec.steps))
      .sort((x, y) => y.modelled.total - x.modelled.total);
    const skippedAll = Object.values(skipped).reduce((a, x) => ({ dispatches: a.dispatches + x.dispatches, bytes: a.bytes + x.bytes }), {
      dispatches: 0,
      bytes: 0,
    });
    const tot = row('step', total(window), spec.steps, skippedAll);
    const kernels: CaseResult['kernels'] = {};
    for (const [k, v] of Object.entries(window.kernels))
      kernels[k] = { dispatches: v.dispatches / spec.steps, bytesPerCell: v.bytes / spec.steps / cells };
    const meanDt = windowTime / spec.steps;
    const res: CaseResult = {
      case: which === 'hong' ? 'hong2018' : '3d',
      path,
      scenario: s.name,
      grid: gridName(s.grid.n.slice(0, s.grid.dims)),
      cells,
      multigridLevels: levelsOf(s.grid.n.slice(0, s.grid.dims)),
      cpuWarmSteps: o.cpuWarm,
      warmSteps: spec.warm,
      steps: spec.steps,
      windowTime,
      meanDt,
      potentialSolves,
      potentialStops: path === 'loop' ? (b.loop?.potentialStops ?? 0) - stops0 : 0,
      budgetReplays: sim.budgetReplays - replays0,
      potentialItersPerSolve: potentialSolves ? potIters / potentialSolves : null,
      transportItersPerStep: trIters / spec.steps,
      ...(s.numerics.phase === 'imex'
        ? { phase: { itersPerStep: phaseIters / spec.steps, precond: coefficients(s).imex?.precond ?? '', rho: imexPreconditioner(s).rho } }
        : {}),
      total: tot,
      stages,
      kernels,
      output: row('output', total(out), 1),
      measured: { setupSeconds, firstStepSeconds, wallSecondsPerStep: wall / spec.steps, software: b.software, adapter: b.device },
    };
    if (which === 'hong') {
      const k = coefficients(s);
      const stepsAtMeanDt = Math.ceil(HONG_END / meanDt);
      // (NaN where the phase stage has no bound: the IMEX stage)
      const ceiling = s.numerics.safety * stabilityLimits(k).phase;
      const stepsAtCeiling = Number.isFinite(ceiling) ? Math.ceil(HONG_END / ceiling) : NaN;
      const outputs = Math.round(HONG_END / s.time.output);
      const perS = o.stepsPerSecond ?? STEPS_PER_S[o.phase];
      const steps = Math.ceil(HONG_END * perS);
      res.to400 = {
        stepsAtMeanDt,
        stepsAtCeiling,
        steps,
        stepsSource:
          o.stepsPerSecond !== null
            ? `--steps-per-s ${perS}`
            : `${perS} steps per simulated second (${o.phase}, dx = 0.25 µm, CPU reference, bench/results/imex-vm.json)`,
        outputs,
        modelledSeconds: steps * tot.modelled.total + outputs * res.output.modelled.total,
      };
    } else {
      res.cellUpdates = { modelled: cells / tot.modelled.total, measured: cells / (wall / spec.steps) };
    }
    return res;
  } finally {
    await b.dispose();
  }
}

/** Multigrid levels of a grid (the CPU's rule: coarsen by 2 while more than 128 cells). */
function levelsOf(n: number[]): number {
  let m = [...n];
  let l = 1;
  while (cellsOf(m) > 128 && m.some((v) => v > 1)) {
    m = m.map((v) => Math.ceil(v / 2));
    l++;
  }
  return l;
}

// ---------------------------------------------------------------------------------------------

const fx = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '–');
const us = (s: number) => fx(s * 1e6, 0);
const kib = (b: number) => (b >= 1024 ? `${fx(b / 1024, 1)} KiB` : `${fx(b, 0)} B`);

function stageTable(r: CaseResult): string {
  const rows = [...r.stages, r.total, r.output].map((x) => [
    x.stage,
    fx(x.perStep.dispatches, 1),
    fx(x.perStep.singleGroup, 1),
    fx(x.perStep.submissions, 2),
    fx(x.perStep.readbacks, 3),
    kib(x.perStep.bytesRead),
    fx(x.perStep.writes, 1),
    fx(x.skipped.dispatches, 1),
    fx(x.bytesPerCell, 0),
    fx(x.bytesPerCell - x.skipped.bytesPerCell, 0),
    us(x.modelled.dispatch),
    us(x.modelled.bandwidth),
    us(x.modelled.readback),
    us(x.modelled.total),
  ]);
  return formatTable(
    [
      'per step',
      'dispatches',
      '1-wg',
      'submits',
      'read-backs',
      'bytes read',
      'uploads',
      'gated',
      'B/cell rec',
      'B/cell ran',
      'µs disp',
      'µs bytes',
      'µs read',
      'µs model',
    ],
    rows,
  );
}

function report(r: CaseResult, m: GpuModel): string {
  const lines: string[] = [];
  const sw = r.measured.software ? ' — software adapter: CPU emulation, not GPU speed' : '';
  lines.push(
    `${r.scenario} ${r.grid} (${r.cells} cells, ${r.multigridLevels} multigrid levels), ${PATH_NAME[r.path]}: ${r.steps} steps measured after ${r.cpuWarmSteps ? `${r.cpuWarmSteps} on the CPU reference + ` : ''}${r.warmSteps}, mean dt ${r.meanDt.toExponential(3)} s`,
  );
  lines.push(
    `  solves in the window: ${r.potentialSolves} potential (${fx(r.potentialItersPerSolve ?? NaN)} its/solve${r.path === 'loop' ? `; ${r.potentialStops} loop runs stopped where one was due and not recorded; ${r.budgetReplays} replays of an exhausted budget` : ''}), transport ${fx(r.transportItersPerStep ?? NaN)} its/step${r.phase ? `, IMEX phase ${fx(r.phase.itersPerStep)} its/step (${r.phase.precond} preconditioner, ρ = ${fx(r.phase.rho, 2)})` : ''}`,
  );
  lines.push(stageTable(r).replace(/^/gm, '  '));
  lines.push(
    `  (the output row is one output: metrics reductions + fields read back; gated: recorded dispatches whose workgroups found their solve ended or not due and returned at once (device loop, from its records); B/cell rec: the bytes of every recorded dispatch's bindings, B/cell ran: less those of the gated ones (the model's bytes); model: ${m.name})`,
  );
  lines.push(
    `  measured wall ${fx(r.measured.wallSecondsPerStep * 1000, 1)} ms/step on ${r.measured.adapter}${sw}; modelled ${fx(r.total.modelled.total * 1000, 3)} ms/step`,
  );
  if (r.to400) {
    const t = r.to400;
    lines.push(
      `  to 400 s: ${t.steps} steps at ${t.stepsSource}, ${t.outputs} outputs → modelled ${fx(t.modelledSeconds, 1)} s (the window's mean dt would give ${t.stepsAtMeanDt} steps; policy ceiling safety·dt_phase: ${Number.isNaN(t.stepsAtCeiling) ? 'none' : t.stepsAtCeiling})`,
    );
    const ok = (b: boolean) => (b ? 'met' : 'NOT met');
    lines.push(
      `  targets: read-backs/step ${fx(r.total.perStep.readbacks, 3)} ≤ ${TARGETS.hongReadbacksPerStep} ${ok(r.total.perStep.readbacks <= TARGETS.hongReadbacksPerStep)}; ` +
        `dispatches/step ${fx(r.total.perStep.dispatches, 1)} ≤ ${TARGETS.hongDispatchesPerStep} ${ok(r.total.perStep.dispatches <= TARGETS.hongDispatchesPerStep)}; ` +
        `modelled to 400 s ${fx(t.modelledSeconds, 1)} s ≤ ${TARGETS.hongModelledSecondsTo400} s ${ok(t.modelledSeconds <= TARGETS.hongModelledSecondsTo400)}`,
    );
  }
  if (r.cellUpdates) {
    const c = r.cellUpdates;
    lines.push(
      `  cell-updates/s per coupled step: modelled ${(c.modelled / 1e9).toFixed(3)} G (target ≥ ${TARGETS.cellUpdates3d / 1e9} G: ${c.modelled >= TARGETS.cellUpdates3d ? 'met' : 'NOT met'}), measured ${(c.measured / 1e6).toFixed(2)} M${sw}; bytes moved per cell per step ${fx(ran(r.total), 0)} (recorded: ${fx(r.total.bytesPerCell, 0)})`,
    );
  }
  return lines.join('\n');
}

/** Bytes per cell per step of the work that ran (recorded less what the gates skipped). */
const ran = (x: StageRow) => x.bytesPerCell - x.skipped.bytesPerCell;

const PATH_NAME: Record<StepPath, string> = { stages: 'stage by stage (before)', loop: 'device loop (after)' };

/** One line per figure: the stage-by-stage path → the device loop. */
export function compare(before: CaseResult, after: CaseResult): string {
  const a = before.total,
    b = after.total;
  const arrow = (x: number, y: number, d: number) => `${fx(x, d)} → ${fx(y, d)}`;
  const lines = [
    `${after.scenario} ${after.grid}, per coupled step, stage by stage → device loop:`,
    `  dispatches ${arrow(a.perStep.dispatches, b.perStep.dispatches, 1)}, submissions ${arrow(a.perStep.submissions, b.perStep.submissions, 2)}, ` +
      `host read-backs ${arrow(a.perStep.readbacks, b.perStep.readbacks, 3)}, bytes read back ${kib(a.perStep.bytesRead)} → ${kib(b.perStep.bytesRead)}, ` +
      `bytes moved per cell ${arrow(ran(a), ran(b), 0)} (recorded: ${arrow(a.bytesPerCell, b.bytesPerCell, 0)})`,
    `  modelled ms/step ${arrow(a.modelled.total * 1e3, b.modelled.total * 1e3, 3)} (dispatch ${arrow(a.modelled.dispatch * 1e3, b.modelled.dispatch * 1e3, 3)}, ` +
      `bytes ${arrow(a.modelled.bandwidth * 1e3, b.modelled.bandwidth * 1e3, 3)}, read-backs ${arrow(a.modelled.readback * 1e3, b.modelled.readback * 1e3, 3)})`,
  ];
  if (before.to400 && after.to400)
    lines.push(`  modelled to 400 s: ${arrow(before.to400.modelledSeconds, after.to400.modelledSeconds, 1)} s`);
  if (before.cellUpdates && after.cellUpdates)
    lines.push(`  modelled cell-updates/s: ${arrow(before.cellUpdates.modelled / 1e9, after.cellUpdates.modelled / 1e9, 3)} G`);
  return lines.join('\n');
}

function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'adapter'
  );
}

export async function runDeviceBench(argv: string[]): Promise<number> {
  const o = optionsOrReport(parseDeviceArgs, argv);
  if (!o) return 2;
  const started = new Date().toISOString();
  const tStart = now();
  let adapterText = '';
  let software = false;
  try {
    const h = await acquireAdapter({ dawnFlags: o.dawnFlags });
    adapterText = h.description;
    software = h.software;
    if (software && o.requireHardware) throw new Error(`the adapter is a software one (${adapterText}), not a GPU (--require-hardware)`);
    for (const which of o.cases) {
      const spec = which === 'hong' ? o.hong : o.d3;
      const s = which === 'hong' ? hongCase(spec.n) : benchScenario([spec.n, spec.n, spec.n]);
      limitsFor(h.adapter, gridNeeds(makeLayout(s), o.workgroup ?? 64, 0), `the ${gridName(s.grid.n.slice(0, s.grid.dims))} grid`);
    }
  } catch (e) {
    console.error(`bench device: ${(e as Error).message}`);
    return 1;
  }
  const m = machine();
  console.log(`device benchmark on ${adapterText}${software ? ' (software adapter: counts are real, times are not GPU times)' : ''}`);
  console.log(`model: ${o.model.name}`);
  console.log(`phase stage: ${o.phase}${o.phase === 'imex' ? ' (the default)' : ''}; both phase stages run on the device loop\n`);
  const results: CaseResult[] = [];
  for (const which of o.cases) {
    const done: Partial<Record<StepPath, CaseResult>> = {};
    for (const path of o.paths) {
      const r = await runCase(which, path, which === 'hong' ? o.hong : o.d3, o);
      results.push(r);
      done[path] = r;
      console.log(report(r, o.model) + '\n');
    }
    if (done.stages && done.loop) console.log(compare(done.stages, done.loop) + '\n');
  }
  const seconds = now() - tStart;
  console.log(`total ${seconds.toFixed(0)} s`);
  if (o.out !== null) {
    const file = o.out
      ? path.resolve(o.out)
      : path.join(resultsDir('device'), `${slug(os.hostname())}-${slug(adapterText)}${o.quick ? '-quick' : ''}.json`);
    writeJson(file, {
      suite: 'device',
      date: started,
      durationSeconds: +seconds.toFixed(1),
      adapter: adapterText,
      software,
      label: software ? 'counts measured here; times modelled (the adapter is a CPU emulation)' : null,
      machine: m,
      model: o.model,
      modelNote:
        'time = bytes moved / bandwidth + recorded dispatches × per-dispatch cost + host read-backs × per-read-back cost (bench/model.ts); bytes from the per-kernel binding table (src/backends/webgpu/traffic.ts)',
      targets: TARGETS,
      options: { ...o, model: undefined },
      results,
    });
  }
  return 0;
}
