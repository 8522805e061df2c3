// Grand-potential form, for the reductions (src/backends/cpu/gp-transport.ts gpMetalK): the Li of
// the metal per cell over K·dv·c0, h(ξ)·c_s(w) (0 in a host cell); the host multiplies the sum
// by K·dv·dV.

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> gp: GpParams;
@group(0) @binding(2) var<storage, read> xi: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read> props: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> metal: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = linearIndex(wid, nwg, lid);
  if (c >= grid.n.w) { return; }
  if (props[c].w > 0.5) {
    metal[c] = 0.0;
    return;
  }
  metal[c] = gpH(xi[c]).x * gpLogistic(w[c] - gp.es);
}
