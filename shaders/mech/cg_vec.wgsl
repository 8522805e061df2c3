// Vector updates of preconditioned CG, gated by the status word of cg_scalar.wgsl.
// MODE 0: x += α p, r −= α q.   MODE 1: p = z + β p.   MODE 2: p = z (start).

override MODE: u32 = 0u;

// VecParams: the uniform struct declared in src/backends/webgpu/uniforms.ts (prepended by shaders.ts)

@group(0) @binding(0) var<uniform> vp: VecParams;
@group(0) @binding(1) var<storage, read> s: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> r: array<f32>;
@group(0) @binding(4) var<storage, read_write> p: array<f32>;
@group(0) @binding(5) var<storage, read> q: array<f32>;
@group(0) @binding(6) var<storage, read> z: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = linearIndex(wid, nwg, lid);
  if (i >= vp.n) { return; }
  if (MODE == 2u) {
    p[i] = z[i];
    return;
  }
  if (s[S_STATUS] != 0.0) { return; }
  if (MODE == 0u) {
    let alpha = s[S_ALPHA];
    x[i] = x[i] + alpha * p[i];
    r[i] = r[i] - alpha * q[i];
  } else {
    p[i] = z[i] + s[S_BETA] * p[i];
  }
}
