/**
 * Aggregation multigrid for a face-weight operator in WebGL passes, the twin of
 * src/backends/webgpu/elastic-multigrid.ts (and of the CPU's multigrid.ts):
 * - hierarchy: 2×2(×2) aggregates, Galerkin PᵀAP with the coarse faces halved, coarsening while a
 *   level has more than 128 cells (the CPU's rule, so all backends have the same levels);
 * - smoother: damped Jacobi (ω: the constructor's, GlPcg passes smoothingOmega: 2/3 in 2D, 6/7
 *   in 3D; the elasticity's W-cycle and jacobi() 2/3), 2 sweeps before and 2 after each coarse correction;
 * - cycle: V (γ = 1) or W (γ = 2, each coarse level visited twice: S²(R C P S²)^γ, the CPU's order);
 * - coarsest level (≤ 128 cells): the operator is read back once per solve, factored in f64 on
 *   the host (src/backends/webgpu/coarse.ts, shared) and G = L⁻¹ uploaded; the cycle applies
 *   A⁻¹ = GᵀG in two passes;
 * - "jacobi" (the IMEX phase solves' cheap preconditioner, Coefficients.imex.precond): the fine
 *   level's pre-smoothing alone, the first pass of a cycle, with only the fine diagonal set up
 *   (buildFine, jacobi; the CPU's MultigridOptions.jacobiOnly).
 */
import { coarseInverseFactor } from '../webgpu/coarse.ts';
import type { GlContext, Target, Uniforms } from './context.ts';
import { fromAtlas, gridShape, gridUniforms, type GridShape } from './grid.ts';

export const COARSEST_CELLS = 128;

interface Level {
  g: GridShape;
  op: Target;
  diag: Target;
  /** Right-hand side (levels ≥ 1; level 0 reads the cycle's input), correction, smoother scratch. */
  b: Target;
  xo: Target;
  xs: Target;
}

export class GlMultigrid {
  readonly levels: Level[] = [];
  /** The fine operator (the caller assembles into it). */
  readonly op: Target;
  /** Coarse visits per level: 1 (V-cycle) or 2 (W-cycle). */
  readonly gamma: number;
  /** The cycle's damped-Jacobi weight (the smoothing programs' uOmega); jacobi() uses 2/3. */
  readonly omega: number;
  private G: Target;
  private coarseT: Target;

  constructor(
    private ctx: GlContext,
    fine: GridShape,
    cycle: 'V' | 'W' = 'V',
    omega = 2 / 3,
  ) {
    this.gamma = cycle === 'W' ? 2 : 1;
    this.omega = omega;
    let g = fine;
    for (;;) {
      this.levels.push({
        g,
        op: ctx.target(g.w, g.h),
        diag: ctx.target(g.w, g.h),
        b: ctx.target(g.w, g.h),
        xo: ctx.target(g.w, g.h),
        xs: ctx.target(g.w, g.h),
      });
      const canCoarsen = g.n.slice(0, g.dims).some((v) => v > 1);
      if (g.N <= COARSEST_CELLS || !canCoarsen) break;
      const n: [number, number, number] = [Math.ceil(g.n[0] / 2), Math.ceil(g.n[1] / 2), g.dims === 3 ? Math.ceil(g.n[2] / 2) : 1];
      g = gridShape(g.dims, n, g.periodic, ctx.maxTexture);
    }
    const last = this.levels[this.levels.length - 1];
    if (last.g.N > COARSEST_CELLS) throw new Error(`WebGL multigrid: coarsest level has ${last.g.N} cells (> ${COARSEST_CELLS})`);
    this.op = this.levels[0].op;
    this.G = ctx.target(last.g.N, last.g.N);
    this.coarseT = ctx.target(last.g.w, last.g.h);
  }

  /** The cycle's (or jacobi()'s) result z = M⁻¹ b0 (level 0's correction). */
  get z(): Target {
    return this.levels[0].xo;
  }

  private u(g: GridShape, extra: Uniforms): Uniforms {
    return { ...gridUniforms(g), ...extra };
  }

  /** Coarse operators and diagonals from the fine operator. */
  build(): void {
    const L = this.levels;
    for (let l = 0; l < L.length - 1; l++) {
      this.ctx.run('diag', L[l].diag, this.u(L[l].g, { uOp: L[l].op }));
      this.ctx.run('coarsen', L[l + 1].op, this.u(L[l].g, { uOp: L[l].op, uGridC: gridUniforms(L[l + 1].g).uGrid }));
    }
  }

  /** The fine diagonal alone: all that jacobi() needs (no coarse operators, no factor). */
  buildFine(): void {
    const L0 = this.levels[0];
    this.ctx.run('diag', L0.diag, this.u(L0.g, { uOp: L0.op }));
  }

  /** Reads the coarsest operator back, factors it on the host and uploads G = L⁻¹. */
  factorCoarsest(): void {
    const last = this.levels[this.levels.length - 1];
    const rgba = this.ctx.readTarget(last.op);
    const Nc = last.g.N;
    const op = new Float32Array(4 * Nc);
    for (let ch = 0; ch < 4; ch++) {
      const v = fromAtlas(last.g, rgba, ch);
      for (let c = 0; c < Nc; c++) op[4 * c + ch] = v[c];
    }
    const G = coarseInverseFactor(op, last.g.n, last.g.periodic, last.g.dims);
    const data = new Float32Array(4 * Nc * Nc);
    for (let i = 0; i < Nc * Nc; i++) data[4 * i] = G[i];
    this.ctx.upload(this.G, data);
  }

  /** z = M⁻¹ b0: one cycle from zero (b0: the fine right-hand side, channel r). */
  cycle(b0: Target): void {
    this.visit(0, b0);
  }

  /**
   * z = the fine level's pre-smoothing alone, two damped Jacobi sweeps from zero (x1 = ω b0/diag,
   * z = x1 + ω (b0 − A x1)/diag): symmetric, and positive definite while ω·λmax(D⁻¹A) < 2. Needs
   * buildFine() (or build() on a hierarchy of more than one level) for the operator in `op`.
   */
  jacobi(b0: Target): void {
    this.preSmooth(0, b0, 2 / 3);
  }

  /** Level l's two pre-smoothing sweeps from a zero guess into its correction xo (one pass). */
  private preSmooth(l: number, b: Target, omega: number): void {
    const L = this.levels[l];
    this.ctx.run('smoothFirst2', L.xo, this.u(L.g, { uOp: L.op, uB: b, uDiag: L.diag, uX: L.xs, uOmega: omega }));
  }

  private visit(l: number, b0: Target): void {
    const { ctx, levels } = this;
    const nl = levels.length;
    const L = levels[l];
    const b = l === 0 ? b0 : L.b;
    if (l === nl - 1) {
      const cu = this.u(L.g, { uG: this.G, uN: L.g.N });
      ctx.run('coarseLower', this.coarseT, { ...cu, uV: b });
      ctx.run('coarseUpper', L.xo, { ...cu, uV: this.coarseT });
      return;
    }
    const C = levels[l + 1];
    const cg = gridUniforms(C.g);
    this.preSmooth(l, b, this.omega);
    for (let k = 0; k < this.gamma; k++) {
      ctx.run('restrict', C.b, this.u(L.g, { uOp: L.op, uB: b, uX: L.xo, uGridC: cg.uGrid }));
      this.visit(l + 1, b0);
      ctx.run(
        'prolongSmooth',
        L.xs,
        this.u(L.g, { uOp: L.op, uB: b, uDiag: L.diag, uX: L.xo, uXc: C.xo, uGridC: cg.uGrid, uTexC: cg.uTex, uOmega: this.omega }),
      );
      ctx.run('smooth', L.xo, this.u(L.g, { uOp: L.op, uB: b, uDiag: L.diag, uX: L.xs, uOmega: this.omega }));
    }
  }
}
