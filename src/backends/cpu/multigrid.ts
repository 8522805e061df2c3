/**
 * Aggregation multigrid used as the preconditioner of CG (potential and implicit transport).
 *
 * Coarsening: 2×2(×2) aggregates with piecewise-constant prolongation P and restriction Pᵀ.
 * The Galerkin operator PᵀAP of a face-weight operator is again a face-weight operator: the
 * d terms of an aggregate add up, faces inside an aggregate vanish, and the faces between two
 * aggregates add up. It is exact for any coefficient contrast (no averaging rule to choose),
 * which is why the iteration count stays flat from σ_s/σ_l = 1e3 to 1e7 (test V5).
 * Smoother: damped Jacobi (ω = 2/3), the same number of sweeps before and after, so the
 * V-cycle is a symmetric positive-definite preconditioner. Jacobi is order-independent,
 * so threaded and GPU versions give the same result as this one.
 * Coarsest level (≤ 128 cells or no longer coarsenable): dense Cholesky.
 */
import { applyOp, diagonal, makeOp, type StencilOp } from './operator.ts';

export interface Level {
  op: StencilOp;
  N: number;
  diag: Float64Array;
  x: Float64Array; b: Float64Array; r: Float64Array;
}

export interface Hierarchy {
  levels: Level[];
  chol: Float64Array | null;
  nCoarse: number;
  sweeps: number;
  omega: number;
  /** Coarse-correction scale: piecewise-constant PᵀAP is about twice too stiff on smooth errors. */
  overCorrect: number;
}

const COARSEST_CELLS = 128;
const FACE_SCALE = 0.5;

function coarsen(op: StencilOp): StencilOp {
  const [nx, ny, nz] = op.n;
  const dims = op.dims;
  const nc: [number, number, number] = [Math.ceil(nx / 2), Math.ceil(ny / 2), dims === 3 ? Math.ceil(nz / 2) : 1];
  const C = makeOp(dims, nc, op.periodic);
  const [cx, cy] = nc;
  const agg = (i: number, j: number, k: number) => (i >> 1) + cx * ((j >> 1) + cy * (k >> 1));
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    const f = i + nx * (j + ny * k);
    const a = agg(i, j, k);
    C.d[a] += op.d[f];
    // + face along each axis: keep it if it joins two different aggregates
    const ip = (i + 1) % nx;
    if ((ip >> 1) !== (i >> 1)) C.w[0][a] += op.w[0][f];
    const jp = (j + 1) % ny;
    if ((jp >> 1) !== (j >> 1)) C.w[1][a] += op.w[1][f];
    if (dims === 3) {
      const kp = (k + 1) % nz;
      if ((kp >> 1) !== (k >> 1)) C.w[2][a] += op.w[2][f];
    }
  }
  // Piecewise-constant PᵀAP sums two (2D) or four (3D) fine faces per coarse face, which
  // makes the coarse Laplacian part twice too stiff for smooth errors (the mass part is
  // exact). Halving the coarse faces gives the rediscretised coarse operator; for the
  // potential (no mass) it is the usual over-correction by 2.
  for (let a = 0; a < dims; a++) { const w = C.w[a]; for (let q = 0; q < w.length; q++) w[q] *= FACE_SCALE; }
  // A single coarse cell on a periodic axis has no face to itself.
  for (let a = 0; a < 3; a++) if (nc[a] === 1 && a < dims) C.w[a].fill(0);
  return C;
}

function level(op: StencilOp): Level {
  const N = op.n[0] * op.n[1] * op.n[2];
  const diag = new Float64Array(N);
  diagonal(op, diag);
  return { op, N, diag, x: new Float64Array(N), b: new Float64Array(N), r: new Float64Array(N) };
}

/** Dense Cholesky factor (lower, row-major) of a small operator. */
function denseCholesky(op: StencilOp): Float64Array {
  const N = op.n[0] * op.n[1] * op.n[2];
  const A = new Float64Array(N * N);
  const e = new Float64Array(N), col = new Float64Array(N);
  for (let c = 0; c < N; c++) {
    e.fill(0); e[c] = 1;
    applyOp(op, e, col, 0, op.n[1] * op.n[2]);
    for (let r = 0; r < N; r++) A[r * N + c] = col[r];
  }
  for (let j = 0; j < N; j++) {
    let s = A[j * N + j];
    for (let k = 0; k < j; k++) s -= A[j * N + k] * A[j * N + k];
    if (!(s > 0)) throw new Error(`multigrid: coarsest operator is not positive definite (pivot ${s} at ${j}); does the problem have a Dirichlet face or a mass term?`);
    const ljj = Math.sqrt(s);
    A[j * N + j] = ljj;
    for (let i = j + 1; i < N; i++) {
      let t = A[i * N + j];
      for (let k = 0; k < j; k++) t -= A[i * N + k] * A[j * N + k];
      A[i * N + j] = t / ljj;
    }
  }
  return A;
}

function choleskySolve(L: Float64Array, N: number, b: Float64Array, x: Float64Array): void {
  for (let i = 0; i < N; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * N + k] * x[k];
    x[i] = s / L[i * N + i];
  }
  for (let i = N - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < N; k++) s -= L[k * N + i] * x[k];
    x[i] = s / L[i * N + i];
  }
}

/** Builds the hierarchy for op (rebuilt whenever the coefficients change). */
export function buildHierarchy(op: StencilOp, sweeps = 2, omega = 2 / 3, overCorrect = 1): Hierarchy {
  const levels: Level[] = [level(op)];
  let cur = op;
  for (;;) {
    const N = cur.n[0] * cur.n[1] * cur.n[2];
    const canCoarsen = cur.n.slice(0, cur.dims).some((v) => v > 1);
    if (N <= COARSEST_CELLS || !canCoarsen) break;
    cur = coarsen(cur);
    levels.push(level(cur));
  }
  const last = levels[levels.length - 1];
  return { levels, chol: denseCholesky(last.op), nCoarse: last.N, sweeps, omega, overCorrect };
}

function smooth(L: Level, sweeps: number, omega: number): void {
  const { x, b, r, diag, op, N } = L;
  const rows = op.n[1] * op.n[2];
  for (let s = 0; s < sweeps; s++) {
    applyOp(op, x, r, 0, rows);
    for (let i = 0; i < N; i++) x[i] += (omega * (b[i] - r[i])) / diag[i];
  }
}

function restrictResidual(fine: Level, coarse: Level): void {
  const [nx, ny, nz] = fine.op.n;
  const [cx, cy] = coarse.op.n;
  const rows = ny * nz;
  applyOp(fine.op, fine.x, fine.r, 0, rows);
  coarse.b.fill(0);
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    const f = i + nx * (j + ny * k);
    coarse.b[(i >> 1) + cx * ((j >> 1) + cy * (k >> 1))] += fine.b[f] - fine.r[f];
  }
}

function prolongAdd(coarse: Level, fine: Level, scale: number): void {
  const [nx, ny, nz] = fine.op.n;
  const [cx, cy] = coarse.op.n;
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    fine.x[i + nx * (j + ny * k)] += scale * coarse.x[(i >> 1) + cx * ((j >> 1) + cy * (k >> 1))];
  }
}

/** z = M⁻¹ r: one V-cycle from a zero initial guess. */
export function vcycle(H: Hierarchy, r: Float64Array, z: Float64Array): void {
  const Ls = H.levels;
  Ls[0].b.set(r);
  for (let l = 0; l < Ls.length; l++) Ls[l].x.fill(0);
  for (let l = 0; l < Ls.length - 1; l++) {
    smooth(Ls[l], H.sweeps, H.omega);
    restrictResidual(Ls[l], Ls[l + 1]);
  }
  const last = Ls[Ls.length - 1];
  choleskySolve(H.chol!, H.nCoarse, last.b, last.x);
  for (let l = Ls.length - 2; l >= 0; l--) {
    prolongAdd(Ls[l + 1], Ls[l], H.overCorrect);
    smooth(Ls[l], H.sweeps, H.omega);
  }
  z.set(Ls[0].x);
}
