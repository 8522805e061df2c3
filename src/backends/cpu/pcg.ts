/**
 * Conjugate gradients preconditioned by one multigrid V-cycle, with a warm start.
 * Dot products are summed per row and then pairwise over rows, so the result does not
 * depend on how rows are split between threads (the serial and threaded modes agree bit
 * for bit).
 */
import { applyOp, type StencilOp } from './operator.ts';
import { buildHierarchy, vcycle } from './multigrid.ts';

export interface SolveStats { iterations: number; residual: number; converged: boolean }

/** Pairwise sum of an array (order fixed by the array length only). */
export function pairwiseSum(a: Float64Array, lo = 0, hi = a.length): number {
  if (hi - lo <= 8) { let s = 0; for (let i = lo; i < hi; i++) s += a[i]; return s; }
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

export interface PcgOptions { tol: number; maxIter: number }

/** Solves A x = b in place (x holds the initial guess). Relative tolerance on ‖r‖/‖b‖. */
export function pcg(op: StencilOp, b: Float64Array, x: Float64Array, opt: PcgOptions): SolveStats {
  const N = x.length;
  const nx = op.n[0];
  const rows = op.n[1] * op.n[2];
  const part = new Float64Array(rows);
  const r = new Float64Array(N), z = new Float64Array(N), p = new Float64Array(N), q = new Float64Array(N);
  applyOp(op, x, q, 0, rows);
  for (let i = 0; i < N; i++) r[i] = b[i] - q[i];
  const bnorm = Math.sqrt(rowDot(b, b, nx, part)) || 1;
  let rnorm = Math.sqrt(rowDot(r, r, nx, part));
  if (rnorm / bnorm <= opt.tol) return { iterations: 0, residual: rnorm / bnorm, converged: true };
  const H = buildHierarchy(op);
  vcycle(H, r, z);
  p.set(z);
  let rz = rowDot(r, z, nx, part);
  for (let it = 1; it <= opt.maxIter; it++) {
    applyOp(op, p, q, 0, rows);
    const pq = rowDot(p, q, nx, part);
    if (!(pq > 0)) return { iterations: it, residual: rnorm / bnorm, converged: false };
    const alpha = rz / pq;
    for (let i = 0; i < N; i++) { x[i] += alpha * p[i]; r[i] -= alpha * q[i]; }
    rnorm = Math.sqrt(rowDot(r, r, nx, part));
    if (rnorm / bnorm <= opt.tol) return { iterations: it, residual: rnorm / bnorm, converged: true };
    vcycle(H, r, z);
    const rzNew = rowDot(r, z, nx, part);
    const beta = rzNew / rz;
    rz = rzNew;
    for (let i = 0; i < N; i++) p[i] = z[i] + beta * p[i];
  }
  return { iterations: opt.maxIter, residual: rnorm / bnorm, converged: false };
}
