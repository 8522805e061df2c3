// Damped Jacobi sweep of the aggregation multigrid (src/backends/cpu/multigrid.ts):
//   xout = x + ω (b − A x) / diag(A)
// Jacobi is order-independent, so this is the CPU smoother, not an approximation of it.
// FIRST2: the first two sweeps from a zero guess in one pass. The first gives
// x = 0 + ω b / diag (A·0 = 0 exactly), which this pass forms on the fly wherever the second
// needs it — the same numbers as two separate sweeps, one dispatch fewer.

override FIRST2: bool = false;
override OMEGA: f32 = 0.6666667;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<storage, read> op: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> diag: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read> xin: array<f32>;
@group(0) @binding(5) var<storage, read_write> xout: array<f32>;

fn xv(q: u32) -> f32 {
  if (FIRST2) { return (OMEGA * b[q]) / diag[q]; }
  return xin[q];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = linearIndex(wid, nwg, lid);
  if (c >= grid.n.w) { return; }
  xout[c] = xv(c) + (OMEGA * (b[c] - applyA(c))) / diag[c];
}
