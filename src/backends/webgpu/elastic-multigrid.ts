/**
 * The mechanics stage's aggregation multigrid (one per displacement component, elasticity.ts;
 * main's hierarchy, kept host-driven for it; the stages' solves use mgpcg.ts) for a face-weight
 * operator on the GPU, the twin of
 * src/backends/cpu/multigrid.ts:
 * - hierarchy: 2×2(×2) aggregates, Galerkin PᵀAP with the coarse faces halved, coarsening while
 *   the level has more than 128 cells (the CPU's rule, so both have the same levels);
 * - smoother: damped Jacobi ω = 2/3, 2 sweeps before and 2 after each coarse correction;
 * - cycle: V (γ = 1) or W (γ = 2; each coarse level visited twice, the CPU's order S²(R C P S²)^γ);
 * - coarsest level (≤ 128 cells): a direct solve like the CPU's dense Cholesky. Each rebuild
 *   reads the coarsest operator back (≤ 2 KiB), factors it in f64 on the host (coarse.ts) and
 *   uploads G = L⁻¹; the cycle applies A⁻¹ = GᵀG in one workgroup with one barrier
 *   (shaders/mech/mg_coarse_apply.wgsl). A factorisation in a single workgroup needs ~3N barriers and was by
 *   far the slowest kernel on CPU Vulkan (SwiftShader), and f64 keeps the factor exact for the
 *   f32 operator at any contrast.
 * Per visit of a level: pre-smoothing (the two sweeps from zero in one pass), residual +
 * restriction, prolongation fused with the first post-sweep, the second post-sweep.
 */
import { coarseInverseFactor } from './coarse.ts';
import { gridData, kernel, type GpuContext, type Kernel } from './context.ts';

/** The CPU's coarsening stop (multigrid.ts, COARSEST_CELLS) and the coarse solve's capacity. */
export const COARSEST_CELLS = 128;

export interface MgShape {
  dims: 2 | 3;
  n: [number, number, number];
  periodic: [boolean, boolean, boolean];
}

interface Level {
  n: [number, number, number];
  N: number;
  grid: GPUBuffer;
  op: GPUBuffer;
  diag: GPUBuffer;
  /** b: right-hand side; xo: the level's correction (output); xs: smoother scratch. */
  b: GPUBuffer;
  xo: GPUBuffer;
  xs: GPUBuffer;
  k: { pre?: Kernel; restrict?: Kernel; post1?: Kernel; post2?: Kernel; diag?: Kernel; coarsen?: Kernel };
}

export class GpuMultigrid {
  readonly levels: Level[] = [];
  /** Seconds spent factoring the coarsest level on the host (cumulative). */
  hostFactorTime = 0;
  /** Coarse visits per level: 1 (V-cycle) or 2 (W-cycle). */
  readonly gamma: number;
  private mat: GPUBuffer;
  private coarseRead: GPUBuffer;
  private coarseApply: Kernel;

  /**
   * fine.op: the operator (vec4 per cell, assembled by the caller); fine.b: the right-hand side
   * of the cycle (read); fine.xo: its result z = M⁻¹ b (written).
   */
  constructor(
    private ctx: GpuContext,
    private shape: MgShape,
    fine: { op: GPUBuffer; b: GPUBuffer; xo: GPUBuffer },
    label: string,
    cycle: 'V' | 'W' = 'V',
  ) {
    this.gamma = cycle === 'W' ? 2 : 1;
    const { dims, periodic } = shape;
    let n = shape.n;
    for (;;) {
      const lN = n[0] * n[1] * n[2];
      const l = this.levels.length;
      const first = l === 0;
      this.levels.push({
        n,
        N: lN,
        grid: ctx.uniform(gridData(n, periodic, dims), `${label}.L${l}.grid`),
        op: first ? fine.op : ctx.storage(4 * lN, `${label}.L${l}.op`),
        diag: ctx.storage(lN, `${label}.L${l}.diag`),
        b: first ? fine.b : ctx.storage(lN, `${label}.L${l}.b`),
        xo: first ? fine.xo : ctx.storage(lN, `${label}.L${l}.xo`),
        xs: ctx.storage(lN, `${label}.L${l}.xs`),
        k: {},
      });
      const canCoarsen = n.slice(0, dims).some((v) => v > 1);
      if (lN <= COARSEST_CELLS || !canCoarsen) break;
      n = [Math.ceil(n[0] / 2), Math.ceil(n[1] / 2), dims === 3 ? Math.ceil(n[2] / 2) : 1];
    }
    const last = this.levels[this.levels.length - 1];
    if (last.N > COARSEST_CELLS) throw new Error(`WebGPU multigrid: coarsest level has ${last.N} cells (> ${COARSEST_CELLS})`);
    this.mat = ctx.storage(last.N * last.N, `${label}.coarseInvL`);
    this.coarseRead = ctx.readback(16 * last.N, `${label}.coarseOpRead`);
    for (let l = 0; l < this.levels.length - 1; l++) {
      const L = this.levels[l];
      const C = this.levels[l + 1];
      // pre-smoothing: the two sweeps from zero in one pass (→ xo); residual + restriction;
      // post-smoothing: prolongation fused with the first sweep (xo + P xc → xs), then xs → xo
      L.k.pre = kernel(ctx, 'mechMgSmooth', [L.grid, L.op, L.diag, L.b, L.xs, L.xo], { FIRST2: 1 });
      L.k.restrict = kernel(ctx, 'mechMgRestrict', [L.grid, C.grid, L.op, L.b, L.xo, C.b]);
      L.k.post1 = kernel(ctx, 'mechMgProlongSmooth', [L.grid, C.grid, L.op, L.diag, L.b, L.xo, C.xo, L.xs]);
      L.k.post2 = kernel(ctx, 'mechMgSmooth', [L.grid, L.op, L.diag, L.b, L.xs, L.xo]);
      L.k.diag = kernel(ctx, 'mechMgDiag', [L.grid, L.op, L.diag]);
      L.k.coarsen = kernel(ctx, 'mechMgCoarsen', [L.grid, C.grid, L.op, C.op]);
    }
    this.coarseApply = kernel(ctx, 'mechMgCoarseApply', [last.grid, this.mat, last.b, last.xo]);
  }

  /** Dispatches recorded by one cycle. */
  get dispatchesPerCycle(): number {
    const nl = this.levels.length,
      g = this.gamma;
    // level l is visited γ^l times: a pre-smoothing pass and γ × (restriction, two post passes)
    let n = g ** (nl - 1);
    for (let l = 0; l < nl - 1; l++) n += g ** l * (1 + 3 * g);
    return n;
  }

  /** Set-up for the operator in the fine op: coarse operators and diagonals. */
  encodeBuild(pass: GPUComputePassEncoder): void {
    const { ctx, levels } = this;
    for (let l = 0; l < levels.length - 1; l++) {
      const L = levels[l];
      ctx.run(pass, L.k.diag!, L.N);
      ctx.run(pass, L.k.coarsen!, levels[l + 1].N);
    }
  }

  /** Copies the coarsest operator out for factorCoarsest() (after the pass with encodeBuild). */
  encodeCoarseCopy(enc: GPUCommandEncoder): void {
    const last = this.levels[this.levels.length - 1];
    this.ctx.copy(enc, last.op, 0, this.coarseRead, 0, 16 * last.N);
  }

  /** Factors the coarsest operator (copied by encodeCoarseCopy, submitted) on the host and uploads G = L⁻¹. */
  async factorCoarsest(): Promise<void> {
    const last = this.levels[this.levels.length - 1];
    const op = new Float32Array(await this.ctx.readBuffer(this.coarseRead, 16 * last.N));
    const t0 = performance.now();
    const G = coarseInverseFactor(op, last.n, this.shape.periodic, this.shape.dims);
    this.hostFactorTime += (performance.now() - t0) / 1000;
    this.ctx.write(this.mat, G);
  }

  /** xo = M⁻¹ b: one cycle from a zero initial guess (multigrid.ts, vcycle()). */
  encodeCycle(pass: GPUComputePassEncoder): void {
    this.visit(pass, 0);
  }

  private visit(pass: GPUComputePassEncoder, l: number): void {
    const { ctx, levels } = this;
    if (l === levels.length - 1) {
      ctx.runGroups(pass, this.coarseApply, 1);
      return;
    }
    const L = levels[l];
    ctx.run(pass, L.k.pre!, L.N);
    for (let g = 0; g < this.gamma; g++) {
      ctx.run(pass, L.k.restrict!, levels[l + 1].N);
      this.visit(pass, l + 1);
      ctx.run(pass, L.k.post1!, L.N);
      ctx.run(pass, L.k.post2!, L.N);
    }
  }
}
