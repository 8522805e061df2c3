/**
 * The coarsest multigrid level, host side: the operator (≤ 128 cells, read back once per
 * rebuild) is expanded to a dense matrix exactly as the stencil applies it (A e_c for every c,
 * so periodic axes of length 1 or 2 come out right), factored A = L Lᵀ in f64 by the CPU
 * reference's routine (src/backends/cholesky.ts), and G = L⁻¹ is returned for upload in f32; the GPU then applies
 * A⁻¹ = Gᵀ G (shaders/mech/mg_coarse_apply.wgsl; mgpcg.ts applies it in mg_direct.wgsl).
 */
import { choleskyInPlace } from '../cholesky.ts';

/** op: (d, w+x, w+y, w+z) per cell, as on the GPU. */
export function coarseInverseFactor(
  op: Float32Array,
  n: [number, number, number],
  periodic: [boolean, boolean, boolean],
  dims: 2 | 3,
): Float32Array {
  const [nx, ny, nz] = n;
  const N = nx * ny * nz;
  const sy = nx,
    sz = nx * ny;
  const A = new Float64Array(N * N);
  const add = (r: number, c: number, v: number) => {
    A[r * N + c] += v;
  };
  // (A x)_c = d_c x_c + Σ_faces w (x_c − x_nb): each face adds w to both diagonals and −w off it,
  // unless both ends are the same cell (a periodic axis of length 1), where it cancels.
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const c = i + nx * (j + ny * k);
        add(c, c, op[4 * c]);
        const face = (nb: number, w: number) => {
          if (nb === c || w === 0) return;
          add(c, c, w);
          add(nb, nb, w);
          add(c, nb, -w);
          add(nb, c, -w);
        };
        if (i < nx - 1) face(c + 1, op[4 * c + 1]);
        else if (periodic[0]) face(c - (nx - 1), op[4 * c + 1]);
        if (j < ny - 1) face(c + sy, op[4 * c + 2]);
        else if (periodic[1]) face(c - (ny - 1) * sy, op[4 * c + 2]);
        if (dims === 3) {
          if (k < nz - 1) face(c + sz, op[4 * c + 3]);
          else if (periodic[2]) face(c - (nz - 1) * sz, op[4 * c + 3]);
        }
      }
  choleskyInPlace(A, N);
  // G = L⁻¹ (lower), column by column
  const G = new Float64Array(N * N);
  for (let j = 0; j < N; j++) {
    G[j * N + j] = 1 / A[j * N + j];
    for (let i = j + 1; i < N; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s += A[i * N + k] * G[k * N + j];
      G[i * N + j] = -s / A[i * N + i];
    }
  }
  return Float32Array.from(G);
}
