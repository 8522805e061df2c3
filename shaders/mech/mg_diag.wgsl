// Full diagonal of a face-weight operator: d_i + the weights of all faces of cell i
// (src/backends/cpu/operator.ts, diagonal()), stored for the elastic multigrid's smoother:
// diagAt of common/op_faces.wgsl, the same sum the scalar solves' smoothers form on the fly.

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<storage, read> op: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> diag: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = linearIndex(wid, nwg, lid);
  if (c >= grid.n.w) { return; }
  diag[c] = diagAt(c);
}
