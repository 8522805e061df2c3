// The tail of a V-cycle in one workgroup (common/tail.wgsl): on every tail level but the last,
// pre-smoothing (two Jacobi sweeps from zero, as mg_pre.wgsl) and residual + restriction to the
// next (mg_restrict.wgsl); on the last (≤ 128 cells) the direct solve x = Gᵀ(G b) with
// G = L⁻¹ the inverse Cholesky factor (mg_coarse_apply's method; the factor comes from the host,
// src/backends/webgpu/coarse.ts); then back up, prolongation + first sweep and the second sweep
// (mg_post.wgsl). Storage barriers separate the passes. Skipped once the solve has ended.

override OMEGA: f32 = 0.6666667;
override SCALE: f32 = 1.0;
const MAX_COARSE: u32 = 128u;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> tp: TailParams;
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

// (A v)_c on tail level l for the source v (applyA's order of operations)
fn applyT(l: u32, c: u32, src: u32) -> f32 {
  let n = tN(l);
  let o0 = tOff(l);
  let nb = neighbours(c, n);
  let o = opT[o0 + c];
  let xc = srcVal(l, c, src);
  var acc = o.x * xc;
  var fxm = 0.0;
  if (nb.hxm) { fxm = 1.0; }
  acc += o.y * (xc - srcVal(l, nb.xp, src)) + opT[o0 + nb.xm].y * (xc - srcVal(l, nb.xm, src)) * fxm;
  var yterm = o.z * (xc - srcVal(l, nb.yp, src));
  if (nb.hym) { yterm += opT[o0 + nb.ym].z * (xc - srcVal(l, nb.ym, src)); }
  acc += yterm;
  if (grid.p.w == 3u) {
    var zterm = o.w * (xc - srcVal(l, nb.zp, src));
    if (nb.hzm) { zterm += opT[o0 + nb.zm].w * (xc - srcVal(l, nb.zm, src)); }
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
  let last = tp.count - 1u;
  for (var l = 0u; l < last; l++) {
    let n = tN(l);
    let o0 = tOff(l);
    for (var c = lid.x; c < n.w; c += WG) { xT[o0 + c] = sweepT(l, c, 0u); }
    storageBarrier();
    let nc = tN(l + 1u);
    let oc = tOff(l + 1u);
    for (var a = lid.x; a < nc.w; a += WG) {
      let I = a % nc.x;
      let J = (a / nc.x) % nc.y;
      let K = a / (nc.x * nc.y);
      var s = 0.0;
      for (var kk = 0u; kk < 2u; kk++) {
        let k = 2u * K + kk;
        if (k >= n.z) { continue; }
        for (var jj = 0u; jj < 2u; jj++) {
          let j = 2u * J + jj;
          if (j >= n.y) { continue; }
          for (var ii = 0u; ii < 2u; ii++) {
            let i = 2u * I + ii;
            if (i >= n.x) { continue; }
            let f = i + n.x * (j + n.y * k);
            s += bT[o0 + f] - applyT(l, f, 1u);
          }
        }
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
