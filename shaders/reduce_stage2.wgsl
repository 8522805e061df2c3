// Second pass: one workgroup reduces the T partials of reduce_stage1 (each invocation a strided
// slice, then a pairwise tree in workgroup memory) and writes the result into scal[slot].
// MODE 0: sum, 1: max (NaN-propagating).

override MODE: u32 = 0u;

// Reduce2Params: the uniform struct declared in src/backends/webgpu/uniforms.ts (prepended by shaders.ts)

override GATE: u32 = 15u;

@group(0) @binding(0) var<uniform> rp: Reduce2Params;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> scal: array<f32>;
@group(0) @binding(3) var<uniform> lstate: Loop;   // gate GATE (common/loop.wgsl) and the step's parameters

var<workgroup> sh: array<f32, WG>;

fn combine(x: f32, y: f32) -> f32 {
  if (MODE == 1u) {
    if (isNanF(x)) { return x; }
    if (isNanF(y)) { return y; }
    return max(x, y);
  }
  return x + y;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  if (!gateOpen(lstate, GATE)) { return; }
  var acc = 0.0;
  if (MODE == 1u) { acc = -3.4028234e38; }
  for (var i = lid.x; i < rp.n; i += WG) { acc = combine(acc, partial[i]); }
  sh[lid.x] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid.x < s) { sh[lid.x] = combine(sh[lid.x], sh[lid.x + s]); }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    scal[rp.slot] = sh[0];
  }
}
