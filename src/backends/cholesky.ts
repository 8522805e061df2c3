/**
 * Dense Cholesky of the coarsest multigrid operator (≤ 128 cells), shared by the CPU reference
 * (src/backends/cpu/multigrid.ts: solves with the factor) and the GPU backends
 * (src/backends/webgpu/coarse.ts: uploads its inverse). f64, row-major, lower triangle.
 */

/**
 * Factors the symmetric N×N matrix A = L Lᵀ in place (L in the lower triangle; the strict upper
 * triangle is left as it was). Throws when a pivot is not positive.
 */
export function choleskyInPlace(A: Float64Array, N: number): void {
  for (let j = 0; j < N; j++) {
    let s = A[j * N + j];
    for (let k = 0; k < j; k++) s -= A[j * N + k] * A[j * N + k];
    if (!(s > 0)) {
      throw new Error(
        `multigrid: coarsest operator is not positive definite (pivot ${s} at ${j}); does the problem have a Dirichlet face or a mass term, and is the conductivity/diffusivity positive everywhere (ξ far outside [0, 1] makes σ(ξ) = σ_s h(ξ) + σ_l (1 − h(ξ)) negative)?`,
      );
    }
    const ljj = Math.sqrt(s);
    A[j * N + j] = ljj;
    for (let i = j + 1; i < N; i++) {
      let t = A[i * N + j];
      for (let k = 0; k < j; k++) t -= A[i * N + k] * A[j * N + k];
      A[i * N + j] = t / ljj;
    }
  }
}

/** x = (L Lᵀ)⁻¹ b with the factor of choleskyInPlace (forward, then backward substitution). */
export function choleskySolve(L: Float64Array, N: number, b: Float64Array, x: Float64Array): void {
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
