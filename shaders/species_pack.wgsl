// A transported species (src/model/species.ts; the shielding additive, docs/additive.md), the
// end of its transport step, after transport_influx.wgsl has formed ã = M u: a host cell
// (props.w > 0.5, docs/material-switches.md) holds ã = 0 (its D = 0 isolates it; what the solve leaves
// there is round-off amplified by M, as for c̃ in transport_limit.wgsl), and the species' term
// of the reaction-rate screening goes into lane z of the phase stage's material view:
//   phaseProps.z = 1 + Σ_species s·max(0, ã − 1)
// (phase.wgsl divides L_η·kL by it). The first species of the list starts the sum at 1, the
// others add to it, so the phase stage needs one binding however many species there are.
// No limiter: a species has no sink, so the implicit M-matrix step keeps ã ≥ 0.

override GATE: u32 = 15u;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> pk: PackParams;
@group(0) @binding(2) var<storage, read_write> afield: array<f32>;
@group(0) @binding(3) var<storage, read> props: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> phaseProps: array<vec4<f32>>;
@group(0) @binding(5) var<uniform> lstate: Loop;   // gate GATE (common/loop.wgsl) and the step's parameters

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  if (!gateOpen(lstate, GATE)) { return; }
  let i = linearIndex(wid, nwg, lid);
  if (i >= grid.n.w) { return; }
  var a = afield[i];
  if (props[i].w > 0.5) {
    a = 0.0;
    afield[i] = 0.0;
  }
  var den = phaseProps[i].z;
  if (pk.first != 0u) { den = 1.0; }
  if (pk.shield > 0.0) { den = den + pk.shield * max(0.0, a - 1.0); }
  phaseProps[i].z = den;
}
