// How a solve's operator is stored, general form (the potential, the transport, the multigrid
// levels; the face-weight operator of src/backends/cpu/operator.ts): op[c] = (d, w+x, w+y, w+z),
// w+a the weight of the face between cell c and its + neighbour along a (0 on a wall). The
// other form, common/op_uniform.wgsl, stores d alone where every face weight is one uniform or 0
// (the IMEX phase operator). A form gives common/stencil.wgsl its reads (opDiag, opFace), the
// smoothers the full diagonal (diagAt) and an assembling kernel its cell value (opPack); the
// including module declares `grid: Grid` and `op: array<OpCell>`.

alias OpCell = vec4<f32>;

// (the uniform form also stores its face weight, at op[N])
const OP_UNIFORM = false;

// d of cell c
fn opDiag(c: u32) -> f32 {
  return op[c].x;
}

// The weight of the face between cell lo and cell hi, lo's neighbour across its + face along
// axis a (hi = lo where lo has none: a wall; a periodic axis of one cell). Here w+a of lo.
fn opFace(lo: u32, hi: u32, a: u32) -> f32 {
  return op[lo][a + 1u];
}

// The stored value of a cell: d and its + face weights; a host cell is the identity row (d = 1, no faces).
fn opPack(d: f32, w: vec3<f32>, host: bool) -> OpCell {
  return select(vec4<f32>(d, w), vec4<f32>(1.0, 0.0, 0.0, 0.0), host);
}

// The full diagonal d_c + Σ_faces w_f of cell c (the CPU's diagonal(); mech/mg_diag.wgsl stores it for the elastic multigrid),
// formed where a smoother needs it instead of being stored: it reads the same op entries as
// applyA (common/stencil.wgsl), so a sweep moves no extra bytes.
fn diagAt(c: u32) -> f32 {
  let p = cellAt(c, grid.n);
  let o = op[c];
  var s = o.x + o.y + o.z;
  // the − faces are the + faces of the neighbours (periodic ones wrap, a wall has none)
  let mx = minusNeighbour(grid, c, p, 0u);
  if (mx != NO_CELL) { s += op[mx].y; }
  let my = minusNeighbour(grid, c, p, 1u);
  if (my != NO_CELL) { s += op[my].z; }
  if (grid.p.w == 3u) {
    s += o.w;
    let mz = minusNeighbour(grid, c, p, 2u);
    if (mz != NO_CELL) { s += op[mz].w; }
  }
  return s;
}
