// The tail of a V-cycle in one workgroup (common/tail.wgsl): on every tail level but the last,
// pre-smoothing (two Jacobi sweeps from zero) and residual + restriction to the
// next (mg_restrict.wgsl); on the last (≤ 128 cells) the direct solve x = Gᵀ(G b) with
// G = L⁻¹ the inverse Cholesky factor (mg_coarse_apply's method; the factor comes from the host,
// src/backends/webgpu/coarse.ts); then back up, prolongation + first sweep and the second sweep
// (mg_post.wgsl). Storage barriers separate the passes. Skipped once the solve has ended.

override OMEGA: f32 = 0.6666667;
override SCALE: f32 = 1.0;
const MAX_COARSE: u32 = 128u;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<storage, read> tp: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> opT: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> bT: array<f32>;
@group(0) @binding(4) var<storage, read_write> xT: array<f32>;
@group(0) @binding(5) var<storage, read_write> sT: array<f32>;
@group(0) @binding(6) var<storage, read> gf: array<f32>;
@group(0) @binding(7) var<storage, read> st: array<u32>;

var<workgroup> t: array<f32, MAX_COARSE>;
var<workgroup> wstat: u32;

// source of the vector A is applied to: 0 the first sweep from zero (ω b/diag), 1 xT, 2 sT,
// 3 xT + SCALE·(the next level's xT at the aggregate) (prolongation)
fn srcVal(l: u32, q: u32, src: u32) -> f32 {
  let o0 = tOff(l);
  switch src {
    case 0u: { return (OMEGA * bT[o0 + q]) / tDiag(l, q); }
    case 1u: { return xT[o0 + q]; }
    case 2u: { return sT[o0 + q]; }
    default: {
      let n = tN(l);
      let nc = tN(l + 1u);
      let i = q % n.x;
      let j = (q / n.x) % n.y;
      let k = q / (n.x * n.y);
      let a = (i >> 1u) + nc.x * ((j >> 1u) + nc.y * (k >> 1u));
      return xT[o0 + q] + SCALE * xT[tOff(l + 1u) + a];
    }
  }
}

// (A v)_c on tail level l for the source v (applyA's order of operations; a missing + neighbour
// is the cell itself, whose difference is 0, a missing − face has weight 0)
fn applyT(l: u32, c: u32, src: u32) -> f32 {
  let g = tGrid(l);
  let o0 = tOff(l);
  let p = cellAt(c, g.n);
  let o = opT[o0 + c];
  let xc = srcVal(l, c, src);
  var acc = o.x * xc;
  var xp = plusNeighbour(g, c, p, 0u);
  if (xp == NO_CELL) { xp = c; }
  let xm = minusNeighbour(g, c, p, 0u);
  var xmTerm = 0.0;
  if (xm != NO_CELL) { xmTerm = opT[o0 + xm].y * (xc - srcVal(l, xm, src)); }
  acc += o.y * (xc - srcVal(l, xp, src)) + xmTerm;
  var yp = plusNeighbour(g, c, p, 1u);
  if (yp == NO_CELL) { yp = c; }
  var yterm = o.z * (xc - srcVal(l, yp, src));
  let ym = minusNeighbour(g, c, p, 1u);
  if (ym != NO_CELL) { yterm += opT[o0 + ym].z * (xc - srcVal(l, ym, src)); }
  acc += yterm;
  if (grid.p.w == 3u) {
    var zp = plusNeighbour(g, c, p, 2u);
    if (zp == NO_CELL) { zp = c; }
    var zterm = o.w * (xc - srcVal(l, zp, src));
    let zm = minusNeighbour(g, c, p, 2u);
    if (zm != NO_CELL) { zterm += opT[o0 + zm].w * (xc - srcVal(l, zm, src)); }
    acc += zterm;
  }
  return acc;
}

fn sweepT(l: u32, c: u32, src: u32) -> f32 {
  let o0 = tOff(l);
  return srcVal(l, c, src) + (OMEGA * (bT[o0 + c] - applyT(l, c, src))) / tDiag(l, c);
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  if (lid.x == 0u) {
    let i = st[CG_CNT_B];
    wstat = st[CG_STAT + (i & 1u)];
  }
  if (workgroupUniformLoad(&wstat) != ST_RUNNING) { return; }
  let last = tCountUniform(lid.x) - 1u;
  for (var l = 0u; l < last; l++) {
    let n = tN(l);
    let o0 = tOff(l);
    for (var c = lid.x; c < n.w; c += WG) { xT[o0 + c] = sweepT(l, c, 0u); }
    storageBarrier();
    let nc = tN(l + 1u);
    let oc = tOff(l + 1u);
    for (var a = lid.x; a < nc.w; a += WG) {
      let ag = cellAt(a, nc);
      var s = 0.0;
      for (var q = 0u; q < 8u; q++) {
        let m = aggregateMember(ag, q, n);
        if (m.w == 0u) { continue; }
        s += bT[o0 + m.x + n.x * (m.y + n.y * m.z)] - applyT(l, m.x + n.x * (m.y + n.y * m.z), 1u);
      }
      bT[oc + a] = s;
    }
    storageBarrier();
  }
  // the coarsest level: x = Gᵀ (G b)
  let nL = tN(last).w;
  let oL = tOff(last);
  for (var i = lid.x; i < nL; i += WG) {
    var s = 0.0;
    for (var k = 0u; k <= i; k++) { s += gf[i * nL + k] * bT[oL + k]; }
    t[i] = s;
  }
  workgroupBarrier();
  for (var i = lid.x; i < nL; i += WG) {
    var s = 0.0;
    for (var k = i; k < nL; k++) { s += gf[k * nL + i] * t[k]; }
    xT[oL + i] = s;
  }
  storageBarrier();
  for (var lp = last; lp > 0u; lp--) {
    let l = lp - 1u;
    let n = tN(l);
    let o0 = tOff(l);
    for (var c = lid.x; c < n.w; c += WG) { sT[o0 + c] = sweepT(l, c, 3u); }
    storageBarrier();
    for (var c = lid.x; c < n.w; c += WG) { xT[o0 + c] = sweepT(l, c, 2u); }
    storageBarrier();
  }
}
