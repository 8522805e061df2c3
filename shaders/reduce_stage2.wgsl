// Second pass of a multi-channel reduction: workgroup c reduces channel c's partials of
// reduce_stage1 (common/reduce.wgsl: parts, first; each invocation a strided slice, then a
// pairwise tree in workgroup memory) and writes the result into scal[slot]. Dispatched with one
// workgroup per channel: the same order of operations as a single-channel reduction's.
// MAXES: bit c set when channel c is a maximum (NaN-propagating), else a sum.

// ReduceChannels: common/reduce.wgsl

override MAXES: u32 = 0u;
override GATE: u32 = 15u;

@group(0) @binding(0) var<uniform> rc: ReduceChannels;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> scal: array<f32>;
@group(0) @binding(3) var<uniform> lstate: Loop;   // gate GATE (common/loop.wgsl) and the step's parameters

var<workgroup> sh: array<f32, WG>;

fn combine(isMax: bool, x: f32, y: f32) -> f32 {
  if (isMax) {
    if (isNanF(x)) { return x; }
    if (isNanF(y)) { return y; }
    return max(x, y);
  }
  return x + y;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  if (!gateOpen(lstate, GATE)) { return; }
  let ch = rc.ch[wid.x];
  let isMax = ((MAXES >> wid.x) & 1u) != 0u;
  var acc = 0.0;
  if (isMax) { acc = -3.4028234e38; }
  for (var i = lid.x; i < ch.y; i += WG) { acc = combine(isMax, acc, partial[ch.z + i]); }
  sh[lid.x] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid.x < s) { sh[lid.x] = combine(isMax, sh[lid.x], sh[lid.x + s]); }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    scal[ch.w] = sh[0];
  }
}
