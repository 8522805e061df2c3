// Grand-potential transport, end of a step (src/backends/cpu/gp-transport.ts gpFinishK): the
// concentration the phase stage and the outputs read, c̃ = K·c_l(w)·(1 − h(ξⁿ⁺¹)) (0 in a host
// cell). transport_limit.wgsl then commits ξ ← ξⁿ⁺¹ and ∂ξ/∂t (c̃ ≥ 0 here, so it limits nothing).

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> gp: GpParams;
@group(0) @binding(2) var<storage, read> xiNew: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read> props: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> cfield: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = linearIndex(wid, nwg, lid);
  if (c >= grid.n.w) { return; }
  if (props[c].w > 0.5) {
    cfield[c] = 0.0;
    return;
  }
  cfield[c] = gp.K * gpLogistic(w[c] - gp.el) * gpH(xiNew[c]).y;
}
