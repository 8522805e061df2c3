// Grand-potential transport, start of a step (src/backends/cpu/gp-transport.ts): what ρ(ξⁿ, wⁿ)
// is made of, per cell, old = (h(ξⁿ), 1 − h(ξⁿ), c_l(wⁿ), s̄(wⁿ) = 1 − c_s(wⁿ)), so that the
// residual forms ρⁿ⁺¹ − ρⁿ term by term without cancellation (gp_coef.wgsl). Host cells: zeros.

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> gp: GpParams;
@group(0) @binding(2) var<storage, read> xi: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read> props: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> old: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = linearIndex(wid, nwg, lid);
  if (c >= grid.n.w) { return; }
  if (props[c].w > 0.5) {
    old[c] = vec4<f32>(0.0);
    return;
  }
  let h = gpH(xi[c]);
  old[c] = vec4<f32>(h.x, h.y, gpLogistic(w[c] - gp.el), gpLogistic(gp.es - w[c]));
}
