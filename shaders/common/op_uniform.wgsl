// How a solve's operator is stored, uniform-weight form (the IMEX phase operator,
// phase_imex_op.wgsl, solved with the Jacobi sweeps): every face weight is one value W or 0, so
// op (N + 1 floats) holds per cell d alone, −1 for a host cell (the identity row, d = 1: no
// other cell has d ≤ 0), and W at op[N]. A face's weight is W between two distinct non-host
// cells, else 0 (a wall, a periodic axis of one cell, a host on either side): the weights the
// general form (common/op_faces.wgsl) stores for this operator, so common/stencil.wgsl forms
// the same numbers from 4 bytes per cell instead of 16. The including module declares
// `grid: Grid` and `op: array<OpCell>`.

alias OpCell = f32;

const OP_UNIFORM = true;

fn opHost(q: u32) -> bool {
  return op[q] < 0.0;
}

// d of cell c (1 for a host cell)
fn opDiag(c: u32) -> f32 {
  return abs(op[c]);
}

// The weight of the face between cell lo and cell hi, lo's neighbour across its + face along
// axis a (hi = lo where lo has none: a wall; a periodic axis of one cell).
fn opFace(lo: u32, hi: u32, a: u32) -> f32 {
  return select(0.0, op[grid.n.w], lo != hi && !opHost(lo) && !opHost(hi));
}

// The stored value of a cell (d, or −1 for a host cell; w is implied by the hosts), and with
// host false and d = W the weight at op[N].
fn opPack(d: f32, w: vec3<f32>, host: bool) -> OpCell {
  return select(d, -1.0, host);
}

// The full diagonal d_c + Σ_faces w_f of cell c (diagAt of common/op_faces.wgsl for this form):
// every weight is W or 0 and the sum is positive, so adding a zero weight changes no bit and the
// general form's sum (d, then its faces in order) is d plus W once per face between c and a
// distinct non-host neighbour; 1 for a host cell. (Summed here as such, not through opFace: the
// Jacobi sweeps form it for a cell and its neighbours, and the shorter code keeps the fused
// kernels small.)
fn opLink(c: u32, q: u32) -> bool {
  return q != NO_CELL && q != c && !opHost(q);
}

fn diagAt(c: u32) -> f32 {
  let v = op[c];
  if (v < 0.0) { return 1.0; }
  let W = op[grid.n.w];
  let p = cellAt(c, grid.n);
  var s = v;
  for (var a = 0u; a < select(2u, 3u, grid.p.w == 3u); a++) {
    if (opLink(c, plusNeighbour(grid, c, p, a))) { s += W; }
    if (opLink(c, minusNeighbour(grid, c, p, a))) { s += W; }
  }
  return s;
}
