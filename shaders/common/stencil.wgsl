// The face-weight operator of src/backends/cpu/operator.ts:
//   (A x)_i = d_i x_i + Σ_faces w_f (x_i − x_nb)
// op[c] = (d, w+x, w+y, w+z): w+a is the face between cell c and its + neighbour along a
// (0 on a non-periodic boundary). The including module declares `grid: Grid`,
// `op: array<vec4<f32>>` and the function `xv(q: u32) -> f32` giving the vector x the
// operator is applied to (a buffer read, or a value formed on the fly by a fused kernel).

fn applyA(c: u32) -> f32 {
  let nx = grid.n.x;
  let ny = grid.n.y;
  let nz = grid.n.z;
  let p = cellAt(c, grid.n);
  let sy = p.sy;
  let sz = p.sz;
  let i = p.i;
  let j = p.j;
  let k = p.k;
  let o = op[c];
  let xc = xv(c);
  var acc = o.x * xc;
  // x faces
  var ixp = c;
  if (i + 1u < nx) { ixp = c + 1u; } else if (grid.p.x != 0u) { ixp = c - (nx - 1u); }
  var ixm = c;
  var fxm = 0.0;
  if (i > 0u) { ixm = c - 1u; fxm = 1.0; } else if (grid.p.x != 0u) { ixm = c + (nx - 1u); fxm = 1.0; }
  acc += o.y * (xc - xv(ixp)) + op[ixm].y * (xc - xv(ixm)) * fxm;
  // y faces
  var iyp = c;
  if (j + 1u < ny) { iyp = c + sy; } else if (grid.p.y != 0u) { iyp = c - (ny - 1u) * sy; }
  var yterm = o.z * (xc - xv(iyp));
  if (j > 0u) {
    yterm += op[c - sy].z * (xc - xv(c - sy));
  } else if (grid.p.y != 0u) {
    let m = c + (ny - 1u) * sy;
    yterm += op[m].z * (xc - xv(m));
  }
  acc += yterm;
  if (grid.p.w == 3u) {
    var izp = c;
    if (k + 1u < nz) { izp = c + sz; } else if (grid.p.z != 0u) { izp = c - (nz - 1u) * sz; }
    var zterm = o.w * (xc - xv(izp));
    if (k > 0u) {
      zterm += op[c - sz].w * (xc - xv(c - sz));
    } else if (grid.p.z != 0u) {
      let m = c + (nz - 1u) * sz;
      zterm += op[m].w * (xc - xv(m));
    }
    acc += zterm;
  }
  return acc;
}

// The full diagonal d_c + Σ_faces w_f of cell c (the CPU's diagonal(); the twin of its former pass mg_diag.wgsl),
// formed where a smoother needs it instead of being stored: it reads the same op entries as
// applyA, so a sweep moves no extra bytes.
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
