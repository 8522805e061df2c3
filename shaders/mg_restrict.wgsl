// Pre-smoothing, residual and restriction Pᵀ of the piecewise-constant aggregation in one pass
// (src/backends/cpu/multigrid.ts), per coarse aggregate (I, J, K):
//   the level's pre-smoothing, the first two damped Jacobi sweeps (ω = 2/3) from a zero guess,
//   xo = x1 + ω (b − A x1)/diag with x1 = ω b/diag formed on the fly, is formed for the
//   aggregate's own cells (written to x: the post-smoothing starts from it) and for their
//   neighbours outside it (A xo needs them; each cell is formed by the invocation of its
//   aggregate and, as a neighbour, by those next to it, with the same expression, so the same
//   value);
// and the coarse right-hand side is the sum of the residuals b − A xo of the (up to 2×2×2)
// cells, added in memory order like mgRestrictK. The numbers of the former separate passes
// (pre-smoothing, then residual and restriction): the same expressions in the same order. applyA
// (common/stencil.wgsl) runs in three modes through xv: it records the cells it reads (REC),
// applies A to x1 (X1), or to the xo values formed for the recorded cells, in the order it reads
// them (OUT). One invocation per aggregate; skipped once the solve has ended
// (common/cg_state.wgsl).
// LEVEL0: the fine level in a solve's first direction: b = the CG residual (r₀, the parity half of r2
// that CG_CNT_B names).
// CGUPD: the fine level in CG iteration i, with the iteration's update fused in (cg_update.wgsl's
// without its JACOBI sweeps; the verdict, α and workgroup 0's record are common/cg_step.wgsl's),
// so the update, the fine pre-smoothing and the restriction are one dispatch: for the
// aggregate's own cells x += α p_i and r_i = r_{i−1} − α q into the parity half i % 2 of r2, and
// b = r_i wherever it is read, formed on the fly from r_{i−1} and q (cg_update's expression, so
// the numbers are those of cg_update followed by this pass on the r_i it wrote). sp.groups
// workgroups (the update's partials: one per workgroup, cg_matvec sums sp.groups of them), each
// invocation a block of aggregates as cg_update's a block of CPT cells, and each workgroup
// writes the partial sum of r_i·r_i over its aggregates' cells.

override OMEGA: f32 = 0.6666667;
override LEVEL0: bool = false;
override CGUPD: bool = false;

@group(0) @binding(0) var<uniform> grid: Grid;      // fine level
@group(0) @binding(1) var<uniform> coarse: Grid;
@group(0) @binding(2) var<storage, read> op: array<vec4<f32>>;
// CGUPD: r2, both halves (r_{i−1} read, r_i written)
@group(0) @binding(3) var<storage, read_write> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> x: array<f32>;
@group(0) @binding(5) var<storage, read_write> bcoarse: array<f32>;
@group(0) @binding(6) var<storage, read_write> st: array<u32>;
// CGUPD only (bound to placeholders otherwise): the solve's parameters and solution vector, p
// (both halves; p_i read) with q = A p_i after it (at QOFF: cg_matvec's two outputs in one
// binding, so the kernel binds 8 storage buffers, the limit it may rely on), the partials
@group(0) @binding(7) var<uniform> sp: SolveParams;
@group(0) @binding(8) var<storage, read_write> xsol: array<f32>;
@group(0) @binding(9) var<storage, read> pq: array<f32>;
@group(0) @binding(10) var<storage, read_write> parts: array<f32>;

// CGUPD: where q starts in pq (floats; mgpcg.ts aligns it for its own binding of q)
override QOFF: u32 = 0u;

const MODE_X1: u32 = 0u;
const MODE_REC: u32 = 1u;
const MODE_OUT: u32 = 2u;
// the most cells applyA reads: the cell and its 2·dims neighbours
const STENCIL_READS: u32 = 7u;

var<private> bOff: u32 = 0u;
var<private> alpha: f32;
var<private> mode: u32 = MODE_X1;
var<private> nRead: u32 = 0u;
var<private> readAt: array<u32, STENCIL_READS>;
var<private> readVal: array<f32, STENCIL_READS>;

// b at cell q (CGUPD: r_i from r_{i−1} at bOff, as cg_update's rNew)
fn bv(q: u32) -> f32 {
  if (CGUPD) { return b[bOff + q] - alpha * pq[QOFF + q]; }
  return b[bOff + q];
}
fn x1(q: u32) -> f32 { return (OMEGA * bv(q)) / diagAt(q); }

fn xv(q: u32) -> f32 {
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

// Aggregate a: its cells' pre-smoothed values into x and its residuals' sum into bcoarse[a];
// CGUPD: first the CG update of its cells (p_i at pOff, r_i into the half at rOff), and the
// return value is Σ r_i² over them.
fn restrictAggregate(a: u32, pOff: u32, rOff: u32) -> f32 {
  let ag = cellAt(a, coarse.n);
  let nx = grid.n.x;
  let ny = grid.n.y;
  // the aggregate's cells (NO_CELL past the grid's edge) and their pre-smoothed values
  var cells: array<u32, 8>;
  var xo: array<f32, 8>;
  var rr = 0.0;
  for (var q = 0u; q < 8u; q++) {
    let m = aggregateMember(ag, q, grid.n);
    cells[q] = NO_CELL;
    if (m.w == 0u) { continue; }
    let f = m.x + nx * (m.y + ny * m.z);
    cells[q] = f;
    if (CGUPD) {
      xsol[f] = xsol[f] + alpha * pq[pOff + f];
      let r = bv(f);
      b[rOff + f] = r;
      rr += r * r;
    }
    xo[q] = xoAt(f);
    x[f] = xo[q];
  }
  var s = 0.0;
  for (var q = 0u; q < 8u; q++) {
    let f = cells[q];
    if (f == NO_CELL) { continue; }
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
    s += bv(f) - applyA(f);
  }
  bcoarse[a] = s;
  return rr;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  if (CGUPD) {
    let g = groupIndex(wid, nwg);
    let v = cgStep(g, lid.x);
    if (v.status != ST_RUNNING || g >= sp.groups) { return; }
    let i = v.i;
    alpha = v.alpha;
    let N = grid.n.w;
    bOff = ((i - 1u) & 1u) * N;
    // aggregates per invocation: sp.groups blocks of WG·per cover the coarse level
    let per = (coarse.n.w + sp.groups * WG - 1u) / (sp.groups * WG);
    var rr = 0.0;
    for (var t = 0u; t < per; t++) {
      let a = (g * per + t) * WG + lid.x;
      if (a < coarse.n.w) { rr += restrictAggregate(a, (i & 1u) * N, (i & 1u) * N); }
    }
    let s = groupSum(rr, lid.x);
    if (lid.x == 0u) { parts[(P_RR + (i & 1u)) * sp.groups + g] = s; }
    return;
  }
  let a = linearIndex(wid, nwg, lid);
  if (a >= coarse.n.w) { return; }
  let it = st[CG_CNT_B];
  if (st[CG_STAT + (it & 1u)] != ST_RUNNING) { return; }
  if (LEVEL0) { bOff = (it & 1u) * grid.n.w; }
  _ = restrictAggregate(a, 0u, 0u);
}
