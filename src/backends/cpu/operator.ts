/**
 * Symmetric positive-definite 5/7-point operators in "face weight" form:
 *   (A x)_i = d_i x_i + Σ_faces w_f (x_i − x_nb)
 * d holds everything that is not a face between two cells (the mass term of implicit
 * transport, Dirichlet boundary faces); w[a][i] is the weight of the face between cell i and
 * its + neighbour along axis a (0 on a non-periodic boundary). The potential solve
 * (A = −dx²∇·σ∇) and the Scharfetter–Gummel transport in the Slotboom variable
 * (A = diag(e^{−(ψ−ψ_ref)}) + (dt/dx²)A_w) both use this form, and so does every multigrid
 * level (Galerkin coarsening keeps it).
 * All arrays are on shared memory (shared.ts) so the worker threads can use them.
 */
import { sharedF64 } from './shared.ts';

export interface StencilOp {
  dims: 2 | 3;
  n: [number, number, number];
  periodic: [boolean, boolean, boolean];
  d: Float64Array;
  w: [Float64Array, Float64Array, Float64Array];
}

export function makeOp(dims: 2 | 3, n: [number, number, number], periodic: [boolean, boolean, boolean]): StencilOp {
  const N = n[0] * n[1] * n[2];
  return { dims, n, periodic, d: sharedF64(N), w: [sharedF64(N), sharedF64(N), sharedF64(dims === 3 ? N : 0)] };
}

/** Stride and neighbour lookup along an axis, with periodic wrap. */
export function strides(op: StencilOp): [number, number, number] {
  return [1, op.n[0], op.n[0] * op.n[1]];
}

/**
 * y = A x over rows [r0, r1) (a row = all i for one (j, k)). Written so rows are independent:
 * the threaded path splits rows between workers and gets identical results.
 * The y and z neighbours are row constants; the two end cells of a row take the general
 * (wrapping) path and the interior a branch-free loop, with the same floating-point
 * expression for every cell.
 */
export function applyOp(op: StencilOp, x: Float64Array, y: Float64Array, r0: number, r1: number): void {
  const nx = op.n[0],
    ny = op.n[1],
    nz = op.n[2];
  const d = op.d,
    wx = op.w[0],
    wy = op.w[1],
    wz = op.w[2];
  const sy = nx,
    sz = nx * ny;
  const perX = op.periodic[0],
    perY = op.periodic[1],
    perZ = op.periodic[2];
  const three = op.dims === 3;
  for (let r = r0; r < r1; r++) {
    const j = r % ny,
      k = (r / ny) | 0;
    const base = nx * r;
    const oyp = j < ny - 1 ? sy : perY ? -(ny - 1) * sy : 0;
    const oym = j > 0 ? -sy : perY ? (ny - 1) * sy : 0;
    const hasYm = j > 0 || perY;
    const ozp = k < nz - 1 ? sz : perZ ? -(nz - 1) * sz : 0;
    const ozm = k > 0 ? -sz : perZ ? (nz - 1) * sz : 0;
    const hasZm = k > 0 || perZ;
    // the end cells i = 0 and i = nx − 1
    for (let e = 0; e < 2; e++) {
      const i = e === 0 ? 0 : nx - 1;
      if (e === 1 && nx === 1) break;
      const c = base + i;
      const xc = x[c];
      let acc = d[c] * xc;
      const ixp = i < nx - 1 ? c + 1 : perX ? c - (nx - 1) : c;
      const ixm = i > 0 ? c - 1 : perX ? c + (nx - 1) : c;
      acc += wx[c] * (xc - x[ixp]) + wx[ixm] * (xc - x[ixm]) * (i > 0 || perX ? 1 : 0);
      acc += wy[c] * (xc - x[c + oyp]) + (hasYm ? wy[c + oym] * (xc - x[c + oym]) : 0);
      if (three) acc += wz[c] * (xc - x[c + ozp]) + (hasZm ? wz[c + ozm] * (xc - x[c + ozm]) : 0);
      y[c] = acc;
    }
    // the interior 0 < i < nx − 1
    const c1 = base + nx - 1;
    if (three) {
      for (let c = base + 1; c < c1; c++) {
        const xc = x[c];
        let acc = d[c] * xc;
        acc += wx[c] * (xc - x[c + 1]) + wx[c - 1] * (xc - x[c - 1]);
        acc += wy[c] * (xc - x[c + oyp]) + (hasYm ? wy[c + oym] * (xc - x[c + oym]) : 0);
        acc += wz[c] * (xc - x[c + ozp]) + (hasZm ? wz[c + ozm] * (xc - x[c + ozm]) : 0);
        y[c] = acc;
      }
    } else if (hasYm) {
      for (let c = base + 1; c < c1; c++) {
        const xc = x[c];
        let acc = d[c] * xc;
        acc += wx[c] * (xc - x[c + 1]) + wx[c - 1] * (xc - x[c - 1]);
        acc += wy[c] * (xc - x[c + oyp]) + wy[c + oym] * (xc - x[c + oym]);
        y[c] = acc;
      }
    } else {
      for (let c = base + 1; c < c1; c++) {
        const xc = x[c];
        let acc = d[c] * xc;
        acc += wx[c] * (xc - x[c + 1]) + wx[c - 1] * (xc - x[c - 1]);
        acc += wy[c] * (xc - x[c + oyp]) + 0;
        y[c] = acc;
      }
    }
  }
}

/** Full diagonal of A: d_i + the weights of all faces of cell i, over rows [r0, r1). */
export function diagonal(op: StencilOp, out: Float64Array, r0 = 0, r1 = op.n[1] * op.n[2]): void {
  const [nx, ny, nz] = op.n;
  const [wx, wy, wz] = op.w;
  const sy = nx,
    sz = nx * ny;
  const [perX, perY, perZ] = op.periodic;
  for (let r = r0; r < r1; r++) {
    const j = r % ny,
      k = (r / ny) | 0;
    for (let i = 0; i < nx; i++) {
      const c = i + nx * r;
      let s = op.d[c] + wx[c] + wy[c];
      if (i > 0) s += wx[c - 1];
      else if (perX) s += wx[c + nx - 1];
      if (j > 0) s += wy[c - sy];
      else if (perY) s += wy[c + (ny - 1) * sy];
      if (op.dims === 3) {
        s += wz[c];
        if (k > 0) s += wz[c - sz];
        else if (perZ) s += wz[c + (nz - 1) * sz];
      }
      out[c] = s;
    }
  }
}
