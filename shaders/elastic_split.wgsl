// Mechanics (docs/mechanics.md): moves one displacement component between a CG vector of all
// components (component-major, off = a·N) and a component's multigrid buffer.
// JOIN false: dst[i] = src[off + i] (split); JOIN true: dst[off + i] = src[i] (join).

override JOIN: bool = false;

@group(0) @binding(0) var<uniform> sp: SplitParams;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = linearIndex(wid, nwg, lid);
  if (i >= sp.n) { return; }
  if (JOIN) { dst[sp.off + i] = src[i]; } else { dst[i] = src[sp.off + i]; }
}
