// dst = src over N cells, when the kernel's gate is open (common/loop.wgsl): the device loop's
// copy of ξ at a potential solve (ξ at the last solve) and of the fields at a save (the good
// state a rollback returns to), which a queue-level buffer copy could not skip.

override GATE: u32 = 15u;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<uniform> lstate: Loop;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  if (!gateOpen(lstate, GATE)) { return; }
  let i = linearIndex(wid, nwg, lid);
  if (i >= grid.n.w) { return; }
  dst[i] = src[i];
}
