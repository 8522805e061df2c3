/**
 * Conjugate gradients preconditioned by one aggregation-multigrid V-cycle, on the GPU, without a
 * read-back inside a solve; the twin of src/backends/cpu/pcg.ts + multigrid.ts:
 * - hierarchy: 2×2(×2) aggregates, Galerkin PᵀAP with the coarse faces halved, coarsening while
 *   the level has more than 128 cells (the CPU's rule, so both have the same levels);
 * - smoother: damped Jacobi (ω = smoothingOmega, src/backends/smoother.ts: 2/3 in 2D, 6/7 in 3D;
 *   the shaders' override OMEGA), 2 sweeps before and 2 after (symmetric V-cycle), the diagonal
 *   formed from the operator where a sweep needs it (no diagonal buffer, no pass);
 * - coarsest level (≤ 128 cells): a direct solve x = Gᵀ(G b) with G = L⁻¹. On a grid with a tail
 *   (more than 128 cells) it is factored on the device at every set-up, in the tail's one
 *   workgroup (mg_tail_coarsen.wgsl: f32 Cholesky, then G; a factor kept across solves was
 *   tried and tripled the iterations, the coarse operator moves with the interface); on a grid
 *   of at most 128 cells (no tail) the host factors it in f64 (coarse.ts) from a snapshot, once
 *   per solve (solveSync; such grids have no device loop);
 * - the levels of at most TAIL_CELLS cells run in one workgroup, in one dispatch per V-cycle
 *   (mg_tail.wgsl) and one per set-up (mg_tail_coarsen.wgsl);
 * - the dot products are finished redundantly in every workgroup of the kernel that needs them
 *   (one partial per workgroup of the producer, common/group_sum.wgsl): p·Ap in the update
 *   (common/cg_step.wgsl), r·z and r·r in cg_matvec; they are fused into the matrix-vector
 *   product (cg_matvec), the vector updates and the last smoothing sweep (mg_post.wgsl, DOT);
 * - one pass per level and direction: its pre-smoothing is formed inside the restriction from it
 *   (mg_restrict.wgsl), the prolongation and both post-smoothing sweeps are one pass
 *   (mg_post.wgsl; on the fine level with r·z, DOT); in a CG iteration the fine level's
 *   restriction also does the vector updates (mg_restrict.wgsl CGUPD: x += αp, r_i, r·r; r_i
 *   formed on the fly where the pre-smoothing reads it), one dispatch where cg_update and the
 *   restriction were two; the on-the-fly forms repeat the separate passes' expressions, so the
 *   numbers are theirs. In the post-smoothing pass each cell forms its neighbours' first sweeps
 *   again (5 in 2D, 7 in 3D), in a restriction the neighbours' pre-smoothing (and with CGUPD
 *   their r_i): cache reads and arithmetic, where the passes they replace on the fine level cost
 *   a launch and a round trip of a level-sized vector through memory (expected the cheaper on a
 *   bandwidth-bound GPU, not measured on one here; on SwiftShader, a CPU, the arithmetic costs
 *   ~1.5–1.8× the time);
 * A solve is recorded with a budget of iterations (the host's choice; the device loop takes the
 * previous solves' counts plus a margin). Its status on the device (common/cg_state.wgsl) freezes
 * everything once it has converged, broken down or hit maxIter, so the result does not depend on
 * the budget or on where the command buffers are cut; a solve still running when the recorded
 * iterations end reports "exhausted" and the host retries it with a larger budget.
 * Dispatches per iteration: 2T + 2 with T the levels outside the tail (T ≥ 1), e.g. 10 at 800²
 * (levels 800², 400², 200², 100²; tail 50² … 7²): cg_matvec, the fine restriction with the
 * update, per coarser level a restriction, the tail, per level a post-smoothing pass; plus T + 1
 * for the set-up and 2T + 3 for the start of a solve (cg_init, cg_start, a V-cycle whose fine
 * restriction is restrictPre0), and 1 for its report. A grid without a tail: 3 (cg_matvec,
 * cg_update, mg_direct).
 * A slot added with `precond: 'jacobi'` (the IMEX phase solves' "jacobi", the CPU's
 * MultigridOptions.jacobiOnly) is preconditioned by the fine level's pre-smoothing alone, the two
 * damped Jacobi sweeps from zero, formed by cg_update (JACOBI, with the r·z partials; the
 * expressions of mg_restrict's pre-smoothing): 2 dispatches per iteration (cg_matvec, cg_update)
 * on any grid, no set-up, 3 for the start (cg_init, cg_start, cg_update START: z₀ and r₀·z₀) and
 * 1 for the report. Such a slot may take its operator in the uniform-weight form (`op: 'uniform'`,
 * OpForm: d per cell and one face weight, 4 bytes per cell where the general form reads 16; its
 * fine kernels are the *U modules, counted under the plain names), the IMEX phase operator's.
 * The level buffers are shared by every solve slot (the stages solve one system at a time); each
 * slot has its own solution vector, status, parameters and coarse factor.
 */
import type { SolveReport } from '../backend.ts';
import { smoothingOmega } from '../smoother.ts';
import { coarseInverseFactor } from './coarse.ts';
import { gridData, kernel, type Binding, type BufferRange, type Constants, type GpuContext, type Kernel } from './context.ts';
import { Recorder } from './recorder.ts';
import { packUniform } from './uniforms.ts';

/** The CPU's coarsening stop (multigrid.ts, COARSEST_CELLS) and the direct solve's capacity. */
export const COARSEST_CELLS = 128;
/** Most solve slots (the device loop's ring record has room for this many reports, common/loop.wgsl). */
export const MAX_SLOTS = 16;
/** Levels of at most this many cells run together in one workgroup (mg_tail.wgsl). */
export const TAIL_CELLS = 4096;

/** Words of a solve's status buffer (shaders/common/cg_state.wgsl). */
export const CG = {
  CNT_B: 1,
  STAT: 2,
  DONE: 4,
  R_ITERS: 12,
  R_RESID: 13,
  R_CODE: 14,
  R_SOLVED: 15,
  FACT: 16,
  // (the status buffer's size: it must hold every word the kernels touch, CG_FACT included, or
  // their accesses fall outside it and robust access clamps them onto other words)
  WORDS: 20,
} as const;
/** Report outcomes (cg_state.wgsl, OUT_*). */
export enum Outcome {
  Skipped = 0,
  Converged = 1,
  Breakdown = 2,
  Limit = 3,
  Exhausted = 4,
}
const ST_CONVERGED = 1;
const P_SECTIONS = 7;

/** A solve slot's preconditioner: one V-cycle, or its fine level's two pre-smoothing sweeps alone. */
export type Preconditioner = 'multigrid' | 'jacobi';

/**
 * How a slot's operator is stored in `op`: 'faces', (d, w+x, w+y, w+z) per cell
 * (common/op_faces.wgsl), or 'uniform', d per cell (−1 for a host cell) and one face weight W at
 * op[N], a face weighing W between two non-host cells and 0 elsewhere (common/op_uniform.wgsl:
 * the IMEX phase operator; 4 bytes per cell read where 'faces' reads 16, the same numbers).
 */
export type OpForm = 'faces' | 'uniform';

/** Options of a solve slot (MgPcg.addSlot). */
export interface SlotOptions {
  /** Default 'multigrid'. */
  precond?: Preconditioner;
  /** Default 'faces'; 'uniform' needs the 'jacobi' preconditioner (the V-cycle coarsens the general form). */
  op?: OpForm;
}

export interface PcgShape {
  dims: 2 | 3;
  n: [number, number, number];
  periodic: [boolean, boolean, boolean];
}

interface Level {
  n: [number, number, number];
  N: number;
  grid: GPUBuffer;
  op: GPUBuffer;
  /**
   * b: right-hand side; x: the pre-smoothed correction; s: the post-smoothed one, the level's
   * result (level 0: r2, s0, z).
   */
  b: GPUBuffer;
  x: GPUBuffer;
  s: GPUBuffer;
}

/** A solve kind (potential, a transported species, a stage's system): its own state and kernels. */
interface Slot {
  name: string;
  /** Its place in the reports (and the loop's ring records). */
  index: number;
  x: GPUBuffer;
  params: GPUBuffer;
  status: GPUBuffer;
  statusRead: GPUBuffer;
  factor: GPUBuffer;
  snapshot: GPUBuffer;
  snapshotRead: GPUBuffer;
  /** The factor in the buffer came from a snapshot (false: none yet), and its host copy. */
  factored: boolean;
  G: Float32Array | null;
  tol: number;
  maxIter: number;
  gate: number;
  /** Preconditioned by the two Jacobi sweeps alone (no multigrid kernels, no set-up). */
  jacobi: boolean;
  k: {
    init: Kernel;
    start: Kernel;
    report: Kernel;
    /** The report of a further solve in the same step (ACC: adds to the first one's, encodeResolve). */
    reportAcc: Kernel | null;
    matvec: Kernel;
    /**
     * The CG update: with a multigrid tail fused into the fine restriction (mg_restrict CGUPD,
     * counted as "mgRestrict.cg"), else cg_update (a jacobi slot's with its sweeps, JACOBI).
     */
    update: Kernel;
    /** A jacobi slot's first direction (cg_update START: z₀ and r₀·z₀). */
    jacobiStart: Kernel | null;
    coarsen: Kernel[];
    tailCoarsen: Kernel | null;
    /** The fine level's restriction with its pre-smoothing in a solve's first direction (counted as "mgRestrict.start"). */
    restrictPre0: Kernel | null;
    /** Per level l ≥ 1 outside the tail (restrict[l − 1]): its restriction with its pre-smoothing. */
    restrict: Kernel[];
    post: Kernel[];
    /** The fine level's prolongation and post-smoothing with r·z: z = M⁻¹ r. */
    postFine: Kernel | null;
    tail: Kernel | null;
    direct: Kernel | null;
  };
  /** Iterations of its last solves (newest last), for the next budget. */
  history: number[];
}

/** Cells per workgroup of the fine-level kernels that write partials: about 4·√N, a power of two. */
export function blockCells(N: number, wg: number): number {
  let b = wg;
  const want = Math.min(65536, Math.max(256, 4 * Math.sqrt(N)));
  while (b < want) b *= 2;
  return b;
}

/**
 * The multigrid levels of a grid (the CPU's rule: coarsen while > 128 cells and some axis > 1)
 * and T, how many of them run outside the one-workgroup tail (all of them on a grid of one level).
 */
export function mgLevels(shape: PcgShape): { shapes: [number, number, number][]; T: number } {
  const { dims } = shape;
  const cells = (s: [number, number, number]) => s[0] * s[1] * s[2];
  const shapes: [number, number, number][] = [];
  let n = shape.n;
  for (;;) {
    shapes.push(n);
    if (cells(n) <= COARSEST_CELLS || !n.slice(0, dims).some((v) => v > 1)) break;
    n = [Math.ceil(n[0] / 2), Math.ceil(n[1] / 2), dims === 3 ? Math.ceil(n[2] / 2) : 1];
  }
  const last = shapes[shapes.length - 1];
  if (cells(last) > COARSEST_CELLS) throw new Error(`WebGPU multigrid: coarsest level has ${cells(last)} cells (> ${COARSEST_CELLS})`);
  const T = shapes.length > 1 ? shapes.findIndex((s, l) => l >= 1 && cells(s) <= TAIL_CELLS) : shapes.length;
  return { shapes, T };
}

export class MgPcg {
  readonly levels: Level[] = [];
  /** The fine operator and right-hand side: assembled into by the stages. */
  readonly op: GPUBuffer;
  /** `op` as a uniform-weight operator's N + 1 floats (OpForm 'uniform'): what its assembler and its slot's kernels bind. */
  readonly opUniform: BufferRange;
  readonly rhs: GPUBuffer;
  /** Levels outside the tail (≥ 1; the fine level is one of them). */
  readonly T: number;
  /** Workgroups of the fine-level partial kernels (= partials per dot) and cells per invocation. */
  readonly groups: number;
  readonly cpt: number;
  /** Seconds spent factoring coarsest levels on the host (cumulative). */
  hostFactorTime = 0;
  /** The V-cycle's damped-Jacobi weight (the CPU's smoothingOmega; a jacobi slot keeps the shaders' 2/3). */
  readonly omega: number;
  private r2: GPUBuffer;
  private z: GPUBuffer;
  private s0: GPUBuffer;
  /** cg_matvec's outputs in one buffer: p (two parity halves), then q = A p at qOff (mg_restrict CGUPD binds both at once). */
  private pq: GPUBuffer;
  private qOff: number;
  private p2: BufferRange;
  private q: BufferRange;
  private parts: GPUBuffer;
  private tail: { op: GPUBuffer; b: GPUBuffer; x: GPUBuffer; s: GPUBuffer; params: GPUBuffer; first: number } | null = null;
  private slots = new Map<string, Slot>();
  /** Every solve's report (iterations, residual, outcome, solved: 4 words per slot, in the order added), for the device loop. */
  readonly reports: GPUBuffer;
  /** Placeholders bound where a kernel variant touches nothing (distinct: writable bindings must not alias). */
  private dummyW: GPUBuffer;
  private dummyW2: GPUBuffer;
  private dummyR: GPUBuffer;

  constructor(
    private ctx: GpuContext,
    private shape: PcgShape,
    /** The loop's gates (common/cg_state.wgsl, Gates): a uniform the stages and the loop write. */
    private gates: GPUBuffer,
    private label: string,
  ) {
    const { dims, periodic } = shape;
    const N = shape.n[0] * shape.n[1] * shape.n[2];
    this.omega = smoothingOmega(dims);
    this.op = ctx.storage(4 * N, `${label}.op0`);
    this.opUniform = { buffer: this.op, offset: 0, size: 4 * (N + 1) };
    this.rhs = ctx.storage(N, `${label}.rhs`);
    this.r2 = ctx.storage(2 * N, `${label}.r2`);
    this.z = ctx.storage(N, `${label}.z`);
    this.s0 = ctx.storage(N, `${label}.s0`);
    // (q's own binding starts at a multiple of 256 bytes, WebGPU's default minStorageBufferOffsetAlignment)
    this.qOff = Math.ceil((2 * N) / 64) * 64;
    this.pq = ctx.storage(this.qOff + N, `${label}.pq`);
    this.p2 = { buffer: this.pq, offset: 0, size: 8 * N };
    this.q = { buffer: this.pq, offset: 4 * this.qOff, size: 4 * N };
    this.dummyW = ctx.storage(4, `${label}.unusedW`);
    this.dummyW2 = ctx.storage(4, `${label}.unusedW2`);
    this.dummyR = ctx.storage(4, `${label}.unusedR`);
    this.reports = ctx.storage(4 * MAX_SLOTS, `${label}.reports`);
    const block = N <= COARSEST_CELLS ? Math.max(ctx.wg, COARSEST_CELLS) : blockCells(N, ctx.wg);
    this.cpt = Math.max(1, block / ctx.wg);
    this.groups = Math.ceil(N / (ctx.wg * this.cpt));
    this.parts = ctx.storage(P_SECTIONS * this.groups, `${label}.partials`);
    const { shapes, T } = mgLevels(shape);
    const cells = (s: [number, number, number]) => s[0] * s[1] * s[2];
    const last = shapes[shapes.length - 1];
    this.T = T;
    shapes.slice(0, T).forEach((s, l) => {
      const lN = cells(s);
      this.levels.push({
        n: s,
        N: lN,
        grid: ctx.uniform(gridData(s, periodic, dims), `${label}.L${l}.grid`),
        op: l === 0 ? this.op : ctx.storage(4 * lN, `${label}.L${l}.op`),
        b: l === 0 ? this.r2 : ctx.storage(lN, `${label}.L${l}.b`),
        x: l === 0 ? this.s0 : ctx.storage(lN, `${label}.L${l}.x`),
        s: l === 0 ? this.z : ctx.storage(lN, `${label}.L${l}.s`),
      });
    });
    if (T < shapes.length) {
      const tailShapes = shapes.slice(T);
      // the level table of common/tail.wgsl: count, then per level (nx, ny, nz, N) and (offset, 0, 0, 0)
      const lv = new Uint32Array(4 + 8 * tailShapes.length);
      let off = 0;
      lv[0] = tailShapes.length;
      tailShapes.forEach((s, l) => {
        lv.set([s[0], s[1], s[2], cells(s)], 4 + 8 * l);
        lv[4 + 8 * l + 4] = off;
        off += cells(s);
      });
      this.tail = {
        op: ctx.storage(4 * off, `${label}.tail.op`),
        b: ctx.storage(off, `${label}.tail.b`),
        x: ctx.storage(off, `${label}.tail.x`),
        s: ctx.storage(off, `${label}.tail.s`),
        params: this.tailTable(lv),
        first: T,
      };
      // the first tail level's grid, for the last per-level kernels (restriction into it, prolongation from it)
      const s = tailShapes[0];
      this.tailGrid = ctx.uniform(gridData(s, periodic, dims), `${label}.L${T}.grid`);
    }
    this.coarsest = last;
    if (this.tail) this.dense = ctx.storage(cells(last) * cells(last), `${label}.coarseDense`);
  }

  /** Scratch of the device's coarsest-level factorisation (mg_tail_coarsen.wgsl), shared by the solves. */
  private dense: GPUBuffer | null = null;

  private tailTable(lv: Uint32Array): GPUBuffer {
    const b = this.ctx.storage(lv.length, `${this.label}.tail.levels`);
    this.ctx.write(b, lv);
    return b;
  }

  private tailGrid: GPUBuffer | null = null;
  private coarsest: [number, number, number];

  /** Cells of the coarsest level (the size of a factor's side). */
  get coarseCells(): number {
    return this.coarsest[0] * this.coarsest[1] * this.coarsest[2];
  }

  /**
   * Registers a solve kind: `x` is its solution vector (solved in place, warm start = its
   * content); `gate` the loop gate that opens it (Gates.g index; the stage-by-stage path opens
   * all); `opts.precond` its preconditioner (default: the V-cycle); `opts.op` the form its
   * operator is assembled in (default 'faces').
   */
  addSlot(name: string, x: GPUBuffer, gate: number, opts: SlotOptions = {}): void {
    const jacobi = (opts.precond ?? 'multigrid') === 'jacobi';
    const uniform = (opts.op ?? 'faces') === 'uniform';
    if (uniform && !jacobi) throw new Error(`MgPcg: solve ${name}: a uniform-weight operator needs the 'jacobi' preconditioner`);
    // the fine-level kernels on the slot's operator form (the *U modules: the same kernels through
    // common/op_uniform.wgsl, counted under the same names)
    const op: Binding = uniform ? this.opUniform : this.op;
    const fine = <M extends 'cgInit' | 'cgMatvec' | 'cgUpdate'>(
      m: M,
      buffers: Binding[],
      c: Constants,
      ext: Record<number, number>,
      tally?: string,
    ): Kernel => {
      const k = kernel(ctx, uniform ? (`${m}U` as const) : m, buffers, c, ext);
      return { ...k, tally: tally ?? m };
    };
    // (a jacobi slot creates none of the multigrid's kernels: it reads only the fine level)
    const tail = jacobi ? null : this.tail;
    const { ctx, levels, label } = this;
    if (this.slots.has(name)) throw new Error(`MgPcg: solve ${name} added twice`);
    if (this.slots.size >= MAX_SLOTS) throw new Error(`MgPcg: at most ${MAX_SLOTS} solves`);
    const index = this.slots.size;
    // (a jacobi slot never reads its snapshot or factor: placeholders of one cell)
    const Nc = jacobi ? 1 : this.coarseCells;
    const params = ctx.uniform(this.paramsData(1e-9, 100, gate, index), `${label}.${name}.params`);
    const status = ctx.storage(CG.WORDS, `${label}.${name}.status`);
    const L0 = levels[0];
    const cpt = { CPT: this.cpt };
    // r2 and p2 hold two parity halves: a kernel touches one half per access (traffic count)
    const hb = 4 * L0.N;
    const common = { gates: this.gates, params };
    const coarsen: Kernel[] = [];
    const restrict: Kernel[] = [];
    const post: Kernel[] = [];
    // per level: the next level's grid, op, b and its result, the coarse correction (the tail's
    // first level past the last per-level one)
    const next = (l: number) =>
      l + 1 < levels.length
        ? { grid: levels[l + 1].grid, op: levels[l + 1].op, b: levels[l + 1].b, x: levels[l + 1].s }
        : { grid: this.tailGrid!, op: tail!.op, b: tail!.b, x: tail!.x };
    // the coarsest level's operator snapshot (host factor: grids without a tail) and its factor G = L⁻¹
    const snapshot = ctx.storage(4 * Nc, `${label}.${name}.snapshot`);
    const factor = ctx.storage(Nc * Nc, `${label}.${name}.factor`);
    // mg_restrict's bindings of the CG update (CGUPD), placeholders in its other variants
    const noUpdate = [params, this.dummyW, this.dummyR, this.dummyW2];
    if (tail) {
      for (let l = 0; l < levels.length; l++) {
        const Lv = levels[l];
        const C = next(l);
        coarsen.push(kernel(ctx, 'mgCoarsen', [Lv.grid, C.grid, Lv.op, C.op, common.gates, common.params]));
        // (the fine level's restriction is the iteration's update or restrictPre0, its post-smoothing postFine: below)
        if (l === 0) continue;
        restrict.push(kernel(ctx, 'mgRestrict', [Lv.grid, C.grid, Lv.op, Lv.b, Lv.x, C.b, status, ...noUpdate], { OMEGA: this.omega }));
        post.push(
          kernel(ctx, 'mgPost', [Lv.grid, C.grid, params, Lv.op, Lv.b, Lv.x, C.x, Lv.s, status, this.dummyW], {
            LEVEL0: 0,
            DOT: 0,
            OMEGA: this.omega,
          }),
        );
      }
    }
    const grid1 = tail ? next(0).grid : L0.grid;
    // cg_update's z: a jacobi slot's z = M⁻¹ r (JACOBI), unused in a V-cycle without a tail (mg_direct forms z)
    const upd = [L0.grid, params, op, x, this.r2, this.p2, this.q, jacobi ? this.z : this.dummyW, this.parts, status];
    // a V-cycle with a tail: the update fused into the fine restriction (r2 and p: one half read, one written / read; q read)
    const update = tail
      ? {
          ...kernel(
            ctx,
            'mgRestrict',
            [L0.grid, grid1, this.op, this.r2, L0.x, next(0).b, status, params, x, this.pq, this.parts],
            { LEVEL0: 1, CGUPD: 1, QOFF: this.qOff, OMEGA: this.omega },
            { 3: hb, 9: 2 * hb },
          ),
          tally: 'mgRestrict.cg',
        }
      : fine('cgUpdate', upd, jacobi ? { ...cpt, JACOBI: 1 } : cpt, { 4: hb, 5: hb });
    const slot: Slot = {
      name,
      index,
      x,
      params,
      status,
      statusRead: ctx.readback(CG.WORDS * 4, `${label}.${name}.statusRead`),
      factor,
      snapshot,
      snapshotRead: ctx.readback(16 * Nc, `${label}.${name}.snapshotRead`),
      // with a tail the device factors the coarsest level at every set-up (mg_tail_coarsen.wgsl);
      // a jacobi slot has no coarse level to factor
      factored: tail !== null || jacobi,
      G: null,
      tol: 1e-9,
      maxIter: 100,
      gate,
      jacobi,
      history: [],
      k: {
        init: fine('cgInit', [L0.grid, this.gates, params, op, this.rhs, x, this.r2, this.parts], cpt, { 6: hb }),
        start: kernel(ctx, 'cgStart', [this.gates, params, this.parts, status]),
        report: kernel(ctx, 'cgReport', [params, this.parts, status, this.reports], {}, { 3: 16 }),
        reportAcc: null,
        matvec: fine('cgMatvec', [L0.grid, params, op, this.z, this.p2, this.q, this.parts, status], cpt, { 4: hb }),
        update,
        // (counted apart from the iterations' cg_update: bench/device.ts models an iteration's bytes from them)
        jacobiStart: jacobi ? fine('cgUpdate', upd, { ...cpt, JACOBI: 1, START: 1 }, { 4: hb, 5: hb }, 'cgUpdate.start') : null,
        coarsen,
        tailCoarsen: tail
          ? kernel(ctx, 'mgTailCoarsen', [L0.grid, tail.params, this.gates, params, tail.op, this.dense!, factor, status])
          : null,
        restrictPre0: tail
          ? {
              ...kernel(
                ctx,
                'mgRestrict',
                [L0.grid, grid1, this.op, this.r2, L0.x, next(0).b, status, ...noUpdate],
                { LEVEL0: 1, OMEGA: this.omega },
                { 3: hb },
              ),
              tally: 'mgRestrict.start',
            }
          : null,
        restrict,
        post,
        postFine: tail
          ? kernel(
              ctx,
              'mgPost',
              [L0.grid, grid1, params, this.op, this.r2, L0.x, next(0).x, this.z, status, this.parts],
              { LEVEL0: 1, DOT: 1, OMEGA: this.omega, ...cpt },
              { 4: hb },
            )
          : null,
        tail: null,
        direct: null,
      },
    };
    if (tail) {
      slot.k.tail = kernel(ctx, 'mgTail', [L0.grid, tail.params, tail.op, tail.b, tail.x, tail.s, slot.factor, status], {
        OMEGA: this.omega,
      });
    } else if (!jacobi) {
      slot.k.direct = kernel(ctx, 'mgDirect', [L0.grid, params, this.r2, slot.factor, this.z, status, this.parts], {}, { 2: hb });
    }
    this.slots.set(name, slot);
  }

  private paramsData(tol: number, maxIter: number, gate: number, slot: number): ArrayBuffer {
    return packUniform('SolveParams', { n: this.levels[0].N, groups: this.groups, maxIter, gate, tol, slot });
  }

  /** The report slot of solve `name` (its place in the loop's ring records). */
  slotIndex(name: string): number {
    return this.slot(name).index;
  }

  /** The solves in report-slot order. */
  get slotNames(): string[] {
    return [...this.slots.keys()];
  }

  private slot(name: string): Slot {
    const s = this.slots.get(name);
    if (!s) throw new Error(`MgPcg: unknown solve ${name}`);
    return s;
  }

  /** The tolerance (relative, on ‖r‖/‖b‖) and iteration limit of solve `name`, and its gate. */
  configure(name: string, tol: number, maxIter: number, gate: number): void {
    const s = this.slot(name);
    if (s.tol === tol && s.maxIter === maxIter && s.gate === gate) return;
    s.tol = tol;
    s.maxIter = maxIter;
    s.gate = gate;
    this.ctx.write(s.params, this.paramsData(tol, maxIter, gate, s.index));
  }

  /** The status buffer of solve `name` (its report words: CG.R_*), for the loop's kernels to read. */
  statusBuffer(name: string): GPUBuffer {
    return this.slot(name).status;
  }

  /** Records the multigrid set-up of the operator in `op` (coarse operators, the coarsest's snapshot). */
  encodeBuild(rec: Recorder, name: string): void {
    const s = this.slot(name);
    if (s.jacobi) return;
    const { levels } = this;
    for (let l = 0; l < s.k.coarsen.length; l++) {
      const nextN = l + 1 < levels.length ? levels[l + 1].N : this.tailFirstCells;
      rec.run(s.k.coarsen[l], nextN);
    }
    if (s.k.tailCoarsen) rec.runGroups(s.k.tailCoarsen, 1);
    else rec.copy(this.op, 0, s.snapshot, 0, 16 * this.coarseCells);
  }

  private get tailFirstCells(): number {
    const t = this.tail;
    if (!t) return 0;
    const s = this.levelShape(t.first);
    return s[0] * s[1] * s[2];
  }

  private levelShape(l: number): [number, number, number] {
    let n = this.shape.n;
    for (let q = 0; q < l; q++) n = [Math.ceil(n[0] / 2), Math.ceil(n[1] / 2), this.shape.dims === 3 ? Math.ceil(n[2] / 2) : 1];
    return n;
  }

  /** Records r = b − A x, ‖b‖ and the first convergence test. */
  encodeStart(rec: Recorder, name: string): void {
    const s = this.slot(name);
    rec.runGroups(s.k.init, this.groups);
    rec.runGroups(s.k.start, 1);
  }

  /**
   * z = M⁻¹ r of the current iteration: per level one restriction (with the level's
   * pre-smoothing) down, the tail, one post-smoothing pass (with the prolongation) up. The fine
   * level's restriction is the iteration's update (mg_restrict CGUPD, recorded by
   * encodeIterations) unless `first`, a solve's first direction (restrictPre0).
   */
  private encodeVcycle(rec: Recorder, s: Slot, first: boolean): void {
    const { levels } = this;
    if (!this.tail) {
      rec.runGroups(s.k.direct!, 1);
      return;
    }
    const coarseCells = (l: number) => (l + 1 < levels.length ? levels[l + 1].N : this.tailFirstCells);
    if (first) rec.run(s.k.restrictPre0!, coarseCells(0));
    for (let l = 1; l < levels.length; l++) rec.run(s.k.restrict[l - 1], coarseCells(l));
    rec.runGroups(s.k.tail!, 1);
    for (let l = levels.length - 1; l >= 1; l--) rec.run(s.k.post[l - 1], levels[l].N);
    rec.runGroups(s.k.postFine!, this.groups);
  }

  /** Records the first direction: z = M⁻¹ r₀ and r·z. */
  encodeFirstDirection(rec: Recorder, name: string): void {
    const s = this.slot(name);
    if (s.k.jacobiStart) rec.runGroups(s.k.jacobiStart, this.groups);
    else this.encodeVcycle(rec, s, true);
  }

  /** Records `count` CG iterations (each a no-op once the solve has ended). */
  encodeIterations(rec: Recorder, name: string, count: number): void {
    const s = this.slot(name);
    for (let i = 0; i < count; i++) {
      rec.runGroups(s.k.matvec, this.groups);
      // (a V-cycle slot with a tail: the update, the fine pre-smoothing and restriction in one pass)
      rec.runGroups(s.k.update, this.groups);
      // (a jacobi slot's z and r·z come from cg_update)
      if (!s.jacobi) this.encodeVcycle(rec, s, false);
    }
  }

  /** Records the report (iterations, residual, outcome into the status words CG.R_*). */
  encodeReport(rec: Recorder, name: string): void {
    rec.runGroups(this.slot(name).k.report, 1);
  }

  /** Records a whole solve with a budget of `iterations` (the device loop). */
  encodeSolve(rec: Recorder, name: string, iterations: number): void {
    this.encodeBuild(rec, name);
    this.encodeStart(rec, name);
    this.encodeFirstDirection(rec, name);
    this.encodeIterations(rec, name, iterations);
    this.encodeReport(rec, name);
  }

  /**
   * Records a further solve of `name` in the same step with the operator of its last
   * encodeSolve (the set-up is kept: nothing wrote the operator since) and a new right-hand side,
   * with a budget of `iterations`; its report adds to that solve's in the loop's reports (the
   * IMEX phase stage's sweeps: iterations summed, the worse outcome; word 3 the most of one solve).
   */
  encodeResolve(rec: Recorder, name: string, iterations: number): void {
    const s = this.slot(name);
    this.encodeStart(rec, name);
    this.encodeFirstDirection(rec, name);
    this.encodeIterations(rec, name, iterations);
    s.k.reportAcc ??= kernel(this.ctx, 'cgReport', [s.params, this.parts, s.status, this.reports], { ACC: 1 }, { 3: 16 });
    rec.runGroups(s.k.reportAcc, 1);
  }

  private async readStatus(s: Slot, rec: Recorder): Promise<Uint32Array> {
    rec.copy(s.status, 0, s.statusRead, 0, CG.WORDS * 4);
    rec.submit();
    return new Uint32Array(await this.ctx.readBuffer(s.statusRead, CG.WORDS * 4));
  }

  /** Factors the snapshot of solve `name` (copied to its read-back buffer) on the host and uploads G. */
  private async factor(s: Slot): Promise<void> {
    const Nc = this.coarseCells;
    const op = new Float32Array(await this.ctx.readBuffer(s.snapshotRead, 16 * Nc));
    const t0 = performance.now();
    const G = coarseInverseFactor(op, this.coarsest, this.shape.periodic, this.shape.dims);
    this.hostFactorTime += (performance.now() - t0) / 1000;
    this.upload(s, G);
  }

  private upload(s: Slot, G: Float32Array): void {
    this.ctx.write(s.factor, G);
    s.G = G;
    s.factored = true;
  }

  /** Whether the hierarchy has a tail (more than one level): the device loop needs one. */
  get hasTail(): boolean {
    return this.tail !== null;
  }

  /** The iteration counts of the last stage-by-stage solves of `name` (newest last). */
  historyOf(name: string): number[] {
    return [...this.slot(name).history];
  }

  /** Whether solve `name` has a coarse factor (from a stage-by-stage solve or a refresh; a jacobi slot needs none: true). */
  hasFactor(name: string): boolean {
    return this.slot(name).factored;
  }

  /**
   * The stage-by-stage solve (read-backs between batches): `pre` records the assembly of op and
   * rhs; the coarsest operator is factored on the host for this solve; iterations are recorded
   * in batches (first the previous solve's count, then `checkEvery` at a time) until the report
   * says the solve has ended. Results and iteration counts do not depend on the batching.
   * `reuseSetup`: the operator is the one of this slot's last solve (nothing wrote it since), so
   * its multigrid set-up is kept (the IMEX phase stage's later sweeps, as encodeResolve).
   */
  async solveSync(
    name: string,
    tol: number,
    maxIter: number,
    pre: (rec: Recorder) => void,
    opts: { checkEvery: number; maxDispatches: number; reuseSetup?: boolean },
  ): Promise<SolveReport> {
    const s = this.slot(name);
    const { ctx } = this;
    this.configure(name, tol, maxIter, s.gate);
    const rec = new Recorder(ctx, opts.maxDispatches);
    pre(rec);
    if (!opts.reuseSetup) this.encodeBuild(rec, name);
    this.encodeStart(rec, name);
    // without a tail the host factors the coarsest level (the fine one) from its snapshot
    const host = !this.tail && !s.jacobi;
    if (host) rec.copy(s.snapshot, 0, s.snapshotRead, 0, 16 * this.coarseCells);
    let st = await this.readStatus(s, rec);
    if (st[CG.STAT] === ST_CONVERGED) {
      this.encodeReport(rec, name);
      st = await this.readStatus(s, rec);
      return this.report(s, st);
    }
    if (host) await this.factor(s);
    this.encodeFirstDirection(rec, name);
    let batch = Math.max(1, Math.min(maxIter, s.history.at(-1) ?? 2));
    for (;;) {
      this.encodeIterations(rec, name, batch);
      this.encodeReport(rec, name);
      const before = st[CG.R_ITERS];
      st = await this.readStatus(s, rec);
      if (st[CG.R_CODE] !== Outcome.Exhausted) break;
      // (defensive: a batch that did no iteration cannot be followed by one that does)
      if (st[CG.R_ITERS] === before) throw new Error(`MgPcg: solve ${name} made no progress at iteration ${before}`);
      batch = Math.max(1, Math.min(opts.checkEvery, maxIter - st[CG.R_ITERS]));
    }
    return this.report(s, st);
  }

  private report(s: Slot, st: Uint32Array): SolveReport {
    const iterations = st[CG.R_ITERS];
    s.history.push(Math.max(1, iterations));
    if (s.history.length > 8) s.history.shift();
    return { iterations, residual: new Float32Array(st.buffer, CG.R_RESID * 4, 1)[0], converged: st[CG.R_CODE] === Outcome.Converged };
  }
}
