/**
 * Conjugate gradients preconditioned by one aggregation-multigrid V-cycle, in WebGL passes: the
 * twin of src/backends/webgpu/pcg.ts (and of the CPU's pcg.ts + multigrid.ts):
 * - hierarchy: 2×2(×2) aggregates, Galerkin PᵀAP with the coarse faces halved, coarsening while a
 *   level has more than 128 cells (the CPU's rule, so all backends have the same levels);
 * - smoother: damped Jacobi ω = 2/3, 2 sweeps before and 2 after (symmetric V-cycle);
 * - coarsest level (≤ 128 cells): the operator is read back once per solve, factored in f64 on
 *   the host (src/backends/webgpu/coarse.ts, shared) and G = L⁻¹ uploaded; the V-cycle applies
 *   A⁻¹ = GᵀG in two passes;
 * - CG scalars stay on the GPU: dot products are pyramid reductions into a 1×1 texture, and the
 *   scalar step (α, β, the convergence test, a status word that freezes the iterate once done;
 *   shaders/glsl/cg_scalar.frag) runs as a pass on a 4×1 texture, so the host records a batch of
 *   iterations and reads the 16 scalars back only after it (the first batch as long as the
 *   previous solve of the same system, then every `checkEvery` iterations).
 * Vectors that a pass both reads and writes (x, r, p, the scalars) are ping-pong pairs: WebGL
 * forbids sampling the texture being rendered to.
 */
import type { SolveReport } from '../backend.ts';
import { coarseInverseFactor } from '../webgpu/coarse.ts';
import type { GlContext, Target, Uniforms } from './context.ts';
import { fromAtlas, gridShape, gridUniforms, type GridShape } from './grid.ts';
import { type Reducer, Term } from './reduce.ts';

/** Scalar slots (the 4×1 texture's 16 floats, cg_scalar.frag; the WebGPU numbering). */
export const S = {
  BB: 0,
  RR: 1,
  RZ: 2,
  PQ: 3,
  RZNEW: 4,
  ALPHA: 5,
  BETA: 6,
  STATUS: 7,
  ITER: 8,
  RESID: 9,
  BNORM: 10,
  TOL: 11,
  MAXITER: 12,
} as const;
enum Op {
  SetBB = 0,
  Init = 1,
  Alpha = 2,
  Check = 3,
  Beta = 4,
  Rz0 = 5,
}

export const COARSEST_CELLS = 128;

/** Two targets, one current. */
export class PingPong {
  private i = 0;
  constructor(
    readonly a: Target,
    readonly b: Target,
  ) {}
  get cur(): Target {
    return this.i === 0 ? this.a : this.b;
  }
  get next(): Target {
    return this.i === 0 ? this.b : this.a;
  }
  swap(): void {
    this.i ^= 1;
  }
}

interface Level {
  g: GridShape;
  op: Target;
  diag: Target;
  /** Right-hand side (levels ≥ 1; level 0 uses the CG residual), correction, smoother scratch. */
  b: Target;
  xo: Target;
  xs: Target;
}

export class GlPcg {
  readonly levels: Level[] = [];
  /** The coarsest factor belongs to the operator of the last solve (a sameOperator solve keeps it). */
  private factorFresh = false;
  /** The fine operator and right-hand side: the stages assemble into them. */
  readonly op: Target;
  readonly rhs: Target;
  checkEvery = 4;
  private r: PingPong;
  private p: PingPong;
  private q: Target;
  private scal: PingPong;
  private red1: Target;
  private G: Target;
  private coarseT: Target;
  private lastIters = new Map<PingPong, number>();
  private fine: GridShape;

  constructor(
    private ctx: GlContext,
    fine: GridShape,
    private reducer: Reducer,
  ) {
    this.fine = fine;
    const T = () => ctx.target(fine.w, fine.h);
    let g = fine;
    for (;;) {
      const first = this.levels.length === 0;
      this.levels.push({
        g,
        op: first ? T() : ctx.target(g.w, g.h),
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
    this.rhs = T();
    this.r = new PingPong(T(), T());
    this.p = new PingPong(T(), T());
    this.q = T();
    this.scal = new PingPong(ctx.target(4, 1), ctx.target(4, 1));
    this.red1 = ctx.target(1, 1);
    this.G = ctx.target(last.g.N, last.g.N);
    this.coarseT = ctx.target(last.g.w, last.g.h);
  }

  private get z(): Target {
    return this.levels[0].xo;
  }

  private u(g: GridShape, extra: Uniforms): Uniforms {
    return { ...gridUniforms(g), ...extra };
  }

  /** Coarse operators and diagonals from the fine operator. */
  private build(): void {
    const L = this.levels;
    for (let l = 0; l < L.length - 1; l++) {
      this.ctx.run('diag', L[l].diag, this.u(L[l].g, { uOp: L[l].op }));
      this.ctx.run('coarsen', L[l + 1].op, this.u(L[l].g, { uOp: L[l].op, uGridC: gridUniforms(L[l + 1].g).uGrid }));
    }
  }

  private factorCoarsest(): void {
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

  /** z = M⁻¹ b0 (one V-cycle from zero). */
  private vcycle(b0: Target): void {
    const { ctx, levels } = this;
    const nl = levels.length;
    const last = levels[nl - 1];
    for (let l = 0; l < nl - 1; l++) {
      const L = levels[l],
        C = levels[l + 1];
      const b = l === 0 ? b0 : L.b;
      ctx.run('smoothFirst2', L.xo, this.u(L.g, { uOp: L.op, uB: b, uDiag: L.diag, uX: L.xs }));
      ctx.run('restrict', C.b, this.u(L.g, { uOp: L.op, uB: b, uX: L.xo, uGridC: gridUniforms(C.g).uGrid }));
    }
    const cu = this.u(last.g, { uG: this.G, uN: last.g.N });
    ctx.run('coarseLower', this.coarseT, { ...cu, uV: nl === 1 ? b0 : last.b });
    ctx.run('coarseUpper', last.xo, { ...cu, uV: this.coarseT });
    for (let l = nl - 2; l >= 0; l--) {
      const L = levels[l],
        C = levels[l + 1];
      const b = l === 0 ? b0 : L.b;
      const cg = gridUniforms(C.g);
      ctx.run(
        'prolongSmooth',
        L.xs,
        this.u(L.g, { uOp: L.op, uB: b, uDiag: L.diag, uX: L.xo, uXc: C.xo, uGridC: cg.uGrid, uTexC: cg.uTex }),
      );
      ctx.run('smooth', L.xo, this.u(L.g, { uOp: L.op, uB: b, uDiag: L.diag, uX: L.xs }));
    }
  }

  private dot(a: Target, b: Target, op: Op): void {
    this.reducer.run(a, { max: false, term: Term.Dot, b, grid: this.fine }, this.red1);
    this.ctx.run('cgScalar', this.scal.next, { uS: this.scal.cur, uRed: this.red1, uOpCode: op });
    this.scal.swap();
  }

  private vec(name: 'cgX' | 'cgR' | 'cgP' | 'cgCopy', pp: PingPong, a: Target, b: Target): void {
    this.ctx.run(name, pp.next, this.u(this.fine, { uS: this.scal.cur, uA: a, uB: b }));
    pp.swap();
  }

  private readScalars(): Float32Array {
    const t = this.ctx.readTarget(this.scal.cur);
    return t;
  }

  private iteration(x: PingPong): void {
    const { ctx, p, r, q } = this;
    ctx.run('applyA', q, this.u(this.fine, { uOp: this.op, uB: this.rhs, uX: p.cur }));
    this.dot(p.cur, q, Op.Alpha);
    this.vec('cgX', x, x.cur, p.cur);
    this.vec('cgR', r, r.cur, q);
    this.dot(r.cur, r.cur, Op.Check);
    this.vcycle(r.cur);
    this.dot(r.cur, this.z, Op.Beta);
    this.vec('cgP', p, p.cur, this.z);
  }

  /**
   * Solves A x = b (relative tolerance on ‖r‖/‖b‖, like the CPU) for the system whose solution
   * (and warm start) is x; `pre` assembles op, rhs and the warm start first.
   */
  solve(x: PingPong, tol: number, maxIter: number, pre: () => void, opts: { sameOperator?: boolean } = {}): SolveReport {
    const { ctx } = this;
    // sameOperator: `pre` left the operator of the previous solve as it was (the IMEX phase
    // stage's later sweeps): its hierarchy stands, and so does its coarsest factor once made
    const same = opts.sameOperator === true;
    if (!same) this.factorFresh = false;
    const head = new Float32Array(16);
    head[S.TOL] = tol;
    head[S.MAXITER] = maxIter;
    ctx.upload(this.scal.cur, head);
    pre();
    if (!same) this.build();
    ctx.run('residual', this.r.next, this.u(this.fine, { uOp: this.op, uB: this.rhs, uX: x.cur }));
    this.r.swap();
    this.dot(this.rhs, this.rhs, Op.SetBB);
    this.dot(this.r.cur, this.r.cur, Op.Init);
    let s = this.readScalars();
    if (s[S.STATUS] !== 0) {
      this.lastIters.set(x, 1);
      return { iterations: 0, residual: s[S.RESID], converged: true };
    }
    if (!this.factorFresh) {
      this.factorCoarsest();
      this.factorFresh = true;
    }
    this.vcycle(this.r.cur);
    this.vec('cgCopy', this.p, this.z, this.z);
    this.dot(this.r.cur, this.z, Op.Rz0);
    let batch = Math.max(1, Math.min(maxIter, this.lastIters.get(x) ?? 2));
    for (;;) {
      for (let i = 0; i < batch; i++) this.iteration(x);
      s = this.readScalars();
      if (s[S.STATUS] !== 0 || s[S.ITER] >= maxIter) break;
      batch = Math.max(1, Math.min(this.checkEvery, maxIter - s[S.ITER]));
    }
    const iterations = s[S.ITER];
    this.lastIters.set(x, Math.max(1, iterations));
    return { iterations, residual: s[S.RESID], converged: s[S.STATUS] === 1 };
  }
}
