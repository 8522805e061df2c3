// The V-cycle of a grid of at most 128 cells, which is its own coarsest level: z = Gᵀ(G r) with
// G = L⁻¹ (as mg_tail.wgsl's coarse solve), r the CG residual of the current iteration (parity
// half of r2), and the partial r·z (one workgroup: the only partial). Skipped once the solve has
// ended.

const MAX_COARSE: u32 = 128u;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> sp: SolveParams;
@group(0) @binding(2) var<storage, read> r2: array<f32>;
@group(0) @binding(3) var<storage, read> gf: array<f32>;
@group(0) @binding(4) var<storage, read_write> z: array<f32>;
@group(0) @binding(5) var<storage, read> st: array<u32>;
@group(0) @binding(6) var<storage, read_write> parts: array<f32>;

var<workgroup> t: array<f32, MAX_COARSE>;
var<workgroup> wstate: u32;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  if (lid.x == 0u) {
    let i0 = st[CG_CNT_B];
    wstate = (i0 << 1u) | select(0u, 1u, st[CG_STAT + (i0 & 1u)] != ST_RUNNING);
  }
  let w = workgroupUniformLoad(&wstate);
  if ((w & 1u) != 0u) { return; }
  let it = w >> 1u;
  let N = grid.n.w;
  let off = (it & 1u) * N;
  for (var i = lid.x; i < N; i += WG) {
    var s = 0.0;
    for (var k = 0u; k <= i; k++) { s += gf[i * N + k] * r2[off + k]; }
    t[i] = s;
  }
  workgroupBarrier();
  var rz = 0.0;
  for (var i = lid.x; i < N; i += WG) {
    var s = 0.0;
    for (var k = i; k < N; k++) { s += gf[k * N + i] * t[k]; }
    z[i] = s;
    rz += r2[off + i] * s;
  }
  let total = groupSum(rz, lid.x);
  if (lid.x == 0u) { parts[(P_RZ + (it & 1u)) * sp.groups] = total; }
}
