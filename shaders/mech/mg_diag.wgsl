// Full diagonal of a face-weight operator: d_i + the weights of all faces of cell i
// (src/backends/cpu/operator.ts, diagonal()).

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<storage, read> op: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> diag: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = linearIndex(wid, nwg, lid);
  if (c >= grid.n.w) { return; }
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
  diag[c] = s;
}
