// Pre-smoothing, residual and restriction Pᵀ of the piecewise-constant aggregation in one pass
// (src/backends/cpu/multigrid.ts), one invocation per coarse aggregate (I, J, K):
//   PRE: the level's pre-smoothing, the first two damped Jacobi sweeps (ω = 2/3) from a zero
//        guess, xo = x1 + ω (b − A x1)/diag with x1 = ω b/diag formed on the fly, is formed here
//        for the aggregate's own cells (written to x: the post-smoothing starts from it) and for
//        their neighbours outside it (A xo needs them; each cell is formed by the invocation of
//        its aggregate and, as a neighbour, by those next to it, with the same expression, so
//        the same value); else x is read (the fine level: cg_update pre-smoothed it);
// and the coarse right-hand side is the sum of the residuals b − A xo of the (up to 2×2×2)
// cells, added in memory order like mgRestrictK. The numbers of the former separate passes
// (pre-smoothing, then residual and restriction): the same expressions in the same order. applyA (common/stencil.wgsl)
// runs in three modes through xv: it records the cells it reads (REC), applies A to x1 (X1),
// or to the xo values formed for the recorded cells, in the order it reads them (OUT).
// LEVEL0: b is the CG residual (parity half of r2); PRE there only for a solve's first
// direction. Skipped once the solve has ended (common/cg_state.wgsl).

override OMEGA: f32 = 0.6666667;
override LEVEL0: bool = false;
override PRE: bool = false;

@group(0) @binding(0) var<uniform> grid: Grid;      // fine level
@group(0) @binding(1) var<uniform> coarse: Grid;
@group(0) @binding(2) var<storage, read> op: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> x: array<f32>;
@group(0) @binding(5) var<storage, read_write> bcoarse: array<f32>;
@group(0) @binding(6) var<storage, read> st: array<u32>;

const MODE_X1: u32 = 0u;
const MODE_REC: u32 = 1u;
const MODE_OUT: u32 = 2u;
// the most cells applyA reads: the cell and its 2·dims neighbours
const STENCIL_READS: u32 = 7u;

var<private> bOff: u32 = 0u;
var<private> mode: u32 = MODE_X1;
var<private> nRead: u32 = 0u;
var<private> readAt: array<u32, STENCIL_READS>;
var<private> readVal: array<f32, STENCIL_READS>;

fn bv(q: u32) -> f32 { return b[bOff + q]; }
fn x1(q: u32) -> f32 { return (OMEGA * bv(q)) / diagAt(q); }

fn xv(q: u32) -> f32 {
  if (!PRE) { return x[q]; }
  if (mode == MODE_X1) { return x1(q); }
  let k = min(nRead, STENCIL_READS - 1u);
  nRead += 1u;
  if (mode == MODE_REC) {
    readAt[k] = q;
    return 0.0;
  }
  return readVal[k];
}

// the pre-smoothed value at cell q (the former pre-smoothing pass's expression)
fn xoAt(q: u32) -> f32 {
  mode = MODE_X1;
  return x1(q) + (OMEGA * (bv(q) - applyA(q))) / diagAt(q);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let a = linearIndex(wid, nwg, lid);
  if (a >= coarse.n.w) { return; }
  let it = st[CG_CNT_B];
  if (st[CG_STAT + (it & 1u)] != ST_RUNNING) { return; }
  if (LEVEL0) { bOff = (it & 1u) * grid.n.w; }
  let ag = cellAt(a, coarse.n);
  let nx = grid.n.x;
  let ny = grid.n.y;
  // the aggregate's cells (NO_CELL past the grid's edge) and, with PRE, their pre-smoothed values
  var cells: array<u32, 8>;
  var xo: array<f32, 8>;
  for (var q = 0u; q < 8u; q++) {
    let m = aggregateMember(ag, q, grid.n);
    cells[q] = NO_CELL;
    if (m.w == 0u) { continue; }
    let f = m.x + nx * (m.y + ny * m.z);
    cells[q] = f;
    if (PRE) {
      xo[q] = xoAt(f);
      x[f] = xo[q];
    }
  }
  var s = 0.0;
  for (var q = 0u; q < 8u; q++) {
    let f = cells[q];
    if (f == NO_CELL) { continue; }
    if (PRE) {
      // the cells A xo reads at f: the aggregate's own values, the others formed here
      mode = MODE_REC;
      nRead = 0u;
      _ = applyA(f);
      let reads = min(nRead, STENCIL_READS);
      for (var k = 0u; k < reads; k++) {
        let r = readAt[k];
        var v = 0.0;
        var own = false;
        for (var m = 0u; m < 8u; m++) {
          if (cells[m] == r) {
            v = xo[m];
            own = true;
          }
        }
        if (!own) { v = xoAt(r); }
        readVal[k] = v;
      }
      mode = MODE_OUT;
      nRead = 0u;
    }
    s += bv(f) - applyA(f);
  }
  bcoarse[a] = s;
}
