// Residual and restriction Pᵀ of the piecewise-constant aggregation in one pass: the coarse
// right-hand side of aggregate (I, J, K) is the sum of the fine residuals b − A x of its
// (up to 2×2×2) cells, added in memory order like mgRestrictK in
// src/backends/cpu/multigrid.ts.

@group(0) @binding(0) var<uniform> grid: Grid;      // fine level
@group(0) @binding(1) var<uniform> coarse: Grid;
@group(0) @binding(2) var<storage, read> op: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read> xin: array<f32>;
@group(0) @binding(5) var<storage, read_write> bcoarse: array<f32>;

fn xv(q: u32) -> f32 { return xin[q]; }

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let a = linearIndex(wid, nwg, lid);
  if (a >= coarse.n.w) { return; }
  let ag = cellAt(a, coarse.n);
  let nx = grid.n.x;
  let ny = grid.n.y;
  var s = 0.0;
  for (var q = 0u; q < 8u; q++) {
    let m = aggregateMember(ag, q, grid.n);
    if (m.w == 0u) { continue; }
    let f = m.x + nx * (m.y + ny * m.z);
    s += b[f] - applyA(f);
  }
  bcoarse[a] = s;
}
