/**
 * The WebGPU backend (f32): the same model, stages and step order as the CPU reference
 * (src/backends/cpu), one kernel per purpose in shaders/. Fields stay on the GPU; a stage
 * records many dispatches per submission and reads back only what the host must see:
 * the CG scalars every few iterations, the coarsest multigrid operator once per solve (factored
 * in f64 on the host, pcg.ts), the stage statistics and reductions, and read().
 * See docs/webgpu-backend.md.
 *
 * f32 notes (the CPU is f64):
 * - all fields are O(1) in the scaled units (ξ, c̃, ψ = fφ; src/model/derived.ts);
 * - the phase stage stores the increment Δξ next to ξ, so ∂ξ/∂t = Δξ/dt carries no f32
 *   cancellation (the CPU forms (ξⁿ⁺¹ − ξⁿ)/dt in f64);
 * - CG in f32: the recursively updated residual keeps falling below the attainable accuracy
 *   of the iterate, so the reported residual (like the CPU's) is that recursive one;
 * - transport is the CPU's implicit Scharfetter–Gummel step (src/backends/cpu/transport.ts)
 *   in the Slotboom variable u = c̃ e^{ψ−ψ_ref}; e^{−(ψ−ψ_ref)} ≈ 3.6e7 in the metal fits f32, the
 *   operator and the back-transform c̃ = M u share the stored M, the Bernoulli weight uses a
 *   series for small arguments (shaders/transport_assemble.wgsl), and D(ξ) is formed from
 *   h(1 − ξ) near the metal (shaders/coef.wgsl). docs/webgpu-backend.md has the error budget.
 *
 * Transported species (src/model/species.ts; the shielding additive, docs/additive.md), one
 * per entry of Coefficients.species, in order: each field ã is advanced after c̃ in the same
 * transport stage by the same kernels and the same MG-PCG system 'u' (coef.wgsl with D(1 − h),
 * transport_shift.wgsl with the species' drift factor, transport_assemble.wgsl with sink 0,
 * transport_influx.wgsl), then species_pack.wgsl zeroes host cells and adds the species' term
 * of the screening denominator 1 + Σ s·max(0, ã − 1) into lane z of `phaseProps`, a copy of the
 * material props the phase stage binds instead of props when a species screens (phase.wgsl
 * reads only kL and host from props, so lane z, kS, is free there). So no kernel binds more than
 * the 8 storage buffers every adapter has, however many species there are
 * (test/unit/uniforms.test.ts checks every module).
 */
import type { Coefficients } from '../../model/derived.ts';
import type { Fields } from '../../model/initial.ts';
import { stepKey } from '../../model/noise.ts';
import type { Backend, PotentialReport, Reductions, SolveReport, StepStats, TransportReport } from '../backend.ts';
import { BC_DIRICHLET, type BCSet, type FieldBC, type Layout } from '../layout.ts';
import { speciesBC } from '../species.ts';
import { bcData, gridData, kernel, GpuContext, type CountSnapshot, type Kernel } from './context.ts';
import { acquireAdapter, limitsFor, type AcquireOptions, type GridNeeds } from './device.ts';
import { MgPcg, type OpForm } from './mgpcg.ts';
import { GpuDeviceLoop } from './loop.ts';
import { MAX_DISPATCHES_PER_BUFFER, Recorder } from './recorder.ts';
import { GpuElasticity, mechanicsBytes } from './elasticity.ts';
import { getDisplacement, setDisplacement } from '../../model/mechanics-fields.ts';
import { GpuImexPhase } from './phase-imex.ts';
import { MAX_PARTIALS, partialsFor, Reduction, ReduceMode, type ReduceChannel } from './reduce.ts';
import { initialLoop, OPEN_GATES, type LoopValues } from './loop-data.ts';
import { packUniform } from './uniforms.ts';
import { GP_STATS, GpGpuTransport } from './gp-transport.ts';

export interface WebGpuOptions extends AcquireOptions {
  /** Invocations per workgroup (a power of two, 16…256; default 64). */
  workgroupSize?: number;
  /** CG iterations recorded between two convergence read-backs after the first batch (default 4). */
  checkEvery?: number;
  /**
   * Most dispatches per command buffer (default MAX_DISPATCHES_PER_BUFFER in recorder.ts; a
   * stage's or a batch's command buffers go out in one submission).
   */
  maxDispatchesPerSubmit?: number;
  /** Accept a software adapter such as SwiftShader (default true; `auto` selection passes false). */
  allowSoftware?: boolean;
  /**
   * Wait for read-backs in short blocking slices instead of letting Dawn poll the event loop
   * (Node only; default: on for a software adapter, whose worker threads need the cores).
   */
  sleepWait?: boolean;
  /**
   * Material props [kL, kD, kS, host] per cell (src/model/props.ts, docs/material-switches.md), uploaded once;
   * null/absent: a uniform (1, 1, 1, 0) field (the base model).
   */
  props?: Float32Array | null;
  /**
   * How the IMEX phase operator is stored when its solves use the Jacobi sweeps (mgpcg.ts
   * OpForm): 'uniform' (default: d per cell and the one face weight, 4 bytes per cell) or
   * 'faces' (the general (d, w+x, w+y, w+z), 16 bytes per cell). The two give the same numbers
   * (test/reliability/gpu-imex-jacobi.test.ts compares them); with the V-cycle it is always 'faces'.
   */
  phaseOperator?: OpForm;
}

/** The loop's gates (shaders/common/loop.wgsl, G_*): which gate lets a kernel run. */
export const GATE = { STEP: 0, POTENTIAL: 1, CHECK: 2, SAVE: 3, ALWAYS: 15 } as const;

/** Slots of the stage-statistics buffer; species m has SPECIES + 3m (influx), + 1 (Σã), + 2 (max ã). */
const ST = {
  RATE: 0,
  STIFF: 1,
  PSIMAX: 2,
  DXI: 3,
  LIM: 4,
  F1: 5,
  F0: 6,
  SRC: 7,
  INFLUX: 8,
  DEP: 9,
  SPECIES: 10,
} as const;
/** Channels of reduce_fields_final.wgsl. */
const NFIELDS = 10;
/** Why a backend with the grand-potential form has no device loop (logged by createBackend; docs/webgpu-backend.md). */
export const GP_NO_LOOP =
  "the device loop does not run the grand-potential form's transport yet (a scenario with a grandPotential section): steps are taken stage by stage, with read-backs inside each Newton iteration";
/** Why a backend with the mechanics stage has no device loop (logged by createBackend; docs/webgpu-backend.md). */
export const MECH_NO_LOOP =
  'the device loop does not run the mechanics stage yet (a scenario with a mechanics section): steps are taken stage by stage, its displacement solve on a host-driven CG that reads its scalars back every few iterations';
const BIG = 3.4028234663852886e38;

function paddedCells(L: Layout): number {
  return (L.nx + 2) * (L.ny + 2) * (L.dims === 3 ? L.nz + 2 : 1);
}

/**
 * Device memory the backend will allocate for layout L (checked before allocating), with
 * `species` transported species, the IMEX phase stage's buffers (`imex`), for the
 * grand-potential form (`gp`) its 18 floats per cell (w, δu, the source, ρⁿ's parts, the two
 * cell vectors, scale, influx, metal), and the mechanics stage's (`mechanics`).
 */
export function gridNeeds(L: Layout, wg: number, species = 0, imex = false, gp = false, mechanics = false): GridNeeds {
  const N = L.N,
    P = paddedCells(L);
  const maxBinding = Math.max(16 * N, 4 * P);
  // 14 cell fields and the transport's (M, Σw_b, Σw_b u_b, 0) per cell, 2 padded, MG-PCG (op 16N,
  // r and p in two halves each, z, smoother scratch, q: 28N) and the coarser levels (< 1/3 of the
  // fine level in 2D), the read() staging buffer (4 fields)
  const total =
    18 * 4 * N +
    16 * N /* props */ +
    2 * 4 * P +
    (16 + 28) * N +
    (16 + 20) * N * (L.dims === 3 ? 1 / 7 : 1 / 3) +
    16 * N +
    (species > 0 ? 16 * N /* phaseProps */ + species * (4 + 4 + 4) * N /* ã, its influx, one more read() field */ : 0) +
    (imex ? 5 * 4 * N /* the IMEX stage's rate, S, δ, Δ, ξ* */ : 0) +
    (gp ? (18 + 1) * 4 * N /* its buffers, w in read() */ : 0) +
    (mechanics ? mechanicsBytes(L) + 16 * N /* phaseProps */ + 4 * N /* ψ + s */ : 0);
  return { maxBinding, maxBuffer: Math.max(maxBinding, 16 * N), total, workgroupSize: wg, workgroupStorage: Math.max(8 * wg, 512) };
}

/** The kernels of the stages (typed: a misspelt name does not compile). */
interface Kernels {
  ghostXi: Kernel;
  ghostPsi: Kernel;
  phase: Kernel;
  coefSigma: Kernel;
  coefD: Kernel;
  asmPot: Kernel;
  shift: Kernel;
  asmTr: Kernel;
  flux: Kernel;
  influx: Kernel;
  limit: Kernel;
  fields: Kernel;
  tip: Kernel;
  fieldsFinal: Kernel;
}

/**
 * The reductions into the stage-statistics buffer, one per group a stage records back to back
 * (same gate, nothing in between that changes their inputs): two dispatches per group (reduce.ts).
 */
interface Reductions_ {
  /** The explicit or IMEX phase stage's end: max |rate| and max stiffness. */
  phase: Reduction;
  /** max ψ before a transport shift (stage by stage and the device loop's start). */
  psiMax: Reduction;
  /** The transport's end (after the limiter): Σ influx (concentration form only), Σ limited, max |ξ − ξ at the last solve|, Σ Δξ. */
  transport: Reduction;
  /** max |ξ − ξ at the last solve| alone (stepStats). */
  dxi: Reduction;
  /** The potential stage's end: the per-row sums of f1, f0, source (n = rows) and max ψ for the device loop's shifts. */
  potential: Reduction;
  /** Each species' influx, after all of them (null without species). */
  speciesInflux: Reduction | null;
  /** Each species' Σã and max ã for the check (null without species). */
  speciesCheck: Reduction | null;
}

/** A transported species on the GPU: its field, per-cell influx, uniforms, kernels and reductions. */
interface GpuSpecies {
  name: string;
  field: GPUBuffer;
  /** shaders/transport_shift.wgsl params (rewritten by setVoltage) and the species' drift factor. */
  shiftU: GPUBuffer;
  migration: number;
  sgU: GPUBuffer;
  coef: Kernel;
  shift: Kernel;
  asm: Kernel;
  influx: Kernel;
  pack: Kernel;
  /** Its influx buffer (Σ into stats[slot] by Reductions_.speciesInflux). */
  influxBuf: GPUBuffer;
  /** Its first stats slot (influx; Σã and max ã follow). */
  slot: number;
}

/** The uniforms a stage rewrites. */
interface Uniforms_ {
  bcPhi: GPUBuffer;
  phase: GPUBuffer;
  shift: GPUBuffer;
  sg: GPUBuffer;
  lim: GPUBuffer;
}

export class WebGpuBackend implements Backend {
  readonly name = 'webgpu' as const;
  readonly device: string;
  /** Fallbacks taken while finding the adapter (for the log). */
  readonly notes: string[];

  private xi: GPUBuffer;
  private c: GPUBuffer;
  private psi: GPUBuffer;
  private xiNew: GPUBuffer;
  private dxi: GPUBuffer;
  private xidot: GPUBuffer;
  private xiSolve: GPUBuffer;
  private stats: GPUBuffer;
  private statsRead: GPUBuffer;
  /** Slots of the stats buffer (10 + 3 per species). */
  private nstat: number;
  private fieldsOut: GPUBuffer;
  private fieldsRead: GPUBuffer;
  private readStage: GPUBuffer | null = null;
  /** The transported species (Coefficients.species, in order). */
  private species: GpuSpecies[] = [];
  /** The phase stage's material view (kL, kD, screening denominator, host) when there are species (else it binds props). */
  private phaseProps: GPUBuffer | null = null;
  /** Whether a species screens the reaction rate (the phase stage divides by lane z of phaseProps). */
  private screen: boolean;
  /** The mechanics stage (docs/mechanics.md); null without it. */
  private mech: GpuElasticity | null = null;
  /** The IMEX phase stage (numerics.phase = "imex", docs/imex-phase.md); null: explicit. */
  private imex: GpuImexPhase | null = null;
  private propsData: Float32Array;
  private propsBuf: GPUBuffer;
  private pcg: MgPcg;
  /**
   * The loop uniform (shaders/common/loop.wgsl; uniforms.ts, Loop): every kernel's gate and the
   * current step's parameters. The stage-by-stage calls open every gate and write dt; the device
   * loop (loop.ts) writes it at its start and its kernels update it.
   */
  private loopBuf: GPUBuffer;
  private loopValues: LoopValues;
  /** The gates are all open (false after the device loop ran: the next stage call reopens them). */
  private gatesOpen = true;
  private checkEvery = 4;
  private maxDispatches = MAX_DISPATCHES_PER_BUFFER;
  private k: Kernels;
  private red: Reductions_;
  private u: Uniforms_;
  private fieldGroups: number;
  private cache: StepStats = { maxRate: 0, stiffness: 0, migrationRate: 0, dxiSinceSolve: 0 };
  private cacheFresh = true;
  /** Dirichlet values of φ (scaled ψ), the x0 one changed by setVoltage(). */
  private phiValues: Float64Array;
  private isSoftware = false;
  /** The grand-potential form's transport (docs/grand-potential.md); null in the concentration form. */
  private gpT: GpGpuTransport | null = null;

  /** Finds an adapter, checks that the grid fits, requests the device and builds everything. */
  static async create(L: Layout, k: Coefficients, bc: BCSet, opts: WebGpuOptions = {}): Promise<WebGpuBackend> {
    const wg = opts.workgroupSize ?? 64;
    if (!(wg >= 16 && wg <= 256 && (wg & (wg - 1)) === 0))
      throw new Error(`WebGPU backend: workgroupSize must be a power of two in [16, 256] (got ${wg})`);
    const { adapter, description, software, notes } = await acquireAdapter(opts);
    if (software && opts.allowSoftware === false) {
      throw new Error(
        `the only WebGPU adapter is a software one (${description}), slower than the CPU backend; name the backend to run on it anyway (--backend webgpu, or ?backend=webgpu in the page)`,
      );
    }
    const shape = `${L.nx}×${L.ny}${L.dims === 3 ? `×${L.nz}` : ''} grid`;
    const requiredLimits = limitsFor(
      adapter,
      gridNeeds(L, wg, k.species.length, k.imex !== undefined, k.gp !== undefined, k.mechanics !== undefined),
      `the ${shape}`,
    );
    const device = await adapter.requestDevice({ label: 'lidendrite', requiredLimits });
    const ctx = new GpuContext(device, wg, `lidendrite WebGPU backend, ${shape}`);
    const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
    ctx.sleepWait = isNode && (opts.sleepWait ?? software);
    try {
      device.pushErrorScope('validation');
      const b = new WebGpuBackend(ctx, L, k, bc, description, notes, opts.props ?? null, opts.phaseOperator ?? 'uniform');
      b.isSoftware = software;
      if (opts.checkEvery) b.checkEvery = Math.max(1, Math.floor(opts.checkEvery));
      if (opts.maxDispatchesPerSubmit) b.maxDispatches = Math.max(1, Math.floor(opts.maxDispatchesPerSubmit));
      const err = await ctx.guard(device.popErrorScope());
      if (err) throw new Error(`WebGPU backend: pipeline or buffer creation failed validation: ${err.message}`);
      return b;
    } catch (e) {
      ctx.dispose();
      throw e;
    }
  }

  private constructor(
    private ctx: GpuContext,
    private L: Layout,
    private kc: Coefficients,
    private bc: BCSet,
    description: string,
    notes: string[],
    propsIn: Float32Array | null,
    phaseOperator: OpForm,
  ) {
    this.device = `WebGPU (${description}; f32, workgroup ${ctx.wg})`;
    this.notes = notes;
    const N = L.N,
      P = paddedCells(L),
      rows = L.rows;
    const f = (label: string) => ctx.storage(N, label);
    this.xi = f('xi');
    this.c = f('c');
    this.psi = f('psi');
    this.xiNew = f('xiNew');
    this.dxi = f('dxi');
    this.xidot = f('xidot');
    this.xiSolve = f('xiSolve');
    const rate = f('rate'),
      stiff = f('stiff'),
      lim = f('lim');
    const sigma = f('sigma'),
      D = f('D'),
      infl = f('influx');
    // transport (c̃ and every species): the Slotboom unknown u and, per cell, (M, Σ w_b, Σ w_b u_b, 0)
    const uSg = f('transport.u'),
      aux = ctx.storage(4 * N, 'transport.aux');
    // padded ξ (phase) and padded ψ, shifted in place to ψ − ψ_ref by the transport stage
    const padX = ctx.storage(P, 'pad.xi'),
      padPsi = ctx.storage(P, 'pad.psi');
    const rowF1 = ctx.storage(rows, 'row.f1'),
      rowF0 = ctx.storage(rows, 'row.f0'),
      rowSrc = ctx.storage(rows, 'row.src');
    const rowTip = ctx.storage(rows, 'row.tip');
    // material props (kL, kD, kS, host) per cell, fixed for the backend's life
    const props = (this.propsBuf = ctx.storage(4 * N, 'props'));
    if (propsIn && propsIn.length !== 4 * N) throw new Error(`WebGPU backend: props has ${propsIn.length} values, the grid needs 4 × ${N}`);
    const propsData = (this.propsData = propsIn ?? new Float32Array(4 * N).fill(1).map((v, q) => (q % 4 === 3 ? 0 : v)));
    ctx.write(props, propsData);
    if (kc.species.length || kc.mechanics) this.phaseProps = ctx.storage(4 * N, 'phaseProps');
    // mechanics (docs/mechanics.md): the phase stage reads ψ + s and q (lane y of phaseProps)
    const psiEff = kc.mechanics ? f('psiEff') : null;
    this.screen = kc.species.some((sp) => sp.shielding > 0);
    const gpSlot = ST.SPECIES + 3 * kc.species.length;
    this.nstat = Math.ceil((gpSlot + (kc.gp ? GP_STATS : 0)) / 4) * 4;
    this.stats = ctx.storage(this.nstat, 'stats');
    this.statsRead = ctx.readback(this.nstat * 4, 'stats.read');
    this.fieldGroups = partialsFor(N);
    const fieldPartials = ctx.storage(9 * this.fieldGroups, 'fields.partials');
    this.fieldsOut = ctx.storage(NFIELDS, 'fields.out');
    this.fieldsRead = ctx.readback(NFIELDS * 4, 'fields.read');

    const grid = ctx.uniform(gridData([L.nx, L.ny, L.nz], L.periodic, L.dims), 'grid');
    const bcU = (b: FieldBC, label: string) => ctx.uniform(bcData(b.type, b.value), label);
    const bXi = bcU(bc.xi, 'bc.xi'),
      bC = bcU(bc.c, 'bc.c'),
      // (φ's is also written by the device loop's controller: a uniform kernels may write)
      bPhi = ctx.uniformRW(bcData(bc.phi.type, bc.phi.value), 'bc.phi');
    this.phiValues = Float64Array.from(bc.phi.value);
    const dx = L.dx;
    const vol = L.dims === 3 ? dx ** 3 : dx ** 2;
    // kind: the props slot scaling lo (2: kS for σ̂, 1: kD for D), shaders/coef.wgsl
    const coefSigma = ctx.uniform(packUniform('CoefParams', { hi: kc.sigmaS, lo: 1, kind: 2 }), 'coef.sigma');
    const coefD = ctx.uniform(packUniform('CoefParams', { hi: kc.Ds, lo: kc.Dl, kind: 1 }), 'coef.D');
    const asmPot = ctx.uniform(packUniform('AsmParams', { scale: 1, mass: 0, srcScale: -dx * dx * kc.beta }), 'asm.potential');
    const area = L.dims === 3 ? dx * dx : dx;
    const flux = ctx.uniform(packUniform('FluxParams', { dx, area, beta: kc.beta }), 'flux.params');
    const influx = ctx.uniform(packUniform('InfluxParams', { vol }), 'influx.params');
    const fields = ctx.uniform(packUniform('FieldsParams', { inv2: 0.5 / dx, parts: this.fieldGroups }), 'fields.params');
    const tip = ctx.uniform(packUniform('TipParams', { dx }), 'tip.params');
    const final = ctx.uniform(packUniform('FinalParams', { parts: this.fieldGroups, rows }), 'fields.final');
    const u: Uniforms_ = (this.u = {
      bcPhi: bPhi,
      phase: ctx.uniform(this.phaseParams(), 'phase.params'),
      // ψ_ref = max(max ψ, the Dirichlet values of φ): the second part changes only with setVoltage()
      shift: ctx.uniform(this.shiftParams(kc.migration), 'transport.shift'),
      sg: ctx.uniform(packUniform('SgParams', { csRatio: kc.csRatio, sink: kc.sink, react: kc.imex ? 1 : 0 }), 'transport.sg'),
      lim: ctx.uniform(packUniform('LimitParams', { csRatio: kc.csRatio, vol, sink: kc.sink }), 'limit.params'),
    });

    this.loopValues = initialLoop(kc, L, this.bcMax());
    const loop = (this.loopBuf = ctx.uniformRW(packUniform('Loop', this.loopValues), 'loop'));
    this.pcg = new MgPcg(ctx, { dims: L.dims, n: [L.nx, L.ny, L.nz], periodic: L.periodic }, loop, 'mg');
    this.pcg.addSlot('psi', this.psi, GATE.POTENTIAL);
    if (kc.mechanics)
      // the mechanics stage keeps its own host-driven CG (elastic-cg.ts): stage by stage only
      this.mech = new GpuElasticity(
        ctx,
        L,
        kc.mechanics,
        { xi: this.xi, psi: this.psi, psiEff: psiEff!, view: this.phaseProps! },
        ctx.storage(MAX_PARTIALS, 'mech.partials'),
      );
    this.pcg.addSlot('u', uSg, GATE.STEP);
    this.k = {
      ghostXi: kernel(ctx, 'ghosts', [grid, bXi, this.xi, padX, loop], { GATE: GATE.STEP }),
      ghostPsi: kernel(ctx, 'ghosts', [grid, bPhi, this.psi, padPsi, loop], { GATE: GATE.STEP }),
      phase: kernel(
        ctx,
        'phase',
        [
          grid,
          u.phase,
          padX,
          this.c,
          psiEff ?? this.psi,
          this.xiNew,
          this.dxi,
          rate,
          stiff,
          this.screen || psiEff ? this.phaseProps! : props,
          loop,
        ],
        { GATE: GATE.STEP },
      ),
      coefSigma: kernel(ctx, 'coef', [grid, coefSigma, this.xi, sigma, props, loop], { GATE: GATE.POTENTIAL }),
      coefD: kernel(ctx, 'coef', [grid, coefD, this.xiNew, D, props, loop], { GATE: GATE.STEP }),
      asmPot: kernel(ctx, 'assemble', [grid, bPhi, asmPot, sigma, this.xidot, this.pcg.op, this.pcg.rhs, loop], { GATE: GATE.POTENTIAL }),
      shift: kernel(ctx, 'transportShift', [grid, u.shift, this.stats, padPsi, loop], { GATE: GATE.STEP }),
      asmTr: kernel(ctx, 'transportAssemble', [grid, bC, u.sg, padPsi, D, this.c, this.dxi, this.pcg.op, this.pcg.rhs, uSg, aux, loop], {
        GATE: GATE.STEP,
      }),
      flux: kernel(ctx, 'potentialFlux', [grid, bPhi, flux, sigma, this.psi, this.xidot, rowF1, rowF0, rowSrc, loop], {
        GATE: GATE.POTENTIAL,
      }),
      influx: kernel(ctx, 'transportInflux', [grid, influx, uSg, aux, this.c, infl, this.dxi, this.xiNew, loop], { GATE: GATE.STEP }),
      limit: kernel(ctx, 'transportLimit', [grid, u.lim, this.c, this.xiNew, this.dxi, this.xi, this.xidot, lim, props, loop], {
        GATE: GATE.STEP,
      }),
      fields: kernel(ctx, 'reduceFields', [grid, fields, this.xi, this.c, this.xidot, fieldPartials, props, loop], { GATE: GATE.CHECK }),
      tip: kernel(ctx, 'reduceTip', [grid, tip, this.xi, rowTip, props, loop], { GATE: GATE.CHECK }),
      fieldsFinal: kernel(ctx, 'reduceFieldsFinal', [final, fieldPartials, rowTip, this.fieldsOut, loop], { GATE: GATE.CHECK }),
    };
    const R = (label: string, chs: ReduceChannel[], gate: number = GATE.STEP) => new Reduction(ctx, chs, this.stats, loop, gate, label);
    const psiMax: ReduceChannel = { n: N, mode: ReduceMode.Max, a: this.psi, slot: ST.PSIMAX };
    const dxi: ReduceChannel = { n: N, mode: ReduceMode.MaxAbsDiff, a: this.xi, b: this.xiSolve, slot: ST.DXI };
    this.red = {
      phase: R('red.phase', [
        { n: N, mode: ReduceMode.Max, a: rate, slot: ST.RATE },
        { n: N, mode: ReduceMode.Max, a: stiff, slot: ST.STIFF },
      ]),
      psiMax: R('red.psiMax', [psiMax]),
      // after the limiter (it leaves the influx alone): the grand-potential form has its own influx (gp-transport.ts)
      transport: R('red.transport', [
        ...(kc.gp ? [] : [{ n: N, mode: ReduceMode.Sum, a: infl, slot: ST.INFLUX }]),
        { n: N, mode: ReduceMode.Sum, a: lim, slot: ST.LIM },
        dxi,
        // Σ Δξ after the limiter (the step's deposit: Faradaic current, migration share)
        { n: N, mode: ReduceMode.Sum, a: this.dxi, slot: ST.DEP },
      ]),
      dxi: R('red.dxi', [dxi]),
      potential: R(
        'red.potential',
        [
          { n: rows, mode: ReduceMode.Sum, a: rowF1, slot: ST.F1 },
          { n: rows, mode: ReduceMode.Sum, a: rowF0, slot: ST.F0 },
          { n: rows, mode: ReduceMode.Sum, a: rowSrc, slot: ST.SRC },
          // the device loop takes max ψ once per potential solve (ψ changes nowhere else)
          psiMax,
        ],
        GATE.POTENTIAL,
      ),
      speciesInflux: null,
      speciesCheck: null,
    };
    // each species: D(1 − h(ξⁿ⁺¹)) from the committed ξ (the limiter writes ξⁿ⁺¹ to xi), ψ
    // re-padded and shifted with its drift factor, the SG assembly with sink 0 on ã, then ã = M u
    // with its influx, host cells to 0 and its screening term into phaseProps
    const bS = bcU(speciesBC(bc.c), 'bc.species');
    this.species = kc.species.map((sp, m) => {
      this.pcg.addSlot(`species:${sp.name}`, uSg, GATE.STEP);
      const field = f(sp.name),
        spInflux = f(`${sp.name}.influx`);
      const shiftU = ctx.uniform(this.shiftParams(sp.migration), `${sp.name}.shift`);
      const sgU = ctx.uniform(packUniform('SgParams', { csRatio: kc.csRatio, sink: 0, react: 0 }), `${sp.name}.sg`);
      const coefU = ctx.uniform(packUniform('CoefParams', { hi: 0, lo: sp.D, kind: 1 }), `${sp.name}.coef`);
      const packU = ctx.uniform(packUniform('PackParams', { shield: sp.shielding, first: m === 0 ? 1 : 0 }), `${sp.name}.pack`);
      const slot = ST.SPECIES + 3 * m;
      return {
        name: sp.name,
        field,
        shiftU,
        migration: sp.migration,
        sgU,
        coef: kernel(ctx, 'coef', [grid, coefU, this.xi, D, props, loop], { GATE: GATE.STEP }),
        shift: kernel(ctx, 'transportShift', [grid, shiftU, this.stats, padPsi, loop], { GATE: GATE.STEP }),
        asm: kernel(ctx, 'transportAssemble', [grid, bS, sgU, padPsi, D, field, this.dxi, this.pcg.op, this.pcg.rhs, uSg, aux, loop], {
          GATE: GATE.STEP,
        }),
        influx: kernel(ctx, 'transportInflux', [grid, influx, uSg, aux, field, spInflux, this.dxi, this.xiNew, loop], { GATE: GATE.STEP }),
        pack: kernel(ctx, 'speciesPack', [grid, packU, field, props, this.phaseProps!, loop], { GATE: GATE.STEP }),
        influxBuf: spInflux,
        slot,
      };
    });
    if (this.species.length) {
      // (a species' influx buffer is written by its own influx kernel only: reduced after the last species)
      this.red.speciesInflux = R(
        'red.species.influx',
        this.species.map((sp) => ({ n: N, mode: ReduceMode.Sum, a: sp.influxBuf, slot: sp.slot })),
      );
      this.red.speciesCheck = R(
        'red.species.check',
        this.species.flatMap((sp) => [
          { n: N, mode: ReduceMode.Sum, a: sp.field, slot: sp.slot + 1 },
          { n: N, mode: ReduceMode.Max, a: sp.field, slot: sp.slot + 2 },
        ]),
        GATE.CHECK,
      );
    }
    if (kc.gp) {
      this.gpT = new GpGpuTransport({
        ctx,
        L,
        kc,
        bc,
        pcg: this.pcg,
        loop,
        gate: GATE.STEP,
        solveOpts: () => this.solveOpts,
        grid,
        xi: this.xi,
        xiNew: this.xiNew,
        c: this.c,
        padPsi,
        props,
        stats: this.stats,
        slot: gpSlot,
        encodeShift: (pass) => {
          ctx.run(pass, this.k.ghostPsi, P);
          this.red.psiMax.encode(pass);
          ctx.run(pass, this.k.shift, P);
        },
        submit: (record, after, before) => this.submit(record, after, before),
        copyStats: (enc) => this.copyStats(enc),
        readStats: () => this.readStats(),
      });
    }
    if (kc.imex) {
      this.imex = new GpuImexPhase(ctx, L, kc, this.pcg, GATE.STEP, phaseOperator, {
        grid,
        bcXi: bXi,
        phaseParams: u.phase,
        xi: this.xi,
        c: this.c,
        // as the explicit stage: ψ + s and q in lane y of phaseProps with mechanics
        psi: psiEff ?? this.psi,
        props: this.screen || psiEff ? this.phaseProps! : props,
        padXi: padX,
        aux,
        xiNew: this.xiNew,
        dxi: this.dxi,
        rateAbs: rate,
        stiff,
        redPhase: this.red.phase,
        ghostXi: this.k.ghostXi,
        loop,
        padded: P,
      });
    }
    // the grand-potential form's transport and the mechanics stage run stage by stage only: the device
    // loop records both phase stages and the concentration form's transport
    this.loop = this.pcg.hasTail && !kc.gp && !kc.mechanics ? this.makeLoop(grid, bPhi) : undefined;
    if (kc.gp && this.pcg.hasTail) this.notes.push(GP_NO_LOOP);
    if (kc.mechanics && this.pcg.hasTail) this.notes.push(MECH_NO_LOOP);
  }

  /**
   * The device-side time loop (loop.ts), when the grid's multigrid has a tail (more than 128
   * cells); the Simulation falls back to stage-by-stage steps without it.
   */
  readonly loop: GpuDeviceLoop | undefined;

  private makeLoop(grid: GPUBuffer, bcPhi: GPUBuffer): GpuDeviceLoop {
    const { ctx, L, k, red } = this;
    const N = L.N,
      P = paddedCells(L);
    return new GpuDeviceLoop({
      ctx,
      pcg: this.pcg,
      loopBuf: this.loopBuf,
      loopValues: this.loopValues,
      stats: this.stats,
      fieldsOut: this.fieldsOut,
      bcPhi,
      grid,
      N,
      fields: [this.xi, this.c, this.psi, ...this.species.map((sp) => sp.field)],
      xi: this.xi,
      xiSolve: this.xiSolve,
      species: this.species.length,
      vol: L.dims === 3 ? L.dx ** 3 : L.dx ** 2,
      phaseSweeps: this.imex ? (this.kc.imex?.sweeps ?? 0) : 0,
      // (a getter: the option is applied after construction)
      maxDispatches: () => this.maxDispatches,
      configureSolves: (st) => {
        this.pcg.configure('psi', st.potentialTol, st.potentialMaxIter, GATE.POTENTIAL);
        this.pcg.configure('u', st.transportTol, st.transportMaxIter, GATE.STEP);
        for (const sp of this.species) this.pcg.configure(`species:${sp.name}`, st.transportTol, st.transportMaxIter, GATE.STEP);
        const limits: Record<string, number> = {};
        if (this.imex) {
          const { tol, maxIter } = this.imex.limits;
          this.pcg.configure('phase', tol, maxIter, GATE.STEP);
          limits.phase = maxIter;
        }
        return limits;
      },
      recordPotential: (rec, iterations) => {
        rec.run(k.coefSigma, N);
        rec.run(k.asmPot, N);
        this.pcg.encodeSolve(rec, 'psi', iterations);
        rec.run(k.flux, L.rows);
        red.potential.record(rec);
      },
      recordStep: (rec, budget) => {
        ctx.stage = 'phase';
        if (this.imex) this.imex.record(rec, budget('phase'));
        else {
          rec.run(k.ghostXi, P);
          rec.run(k.phase, N);
          red.phase.record(rec);
        }
        ctx.stage = 'transport';
        rec.run(k.coefD, N);
        rec.run(k.ghostPsi, P);
        rec.run(k.shift, P);
        rec.run(k.asmTr, N);
        this.pcg.encodeSolve(rec, 'u', budget('u'));
        rec.run(k.influx, N);
        rec.run(k.limit, N);
        red.transport.record(rec);
        for (const sp of this.species) {
          const slot = `species:${sp.name}`;
          rec.run(sp.coef, N);
          rec.run(k.ghostPsi, P);
          rec.run(sp.shift, P);
          rec.run(sp.asm, N);
          this.pcg.encodeSolve(rec, slot, budget(slot));
          rec.run(sp.influx, N);
          rec.run(sp.pack, N);
        }
        red.speciesInflux?.record(rec);
        ctx.stage = 'check';
        rec.run(k.fields, this.fieldGroups);
        rec.run(k.tip, L.rows);
        rec.runGroups(k.fieldsFinal, 1);
        red.speciesCheck?.record(rec);
      },
      collectorFlux: (f1, f0, src) => this.collectorFrom(f1, f0, src),
      loopTouched: () => {
        // the loop's kernels close gates and move ξ and ξ at the last solve: the gates are
        // written again and the statistics reduced again by the next stage-by-stage call
        this.gatesOpen = false;
        this.cacheFresh = false;
      },
      noteVoltage: (volts) => {
        this.phiValues[0] = this.kc.f * volts;
        this.loopValues.bcMax = this.bcMax();
      },
      afterRestore: async () => {
        // what init() does besides the upload: ∂ξ/∂t = Δξ = 0, ξⁿ⁺¹ = ξ at the last solve = ξ, the
        // statistics and max ψ, the species' screening view
        this.writeLoop(OPEN_GATES);
        const rec = new Recorder(ctx, this.maxDispatches);
        rec.clear(this.xidot);
        rec.clear(this.dxi);
        rec.clear(this.stats);
        rec.copy(this.xi, 0, this.xiNew, 0, 4 * N);
        rec.copy(this.xi, 0, this.xiSolve, 0, 4 * N);
        red.psiMax.record(rec);
        if (this.phaseProps) {
          rec.copy(this.propsBuf, 0, this.phaseProps, 0, 16 * N);
          for (const sp of this.species) rec.run(sp.pack, N);
        }
        rec.submit();
        this.cache = { maxRate: 0, stiffness: 0, migrationRate: 0, dxiSinceSolve: 0 };
        this.cacheFresh = true;
      },
    });
  }

  /**
   * The GPUDevice this backend runs on. For tests and tools only: destroying it simulates a lost
   * device (test/reliability/gpu-device-loss.test.ts); the backend itself never hands it out.
   */
  get gpuDevice(): GPUDevice {
    return this.ctx.device;
  }

  /** What this backend has recorded and read back so far, per stage and per kernel (GpuContext counters). */
  counters(): CountSnapshot {
    return this.ctx.counts();
  }

  /** Waits until the GPU has finished all submitted work (benchmark timing; stages never need it). */
  drain(): Promise<void> {
    return this.ctx.drain();
  }

  /** The adapter is a CPU implementation (SwiftShader, llvmpipe, …): counts are real, times are not GPU times. */
  get software(): boolean {
    return this.isSoftware;
  }

  /** transport_shift.wgsl: the slot of max ψ, the drift factor (c̃'s or a species'). */
  private shiftParams(migration: number): ArrayBuffer {
    return packUniform('ShiftParams', { slot: ST.PSIMAX, migration });
  }

  /** ψ_ref's boundary part (Loop.bcMax): the largest Dirichlet value of φ (scaled), −3.4e38 without one. */
  private bcMax(): number {
    const t = this.bc.phi.type,
      v = this.phiValues;
    let m = -BIG;
    for (let q = 0; q < 6; q++) if (t[q] === BC_DIRICHLET && v[q] > m) m = v[q];
    return m;
  }

  /** Rewrites the loop uniform with `patch` applied (the host's copy stays in step with the buffer). */
  private writeLoop(patch: Partial<LoopValues>): void {
    Object.assign(this.loopValues, patch);
    this.gatesOpen =
      this.loopValues.gStep === 1 && this.loopValues.gPotential === 1 && this.loopValues.gCheck === 1 && this.loopValues.running === 1;
    this.ctx.write(this.loopBuf, packUniform('Loop', this.loopValues));
  }

  /**
   * φ on the collector face x0 (src/solver/control.ts): rewrites the φ boundary uniform (ghosts,
   * assembly, face currents) and ψ_ref's Dirichlet part; the next potential solve uses it.
   */
  async setVoltage(volts: number): Promise<void> {
    this.ctx.check();
    this.ctx.stage = 'control';
    if (!Number.isFinite(volts)) throw new Error(`WebGpuBackend.setVoltage: voltage must be finite (got ${volts})`);
    if (this.bc.phi.type[0] !== BC_DIRICHLET) throw new Error('WebGpuBackend.setVoltage: boundary.phi.x0 is not a dirichlet face');
    this.phiValues[0] = this.kc.f * volts;
    this.ctx.write(this.u.bcPhi, bcData(this.bc.phi.type, this.phiValues));
    this.writeLoop({ bcMax: this.bcMax() });
  }

  private phaseParams(): ArrayBuffer {
    const k = this.kc;
    const w = k.omega * k.theta0;
    return packUniform('PhaseParams', {
      inv: 1 / this.L.dx,
      mobKappa: k.mobKappa,
      mobW: k.mobW,
      leta: k.Leta,
      ea: 1 - k.alpha,
      eb: k.alpha,
      delta: k.delta,
      omega: k.omega,
      cosW0: Math.cos(w),
      sinW0: Math.sin(w),
      iomega: k.omega,
      screen: this.screen ? 1 : 0,
      mobEl: k.mechanics?.mobEl ?? 0,
      mech: k.mechanics ? 1 : 0,
    });
  }

  private submit(
    record: (pass: GPUComputePassEncoder) => void,
    after?: (enc: GPUCommandEncoder) => void,
    before?: (enc: GPUCommandEncoder) => void,
  ): void {
    const enc = this.ctx.device.createCommandEncoder();
    before?.(enc);
    const pass = enc.beginComputePass();
    record(pass);
    pass.end();
    after?.(enc);
    this.ctx.submit([enc.finish()]);
  }

  private copyStats(enc: GPUCommandEncoder): void {
    this.ctx.copy(enc, this.stats, 0, this.statsRead, 0, this.nstat * 4);
  }

  private async readStats(): Promise<Float32Array> {
    return new Float32Array(await this.ctx.readBuffer(this.statsRead, this.nstat * 4));
  }

  async init(f: Fields): Promise<void> {
    this.ctx.check();
    this.ctx.stage = 'init';
    this.openGates();
    const N = this.L.N;
    for (const [name, a] of Object.entries(f)) {
      if (a && a.length !== N) throw new Error(`WebGPU backend init: field ${name} has ${a.length} values, the grid has ${N} cells`);
    }
    const xi32 = Float32Array.from(f.xi);
    this.ctx.write(this.xi, xi32);
    this.ctx.write(this.xiSolve, xi32);
    this.ctx.write(this.c, Float32Array.from(f.c));
    this.ctx.write(this.psi, Float32Array.from(f.psi));
    for (const sp of this.species) {
      const a = f[sp.name];
      if (!a) throw new Error(`WebGPU backend init: the scenario has the species ${sp.name} but the fields have no ${sp.name} field`);
      this.ctx.write(sp.field, Float32Array.from(a));
    }
    if (this.gpT) {
      if (!f.w) throw new Error('WebGPU backend init: the scenario has model "grand-potential" but the fields have no w');
      this.ctx.write(this.gpT.w, Float32Array.from(f.w));
    }
    if (this.phaseProps) {
      // the material view of the phase stage, its lane z (the screening) from the species' packs
      this.ctx.write(this.phaseProps, this.propsData);
      this.submit((pass) => {
        for (const sp of this.species) this.ctx.run(pass, sp.pack, N);
      });
    }
    if (this.mech) {
      const u = new Float64Array(this.L.dims * N);
      setDisplacement(this.L, u, f);
      this.ctx.write(this.mech.u, Float32Array.from(u));
      // λ, μ, h of the uploaded ξ and the phase coupling of the uploaded u (after the props view)
      this.mech.couple(true);
    }
    const zero = new Float32Array(N);
    this.ctx.write(this.xidot, zero);
    this.ctx.write(this.dxi, zero);
    this.ctx.write(this.xiNew, xi32);
    this.ctx.write(this.stats, new Float32Array(this.nstat));
    this.cache = { maxRate: 0, stiffness: 0, migrationRate: 0, dxiSinceSolve: 0 };
    this.cacheFresh = true;
    await this.ctx.guard(this.ctx.device.queue.onSubmittedWorkDone());
  }

  /**
   * Stage-level entry (tests and tools): c̃, ψ, ξⁿ and ξⁿ⁺¹ as the transport stage would find them
   * right after the phase stage (Δξ = ξⁿ⁺¹ − ξⁿ is formed in f64, then rounded, as the phase stage
   * keeps it). transport() then advances c̃ and commits ξ ← ξⁿ⁺¹ (after the limiter); read() has
   * both. The potential stage's state (ξ at the last solve) is left as it was.
   */
  async setTransportInputs(f: { c: Float64Array; psi: Float64Array; xiOld: Float64Array; xiNew: Float64Array }): Promise<void> {
    this.ctx.check();
    this.ctx.stage = 'init';
    const N = this.L.N;
    for (const [name, a] of Object.entries(f)) {
      if (a.length !== N) throw new Error(`WebGPU backend setTransportInputs: ${name} has ${a.length} values, the grid has ${N} cells`);
    }
    this.ctx.write(this.c, Float32Array.from(f.c));
    this.ctx.write(this.psi, Float32Array.from(f.psi));
    this.ctx.write(this.xi, Float32Array.from(f.xiOld));
    this.ctx.write(this.xiNew, Float32Array.from(f.xiNew));
    this.ctx.write(
      this.dxi,
      Float32Array.from(f.xiNew, (v, i) => v - f.xiOld[i]),
    );
    this.cacheFresh = false;
    await this.ctx.guard(this.ctx.device.queue.onSubmittedWorkDone());
  }

  /** Before a stage call: every gate open (the device loop may have closed some). */
  private openGates(): void {
    if (!this.gatesOpen) this.writeLoop(OPEN_GATES);
  }

  async mechanics(tol: number, maxIter: number): Promise<SolveReport> {
    if (!this.mech) throw new Error('WebGPU backend: the scenario has no mechanics section');
    this.ctx.check();
    this.ctx.stage = 'mechanics';
    return this.mech.solve(tol, maxIter);
  }

  async mechanicsLoad(f: Float64Array | null): Promise<void> {
    if (!this.mech) throw new Error('WebGPU backend: the scenario has no mechanics section');
    this.mech.setLoad(f);
  }

  async potential(tol: number, maxIter: number): Promise<PotentialReport> {
    const { ctx, k, red, L } = this;
    ctx.stage = 'potential';
    this.openGates();
    const N = L.N;
    const r = await this.pcg.solveSync(
      'psi',
      tol,
      maxIter,
      (rec) => {
        rec.run(k.coefSigma, N);
        rec.run(k.asmPot, N);
      },
      this.solveOpts,
    );
    this.submit(
      (pass) => {
        ctx.run(pass, k.flux, L.rows);
        // (with max ψ for the device loop's transport shift: ψ changes only here)
        red.potential.encode(pass);
      },
      (enc) => {
        this.ctx.copy(enc, this.xi, 0, this.xiSolve, 0, N * 4);
        this.copyStats(enc);
      },
    );
    const s = await this.readStats();
    this.cache.dxiSinceSolve = 0;
    return {
      iterations: r.iterations,
      residual: r.residual,
      converged: r.converged,
      fluxX1: s[ST.F1],
      fluxX0: this.collectorFlux(s),
      source: s[ST.SRC],
    };
  }

  /**
   * Current through the x0 (collector) face. The CPU's formula σ̂_s(ψ − g0)·2/dx needs ψ next to
   * the collector to a relative accuracy far below f32's: inside the metal ψ differs from g0 by
   * about (current)/σ̂_s, under one f32 ulp of |g0| at σ_s/σ_l ≈ 1e7 (the f32 value is 0 or
   * noise of ±σ̂_s·ulp·2/dx per row). When x0 and x1 are the only Dirichlet faces of φ, the
   * discrete balance gives it from electrolyte-side numbers instead: Σ fluxes = source, i.e.
   * fluxX0 = fluxX1 − source, exact at convergence (it is what the CPU's value tends to as its
   * tolerance tightens). Otherwise the direct sum is returned.
   */
  private collectorFlux(s: Float32Array): number {
    return this.collectorFrom(s[ST.F1], s[ST.F0], s[ST.SRC]);
  }

  private collectorFrom(f1: number, f0: number, src: number): number {
    const t = this.bc.phi.type;
    const lateralDirichlet = [2, 3, 4, 5].some((q) => t[q] === BC_DIRICHLET);
    if (t[0] === BC_DIRICHLET && !lateralDirichlet) return f1 - src;
    return f0;
  }

  async phase(dt: number, step: number): Promise<SolveReport | null> {
    const { ctx, k, red, L } = this;
    ctx.check();
    ctx.stage = 'phase';
    this.writeLoop({
      ...OPEN_GATES,
      dt,
      invDt: 1 / dt,
      sgScale: dt / (L.dx * L.dx),
      noiseAmp: this.kc.noiseSigma * Math.sqrt(dt),
      key: stepKey(this.kc.seed, step),
    });
    if (this.imex) {
      const r = await this.imex.step(this.solveOpts);
      this.cacheFresh = false;
      return r;
    }
    this.submit((pass) => {
      ctx.run(pass, k.ghostXi, paddedCells(L));
      ctx.run(pass, k.phase, L.N);
      red.phase.encode(pass);
    });
    this.cacheFresh = false;
    return null;
  }

  async transport(dt: number, tol: number, maxIter: number): Promise<TransportReport> {
    const { ctx, k, red, L } = this;
    const N = L.N;
    const vol = L.dims === 3 ? L.dx ** 3 : L.dx ** 2;
    const scale = dt / (L.dx * L.dx);
    ctx.check();
    ctx.stage = 'transport';
    this.writeLoop({ ...OPEN_GATES, dt, invDt: 1 / dt, sgScale: scale });
    const r = await this.solveSpecies('u', k.coefD, k.shift, k.asmTr, tol, maxIter);
    if (this.gpT) return this.transportGp(dt, tol, maxIter);
    this.submit(
      (pass) => {
        ctx.run(pass, k.influx, N);
        ctx.run(pass, k.limit, N);
        red.transport.encode(pass);
      },
      (enc) => this.copyStats(enc),
    );
    const s = await this.readStats();
    this.setCache(s);
    // the species after c̃ (their D uses the committed ξⁿ⁺¹), in order, through the same system 'u'
    const solves: SolveReport[] = [];
    for (const sp of this.species) {
      solves.push(await this.solveSpecies(`species:${sp.name}`, sp.coef, sp.shift, sp.asm, tol, maxIter));
      this.submit((pass) => {
        ctx.run(pass, sp.influx, N);
        ctx.run(pass, sp.pack, N);
      });
    }
    const ss = red.speciesInflux ? await this.readAfter((pass) => red.speciesInflux!.encode(pass)) : s;
    return {
      iterations: r.iterations,
      residual: r.residual,
      converged: r.converged,
      limited: s[ST.LIM],
      influx: s[ST.INFLUX],
      deposited: s[ST.DEP] * vol,
      species: this.species.map((sp, m) => ({
        iterations: solves[m].iterations,
        residual: solves[m].residual,
        converged: solves[m].converged,
        influx: ss[sp.slot],
      })),
    };
  }

  /**
   * The grand-potential form's transport (gp-transport.ts): w and c̃, then the end of the step
   * through the limit kernel (c̃ ≥ 0 there: it only commits ξ ← ξⁿ⁺¹ and ∂ξ/∂t).
   */
  private async transportGp(dt: number, tol: number, maxIter: number): Promise<TransportReport> {
    const { ctx, k, red, L } = this;
    const r = await this.gpT!.step(dt, tol, maxIter);
    this.submit(
      (pass) => {
        ctx.run(pass, k.limit, L.N);
        red.transport.encode(pass);
      },
      (enc) => this.copyStats(enc),
    );
    const s = await this.readStats();
    this.setCache(s);
    const vol = L.dims === 3 ? L.dx ** 3 : L.dx ** 2;
    return {
      iterations: r.iterations,
      residual: r.residual,
      converged: r.converged,
      limited: s[ST.LIM],
      influx: r.influx,
      deposited: s[ST.DEP] * vol,
      species: [],
      newton: r.newton,
    };
  }

  /** The manufactured-solution source of (2′) (grand-potential form; tests). */
  async setTransportSource(src: Float64Array | null): Promise<void> {
    if (!this.gpT) throw new Error('WebGpuBackend.setTransportSource: only the grand-potential form takes a transport source');
    this.ctx.check();
    this.gpT.setSource(src);
  }

  /** The stats buffer after the work submitted so far and `record`. */
  private async readAfter(record: (pass: GPUComputePassEncoder) => void): Promise<Float32Array> {
    this.submit(record, (enc) => this.copyStats(enc));
    return this.readStats();
  }

  /**
   * One implicit SG solve of c̃ or a transported species through system 'u':
   * its D(ξⁿ⁺¹), padded ψ, ψ_ref and the shift a = migration·(ψ − ψ_ref), the assembly
   * (operator, right-hand side, warm start), then MG-PCG.
   */
  private solveSpecies(slot: string, coef: Kernel, shift: Kernel, assemble: Kernel, tol: number, maxIter: number) {
    const { k, red, L } = this;
    const N = L.N,
      P = paddedCells(L);
    return this.pcg.solveSync(
      slot,
      tol,
      maxIter,
      (rec) => {
        rec.run(coef, N);
        rec.run(k.ghostPsi, P);
        red.psiMax.record(rec);
        rec.run(shift, P);
        rec.run(assemble, N);
      },
      this.solveOpts,
    );
  }

  private get solveOpts(): { checkEvery: number; maxDispatches: number } {
    return { checkEvery: this.checkEvery, maxDispatches: this.maxDispatches };
  }

  private setCache(s: Float32Array): void {
    // the implicit (Scharfetter–Gummel) transport has no migration limit: rate 0, like the CPU
    this.cache = { maxRate: s[ST.RATE], stiffness: s[ST.STIFF], migrationRate: 0, dxiSinceSolve: s[ST.DXI] };
    this.cacheFresh = true;
  }

  async stepStats(): Promise<StepStats> {
    this.ctx.stage = 'stats';
    this.openGates();
    if (!this.cacheFresh) {
      this.submit(
        (pass) => this.red.dxi.encode(pass),
        (enc) => this.copyStats(enc),
      );
      this.setCache(await this.readStats());
    }
    this.ctx.check();
    return { ...this.cache };
  }

  async reductions(): Promise<Reductions> {
    const { ctx, k, L } = this;
    ctx.check();
    ctx.stage = 'reductions';
    this.openGates();
    this.submit(
      (pass) => {
        ctx.run(pass, k.fields, this.fieldGroups);
        ctx.run(pass, k.tip, L.rows);
        ctx.runGroups(pass, k.fieldsFinal, 1);
      },
      (enc) => this.ctx.copy(enc, this.fieldsOut, 0, this.fieldsRead, 0, NFIELDS * 4),
    );
    const buf = await ctx.readBuffer(this.fieldsRead, NFIELDS * 4);
    const v = new Float32Array(buf);
    let nonFinite = new Uint32Array(buf)[8];
    const inf = (x: number) => (x >= BIG ? Infinity : x <= -BIG ? -Infinity : x);
    const out: Reductions = {
      sumXi: v[0],
      sumC: v[1],
      sumXidot: v[2],
      sumGrad: v[3],
      tip: v[9],
      cMax: inf(v[4]),
      cMin: inf(v[5]),
      xiMin: inf(v[6]),
      xiMax: inf(v[7]),
      nonFinite,
      species: [],
      ...(this.gpT ? { sumMetal: await this.gpT.metal() } : {}),
    };
    if (!this.red.speciesCheck) return out;
    // the species: Σã (host cells hold 0) and max ã; a non-finite ã makes its sum non-finite and
    // counts as one non-finite cell per species (the CPU counts the cells)
    const check = this.red.speciesCheck;
    const sa = await this.readAfter((pass) => check.encode(pass));
    for (const sp of this.species) if (!Number.isFinite(sa[sp.slot + 1])) nonFinite += 1;
    return { ...out, nonFinite, species: this.species.map((sp) => ({ sum: sa[sp.slot + 1], max: inf(sa[sp.slot + 2]) })) };
  }

  async read(): Promise<Fields & { xidot: Float64Array }> {
    const { ctx, L } = this;
    ctx.check();
    ctx.stage = 'read';
    const N = L.N,
      bytes = 4 * N;
    const bufs = [this.xi, this.c, this.psi, this.xidot, ...this.species.map((sp) => sp.field), ...(this.gpT ? [this.gpT.w] : [])];
    const nb = bufs.length;
    // the displacement (d fields in one buffer) after the others
    const nf = nb + (this.mech ? L.dims : 0);
    if (!this.readStage) this.readStage = ctx.readback(nf * bytes, 'read.stage');
    const st = this.readStage;
    this.submit(
      () => undefined,
      (enc) => {
        for (let i = 0; i < nb; i++) this.ctx.copy(enc, bufs[i], 0, st, i * bytes, bytes);
        if (this.mech) this.ctx.copy(enc, this.mech.u, 0, st, nb * bytes, L.dims * bytes);
      },
    );
    const all = new Float32Array(await ctx.readBuffer(st, nf * bytes));
    const part = (i: number) => Float64Array.from(all.subarray(i * N, (i + 1) * N));
    const f: Fields & { xidot: Float64Array } = { xi: part(0), c: part(1), psi: part(2), xidot: part(3) };
    this.species.forEach((sp, m) => {
      f[sp.name] = part(4 + m);
    });
    if (this.gpT) f.w = part(4 + this.species.length);
    if (this.mech) getDisplacement(L, Float64Array.from(all.subarray(nb * N, nf * N)), f);
    return f;
  }

  async dispose(): Promise<void> {
    this.ctx.dispose();
  }
}
