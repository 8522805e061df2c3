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
  let nx = grid.n.x;
  let ny = grid.n.y;
  let nz = grid.n.z;
  let sy = nx;
  let sz = nx * ny;
  let i = c % nx;
  let j = (c / nx) % ny;
  let k = c / sz;
  let o = op[c];
  var s = o.x + o.y + o.z;
  if (i > 0u) { s += op[c - 1u].y; } else if (grid.p.x != 0u) { s += op[c + nx - 1u].y; }
  if (j > 0u) { s += op[c - sy].z; } else if (grid.p.y != 0u) { s += op[c + (ny - 1u) * sy].z; }
  if (grid.p.w == 3u) {
    s += o.w;
    if (k > 0u) { s += op[c - sz].w; } else if (grid.p.z != 0u) { s += op[c + (nz - 1u) * sz].w; }
  }
  diag[c] = s;
}
