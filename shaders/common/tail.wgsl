// The coarse "tail" of the multigrid hierarchy: the levels small enough for one workgroup
// (src/backends/webgpu/mgpcg.ts, TAIL_CELLS), packed one after the other in single buffers
// (opT, bT, xT, sT; level l at cell offset tp.lv[2l + 1].x) so that one dispatch can run their
// whole part of a V-cycle or of the set-up, with storage barriers between the passes. The
// arithmetic is that of the per-level kernels (mg_pre, mg_restrict, mg_post, mg_coarsen,
// common/stencil.wgsl), level by level. The including module declares `grid` (the fine level:
// periodicity and dims), `tp: TailParams` and `opT: array<vec4<f32>>`.

const MAX_TAIL: u32 = 12u;

struct TailParams {
  count: u32,     // tail levels
  pad0: u32,
  pad1: u32,
  pad2: u32,
  // lv[2l] = (nx, ny, nz, N) of tail level l, lv[2l + 1].x = its cell offset
  lv: array<vec4<u32>, 24>,
}

fn tN(l: u32) -> vec4<u32> { return tp.lv[2u * l]; }
fn tOff(l: u32) -> u32 { return tp.lv[2u * l + 1u].x; }

// Neighbour indices of cell c of a level with extent n (the CPU's face rules: a periodic axis
// wraps, else no face): returns (+x, −x, +y, −y, +z, −z) with c itself where there is none,
// and in `has` whether the − faces exist (their weights sit in the neighbour's op).
struct Nb {
  xp: u32, xm: u32, yp: u32, ym: u32, zp: u32, zm: u32,
  hxm: bool, hym: bool, hzm: bool,
}

fn neighbours(c: u32, n: vec4<u32>) -> Nb {
  let nx = n.x;
  let ny = n.y;
  let nz = n.z;
  let sy = nx;
  let sz = nx * ny;
  let i = c % nx;
  let j = (c / nx) % ny;
  let k = c / sz;
  var r: Nb;
  r.xp = c; r.xm = c; r.yp = c; r.ym = c; r.zp = c; r.zm = c;
  r.hxm = false; r.hym = false; r.hzm = false;
  if (i + 1u < nx) { r.xp = c + 1u; } else if (grid.p.x != 0u) { r.xp = c - (nx - 1u); }
  if (i > 0u) { r.xm = c - 1u; r.hxm = true; } else if (grid.p.x != 0u) { r.xm = c + (nx - 1u); r.hxm = true; }
  if (j + 1u < ny) { r.yp = c + sy; } else if (grid.p.y != 0u) { r.yp = c - (ny - 1u) * sy; }
  if (j > 0u) { r.ym = c - sy; r.hym = true; } else if (grid.p.y != 0u) { r.ym = c + (ny - 1u) * sy; r.hym = true; }
  if (grid.p.w == 3u) {
    if (k + 1u < nz) { r.zp = c + sz; } else if (grid.p.z != 0u) { r.zp = c - (nz - 1u) * sz; }
    if (k > 0u) { r.zm = c - sz; r.hzm = true; } else if (grid.p.z != 0u) { r.zm = c + (nz - 1u) * sz; r.hzm = true; }
  }
  return r;
}

// diagAt of common/stencil.wgsl on tail level l (same order of additions)
fn tDiag(l: u32, c: u32) -> f32 {
  let n = tN(l);
  let o0 = tOff(l);
  let nb = neighbours(c, n);
  let o = opT[o0 + c];
  var s = o.x + o.y + o.z;
  if (nb.hxm) { s += opT[o0 + nb.xm].y; }
  if (nb.hym) { s += opT[o0 + nb.ym].z; }
  if (grid.p.w == 3u) {
    s += o.w;
    if (nb.hzm) { s += opT[o0 + nb.zm].w; }
  }
  return s;
}
