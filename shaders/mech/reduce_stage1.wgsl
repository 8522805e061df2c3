// First pass of a parallel reduction, without barriers: invocation t of T accumulates the
// strided slice i = t, t + T, t + 2T, … (coalesced loads) and writes one partial.
// MODE 0: Σ a·b (CG dot products), 1: Σ a, 2: max a, 3: max |a − b|.
// Maxima propagate NaN (a NaN anywhere gives NaN, so a blow-up cannot hide behind max()).
// reduce_stage2 then reduces the T partials with a pairwise tree in one workgroup.
// (Workgroup barriers are costly on CPU Vulkan implementations; this pass has none.)

override MODE: u32 = 0u;

// Reduce1Params: the uniform struct declared in src/backends/webgpu/uniforms.ts (prepended by shaders.ts)

@group(0) @binding(0) var<uniform> rp: Reduce1Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;

fn maxNan(x: f32, y: f32) -> f32 {
  if (isNanF(x)) { return x; }
  if (isNanF(y)) { return y; }
  return max(x, y);
}

fn term(i: u32) -> f32 {
  switch MODE {
    case 0u: { return a[i] * b[i]; }
    case 1u: { return a[i]; }
    case 2u: { return a[i]; }
    default: { return abs(a[i] - b[i]); }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let t = linearIndex(wid, nwg, lid);
  if (t >= rp.parts) { return; }
  var acc = 0.0;
  if (MODE >= 2u) { acc = -3.4028234e38; }
  for (var i = t; i < rp.n; i += rp.parts) {
    if (MODE >= 2u) { acc = maxNan(acc, term(i)); } else { acc += term(i); }
  }
  partial[t] = acc;
}
