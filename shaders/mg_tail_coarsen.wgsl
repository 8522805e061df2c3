// The set-up of the tail levels in one workgroup (common/tail.wgsl): the Galerkin operators
// level by level (mg_coarsen.wgsl's rule: 2×2(×2) aggregates, faces between aggregates added,
// then halved), then the coarsest level's direct solve: its operator expanded to a dense matrix
// as the stencil applies it (src/backends/webgpu/coarse.ts, which does the same on the host for
// grids without a tail), factored A = L Lᵀ in f32 with the CPU's order of operations
// (src/backends/cholesky.ts: every entry loses its products in increasing k), and G = L⁻¹
// written for mg_tail.wgsl (x = Gᵀ G b). Fresh for every solve: the coarsest operator follows the
// moving interface (σ and the Slotboom mass jump by ~1e7 across it), and a factor kept over a
// few dozen steps tripled the iterations. For these M-matrices the factorisation needs no
// pivoting and stays accurate entry by entry; GᵀG is SPD for any rounding (a valid
// preconditioner). A pivot that is not positive (an operator that is not SPD: ξ far outside
// [0, 1]) marks the solve broken down (CG_FACT), as the CPU's Cholesky throws.
// Level 0 of the tail was written by the last per-level coarsening. Nothing happens when the
// solve's gate is closed.

const FACE_SCALE: f32 = 0.5;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<storage, read> tp: array<vec4<u32>>;
@group(0) @binding(2) var<uniform> lstate: Loop;
@group(0) @binding(3) var<uniform> sp: SolveParams;
@group(0) @binding(4) var<storage, read_write> opT: array<vec4<f32>>;
// dense N×N scratch for A and L (row-major), the factor G = L⁻¹ (lower triangle read), the solve's status
@group(0) @binding(5) var<storage, read_write> dense: array<f32>;
@group(0) @binding(6) var<storage, read_write> gf: array<f32>;
@group(0) @binding(7) var<storage, read_write> st: array<u32>;

var<workgroup> failed: u32;
var<workgroup> wN: u32;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  if (!gateOpen(lstate, sp.gate)) { return; }
  let is3 = grid.p.w == 3u;
  let last = tCountUniform(lid.x) - 1u;
  for (var l = 0u; l < last; l++) {
    let n = tN(l);
    let o0 = tOff(l);
    let nc = tN(l + 1u);
    let oc = tOff(l + 1u);
    for (var a = lid.x; a < nc.w; a += WG) {
      let ag = cellAt(a, nc);
      var acc = vec4<f32>(0.0);
      for (var q = 0u; q < 8u; q++) {
        let m = aggregateMember(ag, q, n);
        if (m.w == 0u) { continue; }
        let i = m.x;
        let j = m.y;
        let k = m.z;
        let o = opT[o0 + i + n.x * (j + n.y * k)];
        acc.x += o.x;
        if ((((i + 1u) % n.x) >> 1u) != (i >> 1u)) { acc.y += o.y; }
        if ((((j + 1u) % n.y) >> 1u) != (j >> 1u)) { acc.z += o.z; }
        if (is3 && ((((k + 1u) % n.z) >> 1u) != (k >> 1u))) { acc.w += o.w; }
      }
      acc.y *= FACE_SCALE;
      acc.z *= FACE_SCALE;
      acc.w *= FACE_SCALE;
      if (nc.x == 1u) { acc.y = 0.0; }
      if (nc.y == 1u) { acc.z = 0.0; }
      if (!is3 || nc.z == 1u) { acc.w = 0.0; }
      opT[oc + a] = acc;
    }
    storageBarrier();
  }
  // the dense coarsest operator, row by row: (A x)_c = d_c x_c + Σ_faces w (x_c − x_nb)
  let g = tGrid(last);
  if (lid.x == 0u) { wN = g.n.w; }
  let N = workgroupUniformLoad(&wN);
  let oL = tOff(last);
  for (var c = lid.x; c < N; c += WG) {
    for (var q = 0u; q < N; q++) { dense[c * N + q] = 0.0; }
    let p = cellAt(c, g.n);
    let o = opT[oL + c];
    dense[c * N + c] = o.x;
    for (var a = 0u; a < 3u; a++) {
      if (a == 2u && !is3) { continue; }
      let up = plusNeighbour(g, c, p, a);
      let dn = minusNeighbour(g, c, p, a);
      let wUp = o[a + 1u];
      var wDn = 0.0;
      if (dn != NO_CELL) { wDn = opT[oL + dn][a + 1u]; }
      // a face whose two sides are the same cell (a periodic axis of length 1) cancels
      if (up != NO_CELL && up != c && wUp != 0.0) {
        dense[c * N + c] += wUp;
        dense[c * N + up] -= wUp;
      }
      if (dn != NO_CELL && dn != c && wDn != 0.0) {
        dense[c * N + c] += wDn;
        dense[c * N + dn] -= wDn;
      }
    }
  }
  if (lid.x == 0u) { failed = 0u; }
  storageBarrier();
  // right-looking Cholesky: column j's pivot, its column below, then the trailing lower triangle
  for (var j = 0u; j < N; j++) {
    if (lid.x == 0u) {
      let s = dense[j * N + j];
      if (!(s > 0.0) || isNanF(s)) { failed = 1u; }
      dense[j * N + j] = sqrt(s);
    }
    if (workgroupUniformLoad(&failed) != 0u) { break; }
    let ljj = dense[j * N + j];
    for (var i = j + 1u + lid.x; i < N; i += WG) { dense[i * N + j] = dense[i * N + j] / ljj; }
    storageBarrier();
    for (var i = j + 1u + lid.x; i < N; i += WG) {
      let lij = dense[i * N + j];
      for (var k = j + 1u; k <= i; k++) { dense[i * N + k] -= lij * dense[k * N + j]; }
    }
    storageBarrier();
  }
  if (workgroupUniformLoad(&failed) != 0u) {
    if (lid.x == 0u) { st[CG_FACT] = 1u; }
    return;
  }
  // G = L⁻¹, column by column (the columns are independent)
  for (var j = lid.x; j < N; j += WG) {
    gf[j * N + j] = 1.0 / dense[j * N + j];
    for (var i = j + 1u; i < N; i++) {
      var s = 0.0;
      for (var k = j; k < i; k++) { s += dense[i * N + k] * gf[k * N + j]; }
      gf[i * N + j] = -s / dense[i * N + i];
    }
  }
  if (lid.x == 0u) { st[CG_FACT] = 0u; }
}
