// Mechanics (docs/mechanics.md), the twin of elasticBlocksK: the diagonal block A_cc of the
// elasticity operator for component COMP as a face-weight operator (common/stencil.wgsl:
// (d, w+x, w+y, w+z) per cell), the preconditioner's separate-displacement-component multigrid.
// Along c the faces carry (λ + 2μ) of the cell between the two values, across the other axes
// the edge μ; held values and clamp ghosts go into d.

override COMP: u32 = 0u;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> ep: ElasticParams;
@group(0) @binding(2) var<storage, read> mat: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> op: array<vec4<f32>>;

// (unused here: the helpers of common/elastic.wgsl that read a displacement)
fn uv(q: u32) -> f32 { return 0.0; }

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let p = linearIndex(wid, nwg, lid);
  if (p >= grid.n.w) { return; }
  let c = cellAt(p, grid.n);
  let dims = grid.p.w;
  let cc = COMP;
  var w = vec3<f32>(0.0, 0.0, 0.0);
  if (isFixed(c, cc)) {
    op[p] = vec4<f32>(mat[p].x + 2.0 * mat[p].y, 0.0, 0.0, 0.0);
    return;
  }
  var dd = 0.0;
  if (minusNeighbour(grid, p, c, cc) == NO_CELL) { dd += mat[p].x + 2.0 * mat[p].y; }
  let pa = plusNeighbour(grid, p, c, cc);
  if (pa != NO_CELL) {
    let k = mat[pa].x + 2.0 * mat[pa].y;
    if (isFixed(cellAt(pa, grid.n), cc)) { dd += k; } else { w[cc] = k; }
  }
  if (!onUpper(c, cc)) {
    for (var b = 0u; b < dims; b++) {
      if (b == cc) { continue; }
      if (onUpper(c, b)) {
        if (faceType(2u * b + 1u) == CLAMP) { dd += 2.0 * edgeMu(p, c, cc, b); }
      } else {
        w[b] = edgeMu(p, c, cc, b);
      }
      if (minusNeighbour(grid, p, c, b) == NO_CELL && faceType(2u * b) == CLAMP) { dd += mat[p].y + mat[pa].y; }
    }
  }
  op[p] = vec4<f32>(dd, w.x, w.y, w.z);
}
