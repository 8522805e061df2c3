// The face-weight operator of src/backends/cpu/operator.ts:
//   (A x)_i = d_i x_i + Σ_faces w_f (x_i − x_nb)
// read through the operator's storage form, included before this file: common/op_faces.wgsl
// (op[c] = (d, w+x, w+y, w+z), w+a the face between cell c and its + neighbour along a, 0 on a
// non-periodic boundary) or common/op_uniform.wgsl (d per cell, one face weight); both give
// opDiag(c) and opFace(lo, hi, a), and the arithmetic here is the same for both, so one operator
// stored in either form gives the same numbers. Each form also gives diagAt(c), the full diagonal
// d_c + Σ_faces w_f that the Jacobi smoothers divide by. The including module declares `grid: Grid`,
// `op: array<OpCell>` and the function `xv(q: u32) -> f32` giving the vector x the operator is
// applied to (a buffer read, or a value formed on the fly by a fused kernel).

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
  let xc = xv(c);
  var acc = opDiag(c) * xc;
  // x faces (a missing neighbour is the cell itself: its face weight is 0, or x_c − x_c = 0)
  var ixp = c;
  if (i + 1u < nx) { ixp = c + 1u; } else if (grid.p.x != 0u) { ixp = c - (nx - 1u); }
  var ixm = c;
  var fxm = 0.0;
  if (i > 0u) { ixm = c - 1u; fxm = 1.0; } else if (grid.p.x != 0u) { ixm = c + (nx - 1u); fxm = 1.0; }
  acc += opFace(c, ixp, 0u) * (xc - xv(ixp)) + opFace(ixm, c, 0u) * (xc - xv(ixm)) * fxm;
  // y faces
  var iyp = c;
  if (j + 1u < ny) { iyp = c + sy; } else if (grid.p.y != 0u) { iyp = c - (ny - 1u) * sy; }
  var yterm = opFace(c, iyp, 1u) * (xc - xv(iyp));
  if (j > 0u) {
    yterm += opFace(c - sy, c, 1u) * (xc - xv(c - sy));
  } else if (grid.p.y != 0u) {
    let m = c + (ny - 1u) * sy;
    yterm += opFace(m, c, 1u) * (xc - xv(m));
  }
  acc += yterm;
  if (grid.p.w == 3u) {
    var izp = c;
    if (k + 1u < nz) { izp = c + sz; } else if (grid.p.z != 0u) { izp = c - (nz - 1u) * sz; }
    var zterm = opFace(c, izp, 2u) * (xc - xv(izp));
    if (k > 0u) {
      zterm += opFace(c - sz, c, 2u) * (xc - xv(c - sz));
    } else if (grid.p.z != 0u) {
      let m = c + (nz - 1u) * sz;
      zterm += opFace(m, c, 2u) * (xc - xv(m));
    }
    acc += zterm;
  }
  return acc;
}
