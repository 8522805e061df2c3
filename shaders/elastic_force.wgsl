// Mechanics (docs/mechanics.md), the twin of elasticForceK: the discrete force F (the energy
// gradient, scaled by dx^{2−d}) from the stresses of elastic_stress.wgsl,
//   F_a[p] = dx·[σ_aa(p) − σ_aa(p + e_a) + Σ_b (τ_ab(edge below p along b) − τ_ab(edge above))],
// D·u_a on a held value (D = λ + 2μ of its cell). MODE 0 (LINEAR): of u; 1 (SOURCE): of the
// eigenstrain and the stack pressure on a traction face x1 (held rows 0). RESID: out = bin − F
// (CG's initial residual with bin = b; the right-hand side with bin = the extra load, zero
// unless a test sets one, and MODE 1), else out = F (CG's q = A p).

override MODE: u32 = 0u;
override RESID: bool = false;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> ep: ElasticParams;
@group(0) @binding(2) var<storage, read> mat: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> u: array<f32>;
@group(0) @binding(4) var<storage, read> sig: array<f32>;
@group(0) @binding(5) var<storage, read> tau: array<f32>;
@group(0) @binding(6) var<storage, read> bin: array<f32>;
@group(0) @binding(7) var<storage, read_write> out: array<f32>;

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
  for (var a = 0u; a < dims; a++) {
    let o = a * N + p;
    var v: f32;
    if (isFixed(c, a)) {
      v = 0.0;
      if (lin) { v = (mat[p].x + 2.0 * mat[p].y) * u[o]; }
    } else {
      let pa = plusNeighbour(grid, p, c, a);
      var above = 0.0;
      if (pa != NO_CELL) {
        above = sig[a * N + pa];
      } else if (MODE != 0u && a == 0u && faceType(1u) == TRACTION) {
        above = -ep.pressure;
      }
      var f = sig[o] - above;
      for (var b = 0u; b < dims; b++) {
        if (b == a) { continue; }
        let kq = pairOf(a, b) * N;
        let qb = minusNeighbour(grid, p, c, b);
        var below = 0.0;
        if (qb != NO_CELL) {
          below = tau[kq + qb];
        } else if (lin) {
          below = lowerEdgeTau(p, c, a, b);
        }
        f += below - tau[kq + p];
      }
      v = ep.dx * f;
    }
    if (RESID) { out[o] = bin[o] - v; } else { out[o] = v; }
  }
}
