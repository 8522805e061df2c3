/**
 * Aggregation multigrid used as the preconditioner of CG (potential and implicit transport).
 *
 * Coarsening: 2×2(×2) aggregates with piecewise-constant prolongation P and restriction Pᵀ.
 * The Galerkin operator PᵀAP of a face-weight operator is again a face-weight operator: the
 * d terms of an aggregate add up, faces inside an aggregate vanish, and the faces between two
 * aggregates add up. It is exact for any coefficient contrast (no averaging rule to choose),
 * which is why the iteration count stays flat from σ_s/σ_l = 1e3 to 1e7 (test V5).
 * Smoother: damped Jacobi, the same number of sweeps before and after, so the V-cycle is a
 * symmetric positive-definite preconditioner (ω·λmax(D⁻¹A) ≤ 2ω < 2). Its weight is the
 * smoothing optimum of the 5/7-point stencil where it matters (smoothingOmega: 2/3 in 2D,
 * 6/7 in 3D, where 2/3 leaves the 3D stencil's high frequencies damped by 7/9 a sweep instead of
 * 5/7: docs/numerics-notes.md §3). Jacobi is order-independent, so
 * threaded and GPU versions give the same result as this one.
 * Coarsest level (≤ 128 cells or no longer coarsenable): dense Cholesky.
 *
 * Threading: every step is a row kernel (exec.ts). Coarsening and restriction run per coarse
 * row and visit the fine cells of each aggregate in the fixed order (k, j, i), so the sums do
 * not depend on the split. Jacobi sweeps ping-pong between two buffers (x ↔ t), so one kernel
 * does A·x and the update; the first sweep from the zero guess needs no A·x at all. The last
 * sweep on the finest level writes z directly and the row partials of r·z for CG.
 * The hierarchy (operators, vectors, Cholesky storage) is allocated once and rebuilt in place.
 */
import { choleskyInPlace, choleskySolve } from '../cholesky.ts';
import type { Exec, Task } from './exec.ts';
import { SerialExec } from './exec.ts';
import { smoothingOmega } from '../smoother.ts';
import { applyOp, diagonal, makeOp, type StencilOp } from './operator.ts';
import { sharedF64 } from './shared.ts';

export interface Level {
  op: StencilOp;
  N: number;
  rows: number;
  diag: Float64Array;
  /** Ping-pong iterates, right-hand side, and A·x scratch. */
  x: Float64Array;
  t: Float64Array;
  b: Float64Array;
  r: Float64Array;
}

const COARSEST_CELLS = 128;
const FACE_SCALE = 0.5;

// ---------------------------------------------------------------------------------------------
// Kernels (rows are rows of the level named in each comment).

/** Coarse rows: Galerkin coarsening of f into c (both face-weight operators). */
export function mgCoarsenK(a: { f: StencilOp; c: StencilOp }, _s: Float64Array, r0: number, r1: number): void {
  const { f, c } = a;
  const [nx, ny, nz] = f.n;
  const [cx, cy] = c.n;
  const three = f.dims === 3;
  const fd = f.d,
    fw0 = f.w[0],
    fw1 = f.w[1],
    fw2 = f.w[2];
  const cd = c.d,
    cw0 = c.w[0],
    cw1 = c.w[1],
    cw2 = c.w[2];
  // a single coarse cell on a periodic axis has no face to itself
  const keep0 = c.n[0] !== 1,
    keep1 = c.n[1] !== 1,
    keep2 = c.n[2] !== 1;
  for (let cr = r0; cr < r1; cr++) {
    const cj = cr % cy,
      ck = (cr / cy) | 0;
    const cb = cx * cr;
    for (let ci = 0; ci < cx; ci++) {
      cd[cb + ci] = 0;
      cw0[cb + ci] = 0;
      cw1[cb + ci] = 0;
      if (three) cw2[cb + ci] = 0;
    }
    const k1 = Math.min(2 * ck + 2, nz),
      j1 = Math.min(2 * cj + 2, ny);
    for (let k = 2 * ck; k < k1; k++) {
      const addZ = three && ((k + 1) % nz) >> 1 !== k >> 1;
      for (let j = 2 * cj; j < j1; j++) {
        const addY = ((j + 1) % ny) >> 1 !== j >> 1;
        const fb = nx * (j + ny * k);
        for (let i = 0; i < nx; i++) {
          const q = fb + i;
          const ca = cb + (i >> 1);
          cd[ca] += fd[q];
          // + face along each axis: keep it if it joins two different aggregates
          if (((i + 1) % nx) >> 1 !== i >> 1) cw0[ca] += fw0[q];
          if (addY) cw1[ca] += fw1[q];
          if (addZ) cw2[ca] += fw2[q];
        }
      }
    }
    // Piecewise-constant PᵀAP sums two (2D) or four (3D) fine faces per coarse face, which
    // makes the coarse Laplacian part twice too stiff for smooth errors (the mass part is
    // exact). Halving the coarse faces gives the rediscretised coarse operator; for the
    // potential (no mass) it is the usual over-correction by 2.
    for (let ci = 0; ci < cx; ci++) {
      const q = cb + ci;
      cw0[q] *= FACE_SCALE;
      cw1[q] *= FACE_SCALE;
      if (three) cw2[q] *= FACE_SCALE;
      if (!keep0) cw0[q] = 0;
      if (!keep1) cw1[q] = 0;
      if (three && !keep2) cw2[q] = 0;
    }
  }
}

/** Level rows: diag = full diagonal of op. */
export function mgDiagK(a: { op: StencilOp; diag: Float64Array }, _s: Float64Array, r0: number, r1: number): void {
  diagonal(a.op, a.diag, r0, r1);
}

/** Level rows: first Jacobi sweep from x = 0 (A·0 = 0): x = 0 + ω b / diag. */
export function mgJacobiZeroK(
  a: { nx: number; b: Float64Array; diag: Float64Array; x: Float64Array; omega: number },
  _s: Float64Array,
  r0: number,
  r1: number,
): void {
  const { b, diag, x, omega } = a;
  for (let i = a.nx * r0, e = a.nx * r1; i < e; i++) x[i] = 0 + (omega * b[i]) / diag[i];
}

interface JacobiArgs {
  op: StencilOp;
  b: Float64Array;
  diag: Float64Array;
  src: Float64Array;
  dst: Float64Array;
  r: Float64Array;
  omega: number;
}

function jacobiRows(a: JacobiArgs, r0: number, r1: number): void {
  const { b, diag, src, dst, r, omega } = a;
  applyOp(a.op, src, r, r0, r1);
  const nx = a.op.n[0];
  for (let i = nx * r0, e = nx * r1; i < e; i++) dst[i] = src[i] + (omega * (b[i] - r[i])) / diag[i];
}

/** Level rows: one damped Jacobi sweep dst = src + ω (b − A src) / diag. */
export function mgJacobiK(a: JacobiArgs, _s: Float64Array, r0: number, r1: number): void {
  jacobiRows(a, r0, r1);
}

/** Level rows: the last sweep on the finest level, plus the row partials of b·dst (= r·z). */
export function mgJacobiDotK(a: JacobiArgs & { part: Float64Array }, _s: Float64Array, r0: number, r1: number): void {
  jacobiRows(a, r0, r1);
  const { b, dst, part } = a;
  const nx = a.op.n[0];
  for (let r = r0; r < r1; r++) {
    let s = 0;
    for (let i = nx * r, e = i + nx; i < e; i++) s += b[i] * dst[i];
    part[r] = s;
  }
}

/** Coarse rows: residual of the fine rows under them, summed into the coarse right-hand side. */
export function mgRestrictK(
  a: { op: StencilOp; src: Float64Array; b: Float64Array; r: Float64Array; cb: Float64Array; cx: number; cy: number },
  _s: Float64Array,
  r0: number,
  r1: number,
): void {
  const { op, src, b, r, cb, cx, cy } = a;
  const [nx, ny, nz] = op.n;
  for (let cr = r0; cr < r1; cr++) {
    const cj = cr % cy,
      ck = (cr / cy) | 0;
    const base = cx * cr;
    for (let ci = 0; ci < cx; ci++) cb[base + ci] = 0;
    const k1 = Math.min(2 * ck + 2, nz),
      j1 = Math.min(2 * cj + 2, ny);
    for (let k = 2 * ck; k < k1; k++) {
      for (let j = 2 * cj; j < j1; j++) {
        const fr = j + ny * k;
        applyOp(op, src, r, fr, fr + 1);
        const fb = nx * fr;
        for (let i = 0; i < nx; i++) cb[base + (i >> 1)] += b[fb + i] - r[fb + i];
      }
    }
  }
}

/** Fine rows: dst += scale · (coarse value of the aggregate). */
export function mgProlongK(
  a: { n: [number, number, number]; cx: number; cy: number; csrc: Float64Array; dst: Float64Array; scale: number },
  _s: Float64Array,
  r0: number,
  r1: number,
): void {
  const [nx, ny] = a.n;
  const { cx, cy, csrc, dst, scale } = a;
  for (let r = r0; r < r1; r++) {
    const j = r % ny,
      k = (r / ny) | 0;
    const cbase = cx * ((j >> 1) + cy * (k >> 1));
    const fb = nx * r;
    for (let i = 0; i < nx; i++) dst[fb + i] += scale * csrc[cbase + (i >> 1)];
  }
}

/** Rows: part[r] = Σ_i x·y over the row. */
export function rowDotK(
  a: { nx: number; x: Float64Array; y: Float64Array; part: Float64Array },
  _s: Float64Array,
  r0: number,
  r1: number,
): void {
  const { nx, x, y, part } = a;
  for (let r = r0; r < r1; r++) {
    let s = 0;
    for (let i = nx * r, e = i + nx; i < e; i++) s += x[i] * y[i];
    part[r] = s;
  }
}

// ---------------------------------------------------------------------------------------------

function coarseShape(op: StencilOp): [number, number, number] {
  const [nx, ny, nz] = op.n;
  return [Math.ceil(nx / 2), Math.ceil(ny / 2), op.dims === 3 ? Math.ceil(nz / 2) : 1];
}

function makeLevel(op: StencilOp, b: Float64Array | null): Level {
  const N = op.n[0] * op.n[1] * op.n[2];
  return { op, N, rows: op.n[1] * op.n[2], diag: sharedF64(N), x: sharedF64(N), t: sharedF64(N), b: b ?? sharedF64(N), r: sharedF64(N) };
}

export interface MultigridOptions {
  sweeps?: number;
  /** The damped-Jacobi weight (default: smoothingOmega of the grid's dimension; 2/3 with jacobiOnly). */
  omega?: number;
  overCorrect?: number;
  /** 'V' (default) or 'W' (each coarse level twice: grid-independent convergence with piecewise-constant aggregates). */
  cycle?: 'V' | 'W';
  /**
   * The fine level's pre-smoothing alone (`sweeps` damped Jacobi sweeps from zero, z = p(D⁻¹A)D⁻¹r:
   * symmetric, and positive definite for ω·λmax(D⁻¹A) < 2), no coarse levels: the IMEX phase
   * solves' "jacobi" preconditioner (Coefficients.imex.precond).
   */
  jacobiOnly?: boolean;
}

/**
 * The hierarchy of a fixed-size operator. Inputs and outputs are fixed vectors: vcycle() reads
 * `rIn`, writes z = M⁻¹ rIn into `zOut` and the row partials of rIn·zOut into `rz`.
 */
export class Multigrid {
  readonly levels: Level[];
  readonly sweeps: number;
  readonly omega: number;
  /** Coarse-correction scale: piecewise-constant PᵀAP is about twice too stiff on smooth errors. */
  readonly overCorrect: number;
  readonly nCoarse: number;
  /** Coarse visits per level: 1 (V-cycle) or 2 (W-cycle). */
  readonly gamma: number;
  /** No coarse levels: vcycle() is the fine level's pre-smoothing (MultigridOptions.jacobiOnly). */
  readonly jacobiOnly: boolean;
  /** Dense Cholesky factor (lower, row-major) of the coarsest operator. */
  readonly chol: Float64Array;
  private e: Float64Array;
  private col: Float64Array;
  private tCoarsen: Task[] = [];
  private tDiag: Task[] = [];
  private tZero: Task[] = [];
  /** tJac[l][0]: x → t, tJac[l][1]: t → x. */
  private tJac: Task[][] = [];
  /** tRestrict[l][0]: from x, [1]: from t (rows of level l + 1). */
  private tRestrict: Task[][] = [];
  /** tProlong[l][cs][fd]: coarse x/t into fine x/t (rows of level l). */
  private tProlong: Task[][][] = [];
  /** Last sweep on level 0 from x / from t into zOut. */
  private tLast: Task[] = [];
  private tDot: Task;
  /** cur[l]: 0 when level l's iterate is in x, 1 when it is in t. */
  private cur: Int8Array;

  constructor(
    private exec: Exec,
    op: StencilOp,
    readonly rIn: Float64Array,
    readonly zOut: Float64Array,
    readonly rz: Float64Array,
    o: MultigridOptions = {},
  ) {
    this.sweeps = o.sweeps ?? 2;
    this.jacobiOnly = o.jacobiOnly ?? false;
    this.omega = o.omega ?? (this.jacobiOnly ? 2 / 3 : smoothingOmega(op.dims));
    this.overCorrect = o.overCorrect ?? 1;
    this.gamma = o.cycle === 'W' ? 2 : 1;
    if (this.jacobiOnly && this.sweeps < 2) throw new Error(`multigrid: jacobiOnly needs at least 2 sweeps (got ${this.sweeps})`);
    if (!(Number.isInteger(this.sweeps) && this.sweeps >= 1))
      throw new Error(`multigrid: sweeps must be a positive integer (got ${this.sweeps})`);
    const levels: Level[] = [makeLevel(op, rIn)];
    let cur = op;
    for (;;) {
      const N = cur.n[0] * cur.n[1] * cur.n[2];
      const canCoarsen = cur.n.slice(0, cur.dims).some((v) => v > 1);
      if (this.jacobiOnly || N <= COARSEST_CELLS || !canCoarsen) break;
      cur = makeOp(cur.dims, coarseShape(cur), cur.periodic);
      levels.push(makeLevel(cur, null));
    }
    this.levels = levels;
    const last = levels[levels.length - 1];
    this.nCoarse = last.N;
    // (jacobiOnly: the fine level is the last one and has no direct solve)
    this.chol = new Float64Array(this.jacobiOnly ? 0 : last.N * last.N);
    this.e = new Float64Array(this.jacobiOnly ? 0 : last.N);
    this.col = new Float64Array(this.jacobiOnly ? 0 : last.N);
    this.cur = new Int8Array(levels.length);
    this.defineTasks();
    this.tDot = exec.task('rowDot', { nx: op.n[0], x: rIn, y: zOut, part: rz }, levels[0].rows, levels[0].N);
  }

  private defineTasks(): void {
    const { exec, levels, omega } = this;
    levels.forEach((L, l) => {
      const nx = L.op.n[0];
      this.tDiag.push(exec.task('mgDiag', { op: L.op, diag: L.diag }, L.rows, L.N));
      const smooths = l < levels.length - 1 || this.jacobiOnly;
      if (smooths) {
        this.tZero.push(exec.task('mgJacobiZero', { nx, b: L.b, diag: L.diag, x: L.x, omega }, L.rows, L.N));
        const jac = (src: Float64Array, dst: Float64Array) =>
          exec.task('mgJacobi', { op: L.op, b: L.b, diag: L.diag, src, dst, r: L.r, omega }, L.rows, L.N);
        this.tJac.push([jac(L.x, L.t), jac(L.t, L.x)]);
      }
      if (l === 0 && smooths) {
        const last = (src: Float64Array) =>
          exec.task('mgJacobiDot', { op: L.op, b: L.b, diag: L.diag, src, dst: this.zOut, r: L.r, omega, part: this.rz }, L.rows, L.N);
        this.tLast = [last(L.x), last(L.t)];
      }
      if (l === levels.length - 1) return;
      const C = levels[l + 1];
      this.tCoarsen.push(exec.task('mgCoarsen', { f: L.op, c: C.op }, C.rows, L.N));
      const restrict = (src: Float64Array) =>
        exec.task('mgRestrict', { op: L.op, src, b: L.b, r: L.r, cb: C.b, cx: C.op.n[0], cy: C.op.n[1] }, C.rows, L.N);
      this.tRestrict.push([restrict(L.x), restrict(L.t)]);
      const prolong = (csrc: Float64Array, dst: Float64Array) =>
        exec.task('mgProlong', { n: L.op.n, cx: C.op.n[0], cy: C.op.n[1], csrc, dst, scale: this.overCorrect }, L.rows, L.N);
      this.tProlong.push([
        [prolong(C.x, L.x), prolong(C.x, L.t)],
        [prolong(C.t, L.x), prolong(C.t, L.t)],
      ]);
    });
  }

  /** Recomputes the coarse operators, diagonals and the coarsest factor from the finest operator. */
  build(): void {
    const { exec, levels } = this;
    for (let l = 0; l < levels.length - 1; l++) exec.run(this.tCoarsen[l]);
    for (let l = 0; l < levels.length; l++) exec.run(this.tDiag[l]);
    if (!this.jacobiOnly) this.factorCoarsest();
  }

  private factorCoarsest(): void {
    const last = this.levels[this.levels.length - 1];
    const op = last.op;
    const N = last.N;
    const A = this.chol,
      e = this.e,
      col = this.col;
    for (let c = 0; c < N; c++) {
      e.fill(0);
      e[c] = 1;
      applyOp(op, e, col, 0, last.rows);
      for (let r = 0; r < N; r++) A[r * N + c] = col[r];
    }
    choleskyInPlace(A, N);
  }

  /**
   * zOut = M⁻¹ rIn (one cycle from a zero initial guess) and rz = row partials of rIn·zOut.
   * V-cycle (γ = 1) or W-cycle (γ = 2: each coarse level is visited twice, with smoothing in
   * between; the sequence S (R C P S)^γ is a palindrome, so the preconditioner stays symmetric).
   */
  vcycle(): void {
    const { exec, levels } = this;
    if (this.jacobiOnly) {
      // the pre-smoothing of visit(0), its last sweep with the dot (the sweeps from zero)
      exec.run(this.tZero[0]);
      let c = 0;
      for (let s = 2; s < this.sweeps; s++) {
        exec.run(this.tJac[0][c]);
        c ^= 1;
      }
      exec.run(this.tLast[c]);
      return;
    }
    if (levels.length === 1) {
      choleskySolve(this.chol, this.nCoarse, levels[0].b, this.zOut);
      exec.run(this.tDot);
      return;
    }
    this.visit(0);
  }

  private visit(l: number): void {
    const { exec, levels, sweeps, cur } = this;
    const nL = levels.length;
    if (l === nL - 1) {
      choleskySolve(this.chol, this.nCoarse, levels[l].b, levels[l].x);
      cur[l] = 0;
      return;
    }
    exec.run(this.tZero[l]);
    let c = 0;
    for (let s = 1; s < sweeps; s++) {
      exec.run(this.tJac[l][c]);
      c ^= 1;
    }
    for (let g = 0; g < this.gamma; g++) {
      exec.run(this.tRestrict[l][c]);
      this.visit(l + 1);
      exec.run(this.tProlong[l][cur[l + 1]][c]);
      const last = l === 0 && g === this.gamma - 1;
      for (let s = 1; s <= sweeps; s++) {
        if (last && s === sweeps) exec.run(this.tLast[c]);
        else {
          exec.run(this.tJac[l][c]);
          c ^= 1;
        }
      }
    }
    cur[l] = c;
  }
}

/** A standalone serial hierarchy (tests, tools): buildHierarchy(op) then vcycle(H, r, z). */
export type Hierarchy = Multigrid;

/** Builds the hierarchy for op (rebuild whenever the coefficients change). Serial. */
export function buildHierarchy(op: StencilOp, sweeps = 2, omega = smoothingOmega(op.dims), overCorrect = 1): Hierarchy {
  const N = op.n[0] * op.n[1] * op.n[2];
  const H = new Multigrid(new SerialExec(), op, sharedF64(N), sharedF64(N), sharedF64(op.n[1] * op.n[2]), { sweeps, omega, overCorrect });
  H.build();
  return H;
}

/** z = M⁻¹ r: one V-cycle from a zero initial guess. */
export function vcycle(H: Hierarchy, r: Float64Array, z: Float64Array): void {
  H.rIn.set(r);
  H.vcycle();
  z.set(H.zOut);
}
