// Post-smoothing of the V-cycle (src/backends/cpu/multigrid.ts), damped Jacobi ω = 2/3 with the
// diagonal formed from op (diagAt):
//   PROLONG: x' = xo + SCALE·P xc (piecewise-constant prolongation of the coarse correction,
//            formed on the fly), out = x' + ω (b − A x')/diag   — the first sweep
//   else:    out = xin + ω (b − A xin)/diag                      — the second sweep
// LEVEL0: the fine level (b = the CG residual, parity half of r2). DOT (fine level, second sweep,
// CPT cells per invocation): out is z = M⁻¹ r, and each workgroup writes its partial sum of r·z
// into the iteration's parity section of `parts` (cg_matvec finishes it). Skipped once the solve
// has ended (common/cg_state.wgsl).

override OMEGA: f32 = 0.6666667;
override SCALE: f32 = 1.0;
override PROLONG: bool = false;
override LEVEL0: bool = false;
override DOT: bool = false;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> coarse: Grid;
@group(0) @binding(2) var<uniform> sp: SolveParams;
@group(0) @binding(3) var<storage, read> op: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> b: array<f32>;
@group(0) @binding(5) var<storage, read> xin: array<f32>;
@group(0) @binding(6) var<storage, read> xc: array<f32>;
@group(0) @binding(7) var<storage, read_write> xout: array<f32>;
@group(0) @binding(8) var<storage, read> st: array<u32>;
@group(0) @binding(9) var<storage, read_write> parts: array<f32>;

fn xv(q: u32) -> f32 {
  if (PROLONG) {
    let nx = grid.n.x;
    let ny = grid.n.y;
    let i = q % nx;
    let j = (q / nx) % ny;
    let k = q / (nx * ny);
    let a = (i >> 1u) + coarse.n.x * ((j >> 1u) + coarse.n.y * (k >> 1u));
    return xin[q] + SCALE * xc[a];
  }
  return xin[q];
}

fn sweep(c: u32, bOff: u32) -> f32 {
  return xv(c) + (OMEGA * (b[bOff + c] - applyA(c))) / diagAt(c);
}

var<workgroup> wstate: u32;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  if (DOT) {
    // uniform control flow: the status is read once per workgroup
    if (lid.x == 0u) {
      let i0 = st[CG_CNT_B];
      wstate = (i0 << 1u) | select(0u, 1u, st[CG_STAT + (i0 & 1u)] != ST_RUNNING);
    }
    let w = workgroupUniformLoad(&wstate);
    if ((w & 1u) != 0u) { return; }
    let it = w >> 1u;
    let g = groupIndex(wid, nwg);
    if (g >= sp.groups) { return; }
    let bOff = (it & 1u) * grid.n.w;
    var rz = 0.0;
    for (var t = 0u; t < CPT; t++) {
      let c = (g * CPT + t) * WG + lid.x;
      if (c < grid.n.w) {
        let z = sweep(c, bOff);
        xout[c] = z;
        rz += b[bOff + c] * z;
      }
    }
    let s = groupSum(rz, lid.x);
    if (lid.x == 0u) { parts[(P_RZ + (it & 1u)) * sp.groups + g] = s; }
    return;
  }
  let c = linearIndex(wid, nwg, lid);
  if (c >= grid.n.w) { return; }
  let it = st[CG_CNT_B];
  if (st[CG_STAT + (it & 1u)] != ST_RUNNING) { return; }
  var bOff = 0u;
  if (LEVEL0) { bOff = (it & 1u) * grid.n.w; }
  xout[c] = sweep(c, bOff);
}
