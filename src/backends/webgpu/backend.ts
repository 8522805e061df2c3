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
 * Shielding additive (docs/additive.md), when Coefficients.additive is set: its field ã is
 * advanced after c̃ in the same transport stage by the same kernels and the same MG-PCG system
 * (coef.wgsl with D_a(1 − h), transport_shift.wgsl with migration 1, transport_assemble.wgsl
 * with sink 0, transport_influx.wgsl), then additive_pack.wgsl zeroes host cells and copies ã
 * into lane z of `phaseProps`, a copy of the material props the phase stage binds instead of
 * props (phase.wgsl already uses the 8 storage bindings WebGPU guarantees; it reads only kL and
 * host from props, so lane z, kS, is free there).
 */
import type { Coefficients } from '../../model/derived.ts';
import type { Fields } from '../../model/initial.ts';
import { stepKey } from '../../model/noise.ts';
import type { Backend, PotentialReport, Reductions, SolveReport, StepStats, TransportReport } from '../backend.ts';
import { BC_DIRICHLET, type BCSet, type FieldBC, type Layout } from '../layout.ts';
import { additiveBC } from '../additive.ts';
import { bcData, gridData, kernel, packParams, GpuContext, type Kernel } from './context.ts';
import { acquireAdapter, limitsFor, type AcquireOptions, type GridNeeds } from './device.ts';
import { GpuPcg } from './pcg.ts';
import { MAX_PARTIALS, partialsFor, Reduction, ReduceMode } from './reduce.ts';

export interface WebGpuOptions extends AcquireOptions {
  /** Invocations per workgroup (a power of two, 16…256; default 64). */
  workgroupSize?: number;
  /** CG iterations recorded between two convergence read-backs after the first batch (default 4). */
  checkEvery?: number;
  /**
   * Most dispatches per command buffer in the CG iteration loop (default 128,
   * MAX_DISPATCHES_PER_SUBMIT in pcg.ts; whole iterations, at least one per buffer).
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
   * Material props [kL, kD, kS, host] per cell (src/model/props.ts, SWITCHES.md §2), uploaded once;
   * null/absent: a uniform (1, 1, 1, 0) field (the base model).
   */
  props?: Float32Array | null;
}

/** Slots of the stage-statistics buffer. */
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
  A_INFLUX: 10,
  A_SUM: 11,
  A_MAX: 12,
} as const;
const NSTAT = 16;
/** Channels of reduce_fields_final.wgsl. */
const NFIELDS = 10;
const BIG = 3.4028234663852886e38;

function paddedCells(L: Layout): number {
  return (L.nx + 2) * (L.ny + 2) * (L.dims === 3 ? L.nz + 2 : 1);
}

/** Device memory the backend will allocate for layout L (checked before allocating); `additive`: the shielding additive's buffers too. */
export function gridNeeds(L: Layout, wg: number, additive = false): GridNeeds {
  const N = L.N,
    P = paddedCells(L);
  const maxBinding = Math.max(16 * N, 4 * P);
  // 14 cell fields and the transport's (M, Σw_b, Σw_b u_b, 0) per cell, 2 padded, CG (op 16N +
  // 5 vectors) and the coarser levels (< 1/3 of the fine level in 2D), the read() staging
  // buffer (4 fields)
  const total =
    18 * 4 * N +
    16 * N /* props */ +
    2 * 4 * P +
    (16 + 20) * N +
    (16 + 20) * N * (L.dims === 3 ? 1 / 7 : 1 / 3) +
    16 * N +
    (additive ? (4 + 16 + 4 + 4) * N /* ã, phaseProps, its influx, one more read() field */ : 0);
  return { maxBinding, maxBuffer: Math.max(maxBinding, 16 * N), total, workgroupSize: wg, workgroupStorage: Math.max(8 * wg, 512) };
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
  /** Transport: the Slotboom unknown u and, per cell, (M, Σ w_b, Σ w_b u_b, 0). */
  private trU: GPUBuffer;
  private trAux: GPUBuffer;
  private stats: GPUBuffer;
  private statsRead: GPUBuffer;
  private fieldsOut: GPUBuffer;
  private fieldsRead: GPUBuffer;
  private readStage: GPUBuffer | null = null;
  /** The shielding additive ã and its per-cell influx (docs/additive.md); null without it. */
  private add: GPUBuffer | null = null;
  private addInflux: GPUBuffer | null = null;
  /** The phase stage's material view (kL, kD, ã, host) with the additive (else it binds props). */
  private phaseProps: GPUBuffer | null = null;
  private propsData: Float32Array;
  private pcg: GpuPcg;
  private k: Record<string, Kernel> = {};
  private red: Record<string, Reduction> = {};
  private u: Record<string, GPUBuffer> = {};
  private fieldGroups: number;
  private cache: StepStats = { maxRate: 0, stiffness: 0, migrationRate: 0, dxiSinceSolve: 0 };
  private cacheFresh = true;
  /** Dirichlet values of φ (scaled ψ), the x0 one changed by setVoltage(). */
  private phiValues: Float64Array;

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
    const requiredLimits = limitsFor(adapter, gridNeeds(L, wg, k.additive !== undefined), `the ${shape}`);
    const device = await adapter.requestDevice({ label: 'lidendrite', requiredLimits });
    const ctx = new GpuContext(device, wg, `lidendrite WebGPU backend, ${shape}`);
    const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
    ctx.sleepWait = isNode && (opts.sleepWait ?? software);
    try {
      device.pushErrorScope('validation');
      const b = new WebGpuBackend(ctx, L, k, bc, description, notes, opts.props ?? null);
      if (opts.checkEvery) b.pcg.checkEvery = Math.max(1, Math.floor(opts.checkEvery));
      if (opts.maxDispatchesPerSubmit) b.pcg.maxDispatchesPerSubmit = Math.max(1, Math.floor(opts.maxDispatchesPerSubmit));
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
    // transport: the Slotboom unknown u and, per cell, (M, Σ w_b, Σ w_b u_b, 0)
    const uSg = (this.trU = f('transport.u')),
      aux = (this.trAux = ctx.storage(4 * N, 'transport.aux'));
    // padded ξ (phase) and padded ψ, shifted in place to ψ − ψ_ref by the transport stage
    const padX = ctx.storage(P, 'pad.xi'),
      padPsi = ctx.storage(P, 'pad.psi');
    const rowF1 = ctx.storage(rows, 'row.f1'),
      rowF0 = ctx.storage(rows, 'row.f0'),
      rowSrc = ctx.storage(rows, 'row.src');
    const rowTip = ctx.storage(rows, 'row.tip');
    // material props (kL, kD, kS, host) per cell, fixed for the backend's life
    const props = ctx.storage(4 * N, 'props');
    if (propsIn && propsIn.length !== 4 * N) throw new Error(`WebGPU backend: props has ${propsIn.length} values, the grid needs 4 × ${N}`);
    const propsData = (this.propsData = propsIn ?? new Float32Array(4 * N).fill(1).map((v, q) => (q % 4 === 3 ? 0 : v)));
    ctx.write(props, propsData);
    const ka = kc.additive;
    if (ka) {
      this.add = f('additive');
      this.addInflux = f('additive.influx');
      this.phaseProps = ctx.storage(4 * N, 'phaseProps');
    }
    this.stats = ctx.storage(NSTAT, 'stats');
    this.statsRead = ctx.readback(NSTAT * 4, 'stats.read');
    const partials = ctx.storage(MAX_PARTIALS, 'partials');
    this.fieldGroups = partialsFor(N);
    const fieldPartials = ctx.storage(9 * this.fieldGroups, 'fields.partials');
    this.fieldsOut = ctx.storage(NFIELDS, 'fields.out');
    this.fieldsRead = ctx.readback(NFIELDS * 4, 'fields.read');

    const grid = ctx.uniform(gridData([L.nx, L.ny, L.nz], L.periodic, L.dims), 'grid');
    const bcU = (b: FieldBC, label: string) => ctx.uniform(bcData(b.type, b.value), label);
    const bXi = bcU(bc.xi, 'bc.xi'),
      bC = bcU(bc.c, 'bc.c'),
      bPhi = bcU(bc.phi, 'bc.phi');
    this.phiValues = Float64Array.from(bc.phi.value);
    const dx = L.dx;
    const u = this.u;
    u.bcPhi = bPhi;
    u.phase = ctx.uniform(this.phaseParams(0, 0), 'phase.params');
    // kind: the props slot scaling lo (2: kS for σ̂, 1: kD for D), shaders/coef.wgsl
    u.coefSigma = ctx.uniform(
      packParams([
        ['f', kc.sigmaS],
        ['f', 1],
        ['u', 2],
      ]),
      'coef.sigma',
    );
    u.coefD = ctx.uniform(
      packParams([
        ['f', kc.Ds],
        ['f', kc.Dl],
        ['u', 1],
      ]),
      'coef.D',
    );
    u.asmPot = ctx.uniform(
      packParams([
        ['f', 1],
        ['f', 0],
        ['f', -dx * dx * kc.beta],
      ]),
      'asm.potential',
    );
    // ψ_ref = max(max ψ, the Dirichlet values of φ): the second part changes only with setVoltage()
    u.shift = ctx.uniform(this.shiftParams(), 'transport.shift');
    u.sg = ctx.uniform(
      packParams([
        ['f', 0],
        ['f', kc.csRatio],
        ['f', kc.sink],
      ]),
      'transport.sg',
    );
    const area = L.dims === 3 ? dx * dx : dx;
    u.flux = ctx.uniform(
      packParams([
        ['f', dx],
        ['f', area],
        ['f', kc.beta],
      ]),
      'flux.params',
    );
    u.influx = ctx.uniform(packParams([['f', L.dims === 3 ? dx ** 3 : dx ** 2]]), 'influx.params');
    u.lim = ctx.uniform(
      packParams([
        ['f', kc.csRatio],
        ['f', L.dims === 3 ? dx ** 3 : dx ** 2],
        ['f', 0],
        ['f', kc.sink],
      ]),
      'limit.params',
    );
    u.fields = ctx.uniform(
      packParams([
        ['f', 0.5 / dx],
        ['u', this.fieldGroups],
      ]),
      'fields.params',
    );
    u.tip = ctx.uniform(packParams([['f', dx]]), 'tip.params');
    u.final = ctx.uniform(
      packParams([
        ['u', this.fieldGroups],
        ['u', rows],
      ]),
      'fields.final',
    );

    this.pcg = new GpuPcg(ctx, { dims: L.dims, n: [L.nx, L.ny, L.nz], periodic: L.periodic }, partials, 'mg');
    this.pcg.addSystem('psi', this.psi);
    this.pcg.addSystem('u', uSg);
    const K = this.k;
    K.ghostXi = kernel(ctx, 'ghosts', [grid, bXi, this.xi, padX]);
    K.ghostPsi = kernel(ctx, 'ghosts', [grid, bPhi, this.psi, padPsi]);
    K.phase = kernel(ctx, 'phase', [grid, u.phase, padX, this.c, this.psi, this.xiNew, this.dxi, rate, stiff, this.phaseProps ?? props]);
    K.coefSigma = kernel(ctx, 'coef', [grid, u.coefSigma, this.xi, sigma, props]);
    K.coefD = kernel(ctx, 'coef', [grid, u.coefD, this.xiNew, D, props]);
    K.asmPot = kernel(ctx, 'assemble', [grid, bPhi, u.asmPot, sigma, this.xidot, this.pcg.op, this.pcg.rhs]);
    K.shift = kernel(ctx, 'transportShift', [grid, u.shift, this.stats, padPsi]);
    K.asmTr = kernel(ctx, 'transportAssemble', [grid, bC, u.sg, padPsi, D, this.c, this.dxi, this.pcg.op, this.pcg.rhs, uSg, aux]);
    K.flux = kernel(ctx, 'potentialFlux', [grid, bPhi, u.flux, sigma, this.psi, this.xidot, rowF1, rowF0, rowSrc]);
    K.influx = kernel(ctx, 'transportInflux', [grid, u.influx, uSg, aux, this.c, infl]);
    K.limit = kernel(ctx, 'transportLimit', [grid, u.lim, this.c, this.xiNew, this.dxi, this.xi, this.xidot, lim, props]);
    K.fields = kernel(ctx, 'reduceFields', [grid, u.fields, this.xi, this.c, this.xidot, fieldPartials, props]);
    K.tip = kernel(ctx, 'reduceTip', [grid, u.tip, this.xi, rowTip, props]);
    K.fieldsFinal = kernel(ctx, 'reduceFieldsFinal', [u.final, fieldPartials, rowTip, this.fieldsOut]);
    const R = (n: number, mode: ReduceMode, a: GPUBuffer, b: GPUBuffer | null, slot: number) =>
      new Reduction(ctx, n, mode, a, b, partials, this.stats, slot);
    if (ka && this.add && this.addInflux && this.phaseProps) {
      // the additive: D_a(1 − h(ξⁿ⁺¹)) from the committed ξ (the limiter writes ξⁿ⁺¹ to xi),
      // ψ re-padded and shifted with migration 1, the SG assembly with sink 0 on ã, then ã = M u
      // with its influx, host cells to 0 and the copy into phaseProps
      u.coefA = ctx.uniform(
        packParams([
          ['f', 0],
          ['f', ka.Da],
          ['u', 1],
        ]),
        'coef.additive',
      );
      u.shiftA = ctx.uniform(this.shiftParams(1), 'additive.shift');
      u.sgA = ctx.uniform(
        packParams([
          ['f', 0],
          ['f', kc.csRatio],
          ['f', 0],
        ]),
        'additive.sg',
      );
      const bcA = additiveBC(bc.c);
      const bA = ctx.uniform(bcData(bcA.type, bcA.value), 'bc.additive');
      K.coefA = kernel(ctx, 'coef', [grid, u.coefA, this.xi, D, props]);
      K.shiftA = kernel(ctx, 'transportShift', [grid, u.shiftA, this.stats, padPsi]);
      K.asmA = kernel(ctx, 'transportAssemble', [grid, bA, u.sgA, padPsi, D, this.add, this.dxi, this.pcg.op, this.pcg.rhs, uSg, aux]);
      K.influxA = kernel(ctx, 'transportInflux', [grid, u.influx, uSg, aux, this.add, this.addInflux]);
      K.packA = kernel(ctx, 'additivePack', [grid, this.add, props, this.phaseProps]);
      this.red.aInflux = R(N, ReduceMode.Sum, this.addInflux, null, ST.A_INFLUX);
      this.red.aSum = R(N, ReduceMode.Sum, this.add, null, ST.A_SUM);
      this.red.aMax = R(N, ReduceMode.Max, this.add, null, ST.A_MAX);
    }
    Object.assign(this.red, {
      rate: R(N, ReduceMode.Max, rate, null, ST.RATE),
      stiff: R(N, ReduceMode.Max, stiff, null, ST.STIFF),
      psiMax: R(N, ReduceMode.Max, this.psi, null, ST.PSIMAX),
      lim: R(N, ReduceMode.Sum, lim, null, ST.LIM),
      influx: R(N, ReduceMode.Sum, infl, null, ST.INFLUX),
      // Σ Δξ after the limiter (the step's deposit: Faradaic current, migration share)
      dep: R(N, ReduceMode.Sum, this.dxi, null, ST.DEP),
      dxi: R(N, ReduceMode.MaxAbsDiff, this.xi, this.xiSolve, ST.DXI),
      f1: R(rows, ReduceMode.Sum, rowF1, null, ST.F1),
      f0: R(rows, ReduceMode.Sum, rowF0, null, ST.F0),
      src: R(rows, ReduceMode.Sum, rowSrc, null, ST.SRC),
    });
  }

  /**
   * The GPUDevice this backend runs on. For tests and tools only: destroying it simulates a lost
   * device (test/reliability/gpu-device-loss.test.ts); the backend itself never hands it out.
   */
  get gpuDevice(): GPUDevice {
    return this.ctx.device;
  }

  /** transport_shift.wgsl: max Dirichlet ψ, the slot of max ψ, the migration factor (c̃'s, or `migration`). */
  private shiftParams(migration = this.kc.migration): ArrayBuffer {
    const t = this.bc.phi.type,
      v = this.phiValues;
    let bcMax = -BIG;
    for (let q = 0; q < 6; q++) if (t[q] === BC_DIRICHLET && v[q] > bcMax) bcMax = v[q];
    return packParams([
      ['f', bcMax],
      ['u', ST.PSIMAX],
      ['f', migration],
    ]);
  }

  /**
   * φ on the collector face x0 (SWITCHES.md §4): rewrites the φ boundary uniform (ghosts,
   * assembly, face currents) and ψ_ref's Dirichlet part; the next potential solve uses it.
   */
  async setVoltage(volts: number): Promise<void> {
    this.ctx.check();
    if (!Number.isFinite(volts)) throw new Error(`WebGpuBackend.setVoltage: voltage must be finite (got ${volts})`);
    if (this.bc.phi.type[0] !== BC_DIRICHLET) throw new Error('WebGpuBackend.setVoltage: boundary.phi.x0 is not a dirichlet face');
    this.phiValues[0] = this.kc.f * volts;
    this.ctx.write(this.u.bcPhi, bcData(this.bc.phi.type, this.phiValues));
    this.ctx.write(this.u.shift, this.shiftParams());
    if (this.u.shiftA) this.ctx.write(this.u.shiftA, this.shiftParams(1));
  }

  private phaseParams(dt: number, step: number): ArrayBuffer {
    const k = this.kc;
    const w = k.omega * k.theta0;
    return packParams([
      ['f', dt],
      ['f', 1 / this.L.dx],
      ['f', k.mobKappa],
      ['f', k.mobW],
      ['f', k.Leta],
      ['f', 1 - k.alpha],
      ['f', k.alpha],
      ['f', k.noiseSigma * Math.sqrt(dt)],
      ['f', k.delta],
      ['f', k.omega],
      ['f', Math.cos(w)],
      ['f', Math.sin(w)],
      ['u', stepKey(k.seed, step)],
      ['u', k.omega],
      ['f', k.additive?.shielding ?? 0],
      ['u', 0],
    ]);
  }

  private submit(record: (pass: GPUComputePassEncoder) => void, after?: (enc: GPUCommandEncoder) => void): void {
    const enc = this.ctx.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    record(pass);
    pass.end();
    after?.(enc);
    this.ctx.device.queue.submit([enc.finish()]);
  }

  private async readStats(): Promise<Float32Array> {
    return new Float32Array(await this.ctx.readBuffer(this.statsRead, NSTAT * 4));
  }

  async init(f: Fields): Promise<void> {
    this.ctx.check();
    const N = this.L.N;
    for (const [name, a] of Object.entries(f)) {
      if (a.length !== N) throw new Error(`WebGPU backend init: field ${name} has ${a.length} values, the grid has ${N} cells`);
    }
    const xi32 = Float32Array.from(f.xi);
    this.ctx.write(this.xi, xi32);
    this.ctx.write(this.xiSolve, xi32);
    this.ctx.write(this.c, Float32Array.from(f.c));
    this.ctx.write(this.psi, Float32Array.from(f.psi));
    if (this.add && this.phaseProps) {
      if (!f.additive) throw new Error('WebGPU backend init: the scenario has an additive but the fields have no additive (ã) field');
      const a32 = Float32Array.from(f.additive);
      this.ctx.write(this.add, a32);
      const pp = Float32Array.from(this.propsData);
      for (let q = 0; q < N; q++) pp[4 * q + 2] = a32[q];
      this.ctx.write(this.phaseProps, pp);
    }
    const zero = new Float32Array(N);
    this.ctx.write(this.xidot, zero);
    this.ctx.write(this.dxi, zero);
    this.ctx.write(this.xiNew, xi32);
    this.ctx.write(this.stats, new Float32Array(NSTAT));
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

  async potential(tol: number, maxIter: number): Promise<PotentialReport> {
    const { ctx, k, red, L } = this;
    const N = L.N;
    const r = await this.pcg.solve('psi', tol, maxIter, (pass) => {
      ctx.run(pass, k.coefSigma, N);
      ctx.run(pass, k.asmPot, N);
    });
    this.submit(
      (pass) => {
        ctx.run(pass, k.flux, L.rows);
        red.f1.encode(pass);
        red.f0.encode(pass);
        red.src.encode(pass);
      },
      (enc) => {
        enc.copyBufferToBuffer(this.xi, 0, this.xiSolve, 0, N * 4);
        enc.copyBufferToBuffer(this.stats, 0, this.statsRead, 0, NSTAT * 4);
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
    const t = this.bc.phi.type;
    const lateralDirichlet = [2, 3, 4, 5].some((q) => t[q] === BC_DIRICHLET);
    if (t[0] === BC_DIRICHLET && !lateralDirichlet) return s[ST.F1] - s[ST.SRC];
    return s[ST.F0];
  }

  async phase(dt: number, step: number): Promise<SolveReport | null> {
    const { ctx, k, red, L } = this;
    ctx.check();
    ctx.write(this.u.phase, this.phaseParams(dt, step));
    this.submit((pass) => {
      ctx.run(pass, k.ghostXi, paddedCells(L));
      ctx.run(pass, k.phase, L.N);
      red.rate.encode(pass);
      red.stiff.encode(pass);
    });
    this.cacheFresh = false;
    return null;
  }

  async transport(dt: number, tol: number, maxIter: number): Promise<TransportReport> {
    const { ctx, k, red, L, kc } = this;
    const N = L.N;
    const vol = L.dims === 3 ? L.dx ** 3 : L.dx ** 2;
    ctx.check();
    ctx.write(
      this.u.sg,
      packParams([
        ['f', dt / (L.dx * L.dx)],
        ['f', kc.csRatio],
        ['f', kc.sink],
      ]),
    );
    ctx.write(
      this.u.lim,
      packParams([
        ['f', kc.csRatio],
        ['f', vol],
        ['f', 1 / dt],
        ['f', kc.sink],
      ]),
    );
    const r = await this.solveSpecies(k.coefD, k.shift, k.asmTr, tol, maxIter);
    this.submit(
      (pass) => {
        ctx.run(pass, k.influx, N);
        red.influx.encode(pass);
        ctx.run(pass, k.limit, N);
        red.lim.encode(pass);
        red.dxi.encode(pass);
        red.dep.encode(pass);
      },
      (enc) => enc.copyBufferToBuffer(this.stats, 0, this.statsRead, 0, NSTAT * 4),
    );
    const s = await this.readStats();
    this.setCache(s);
    const out: TransportReport = {
      iterations: r.iterations,
      residual: r.residual,
      converged: r.converged,
      limited: s[ST.LIM],
      influx: s[ST.INFLUX],
      deposited: s[ST.DEP] * vol,
    };
    if (!this.add) return out;
    // the additive after c̃ (its D uses the committed ξⁿ⁺¹), through the same system 'u'
    ctx.write(
      this.u.sgA,
      packParams([
        ['f', dt / (L.dx * L.dx)],
        ['f', kc.csRatio],
        ['f', 0],
      ]),
    );
    const ra = await this.solveSpecies(k.coefA, k.shiftA, k.asmA, tol, maxIter);
    this.submit(
      (pass) => {
        ctx.run(pass, k.influxA, N);
        red.aInflux.encode(pass);
        ctx.run(pass, k.packA, N);
      },
      (enc) => enc.copyBufferToBuffer(this.stats, 0, this.statsRead, 0, NSTAT * 4),
    );
    const sa = await this.readStats();
    return {
      ...out,
      additiveInflux: sa[ST.A_INFLUX],
      additiveIterations: ra.iterations,
      additiveResidual: ra.residual,
      additiveConverged: ra.converged,
    };
  }

  /**
   * One implicit SG solve of a transported species (c̃, or the additive ã) through system 'u':
   * its D(ξⁿ⁺¹), padded ψ, ψ_ref and the shift a = migration·(ψ − ψ_ref), the assembly
   * (operator, right-hand side, warm start), then MG-PCG.
   */
  private solveSpecies(coef: Kernel, shift: Kernel, assemble: Kernel, tol: number, maxIter: number) {
    const { ctx, k, red, L } = this;
    const N = L.N,
      P = paddedCells(L);
    return this.pcg.solve('u', tol, maxIter, (pass) => {
      ctx.run(pass, coef, N);
      ctx.run(pass, k.ghostPsi, P);
      red.psiMax.encode(pass);
      ctx.run(pass, shift, P);
      ctx.run(pass, assemble, N);
    });
  }

  private setCache(s: Float32Array): void {
    // the implicit (Scharfetter–Gummel) transport has no migration limit: rate 0, like the CPU
    this.cache = { maxRate: s[ST.RATE], stiffness: s[ST.STIFF], migrationRate: 0, dxiSinceSolve: s[ST.DXI] };
    this.cacheFresh = true;
  }

  async stepStats(): Promise<StepStats> {
    if (!this.cacheFresh) {
      this.submit(
        (pass) => this.red.dxi.encode(pass),
        (enc) => enc.copyBufferToBuffer(this.stats, 0, this.statsRead, 0, NSTAT * 4),
      );
      this.setCache(await this.readStats());
    }
    this.ctx.check();
    return { ...this.cache };
  }

  async reductions(): Promise<Reductions> {
    const { ctx, k, L } = this;
    ctx.check();
    this.submit(
      (pass) => {
        ctx.run(pass, k.fields, this.fieldGroups);
        ctx.run(pass, k.tip, L.rows);
        ctx.runGroups(pass, k.fieldsFinal, 1);
      },
      (enc) => enc.copyBufferToBuffer(this.fieldsOut, 0, this.fieldsRead, 0, NFIELDS * 4),
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
    };
    if (!this.add) return out;
    // the additive: Σã (host cells hold 0) and max ã; a non-finite ã makes the sum non-finite
    // and counts as one non-finite cell (the CPU counts the cells)
    this.submit(
      (pass) => {
        this.red.aSum.encode(pass);
        this.red.aMax.encode(pass);
      },
      (enc) => enc.copyBufferToBuffer(this.stats, 0, this.statsRead, 0, NSTAT * 4),
    );
    const sa = await this.readStats();
    if (!Number.isFinite(sa[ST.A_SUM])) nonFinite += 1;
    return { ...out, nonFinite, sumA: sa[ST.A_SUM], aMax: inf(sa[ST.A_MAX]) };
  }

  async read(): Promise<Fields & { xidot: Float64Array }> {
    const { ctx, L } = this;
    ctx.check();
    const N = L.N,
      bytes = 4 * N;
    const add = this.add;
    const nf = add ? 5 : 4;
    if (!this.readStage) this.readStage = ctx.readback(nf * bytes, 'read.stage');
    const st = this.readStage;
    this.submit(
      () => undefined,
      (enc) => {
        enc.copyBufferToBuffer(this.xi, 0, st, 0, bytes);
        enc.copyBufferToBuffer(this.c, 0, st, bytes, bytes);
        enc.copyBufferToBuffer(this.psi, 0, st, 2 * bytes, bytes);
        enc.copyBufferToBuffer(this.xidot, 0, st, 3 * bytes, bytes);
        if (add) enc.copyBufferToBuffer(add, 0, st, 4 * bytes, bytes);
      },
    );
    const all = new Float32Array(await ctx.readBuffer(st, nf * bytes));
    const part = (i: number) => Float64Array.from(all.subarray(i * N, (i + 1) * N));
    const f = { xi: part(0), c: part(1), psi: part(2), xidot: part(3) };
    return add ? { ...f, additive: part(4) } : f;
  }

  async dispose(): Promise<void> {
    this.ctx.dispose();
  }
}
