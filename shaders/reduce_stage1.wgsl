// First pass of a multi-channel reduction (reduce.ts): K channels in one dispatch, one partial
// per workgroup. Channel c (common/reduce.wgsl: n, parts, first) owns workgroups first … first +
// parts − 1 of the dispatch, and its workgroup g = w − first does exactly what a reduction of
// that channel alone would: invocation t of T = parts·WG accumulates the strided slice i = t,
// t + T, … (coalesced loads, t = g·WG + lid), then the workgroup combines its WG values with a
// pairwise tree and writes partial[w]. A channel's partition and summation order depend on its
// own n and parts only, never on the channels beside it, so its result is the same bit for bit
// whichever group it is reduced in. reduce_stage2 reduces each channel's partials.
// (About 8 elements per invocation, at most MAX_PARTIALS workgroups per channel, reduce.ts
// groupPartialsFor: enough invocations to keep a large GPU's memory system busy.)
// Modes (MODE<c>): 0 Σ a·b (dot products), 1 Σ a, 2 max a, 3 max |a − b|. Maxima propagate NaN
// (a NaN anywhere gives NaN, so a blow-up cannot hide behind max()).
// Inputs: seven read-only slots x0 … x6; channel c reads a from slot IN<c> and, in modes 0 and
// 3, b from slot IN<c> + 1. The modes and slots are override constants, so each channel's body is
// specialised as a single-channel kernel would be; slots no channel reads are bound to any buffer.

// ReduceChannels, MAX_CH: common/reduce.wgsl

override K: u32 = 1u;
override MODE0: u32 = 1u;
override MODE1: u32 = 1u;
override MODE2: u32 = 1u;
override MODE3: u32 = 1u;
override MODE4: u32 = 1u;
override MODE5: u32 = 1u;
override MODE6: u32 = 1u;
override IN0: u32 = 0u;
override IN1: u32 = 0u;
override IN2: u32 = 0u;
override IN3: u32 = 0u;
override IN4: u32 = 0u;
override IN5: u32 = 0u;
override IN6: u32 = 0u;
override GATE: u32 = 15u;

@group(0) @binding(0) var<uniform> rc: ReduceChannels;
@group(0) @binding(1) var<storage, read> x0: array<f32>;
@group(0) @binding(2) var<storage, read> x1: array<f32>;
@group(0) @binding(3) var<storage, read> x2: array<f32>;
@group(0) @binding(4) var<storage, read> x3: array<f32>;
@group(0) @binding(5) var<storage, read> x4: array<f32>;
@group(0) @binding(6) var<storage, read> x5: array<f32>;
@group(0) @binding(7) var<storage, read> x6: array<f32>;
@group(0) @binding(8) var<storage, read_write> partial: array<f32>;
@group(0) @binding(9) var<uniform> lstate: Loop;   // gate GATE (common/loop.wgsl) and the step's parameters

var<workgroup> sh: array<f32, WG>;

fn load(s: u32, i: u32) -> f32 {
  switch s {
    case 0u: { return x0[i]; }
    case 1u: { return x1[i]; }
    case 2u: { return x2[i]; }
    case 3u: { return x3[i]; }
    case 4u: { return x4[i]; }
    case 5u: { return x5[i]; }
    default: { return x6[i]; }
  }
}

fn combine(mode: u32, x: f32, y: f32) -> f32 {
  if (mode >= 2u) {
    if (isNanF(x)) { return x; }
    if (isNanF(y)) { return y; }
    return max(x, y);
  }
  return x + y;
}

fn term(mode: u32, s: u32, i: u32) -> f32 {
  switch mode {
    case 0u: { return load(s, i) * load(s + 1u, i); }
    case 1u, 2u: { return load(s, i); }
    default: { return abs(load(s, i) - load(s + 1u, i)); }
  }
}

// Workgroup w's partial of channel ch in mode `mode`, inputs from slot s. (Uniform control flow:
// mode and s are override constants, ch comes from a uniform, w is the workgroup's.)
fn channel(mode: u32, s: u32, ch: vec4<u32>, w: u32, lid: u32) {
  let g = w - ch.z;
  let T = ch.y * WG;
  var acc = 0.0;
  if (mode >= 2u) { acc = -3.4028234e38; }
  for (var i = g * WG + lid; i < ch.x; i += T) { acc = combine(mode, acc, term(mode, s, i)); }
  sh[lid] = acc;
  workgroupBarrier();
  for (var h = WG / 2u; h > 0u; h = h >> 1u) {
    if (lid < h) { sh[lid] = combine(mode, sh[lid], sh[lid + h]); }
    workgroupBarrier();
  }
  if (lid == 0u) { partial[w] = sh[0]; }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  // (uniform control flow: the gate, the workgroup index and the channel table are the same for the whole workgroup)
  if (!gateOpen(lstate, GATE)) { return; }
  let w = wid.y * nwg.x + wid.x;
  for (var c = 0u; c < K; c++) {
    let ch = rc.ch[c];
    if (w < ch.z || w >= ch.z + ch.y) { continue; }
    switch c {
      case 0u: { channel(MODE0, IN0, ch, w, lid.x); }
      case 1u: { channel(MODE1, IN1, ch, w, lid.x); }
      case 2u: { channel(MODE2, IN2, ch, w, lid.x); }
      case 3u: { channel(MODE3, IN3, ch, w, lid.x); }
      case 4u: { channel(MODE4, IN4, ch, w, lid.x); }
      case 5u: { channel(MODE5, IN5, ch, w, lid.x); }
      default: { channel(MODE6, IN6, ch, w, lid.x); }
    }
  }
}
