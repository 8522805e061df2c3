// Grand-potential transport, the residual and the Newton system of one iterate
// (src/backends/cpu/gp-transport.ts gpResidualK): per cell
//   F = (ρⁿ⁺¹ − ρⁿ) − Σ_faces J_f − dt·S,   J_f = W_f (u_nb − u),
//   W_f = (dt/dx²)·m_f·sgWeight(a, a_nb),   m_f = ½(m + m_nb), 0 next to a host cell (m < 0),
// over interior and periodic faces (the neighbour from plus/minusNeighbour), and on a Dirichlet
// face of w (value w_b): a_b = ½(a + a_ghost) from the padded a, W_b = 2(dt/dx²)·m·sgWeight(a, a_b),
// u_b = e^{w_b + a_b}; a no-flux face carries nothing. Writes the face-weight operator
// (χ/u + Σ W_b, W_x+, W_y+, W_z+) and rhs = −F for GpuPcg, and per cell the magnitude F is made
// of (scale: its round-off floor) and the Dirichlet inflow ×dV (influx). S: the manufactured-solution
// source (zeros in runs).

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> bc: BC;              // w's faces, Dirichlet values w_b
@group(0) @binding(2) var<uniform> gp: GpParams;
@group(0) @binding(3) var<storage, read> cellA: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> cellB: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> pa: array<f32>;
@group(0) @binding(6) var<storage, read> src: array<f32>;
@group(0) @binding(7) var<storage, read_write> op: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> rhs: array<f32>;
@group(0) @binding(9) var<storage, read_write> scl: array<f32>;
@group(0) @binding(10) var<storage, read_write> infl: array<f32>;

fn faceMob(mi: f32, mj: f32) -> f32 {
  if (mi < 0.0 || mj < 0.0) { return 0.0; }
  return 0.5 * (mi + mj);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = linearIndex(wid, nwg, lid);
  if (c >= grid.n.w) { return; }
  let A = cellA[c];
  if (A.y < 0.0) {
    op[c] = vec4<f32>(1.0, 0.0, 0.0, 0.0);
    rhs[c] = 0.0;
    scl[c] = 0.0;
    infl[c] = 0.0;
    return;
  }
  let p = cellAt(c, grid.n);
  let is3 = grid.p.w == 3u;
  let psy = grid.n.x + 2u;
  let psz = psy * (grid.n.y + 2u);
  var q = (p.i + 1u) + psy * (p.j + 1u);
  if (is3) { q += psz * (p.k + 1u); }
  let pstep = vec3<u32>(1u, psy, psz);
  let coord = vec3<u32>(p.i, p.j, p.k);
  let uc = A.x;
  let mc = A.y;
  let ac = A.w;
  let B = cellB[c];
  var div = 0.0;
  var scale = B.y;
  var inflow = 0.0;
  var diag = A.z;
  var wplus = vec3<f32>(0.0);
  for (var ax = 0u; ax < select(2u, 3u, is3); ax++) {
    for (var side = 0u; side < 2u; side++) {
      let f = 2u * ax + side;
      var at = coord[ax] == 0u;
      if (side == 1u) { at = coord[ax] == grid.n[ax] - 1u; }
      let t = bc.t[f / 4u][f % 4u];
      if (at && t == BC_NOFLUX) { continue; }
      if (at && t == BC_DIRICHLET) {
        var g = q - pstep[ax];
        if (side == 1u) { g = q + pstep[ax]; }
        let ab = 0.5 * (pa[q] + pa[g]);
        let wb = 2.0 * gp.scale * mc * sgWeight(ac, ab);
        let ub = exp(bc.v[f / 4u][f % 4u] + ab);
        let flux = wb * (ub - uc);
        div += flux;
        inflow += flux;
        scale += wb * (ub + uc);
        diag += wb;
        continue;
      }
      // interior, or periodic (the wrapped neighbour)
      var nb: u32;
      if (side == 1u) { nb = plusNeighbour(grid, c, p, ax); } else { nb = minusNeighbour(grid, c, p, ax); }
      if (nb == NO_CELL) { continue; }
      let An = cellA[nb];
      let wf = gp.scale * faceMob(mc, An.y) * sgWeight(ac, An.w);
      div += wf * (An.x - uc);
      scale += wf * (An.x + uc);
      if (side == 1u) { wplus[ax] = wf; }
    }
  }
  let F = B.x - div - gp.dt * src[c];
  op[c] = vec4<f32>(diag, wplus.x, wplus.y, wplus.z);
  rhs[c] = -F;
  scl[c] = scale;
  infl[c] = inflow * gp.vol;
}
