// Post-smoothing of the V-cycle (src/backends/cpu/multigrid.ts), damped Jacobi ω = 2/3 with the
// diagonal formed from op (diagAt), in one pass:
//   x' = xin + SCALE·P xc (piecewise-constant prolongation of the coarse correction, formed on
//        the fly),
//   s  = x' + ω (b − A x')/diag    (the first sweep),
//   out = s + ω (b − A s)/diag     (the second sweep),
// s formed on the fly where the second sweep reads it (the cell and its neighbours: 5 (2D) to 7
// (3D) first sweeps per cell, from cache, instead of a second pass and a level-sized vector
// through memory; every level, the fine one included, mgpcg.ts). The one-pass form repeats the
// two-pass expressions in the same order (a cell's s is formed by every invocation that reads it,
// always alike), so its numbers are the two passes'. applyA (common/stencil.wgsl) runs in three
// modes through xv: it records the cells it reads (REC), applies A to x' (PROLONG), or to the s
// values formed for the recorded cells, in the order it reads them (OUT).
// LEVEL0: the fine level (b = the CG residual, parity half of r2). DOT (fine level, CPT cells per
// invocation): out is z = M⁻¹ r, and each workgroup writes its partial sum of r·z into the
// iteration's parity section of `parts` (cg_matvec finishes it). Skipped once the solve has ended
// (common/cg_state.wgsl).

override OMEGA: f32 = 0.6666667;
override SCALE: f32 = 1.0;
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

const MODE_PROLONG: u32 = 0u;
const MODE_REC: u32 = 1u;
const MODE_OUT: u32 = 2u;
// the most cells applyA reads: the cell and its 2·dims neighbours
const STENCIL_READS: u32 = 7u;

var<private> mode: u32 = MODE_PROLONG;
var<private> nRead: u32 = 0u;
var<private> readAt: array<u32, STENCIL_READS>;
var<private> readVal: array<f32, STENCIL_READS>;

fn xv(q: u32) -> f32 {
  if (mode == MODE_PROLONG) {
    let nx = grid.n.x;
    let ny = grid.n.y;
    let i = q % nx;
    let j = (q / nx) % ny;
    let k = q / (nx * ny);
    let a = (i >> 1u) + coarse.n.x * ((j >> 1u) + coarse.n.y * (k >> 1u));
    return xin[q] + SCALE * xc[a];
  }
  let k = min(nRead, STENCIL_READS - 1u);
  nRead += 1u;
  if (mode == MODE_REC) {
    readAt[k] = q;
    return 0.0;
  }
  return readVal[k];
}

// the first sweep at cell q (from x')
fn sweep(q: u32, bOff: u32) -> f32 {
  mode = MODE_PROLONG;
  return xv(q) + (OMEGA * (b[bOff + q] - applyA(q))) / diagAt(q);
}

// both sweeps at cell c
fn post(c: u32, bOff: u32) -> f32 {
  mode = MODE_REC;
  nRead = 0u;
  _ = applyA(c);
  let reads = min(nRead, STENCIL_READS);
  // applyA reads the cell itself first; a wall's missing neighbour is the cell again
  let s = sweep(c, bOff);
  readVal[0] = s;
  for (var k = 1u; k < reads; k++) {
    let r = readAt[k];
    if (r == c) {
      readVal[k] = s;
    } else {
      readVal[k] = sweep(r, bOff);
    }
  }
  mode = MODE_OUT;
  nRead = 0u;
  return s + (OMEGA * (b[bOff + c] - applyA(c))) / diagAt(c);
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
        let z = post(c, bOff);
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
  xout[c] = post(c, bOff);
}
