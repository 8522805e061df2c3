/**
 * Conjugate gradients preconditioned by multigrid in WebGL passes: the twin of
 * src/backends/webgpu/elastic-cg.ts (and of the CPU's pcg.ts). GlCg is the CG loop for an operator
 * given by hooks (apply, initial residual, preconditioner and its set-up) on scalar fields
 * (channel r) or on vector fields (all four channels: the displacement of the mechanics stage,
 * elasticity.ts); GlPcg is the scalar face-weight system of the potential, the transport and the
 * IMEX phase sweeps with one aggregation-multigrid V-cycle (multigrid.ts), or the IMEX phase's two
 * Jacobi sweeps (the cycle's fine pre-smoothing alone).
 * - CG scalars stay on the GPU: dot products are pyramid reductions into a 1×1 texture, and the
 *   scalar step (α, β, the convergence test, a status word that freezes the iterate once done;
 *   shaders/glsl/cg_scalar.frag) runs as a pass on a 4×1 texture, so the host records a batch of
 *   iterations and reads the 16 scalars back only after it (the first batch as long as the
 *   previous solve of the same system, then every `checkEvery` iterations).
 * Vectors that a pass both reads and writes (x, r, p, the scalars) are ping-pong pairs: WebGL
 * forbids sampling the texture being rendered to.
 */
import type { SolveReport } from '../backend.ts';
import type { GlContext, Target, Uniforms } from './context.ts';
import { gridUniforms, type GridShape } from './grid.ts';
import { smoothingOmega } from '../smoother.ts';
import { GlMultigrid } from './multigrid.ts';
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

export { COARSEST_CELLS } from './multigrid.ts';
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

/** The operator side of a GlCg solve: everything but the CG vectors and scalars. */
export interface GlCgOperator {
  /** Preconditioner set-up for the operator just assembled (coarse operators, diagonals). */
  build(): void;
  /** Host-side set-up before the first preconditioning (coarse factors). */
  prepare(): void;
  /** q = A p. */
  apply(p: Target, q: Target): void;
  /** out = b − A x (the initial residual). */
  residual(x: Target, b: Target, out: Target): void;
  /** z = M⁻¹ r (into the target it returns). */
  precondition(r: Target): Target;
}

/** The CG loop in WebGL passes for scalar (channel r) or vector (RGBA) fields of grid `fine`. */
export class GlCg {
  /** The coarsest factor belongs to the operator of the last solve (a sameOperator solve keeps it). */
  private factorFresh = false;
  /** The right-hand side (the stages assemble into it). */
  readonly rhs: Target;
  checkEvery = 4;
  op!: GlCgOperator;
  private r: PingPong;
  private p: PingPong;
  private q: Target;
  private scal: PingPong;
  private red1: Target;
  private lastIters = new Map<PingPong, number>();

  constructor(
    private ctx: GlContext,
    private fine: GridShape,
    private reducer: Reducer,
    private vector = false,
  ) {
    const T = () => ctx.target(fine.w, fine.h);
    this.rhs = T();
    this.r = new PingPong(T(), T());
    this.p = new PingPong(T(), T());
    this.q = T();
    this.scal = new PingPong(ctx.target(4, 1), ctx.target(4, 1));
    this.red1 = ctx.target(1, 1);
  }

  private u(extra: Uniforms): Uniforms {
    return { ...gridUniforms(this.fine), ...extra };
  }

  private dot(a: Target, b: Target, op: Op): void {
    this.reducer.run(a, { max: false, term: this.vector ? Term.DotVec : Term.Dot, b, grid: this.fine }, this.red1);
    this.ctx.run('cgScalar', this.scal.next, { uS: this.scal.cur, uRed: this.red1, uOpCode: op });
    this.scal.swap();
  }

  private vec(name: 'cgX' | 'cgR' | 'cgP' | 'cgCopy', pp: PingPong, a: Target, b: Target): void {
    const prog = this.vector ? (`${name}Vec` as const) : name;
    this.ctx.run(prog, pp.next, this.u({ uS: this.scal.cur, uA: a, uB: b }));
    pp.swap();
  }

  private readScalars(): Float32Array {
    return this.ctx.readTarget(this.scal.cur);
  }

  private iteration(x: PingPong): void {
    const { p, r, q } = this;
    this.op.apply(p.cur, q);
    this.dot(p.cur, q, Op.Alpha);
    this.vec('cgX', x, x.cur, p.cur);
    this.vec('cgR', r, r.cur, q);
    this.dot(r.cur, r.cur, Op.Check);
    const z = this.op.precondition(r.cur);
    this.dot(r.cur, z, Op.Beta);
    this.vec('cgP', p, p.cur, z);
  }

  /**
   * Solves A x = b (relative tolerance on ‖r‖/‖b‖, like the CPU) for the system whose solution
   * (and warm start) is x; `pre` assembles the operator, rhs and the warm start first.
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
    if (!same) this.op.build();
    this.op.residual(x.cur, this.rhs, this.r.next);
    this.r.swap();
    this.dot(this.rhs, this.rhs, Op.SetBB);
    this.dot(this.r.cur, this.r.cur, Op.Init);
    let s = this.readScalars();
    if (s[S.STATUS] !== 0) {
      this.lastIters.set(x, 1);
      return { iterations: 0, residual: s[S.RESID], converged: true };
    }
    if (!this.factorFresh) {
      this.op.prepare();
      this.factorFresh = true;
    }
    const z = this.op.precondition(this.r.cur);
    this.vec('cgCopy', this.p, z, z);
    this.dot(this.r.cur, z, Op.Rz0);
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

/** A GlPcg solve's preconditioner: one V-cycle, or the fine level's two Jacobi sweeps (GlMultigrid.jacobi). */
export type GlPreconditioner = 'multigrid' | 'jacobi';

/**
 * A scalar face-weight system (potential, transport, the IMEX phase sweeps) preconditioned by one
 * aggregation-multigrid V-cycle, or, per solve, by the fine level's two damped Jacobi sweeps alone
 * (the IMEX phase's "jacobi", Coefficients.imex.precond: no coarse operators, no coarsest factor).
 */
export class GlPcg {
  /** The fine operator and right-hand side: the stages assemble into them. */
  readonly op: Target;
  readonly rhs: Target;
  readonly mg: GlMultigrid;
  private cg: GlCg;
  private precond: GlPreconditioner = 'multigrid';
  /** The preconditioner the set-up in place was built for (null: none yet). */
  private builtFor: GlPreconditioner | null = null;

  constructor(ctx: GlContext, fine: GridShape, reducer: Reducer) {
    this.mg = new GlMultigrid(ctx, fine, 'V', smoothingOmega(fine.dims));
    this.cg = new GlCg(ctx, fine, reducer);
    this.op = this.mg.op;
    this.rhs = this.cg.rhs;
    const u = (extra: Uniforms) => ({ ...gridUniforms(fine), ...extra });
    const jacobi = () => this.precond === 'jacobi';
    this.cg.op = {
      build: () => {
        if (jacobi()) this.mg.buildFine();
        else this.mg.build();
        this.builtFor = this.precond;
      },
      prepare: () => {
        if (!jacobi()) this.mg.factorCoarsest();
      },
      apply: (p, q) => ctx.run('applyA', q, u({ uOp: this.op, uB: this.rhs, uX: p })),
      residual: (x, b, out) => ctx.run('residual', out, u({ uOp: this.op, uB: b, uX: x })),
      precondition: (r) => {
        if (jacobi()) this.mg.jacobi(r);
        else this.mg.cycle(r);
        return this.mg.z;
      },
    };
  }

  get checkEvery(): number {
    return this.cg.checkEvery;
  }
  set checkEvery(v: number) {
    this.cg.checkEvery = v;
  }

  /**
   * Solves A x = b (relative tolerance on ‖r‖/‖b‖, like the CPU) for the system whose solution
   * (and warm start) is x; `pre` assembles op, rhs and the warm start first. `precond` (default
   * 'multigrid'): the preconditioner of this solve; `sameOperator` keeps the set-up of the
   * previous solve, unless that one was built for the other preconditioner.
   */
  solve(
    x: PingPong,
    tol: number,
    maxIter: number,
    pre: () => void,
    opts: { sameOperator?: boolean; precond?: GlPreconditioner } = {},
  ): SolveReport {
    this.precond = opts.precond ?? 'multigrid';
    const same = opts.sameOperator === true && this.builtFor === this.precond;
    return this.cg.solve(x, tol, maxIter, pre, { sameOperator: same });
  }
}
