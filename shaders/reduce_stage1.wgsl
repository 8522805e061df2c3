// First pass of a parallel reduction: one partial per workgroup, over the whole grid. The
// dispatch has `parts` workgroups of WG invocations (reduce.ts, groupPartialsFor: about 8
// elements per invocation, at most MAX_PARTIALS workgroups); invocation t of T = parts·WG
// accumulates the strided slice i = t, t + T, … (coalesced loads), then the workgroup combines
// its WG values with a pairwise tree and writes partial[g]. reduce_stage2 reduces the partials.
// (Enough invocations to keep a large GPU's memory system busy: a fixed 4096 invocations would
// leave most of an H100 idle on a 800² grid.)
// MODE 0: Σ a·b (CG dot products), 1: Σ a, 2: max a, 3: max |a − b|.
// Maxima propagate NaN (a NaN anywhere gives NaN, so a blow-up cannot hide behind max()).

override MODE: u32 = 0u;

// Reduce1Params: the uniform struct declared in src/backends/webgpu/uniforms.ts (prepended by shaders.ts)

override GATE: u32 = 15u;

@group(0) @binding(0) var<uniform> rp: Reduce1Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;
@group(0) @binding(4) var<uniform> lstate: Loop;   // gate GATE (common/loop.wgsl) and the step's parameters

var<workgroup> sh: array<f32, WG>;

fn combine(x: f32, y: f32) -> f32 {
  if (MODE >= 2u) {
    if (isNanF(x)) { return x; }
    if (isNanF(y)) { return y; }
    return max(x, y);
  }
  return x + y;
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
  // (uniform control flow: the gate and the workgroup index are the same for the whole workgroup)
  if (!gateOpen(lstate, GATE)) { return; }
  let g = wid.y * nwg.x + wid.x;
  if (g >= rp.parts) { return; }
  let T = rp.parts * WG;
  var acc = 0.0;
  if (MODE >= 2u) { acc = -3.4028234e38; }
  for (var i = g * WG + lid.x; i < rp.n; i += T) { acc = combine(acc, term(i)); }
  sh[lid.x] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid.x < s) { sh[lid.x] = combine(sh[lid.x], sh[lid.x + s]); }
    workgroupBarrier();
  }
  if (lid.x == 0u) { partial[g] = sh[0]; }
}
