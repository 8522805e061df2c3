// Reductions stage, second pass: one workgroup reduces the T partials of every channel of
// reduce_fields.wgsl (pairwise tree) and the per-row tips of reduce_tip.wgsl.
// out[0..7] = Σξ, Σc̃, Σ∂ξ/∂t, Σ|∇ξ|, max c̃, min c̃, min ξ, max ξ; out[8] = non-finite count
// (u32 bits); out[9] = tip.

// FinalParams: the uniform struct declared in src/backends/webgpu/uniforms.ts (prepended by shaders.ts)

override GATE: u32 = 15u;

@group(0) @binding(0) var<uniform> fp: FinalParams;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read> rowTip: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> lstate: Loop;   // gate GATE (common/loop.wgsl) and the step's parameters

var<workgroup> sh: array<f32, WG>;
var<workgroup> shu: array<u32, WG>;

const BIG: f32 = 3.4028234e38;

fn identity(ch: u32) -> f32 {
  if (ch == 4u || ch == 7u) { return -BIG; }
  if (ch == 5u || ch == 6u) { return BIG; }
  return 0.0;
}

fn combine(ch: u32, x: f32, y: f32) -> f32 {
  if (ch == 4u || ch == 7u || ch == 9u) { return max(x, y); }
  if (ch == 5u || ch == 6u) { return min(x, y); }
  return x + y;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  if (!gateOpen(lstate, GATE)) { return; }
  let G = fp.parts;
  for (var ch = 0u; ch < 8u; ch++) {
    var acc = identity(ch);
    for (var i = lid.x; i < G; i += WG) { acc = combine(ch, acc, partial[ch * G + i]); }
    sh[lid.x] = acc;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s = s >> 1u) {
      if (lid.x < s) { sh[lid.x] = combine(ch, sh[lid.x], sh[lid.x + s]); }
      workgroupBarrier();
    }
    if (lid.x == 0u) { out[ch] = sh[0]; }
    workgroupBarrier();
  }
  var cnt = 0u;
  for (var i = lid.x; i < G; i += WG) { cnt += bitcast<u32>(partial[8u * G + i]); }
  shu[lid.x] = cnt;
  var tip = 0.0;
  for (var r = lid.x; r < fp.rows; r += WG) { tip = max(tip, rowTip[r]); }
  sh[lid.x] = tip;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid.x < s) {
      shu[lid.x] = shu[lid.x] + shu[lid.x + s];
      sh[lid.x] = max(sh[lid.x], sh[lid.x + s]);
    }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    out[8] = bitcast<f32>(shu[0]);
    out[9] = sh[0];
  }
}
