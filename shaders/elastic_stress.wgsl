// Mechanics (docs/mechanics.md), the twin of elasticStressK: normal stresses σ_aa at cell
// centres (sig[a·N + p]) and shear stresses τ_ab on the upper edges of every cell
// (tau[pair·N + p]). MODE 0 (LINEAR): of the displacement u, no eigenstrain (A·u);
// 1 (SOURCE): the eigenstrain h(ξ)·ε⁰ alone (u = 0); 2 (FULL): both.

override MODE: u32 = 0u;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> ep: ElasticParams;
@group(0) @binding(2) var<storage, read> mat: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> u: array<f32>;
@group(0) @binding(4) var<storage, read_write> sig: array<f32>;
@group(0) @binding(5) var<storage, read_write> tau: array<f32>;

fn uv(q: u32) -> f32 { return u[q]; }

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let p = linearIndex(wid, nwg, lid);
  let N = grid.n.w;
  if (p >= N) { return; }
  let c = cellAt(p, grid.n);
  let dims = grid.p.w;
  let lin = MODE != 1u;
  var h = 0.0;
  if (MODE != 0u) { h = mat[p].z; }
  let e0 = vec3<f32>(ep.e0x, ep.e0y, ep.e0z);
  var e = vec3<f32>(0.0, 0.0, 0.0);
  var tr = 0.0;
  if (dims == 2u) { tr = -h * e0.z; }
  for (var a = 0u; a < dims; a++) {
    var v = 0.0;
    if (lin) {
      let q = minusNeighbour(grid, p, c, a);
      var lo = 0.0;
      if (q != NO_CELL) { lo = um(q, a); }
      v = (um(p, a) - lo) / ep.dx;
    }
    e[a] = v - h * e0[a];
    tr += e[a];
  }
  let lam = mat[p].x;
  let mu2 = 2.0 * mat[p].y;
  for (var a = 0u; a < dims; a++) { sig[a * N + p] = lam * tr + mu2 * e[a]; }
  var np = 1u;
  if (dims == 3u) { np = 3u; }
  for (var k = 0u; k < np; k++) {
    // pairs (x, y), (x, z), (y, z)
    let a = select(1u, 0u, k < 2u);
    let b = select(2u, 1u, k == 0u);
    var t = 0.0;
    if (lin) { t = edgeTau(p, c, a, b); }
    tau[k * N + p] = t;
  }
}
