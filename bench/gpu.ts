/**
 * GPU-vs-CPU benchmark: `npm run bench -- --backend webgpu|cpu|all [--sizes …] [--quick]`.
 *
 * For each grid (2D 256² … 4096², 3D 64³ … 256³; whatever fits the adapter's limits and the
 * time budget, skipped sizes say why) and each backend it reports, per stage (potential, phase,
 * transport) and per coupled step, cell-updates per second; the effective memory bandwidth of
 * the explicit phase stage; the potential- and transport-solver iterations; and, on a reduced
 * Hong & Viswanathan case (examples/hong2018 on a smaller grid, same dx), the wall time to reach
 * a fixed simulated time. With both backends it prints the GPU/CPU speed ratio per size.
 * Writes bench/results/gpu-vs-cpu/<backend>-<hostname>[-quick].json (one file per backend; the
 * folder keeps them apart from the CPU suite's bench/results/cpu-<hostname>.json).
 *
 * Timing and synchronisation (see SYNC_* below): a WebGPU stage is timed until the GPU queue
 * has drained — device.queue.onSubmittedWorkDone() after every stage call, the device reached
 * through the backend object at run time (src is not changed for this). The phase stage only
 * submits work, so without that drain its GPU time would be charged to the transport stage.
 * Coupled steps are timed over whole Simulation.advance() calls without the per-stage drains;
 * every step ends in the transport stage's read-back of its statistics.
 *
 * SwiftShader (and any other software adapter) is labelled "CPU emulation (SwiftShader), not GPU
 * speed" in the table and the JSON. Speed is reported, never asserted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../src/backends/backend.ts';
import { createBackend } from '../src/backends/create.ts';
import { makeLayout, type Layout } from '../src/backends/layout.ts';
import { gridNeeds, type WebGpuOptions } from '../src/backends/webgpu/backend.ts';
import { acquireAdapter, limitsFor, type AdapterHandle } from '../src/backends/webgpu/device.ts';
import { parseScenario, type Scenario } from '../src/model/scenario.ts';
import { Simulation } from '../src/solver/simulation.ts';
import {
  benchScenario,
  cellsOf,
  eachArg,
  formatTable,
  gridName,
  instrument,
  loadNote,
  M,
  machine,
  optionsOrReport,
  parseList,
  parseOut,
  parsePositive,
  parseSize,
  resultsDir,
  resultsFile,
  writeJson,
} from './common.ts';

type Kind = 'webgpu' | 'cpu';

export const GPU_BENCH_HELP = `  --backend B        webgpu, cpu or all (default all)
  --quick            256², 512² and 64³; short windows; reduced Hong case 64², 0.1 s
  --sizes LIST       grids, e.g. 256,1024,64^3 (default 256², 512², 1024², 2048², 4096², 64³, 128³, 256³)
  --seconds S        least measured time per window (two windows per grid: stages, steps; default 3)
  --budget S         wall seconds one grid may take per backend (default 120, quick 60): windows
                     are cut short to fit it, and a grid whose shortest run is predicted (steps
                     linear in cells from the previous grid) to exceed it is skipped
  --threads N        CPU backend threads (default: all cores, ${os.availableParallelism()} here)
  --hong N[,T]       reduced Hong case: N×N cells, T simulated seconds (default 256,0.5; quick 64,0.1)
  --no-hong          skip the reduced Hong case
  --workgroup N      WebGPU workgroup size (default: the backend's, 64)
  --dawn-flag F      Dawn toggle for create(), repeatable (e.g. enable-dawn-features=disable_robustness)
  --out DIR          results folder (default bench/results/gpu-vs-cpu)
  --no-write         print only`;

const FULL_SIZES = [
  [256, 256],
  [512, 512],
  [1024, 1024],
  [2048, 2048],
  [4096, 4096],
  [64, 64, 64],
  [128, 128, 128],
  [256, 256, 256],
];
const QUICK_SIZES = [
  [256, 256],
  [512, 512],
  [64, 64, 64],
];

interface Options {
  backends: Kind[];
  sizes: number[][];
  quick: boolean;
  /** Least measured time per window, s; least steps per window; warm-up time (s) and steps. */
  seconds: number;
  minSteps: number;
  warmup: number;
  warmSteps: number;
  /** Wall seconds per grid and backend. */
  budget: number;
  threads: number;
  hong: { n: number; time: number } | null;
  workgroup: number | undefined;
  dawnFlags: string[];
  out: string | null;
}

function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const o: Options = {
    backends: ['webgpu', 'cpu'],
    sizes: quick ? QUICK_SIZES : FULL_SIZES,
    quick,
    seconds: quick ? 0.5 : 3,
    minSteps: quick ? 2 : 5,
    warmup: quick ? 0 : 1.5,
    warmSteps: quick ? 2 : 10,
    budget: quick ? 60 : 120,
    threads: os.availableParallelism(),
    hong: quick ? { n: 64, time: 0.1 } : { n: 256, time: 0.5 },
    workgroup: undefined,
    dawnFlags: [],
    out: '',
  };
  eachArg(argv, (key, val, raw) => {
    switch (key) {
      case '--quick':
        break;
      case '--backend': {
        const b = val();
        if (b === 'all') o.backends = ['webgpu', 'cpu'];
        else if (b === 'webgpu' || b === 'cpu') o.backends = [b];
        else throw new Error(`bench: --backend must be webgpu, cpu or all (got "${b}")`);
        break;
      }
      case '--sizes':
        o.sizes = parseList(val(), '--sizes').map(parseSize);
        break;
      case '--seconds':
        o.seconds = parsePositive(val(), '--seconds');
        break;
      case '--budget':
        o.budget = parsePositive(val(), '--budget');
        break;
      case '--threads':
        o.threads = parsePositive(val(), '--threads', true);
        break;
      case '--hong': {
        const [n, t] = parseList(val(), '--hong');
        o.hong = { n: parsePositive(n, '--hong N', true), time: t === undefined ? (o.hong?.time ?? 0.5) : parsePositive(t, '--hong T') };
        break;
      }
      case '--no-hong':
        o.hong = null;
        break;
      case '--workgroup':
        o.workgroup = parsePositive(val(), '--workgroup', true);
        break;
      case '--dawn-flag': {
        const f = val();
        if (!f) throw new Error('bench: --dawn-flag needs a value');
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
        throw new Error(`bench: unknown option "${raw}"\n${GPU_BENCH_HELP}`);
    }
  });
  return o;
}

// ---------------------------------------------------------------------------------------------
// synchronisation

const SYNC_GPU =
  'Stage times: each potential/phase/transport call is timed from its start until device.queue.onSubmittedWorkDone() resolves after it ' +
  '(the GPUDevice is reached through the backend object at run time; src is unchanged). potential() and transport() already return only after mapping ' +
  'their statistics read-back buffer, which is copied after all their dispatches; phase() returns after queue.submit(), before the GPU has run it, so ' +
  'without the drain its GPU time would land in the transport stage. Step times: whole Simulation.advance() calls with no added drains (each step ends ' +
  'in the transport read-back, which the time-step policy needs), then one onSubmittedWorkDone() before the clock stops. Reduced Hong case: ' +
  'runTo(T) plus one onSubmittedWorkDone(); backend creation (adapter, device, pipelines) and Simulation.start() are reported separately as setup.';
const SYNC_GPU_NO_DEVICE =
  'The GPUDevice could not be reached from the backend object, so stages cannot be drained one by one: potential and transport ' +
  'are timed up to their own statistics read-back; phase only submits work, so its time is reported together with the transport stage ' +
  '(column phase: –, transport = phase + transport). Step times are whole Simulation.advance() calls, each ending in the transport read-back.';
const SYNC_CPU =
  'The CPU backend computes inside each call (the worker pool joins before a stage returns): stages and steps are timed with ' +
  'performance.now() around the calls.';

interface Sync {
  drain: (() => Promise<void>) | null;
  device: GPUDevice | null;
  how: string;
}

interface DeviceHolder {
  device?: GPUDevice;
  settle?: (p: Promise<unknown>) => Promise<unknown>;
}

/** Finds the backend's GPUDevice (WebGpuBackend keeps it in its GpuContext, `ctx.device`). */
export function syncFor(b: Backend): Sync {
  if (b.name === 'cpu') return { drain: null, device: null, how: SYNC_CPU };
  const isDevice = (v: unknown): v is GPUDevice => typeof (v as GPUDevice | undefined)?.queue?.onSubmittedWorkDone === 'function';
  const fields = b as unknown as Record<string, unknown>;
  let holder: DeviceHolder | null = null;
  let device: GPUDevice | null = null;
  const ctx = fields.ctx as DeviceHolder | undefined;
  if (ctx && isDevice(ctx.device)) {
    holder = ctx;
    device = ctx.device;
  } else {
    for (const v of Object.values(fields)) {
      if (isDevice(v)) {
        device = v;
        break;
      }
      if (v && typeof v === 'object' && isDevice((v as DeviceHolder).device)) {
        holder = v as DeviceHolder;
        device = (v as DeviceHolder).device!;
        break;
      }
    }
  }
  if (!device) return { drain: null, device: null, how: SYNC_GPU_NO_DEVICE };
  const dev = device;
  // the context's settle() waits the way the backend does (blocking slices on a software adapter,
  // whose worker threads need the cores a busy-polling JS thread would take)
  const settle = typeof holder?.settle === 'function' ? holder.settle.bind(holder) : (p: Promise<unknown>) => p;
  return {
    drain: async () => {
      await settle(dev.queue.onSubmittedWorkDone());
    },
    device: dev,
    how: SYNC_GPU,
  };
}

// ---------------------------------------------------------------------------------------------
// bytes per cell of the explicit phase stage

/**
 * Bytes the phase stage moves per cell. "minimum": what the explicit update must read and write
 * once per cell whatever the implementation — ξⁿ, c̃ and ψ in, ξⁿ⁺¹ out (4 values; the stencil
 * neighbours of ξ are assumed to come from cache) — in the backend's precision (f32 on the
 * GPU, f64 on the CPU). "implemented": the traffic of the current kernels, each array touched
 * once: GPU: ghosts (ξ in, padded ξ out), phase.wgsl (padded ξ, c̃, ψ in; ξⁿ⁺¹, Δξ, |rate|,
 * stiffness out), two max-reductions (|rate|, stiffness in) = 36 + 8p bytes; CPU: fillPadded
 * (ξ in, padded ξ out) and the phase task (padded ξ, c̃, ψ in; ξⁿ⁺¹ out; per-row maxima
 * ignored) = 32 + 16p bytes; p = padded cells / cells.
 */
function phaseBytes(kind: Kind, L: Layout): { minimum: number; implemented: number; why: string } {
  const P = (L.nx + 2) * (L.ny + 2) * (L.dims === 3 ? L.nz + 2 : 1);
  const p = P / L.N;
  if (kind === 'webgpu') {
    return {
      minimum: 16,
      implemented: 36 + 8 * p,
      why: 'f32; minimum: read ξ, c̃, ψ + write ξⁿ⁺¹ (4×4 B); implemented: ghosts 4+4p, phase.wgsl 4p+8 in and 16 out (ξⁿ⁺¹, Δξ, |rate|, stiffness), reductions 8',
    };
  }
  return {
    minimum: 32,
    implemented: 32 + 16 * p,
    why: 'f64; minimum: read ξ, c̃, ψ + write ξⁿ⁺¹ (4×8 B); implemented: fillPadded 8+8p, phase 8p+16 in and 8 out',
  };
}

// ---------------------------------------------------------------------------------------------
// results

export interface Rates {
  step: number | null;
  potential: number | null;
  phase: number | null;
  transport: number | null;
}

export interface SizeResult {
  backend: Kind;
  label: string | null;
  device: string;
  grid: string;
  dims: 2 | 3;
  n: number[];
  cells: number;
  /** Backend creation (WebGPU: device, buffers, pipelines) and Simulation.start(), s. */
  setupSeconds: number;
  /** The first coupled step (cold potential solve, shader compilation), s. */
  firstStepSeconds: number;
  warmupSteps: number;
  stageWindow: { steps: number; seconds: number; forcedPotentialSolve: boolean };
  stepWindow: { steps: number; seconds: number; simTime: number };
  /** Cell-updates per second: per coupled step, and per call of each stage (time in that stage only). */
  cellUpdatesPerSecond: Rates;
  msPerCall: Rates;
  share: { potential: number; phase: number; transport: number };
  /** The phase time is inside the transport time (GPU without a reachable device). */
  phaseInTransport: boolean;
  phaseBytesPerCell: { minimum: number; implemented: number; why: string };
  /** Effective bandwidth of the phase stage, GB/s (10⁹ B/s): bytes per cell × cells / phase time. */
  phaseBandwidthGBs: { minimum: number | null; implemented: number | null };
  potentialSolves: number;
  /** Mean MG-PCG iterations per potential solve / per transport step (stage window). */
  pcgItersPotential: number | null;
  pcgItersTransport: number | null;
  requestedLimits?: Record<string, number>;
  grantedLimits?: Record<string, number>;
}

interface Skipped {
  backend: Kind;
  grid: string;
  reason: string;
}

interface HongResult {
  backend: Kind;
  label: string | null;
  device: string;
  grid: string;
  dx_um: number;
  simulatedTime: number;
  steps: number;
  potentialSolves: number;
  retries: number;
  setupSeconds: number;
  runSeconds: number;
  simSecondsPerWallSecond: number;
  error?: string;
}

interface Ratio {
  grid: string;
  step: number | null;
  potential: number | null;
  phase: number | null;
  transport: number | null;
}

// ---------------------------------------------------------------------------------------------
// adapter

interface AdapterReport {
  description: string;
  vendor: string;
  architecture: string;
  device: string;
  adapterDescription: string;
  software: boolean;
  isFallbackAdapter: boolean | null;
  label: string | null;
  features: string[];
  limits: Record<string, number>;
  notes: string[];
  dawnFlags: string[];
}

const LIMIT_NAMES = [
  'maxTextureDimension1D',
  'maxTextureDimension2D',
  'maxTextureDimension3D',
  'maxTextureArrayLayers',
  'maxBindGroups',
  'maxBindGroupsPlusVertexBuffers',
  'maxBindingsPerBindGroup',
  'maxDynamicUniformBuffersPerPipelineLayout',
  'maxDynamicStorageBuffersPerPipelineLayout',
  'maxSampledTexturesPerShaderStage',
  'maxSamplersPerShaderStage',
  'maxStorageBuffersPerShaderStage',
  'maxStorageTexturesPerShaderStage',
  'maxUniformBuffersPerShaderStage',
  'maxUniformBufferBindingSize',
  'maxStorageBufferBindingSize',
  'minUniformBufferOffsetAlignment',
  'minStorageBufferOffsetAlignment',
  'maxVertexBuffers',
  'maxBufferSize',
  'maxVertexAttributes',
  'maxVertexBufferArrayStride',
  'maxInterStageShaderVariables',
  'maxColorAttachments',
  'maxColorAttachmentBytesPerSample',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
];

function limitsObject(lim: GPUSupportedLimits): Record<string, number> {
  const out: Record<string, number> = {};
  const names = new Set<string>(LIMIT_NAMES);
  for (const k in lim) names.add(k);
  for (const k of names) {
    const v = (lim as unknown as Record<string, unknown>)[k];
    if (typeof v === 'number') out[k] = v;
  }
  return out;
}

function emulationLabel(software: boolean, text: string): string | null {
  if (!software) return null;
  if (/swiftshader/i.test(text)) return 'CPU emulation (SwiftShader), not GPU speed';
  const m = /llvmpipe|lavapipe|softpipe|warp/i.exec(text);
  return `CPU emulation (${m ? m[0] : 'software adapter'}), not GPU speed`;
}

async function describeAdapter(h: AdapterHandle, dawnFlags: string[]): Promise<AdapterReport> {
  const info = h.adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const fb = info.isFallbackAdapter ?? (h.adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? null;
  return {
    description: h.description,
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    adapterDescription: info.description ?? '',
    software: h.software,
    isFallbackAdapter: fb,
    label: emulationLabel(h.software, h.description),
    features: [...h.adapter.features].map(String).sort(),
    limits: limitsObject(h.adapter.limits),
    notes: h.notes,
    dawnFlags,
  };
}

/** Dawn prints a warning unless XDG_RUNTIME_DIR names a 0700 folder (docs: environment). */
function quietXdg(): void {
  if (process.env.XDG_RUNTIME_DIR) return;
  try {
    const dir = path.join(os.tmpdir(), `lidendrite-xdg-${process.getuid?.() ?? 'user'}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    process.env.XDG_RUNTIME_DIR = dir;
  } catch {
    /* only a warning is at stake */
  }
}

function versions(adapter: AdapterReport | null) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const read = (file: string) => {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')).version as string;
    } catch {
      return 'unknown';
    }
  };
  let webgpu = 'not installed';
  try {
    webgpu = read(createRequire(import.meta.url).resolve('webgpu/package.json'));
  } catch {
    /* keep */
  }
  return {
    lidendrite: read(path.join(here, '..', 'package.json')),
    node: process.version,
    v8: process.versions.v8,
    webgpuPackage: webgpu,
    dawn: adapter
      ? 'not recorded by the webgpu package (dawn.node built by github.com/dawn-gpu/node-webgpu for this package version); driver: ' +
        (adapter.adapterDescription || 'unknown')
      : null,
  };
}

// ---------------------------------------------------------------------------------------------
// one grid on one backend

interface Prev {
  grid: string;
  cells: number;
  firstStep: number;
  step: number;
  setup: number;
}

const now = () => performance.now() / 1000;

async function benchSize(
  kind: Kind,
  n: number[],
  o: Options,
  adapter: AdapterHandle | null,
  label: string | null,
): Promise<SizeResult | Skipped> {
  const s = benchScenario(n);
  const L = makeLayout(s);
  const grid = gridName(n);
  const cells = cellsOf(n);
  const wopts: WebGpuOptions = { dawnFlags: o.dawnFlags, ...(o.workgroup ? { workgroupSize: o.workgroup } : {}) };
  let requestedLimits: Record<string, number> | undefined;
  if (kind === 'webgpu' && adapter) {
    try {
      requestedLimits = limitsFor(adapter.adapter, gridNeeds(L, o.workgroup ?? 64), `the ${grid} grid`);
    } catch (e) {
      return { backend: kind, grid, reason: (e as Error).message };
    }
  }
  const t0 = now();
  let backend: Backend;
  try {
    ({ backend } = await createBackend(kind, s, { threads: o.threads, webgpu: wopts }));
  } catch (e) {
    return { backend: kind, grid, reason: `backend creation failed: ${(e as Error).message}` };
  }
  try {
    const sync = syncFor(backend);
    const drain = async () => {
      if (sync.drain) await sync.drain();
    };
    const sim = new Simulation(s, backend);
    await sim.start();
    const setupSeconds = now() - t0;
    const B = o.budget;
    // warm-up: the first step (cold potential solve, shader/JIT compilation), then the dt ramp
    let tw = now();
    await sim.advance();
    await drain();
    const firstStepSeconds = now() - tw;
    let warmupSteps = 1;
    tw = now();
    while ((warmupSteps < o.warmSteps || now() - tw < o.warmup) && now() - t0 < 0.4 * B) {
      await sim.advance();
      warmupSteps++;
    }
    await drain();

    // stage window: every stage call timed to a drained queue
    const ins = instrument(backend, sync.drain ?? undefined);
    let steps = 0;
    let tS = now();
    const stageCap = Math.max(0, 0.7 * B - (tS - t0));
    while (steps < 1 || ((steps < o.minSteps || now() - tS < o.seconds) && now() - tS < stageCap / 2)) {
      await sim.advance();
      steps++;
    }
    let forced = false;
    if (ins.acc.potCalls === 0) {
      // no re-solve fell into the window: force one at this step boundary (warm-started, like the
      // re-solves the time-step policy makes) so the potential stage is measured too
      forced = (await sim.prepareCheckpoint(true)) !== null;
    }
    const stageSeconds = now() - tS;
    const acc = { ...ins.acc };
    ins.restore();

    // step window: whole coupled steps, no per-stage drains
    let stepSteps = 0;
    const sim0 = sim.time;
    tS = now();
    const stepCap = Math.max(0, B - (tS - t0));
    while (stepSteps < 1 || ((stepSteps < o.minSteps || now() - tS < o.seconds) && now() - tS < stepCap)) {
      await sim.advance();
      stepSteps++;
    }
    await drain();
    const stepSeconds = now() - tS;

    const phaseInTransport = backend.name === 'webgpu' && !sync.drain;
    const rate = (calls: number, ms: number) => (calls > 0 && ms > 0 ? (cells * calls) / (ms / 1000) : null);
    const per = (calls: number, ms: number) => (calls > 0 ? ms / calls : null);
    const trMs = acc.transport + (phaseInTransport ? acc.phase : 0);
    const phaseMs = phaseInTransport ? 0 : acc.phase;
    const stageMs = acc.potential + acc.phase + acc.transport;
    const bytes = phaseBytes(kind, L);
    const phaseRate = rate(acc.phaseCalls, phaseMs);
    let grantedLimits: Record<string, number> | undefined;
    if (sync.device && requestedLimits) {
      const lim = sync.device.limits as unknown as Record<string, number>;
      grantedLimits = Object.fromEntries(Object.keys(requestedLimits).map((k) => [k, lim[k]]));
    }
    return {
      backend: kind,
      label,
      device: backend.device,
      grid,
      dims: n.length as 2 | 3,
      n,
      cells,
      setupSeconds,
      firstStepSeconds,
      warmupSteps,
      stageWindow: { steps, seconds: stageSeconds, forcedPotentialSolve: forced },
      stepWindow: { steps: stepSteps, seconds: stepSeconds, simTime: sim.time - sim0 },
      cellUpdatesPerSecond: {
        step: (cells * stepSteps) / stepSeconds,
        potential: rate(acc.potCalls, acc.potential),
        phase: phaseRate,
        transport: rate(acc.trCalls, trMs),
      },
      msPerCall: {
        step: (1000 * stepSeconds) / stepSteps,
        potential: per(acc.potCalls, acc.potential),
        phase: per(acc.phaseCalls, phaseMs),
        transport: per(acc.trCalls, trMs),
      },
      share: { potential: acc.potential / stageMs, phase: phaseMs / stageMs, transport: trMs / stageMs },
      phaseInTransport,
      phaseBytesPerCell: bytes,
      phaseBandwidthGBs: {
        minimum: phaseRate === null ? null : (phaseRate * bytes.minimum) / 1e9,
        implemented: phaseRate === null ? null : (phaseRate * bytes.implemented) / 1e9,
      },
      potentialSolves: acc.potCalls,
      pcgItersPotential: acc.potCalls ? acc.potIters / acc.potCalls : null,
      pcgItersTransport: acc.trCalls ? acc.trIters / acc.trCalls : null,
      requestedLimits,
      grantedLimits,
    };
  } catch (e) {
    return { backend: kind, grid, reason: `run failed: ${(e as Error).message}` };
  } finally {
    await backend.dispose().catch(() => undefined);
  }
}

/**
 * Shortest run (setup, first step, one warm-up step and one step per window) predicted from the
 * previous grid: the steps linear in cells (pessimistic for a GPU below saturation), the setup
 * (mostly device and pipeline creation) as it was.
 */
function predict(prev: Prev | undefined, cells: number): { seconds: number; from: string } | null {
  if (!prev) return null;
  const r = cells / prev.cells;
  return { seconds: prev.setup + r * (prev.firstStep + 3 * prev.step), from: prev.grid };
}

// ---------------------------------------------------------------------------------------------
// reduced Hong case

/** examples/hong2018 on an N×N grid at the same dx; the Li layer keeps its share of the domain (20 µm of 200 µm). */
export function hongScenario(n: number, time: number): Scenario {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const raw = JSON.parse(fs.readFileSync(path.join(here, '..', 'examples', 'hong2018', 'scenario.json'), 'utf8'));
  const full = parseScenario(raw);
  const share = full.initial.layer / (full.grid.n[0] * full.grid.dx);
  return parseScenario({
    ...raw,
    name: `hong2018-reduced-${n}`,
    description: `examples/hong2018 on ${n}×${n} cells at the same dx, layer ${(share * 100).toFixed(0)} % of the domain, ${time} s (benchmark)`,
    grid: { ...raw.grid, n: [n, n] },
    initial: { ...raw.initial, layer: share * n * full.grid.dx },
    time: { end: time, output: time },
  });
}

async function benchHong(kind: Kind, o: Options, label: string | null): Promise<HongResult> {
  const { n, time } = o.hong!;
  const s = hongScenario(n, time);
  const t0 = now();
  const { backend } = await createBackend(kind, s, {
    threads: o.threads,
    webgpu: { dawnFlags: o.dawnFlags, ...(o.workgroup ? { workgroupSize: o.workgroup } : {}) },
  });
  const sim = new Simulation(s, backend);
  const sync = syncFor(backend);
  let setupSeconds = 0;
  const base = () => ({
    backend: kind,
    label,
    device: backend.device,
    grid: gridName([n, n]),
    dx_um: s.grid.dx * 1e6,
    simulatedTime: time,
    setupSeconds,
  });
  let t1 = now();
  try {
    // setup: backend creation and Simulation.start() (upload, initial check; CPU worker start-up)
    await sim.start();
    if (sync.drain) await sync.drain();
    t1 = now();
    setupSeconds = t1 - t0;
    await sim.runTo(time);
    if (sync.drain) await sync.drain();
    const runSeconds = now() - t1;
    return {
      ...base(),
      steps: sim.step,
      potentialSolves: sim.solves,
      retries: sim.retries,
      runSeconds,
      simSecondsPerWallSecond: time / runSeconds,
    };
  } catch (e) {
    const runSeconds = now() - t1;
    return {
      ...base(),
      steps: sim.step,
      potentialSolves: sim.solves,
      retries: sim.retries,
      runSeconds,
      simSecondsPerWallSecond: 0,
      error: (e as Error).message,
    };
  } finally {
    await backend.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// tables

const f1 = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(1));
const f2 = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(2));
const ratioText = (v: number | null) => (v === null ? '–' : `${v >= 10 ? v.toFixed(1) : v.toFixed(2)}×`);

function resultsTable(results: SizeResult[], skipped: Skipped[], grids: string[]): string {
  const head = [
    'grid',
    'backend',
    'steps',
    'ms/step',
    'step Mcell/s',
    'potential',
    'phase',
    'transport',
    'phase GB/s min',
    'impl',
    'pot solves',
    'PCG its pot',
    'PCG its tr',
    'note',
  ];
  const rows: string[][] = [];
  for (const g of grids) {
    for (const kind of ['webgpu', 'cpu'] as Kind[]) {
      const k = skipped.find((q) => q.grid === g && q.backend === kind);
      if (k) rows.push([k.grid, k.backend, 'skipped', '', '', '', '', '', '', '', '', '', '', '(see below)']);
      const r = results.find((q) => q.grid === g && q.backend === kind);
      if (!r) continue;
      const note = [
        r.label,
        r.phaseInTransport ? 'phase inside transport' : null,
        r.stageWindow.forcedPotentialSolve ? 'potential: 1 forced re-solve' : null,
      ]
        .filter(Boolean)
        .join('; ');
      rows.push([
        r.grid,
        r.backend,
        String(r.stepWindow.steps),
        f1(r.msPerCall.step),
        M(r.cellUpdatesPerSecond.step),
        M(r.cellUpdatesPerSecond.potential),
        M(r.cellUpdatesPerSecond.phase),
        M(r.cellUpdatesPerSecond.transport),
        f2(r.phaseBandwidthGBs.minimum),
        f2(r.phaseBandwidthGBs.implemented),
        String(r.potentialSolves),
        f1(r.pcgItersPotential),
        f1(r.pcgItersTransport),
        note,
      ]);
    }
  }
  return formatTable(head, rows, [0, 1, head.length - 1]);
}

function ratios(results: SizeResult[], grids: string[]): Ratio[] {
  const out: Ratio[] = [];
  for (const g of grids) {
    const gpu = results.find((r) => r.grid === g && r.backend === 'webgpu');
    const cpu = results.find((r) => r.grid === g && r.backend === 'cpu');
    if (!gpu || !cpu) continue;
    const q = (a: number | null, b: number | null) => (a && b ? a / b : null);
    const G = gpu.cellUpdatesPerSecond,
      C = cpu.cellUpdatesPerSecond;
    // a GPU run whose phase time sits inside its transport time is compared with the CPU's phase + transport
    const cpuTr =
      gpu.phaseInTransport && cpu.msPerCall.phase !== null && cpu.msPerCall.transport !== null
        ? (cpu.cells * 1000) / (cpu.msPerCall.phase + cpu.msPerCall.transport)
        : C.transport;
    out.push({
      grid: g,
      step: q(G.step, C.step),
      potential: q(G.potential, C.potential),
      phase: q(G.phase, C.phase),
      transport: q(G.transport, cpuTr),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

export async function runGpuBench(argv: string[]): Promise<number> {
  const o = optionsOrReport(parseArgs, argv);
  if (!o) return 2;
  const m = machine();
  const started = new Date().toISOString();
  const tStart = now();

  let adapter: AdapterHandle | null = null;
  let adapterReport: AdapterReport | null = null;
  let label: string | null = null;
  const backendNotes: string[] = [];
  if (o.backends.includes('webgpu')) {
    quietXdg();
    try {
      adapter = await acquireAdapter({ dawnFlags: o.dawnFlags });
      adapterReport = await describeAdapter(adapter, o.dawnFlags);
      label = adapterReport.label;
    } catch (e) {
      const why = `webgpu: no adapter — ${(e as Error).message}`;
      if (o.backends.length === 1) {
        console.error(`bench: ${why}`);
        return 1;
      }
      backendNotes.push(`${why}; only the CPU backend runs`);
      o.backends = o.backends.filter((b) => b !== 'webgpu');
    }
  }

  console.log(`GPU-vs-CPU benchmark (${o.backends.join(', ')}), ${m.cpuModel}, ${m.availableParallelism} cores available, Node ${m.node}`);
  if (adapterReport) {
    console.log(`WebGPU adapter: ${adapterReport.description}${adapterReport.software ? ' (software adapter)' : ''}`);
    for (const note of adapterReport.notes) console.log(`  ${note}`);
    if (label) console.log(`  *** ${label}: the webgpu numbers below measure SwiftShader on this CPU ***`);
  }
  for (const note of backendNotes) console.log(note);
  console.log(
    `grids ${o.sizes.map(gridName).join(', ')}; CPU threads ${o.threads}; per window ≥ ${o.seconds} s and ≥ ${o.minSteps} steps; ` +
      `≤ ${o.budget} s per grid and backend`,
  );
  const ln = loadNote();
  if (ln) console.log(ln);
  console.log('');

  const results: SizeResult[] = [];
  const skipped: Skipped[] = [];
  const prev = new Map<string, Prev>();
  for (const n of o.sizes) {
    for (const kind of o.backends) {
      const key = `${kind}/${n.length}`;
      const p = predict(prev.get(key), cellsOf(n));
      if (p && p.seconds > o.budget) {
        const k: Skipped = {
          backend: kind,
          grid: gridName(n),
          reason: `time budget: the shortest run is predicted at ~${p.seconds.toFixed(0)} s (steps linear in cells from the ${p.from} grid), over --budget ${o.budget} s`,
        };
        skipped.push(k);
        console.log(`  ${k.grid} ${kind}: skipped — ${k.reason}`);
        continue;
      }
      const r = await benchSize(kind, n, o, adapter, kind === 'webgpu' ? label : null);
      if ('reason' in r) {
        skipped.push(r);
        console.log(`  ${r.grid} ${kind}: skipped — ${r.reason}`);
        continue;
      }
      results.push(r);
      prev.set(key, { grid: r.grid, cells: r.cells, firstStep: r.firstStepSeconds, step: r.msPerCall.step! / 1000, setup: r.setupSeconds });
      console.log(
        `  ${r.grid} ${kind}: setup ${r.setupSeconds.toFixed(1)} s, first step ${r.firstStepSeconds.toFixed(2)} s, ` +
          `${r.stepWindow.steps} steps in ${r.stepWindow.seconds.toFixed(2)} s, ${M(r.cellUpdatesPerSecond.step)} Mcell/s per step${r.label ? ` [${r.label}]` : ''}`,
      );
    }
  }

  const hong: HongResult[] = [];
  if (o.hong) {
    for (const kind of o.backends) {
      const h = await benchHong(kind, o, kind === 'webgpu' ? label : null);
      hong.push(h);
      console.log(
        `  Hong ${h.grid}, ${h.simulatedTime} s, ${kind}: ${h.error ? `failed — ${h.error}` : `${h.runSeconds.toFixed(2)} s, ${h.steps} steps`}`,
      );
    }
  }

  const grids = o.sizes.map(gridName);
  console.log(
    '\nrates: cell-updates per second (Mcell/s) per coupled step and per call of each stage; phase GB/s = bytes per cell × cells / phase time',
  );
  console.log(
    '(bytes per cell, min: ξ, c̃, ψ read + ξⁿ⁺¹ written = 16 B in f32 (webgpu), 32 B in f64 (cpu); impl: what the current kernels move, see the JSON)',
  );
  if (label) console.log(`webgpu rows: ${label}`);
  console.log('\n' + resultsTable(results, skipped, grids));
  for (const k of skipped) console.log(`skipped ${k.grid} ${k.backend}: ${k.reason}`);

  const cmp = ratios(results, grids);
  if (cmp.length) {
    console.log(
      `\nGPU/CPU speed ratio (webgpu rate / cpu rate, ${o.threads} CPU thread${o.threads > 1 ? 's' : ''}; > 1: webgpu faster)${label ? ` — ${label}` : ''}`,
    );
    console.log(
      formatTable(
        ['grid', 'step', 'potential', 'phase', 'transport'],
        cmp.map((c) => [c.grid, ratioText(c.step), ratioText(c.potential), ratioText(c.phase), ratioText(c.transport)]),
      ),
    );
  }
  let hongRatio: number | null = null;
  if (hong.length) {
    console.log(
      `\nreduced Hong case: examples/hong2018 at ${hong[0].grid} cells, dx = ${hong[0].dx_um} µm, to t = ${hong[0].simulatedTime} s`,
    );
    console.log(
      formatTable(
        ['backend', 'setup s', 'run s', 'steps', 'pot solves', 'sim s / wall s', 'note'],
        hong.map((h) => [
          h.backend,
          f2(h.setupSeconds),
          h.error ? 'failed' : f2(h.runSeconds),
          String(h.steps),
          String(h.potentialSolves),
          h.error ? '–' : h.simSecondsPerWallSecond.toExponential(2),
          [h.label, h.error].filter(Boolean).join('; '),
        ]),
        [0, 6],
      ),
    );
    const g = hong.find((h) => h.backend === 'webgpu' && !h.error),
      c = hong.find((h) => h.backend === 'cpu' && !h.error);
    if (g && c) {
      hongRatio = c.runSeconds / g.runSeconds;
      console.log(`time-to-solution ratio (cpu run s / webgpu run s): ${ratioText(hongRatio)}${label ? ` — ${label}` : ''}`);
    }
  }
  const total = now() - tStart;
  console.log(`\ntotal ${total.toFixed(0)} s`);

  if (o.out !== null) {
    console.log('');
    const dir = o.out ? path.resolve(o.out) : resultsDir('gpu-vs-cpu');
    for (const kind of o.backends) {
      const mine = results.filter((r) => r.backend === kind);
      const doc = {
        suite: 'gpu-vs-cpu',
        backend: kind,
        date: started,
        durationSeconds: +total.toFixed(1),
        label: kind === 'webgpu' ? label : null,
        machine: { ...m, loadAverageAtEnd: os.loadavg().map((v) => +v.toFixed(2)) },
        versions: versions(kind === 'webgpu' ? adapterReport : null),
        adapter: kind === 'webgpu' ? adapterReport : null,
        options: { ...o, backendsRun: o.backends },
        synchronisation:
          kind === 'webgpu'
            ? [...new Set(mine.map((r) => (r.phaseInTransport ? SYNC_GPU_NO_DEVICE : SYNC_GPU)))].join(' | ') || SYNC_GPU
            : SYNC_CPU,
        phaseBandwidth:
          'GB/s = 1e9 B/s; bytes per cell (phaseBytesPerCell per result): minimum = ξ, c̃, ψ read once and ξⁿ⁺¹ written once per cell ' +
          '(stencil neighbours assumed cached), in the backend precision; implemented = what the current kernels move, each array once',
        results: mine,
        skipped: skipped.filter((k) => k.backend === kind),
        hong: hong.find((h) => h.backend === kind) ?? null,
        comparison:
          cmp.length || hongRatio !== null
            ? {
                note: `webgpu rate / cpu rate (${o.threads} CPU threads)${label ? `; ${label}` : ''}`,
                perGrid: cmp,
                hongTimeToSolution_cpuOverWebgpu: hongRatio,
              }
            : null,
      };
      writeJson(resultsFile(kind, o.quick, '', dir), doc);
    }
  }
  return 0;
}
