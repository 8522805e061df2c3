// Front tip per x-row (src/backends/cpu/reductions.ts): the furthest ξ = 0.5 crossing along x,
// scanning from the x1 end, linearly interpolated between cell centres; 0 when the row has no
// cell with ξ ≥ 0.5. One invocation per row; reduce_fields_final takes the maximum.
// Host cells (props.w > 0.5) are skipped and never interpolated towards (CPU reference).

// TipParams: the uniform struct declared in src/backends/webgpu/uniforms.ts (prepended by shaders.ts)

override GATE: u32 = 15u;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> tp: TipParams;
@group(0) @binding(2) var<storage, read> xi: array<f32>;
@group(0) @binding(3) var<storage, read_write> rowTip: array<f32>;
@group(0) @binding(4) var<storage, read> props: array<vec4<f32>>;
@group(0) @binding(5) var<uniform> lstate: Loop;   // gate GATE (common/loop.wgsl) and the step's parameters

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  if (!gateOpen(lstate, GATE)) { return; }
  let r = linearIndex(wid, nwg, lid);
  if (r >= grid.n.y * grid.n.z) { return; }
  let nx = grid.n.x;
  let b = nx * r;
  var tip = 0.0;
  for (var ii = 0u; ii < nx; ii++) {
    let i = nx - 1u - ii;
    if (props[b + i].w > 0.5) { continue; }
    let x0 = xi[b + i];
    if (x0 >= 0.5) {
      var x = (f32(i) + 0.5) * tp.dx;
      if (i + 1u < nx && props[b + i + 1u].w <= 0.5) {
        let x1 = xi[b + i + 1u];
        x += (tp.dx * (x0 - 0.5)) / (x0 - x1);
      }
      tip = max(tip, x);
      break;
    }
  }
  rowTip[r] = tip;
}
