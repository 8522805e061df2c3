// Coarsest multigrid level (≤ 128 cells): x = A⁻¹ b = Gᵀ(G b) with G = L⁻¹, the inverse of the
// Cholesky factor A = L Lᵀ. The host factors the coarsest operator in f64 once per rebuild
// (src/backends/webgpu/coarse.ts) and uploads G (lower triangular, row-major N×N) in f32.
// One workgroup, one barrier: t = G b into workgroup memory, then x = Gᵀ t.
// GᵀG is symmetric positive definite for any rounding of G, so the V-cycle stays an SPD
// preconditioner; and since L⁻¹ ≥ 0 for these M-matrices, rounding G perturbs A⁻¹ by a
// relative O(ε_f32) entrywise.

const MAX_COARSE: u32 = 128u;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;

var<workgroup> t: array<f32, MAX_COARSE>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  let N = grid.n.w;
  for (var i = lid.x; i < N; i += WG) {
    var s = 0.0;
    for (var k = 0u; k <= i; k++) { s += g[i * N + k] * b[k]; }
    t[i] = s;
  }
  workgroupBarrier();
  for (var i = lid.x; i < N; i += WG) {
    var s = 0.0;
    for (var k = i; k < N; k++) { s += g[k * N + i] * t[k]; }
    x[i] = s;
  }
}
