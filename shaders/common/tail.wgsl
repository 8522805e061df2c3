// The coarse "tail" of the multigrid hierarchy: the levels small enough for one workgroup
// (src/backends/webgpu/mgpcg.ts, TAIL_CELLS), packed one after the other in single buffers
// (opT, bT, xT, sT; level l at cell offset tp.lv[2l + 1].x) so that one dispatch can run their
// whole part of a V-cycle or of the set-up, with storage barriers between the passes. The
// arithmetic is that of the per-level kernels (mg_restrict, mg_post, mg_coarsen,
// common/stencil.wgsl), level by level. The including module declares `grid` (the fine level:
// periodicity and dims), `tp: array<vec4<u32>>` (the level table: tp[0].x the number of tail
// levels, tp[1 + 2l] = (nx, ny, nz, N) of tail level l, tp[2 + 2l].x its cell offset) and
// `opT: array<vec4<f32>>`.

// (tCountUniform: the count as a workgroup-uniform value, for loops with barriers; call from uniform control flow)
var<workgroup> tailCount: u32;
fn tCountUniform(lid: u32) -> u32 {
  if (lid == 0u) { tailCount = tp[0].x; }
  return workgroupUniformLoad(&tailCount);
}
fn tN(l: u32) -> vec4<u32> { return tp[1u + 2u * l]; }
fn tOff(l: u32) -> u32 { return tp[2u + 2u * l].x; }

// Tail level l as a Grid (its sizes, the fine level's periodicity and dims), for the helpers of
// common/grid.wgsl.
fn tGrid(l: u32) -> Grid {
  return Grid(tN(l), grid.p);
}

// diagAt of common/op_faces.wgsl on tail level l (same order of additions)
fn tDiag(l: u32, c: u32) -> f32 {
  let g = tGrid(l);
  let o0 = tOff(l);
  let p = cellAt(c, g.n);
  let o = opT[o0 + c];
  var s = o.x + o.y + o.z;
  let mx = minusNeighbour(g, c, p, 0u);
  if (mx != NO_CELL) { s += opT[o0 + mx].y; }
  let my = minusNeighbour(g, c, p, 1u);
  if (my != NO_CELL) { s += opT[o0 + my].z; }
  if (grid.p.w == 3u) {
    s += o.w;
    let mz = minusNeighbour(g, c, p, 2u);
    if (mz != NO_CELL) { s += opT[o0 + mz].w; }
  }
  return s;
}
