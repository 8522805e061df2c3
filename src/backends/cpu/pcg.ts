/**
 * Conjugate gradients preconditioned by one multigrid V-cycle, with a warm start.
 * Dot products are summed per row and then pairwise over rows, so the result does not
 * depend on how rows are split between threads (the serial and threaded modes agree bit
 * for bit). Each iteration is four row kernels (A·p with p·q; the x, r update with r·r; the
 * V-cycle whose last sweep gives r·z; the new direction) plus the V-cycle's level kernels.
 * The scratch vectors and the hierarchy are allocated once per solver.
 */
import type { Exec, Task } from './exec.ts';
import { SerialExec } from './exec.ts';
import { Multigrid, type MultigridOptions } from './multigrid.ts';
import { applyOp, type StencilOp } from './operator.ts';
import { sharedF64 } from './shared.ts';

export interface SolveStats {
  iterations: number;
  residual: number;
  converged: boolean;
}

/** Pairwise sum of an array (order fixed by the array length only). */
export function pairwiseSum(a: Float64Array, lo = 0, hi = a.length): number {
  if (hi - lo <= 8) {
    let s = 0;
    for (let i = lo; i < hi; i++) s += a[i];
    return s;
  }
  const mid = (lo + hi) >> 1;
  return pairwiseSum(a, lo, mid) + pairwiseSum(a, mid, hi);
}

/** x·y with row partials (rows of length nx) then a pairwise sum over rows. */
export function rowDot(x: Float64Array, y: Float64Array, nx: number, partial: Float64Array): number {
  const rows = partial.length;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    const b = r * nx;
    for (let i = 0; i < nx; i++) s += x[b + i] * y[b + i];
    partial[r] = s;
  }
  return pairwiseSum(partial);
}

export interface PcgOptions {
  tol: number;
  maxIter: number;
  /** The operator is the one of the previous solve of this object: keep its multigrid hierarchy. */
  sameOperator?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Kernels

/** q = A x, r = b − q; row partials of r·r and b·b. */
export function pcgInitK(
  a: { op: StencilOp; x: Float64Array; b: Float64Array; r: Float64Array; q: Float64Array; rr: Float64Array; bb: Float64Array },
  _s: Float64Array,
  r0: number,
  r1: number,
): void {
  const { op, x, b, r, q, rr, bb } = a;
  applyOp(op, x, q, r0, r1);
  const nx = op.n[0];
  for (let row = r0; row < r1; row++) {
    const i0 = nx * row,
      i1 = i0 + nx;
    for (let i = i0; i < i1; i++) r[i] = b[i] - q[i];
    let sb = 0,
      sr = 0;
    for (let i = i0; i < i1; i++) sb += b[i] * b[i];
    for (let i = i0; i < i1; i++) sr += r[i] * r[i];
    bb[row] = sb;
    rr[row] = sr;
  }
}

/** q = A p and the row partials of p·q. */
export function pcgApplyDotK(
  a: { op: StencilOp; p: Float64Array; q: Float64Array; part: Float64Array },
  _s: Float64Array,
  r0: number,
  r1: number,
): void {
  const { op, p, q, part } = a;
  applyOp(op, p, q, r0, r1);
  const nx = op.n[0];
  for (let row = r0; row < r1; row++) {
    let s = 0;
    for (let i = nx * row, e = i + nx; i < e; i++) s += p[i] * q[i];
    part[row] = s;
  }
}

/** x += α p, r −= α q (α = s[0]) and the row partials of r·r. */
export function pcgUpdateK(
  a: { nx: number; x: Float64Array; r: Float64Array; p: Float64Array; q: Float64Array; part: Float64Array },
  s: Float64Array,
  r0: number,
  r1: number,
): void {
  const { nx, x, r, p, q, part } = a;
  const alpha = s[0];
  for (let row = r0; row < r1; row++) {
    const i0 = nx * row,
      i1 = i0 + nx;
    for (let i = i0; i < i1; i++) {
      x[i] += alpha * p[i];
      r[i] -= alpha * q[i];
    }
    let t = 0;
    for (let i = i0; i < i1; i++) t += r[i] * r[i];
    part[row] = t;
  }
}

/** p = z + β p (β = s[0]). */
export function pcgDirectionK(a: { nx: number; z: Float64Array; p: Float64Array }, s: Float64Array, r0: number, r1: number): void {
  const { z, p } = a;
  const beta = s[0];
  for (let i = a.nx * r0, e = a.nx * r1; i < e; i++) p[i] = z[i] + beta * p[i];
}

/** dst = src over rows. */
export function copyK(a: { nx: number; src: Float64Array; dst: Float64Array }, _s: Float64Array, r0: number, r1: number): void {
  a.dst.set(a.src.subarray(a.nx * r0, a.nx * r1), a.nx * r0);
}

// ---------------------------------------------------------------------------------------------

/** MG-PCG for A x = b with fixed op, b and x (x holds the initial guess and the solution). */
export class Pcg {
  readonly mg: Multigrid;
  private r: Float64Array;
  private z: Float64Array;
  private p: Float64Array;
  private q: Float64Array;
  private partA: Float64Array;
  private partB: Float64Array;
  private tInit: Task;
  private tApplyDot: Task;
  private tUpdate: Task;
  private tDir: Task;
  private tCopy: Task;
  /** The hierarchy belongs to the current operator (sameOperator solves then skip the rebuild). */
  private built = false;

  constructor(
    private exec: Exec,
    op: StencilOp,
    b: Float64Array,
    x: Float64Array,
    /** The preconditioner's options (default: one V-cycle; `jacobiOnly`: the IMEX phase's "jacobi"). */
    mgOptions: MultigridOptions = {},
  ) {
    const N = x.length;
    const nx = op.n[0];
    const rows = op.n[1] * op.n[2];
    this.r = sharedF64(N);
    this.z = sharedF64(N);
    this.p = sharedF64(N);
    this.q = sharedF64(N);
    this.partA = sharedF64(rows);
    this.partB = sharedF64(rows);
    const { r, z, p, q, partA, partB } = this;
    this.mg = new Multigrid(exec, op, r, z, partA, mgOptions);
    this.tInit = exec.task('pcgInit', { op, x, b, r, q, rr: partA, bb: partB }, rows, N);
    this.tApplyDot = exec.task('pcgApplyDot', { op, p, q, part: partA }, rows, N);
    this.tUpdate = exec.task('pcgUpdate', { nx, x, r, p, q, part: partA }, rows, N);
    this.tDir = exec.task('pcgDirection', { nx, z, p }, rows, N);
    this.tCopy = exec.task('copy', { nx, src: z, dst: p }, rows, N);
  }

  /** Solves A x = b in place. Relative tolerance on ‖r‖/‖b‖. */
  solve(opt: PcgOptions): SolveStats {
    const { exec, partA, partB } = this;
    // a new operator needs a new hierarchy (built below unless the warm start already converged)
    if (!opt.sameOperator) this.built = false;
    exec.run(this.tInit);
    const bnorm = Math.sqrt(pairwiseSum(partB)) || 1;
    let rnorm = Math.sqrt(pairwiseSum(partA));
    if (rnorm / bnorm <= opt.tol) return { iterations: 0, residual: rnorm / bnorm, converged: true };
    if (!this.built) this.mg.build();
    this.built = true;
    this.mg.vcycle();
    exec.run(this.tCopy);
    let rz = pairwiseSum(partA);
    for (let it = 1; it <= opt.maxIter; it++) {
      exec.run(this.tApplyDot);
      const pq = pairwiseSum(partA);
      if (!(pq > 0)) return { iterations: it, residual: rnorm / bnorm, converged: false };
      const alpha = rz / pq;
      exec.run(this.tUpdate, alpha);
      rnorm = Math.sqrt(pairwiseSum(partA));
      if (rnorm / bnorm <= opt.tol) return { iterations: it, residual: rnorm / bnorm, converged: true };
      this.mg.vcycle();
      const rzNew = pairwiseSum(partA);
      const beta = rzNew / rz;
      rz = rzNew;
      exec.run(this.tDir, beta);
    }
    return { iterations: opt.maxIter, residual: rnorm / bnorm, converged: false };
  }
}

/** Solves A x = b in place (x holds the initial guess), serially. Relative tolerance on ‖r‖/‖b‖. */
export function pcg(op: StencilOp, b: Float64Array, x: Float64Array, opt: PcgOptions): SolveStats {
  const N = x.length;
  const bs = sharedF64(N),
    xs = sharedF64(N);
  bs.set(b);
  xs.set(x);
  const st = new Pcg(new SerialExec(), op, bs, xs).solve(opt);
  x.set(xs);
  return st;
}
