/**
 * Symmetric positive-definite 5/7-point operators in "face weight" form:
 *   (A x)_i = d_i x_i + Σ_faces w_f (x_i − x_nb)
 * d holds everything that is not a face between two cells (the mass term of implicit
 * transport, Dirichlet boundary faces); w[a][i] is the weight of the face between cell i and
 * its + neighbour along axis a (0 on a non-periodic boundary). The potential solve
 * (A = −dx²∇·σ∇) and the implicit transport (A = 1 − dt∇·D∇) both use this form, and so
 * does every multigrid level (Galerkin coarsening keeps it).
 */
export interface StencilOp {
  dims: 2 | 3;
  n: [number, number, number];
  periodic: [boolean, boolean, boolean];
  d: Float64Array;
  w: [Float64Array, Float64Array, Float64Array];
}

export function makeOp(dims: 2 | 3, n: [number, number, number], periodic: [boolean, boolean, boolean]): StencilOp {
  const N = n[0] * n[1] * n[2];
  return { dims, n, periodic, d: new Float64Array(N), w: [new Float64Array(N), new Float64Array(N), new Float64Array(dims === 3 ? N : 0)] };
}

/** Stride and neighbour lookup along an axis, with periodic wrap. */
export function strides(op: StencilOp): [number, number, number] {
  return [1, op.n[0], op.n[0] * op.n[1]];
}

/**
 * y = A x over rows [r0, r1) (a row = all i for one (j, k)). Written so rows are independent:
 * the threaded path splits rows between workers and gets identical results.
 */
export function applyOp(op: StencilOp, x: Float64Array, y: Float64Array, r0: number, r1: number): void {
  const [nx, ny, nz] = op.n;
  const [wx, wy, wz] = op.w;
  const sy = nx, sz = nx * ny;
  const [perX, perY, perZ] = op.periodic;
  for (let r = r0; r < r1; r++) {
    const j = r % ny, k = (r / ny) | 0;
    const base = nx * r;
    for (let i = 0; i < nx; i++) {
      const c = base + i;
      const xc = x[c];
      let acc = op.d[c] * xc;
      // x faces
      const ixp = i < nx - 1 ? c + 1 : perX ? c - (nx - 1) : c;
      const ixm = i > 0 ? c - 1 : perX ? c + (nx - 1) : c;
      acc += wx[c] * (xc - x[ixp]) + wx[ixm] * (xc - x[ixm]) * (i > 0 || perX ? 1 : 0);
      // y faces
      const iyp = j < ny - 1 ? c + sy : perY ? c - (ny - 1) * sy : c;
      const iym = j > 0 ? c - sy : perY ? c + (ny - 1) * sy : c;
      acc += wy[c] * (xc - x[iyp]) + (j > 0 || perY ? wy[iym] * (xc - x[iym]) : 0);
      if (op.dims === 3) {
        const izp = k < nz - 1 ? c + sz : perZ ? c - (nz - 1) * sz : c;
        const izm = k > 0 ? c - sz : perZ ? c + (nz - 1) * sz : c;
        acc += wz[c] * (xc - x[izp]) + (k > 0 || perZ ? wz[izm] * (xc - x[izm]) : 0);
      }
      y[c] = acc;
    }
  }
}

/** Full diagonal of A: d_i + the weights of all faces of cell i. */
export function diagonal(op: StencilOp, out: Float64Array): void {
  const [nx, ny, nz] = op.n;
  const [wx, wy, wz] = op.w;
  const sy = nx, sz = nx * ny;
  const [perX, perY, perZ] = op.periodic;
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    const c = i + nx * (j + ny * k);
    let s = op.d[c] + wx[c] + wy[c];
    if (i > 0) s += wx[c - 1]; else if (perX) s += wx[c + nx - 1];
    if (j > 0) s += wy[c - sy]; else if (perY) s += wy[c + (ny - 1) * sy];
    if (op.dims === 3) {
      s += wz[c];
      if (k > 0) s += wz[c - sz]; else if (perZ) s += wz[c + (nz - 1) * sz];
    }
    out[c] = s;
  }
}
