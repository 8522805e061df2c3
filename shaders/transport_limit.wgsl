// Transport stage, after the solve and the back-transform c̃ = M u (transport_influx.wgsl):
// the conservative sink limiter and the end of the step (src/backends/cpu/transport.ts and
// CpuBackend.transport).
// Where c̃ < 0 the step consumed more ions than the cell held: the deficit is returned by
// un-depositing metal in that cell (ξ += c̃/(sink·c_s/c0), c̃ = 0), so c0 c̃ + sink·c_s ξ is
// unchanged (sink = 1 in the base model; t_a in the binary mode, where the t₊ share of a deposit
// came from the counter electrode: src/backends/cpu/transport.ts).
// Then ξ ← ξ_new and ∂ξ/∂t = Δξ/dt (Δξ includes the limiter's correction).
// lim[i] = ions returned in cell i (|c̃|·dV, scaled), summed by reduce_stage*.
// A host cell (props[i].w > 0.5, docs/material-switches.md) holds c̃ = 0 and is not limited (its D = 0
// isolates it; what the solve leaves there is round-off amplified by M, not ions).

// LimitParams: the uniform struct declared in src/backends/webgpu/uniforms.ts (prepended by shaders.ts)

override GATE: u32 = 15u;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> lp: LimitParams;
@group(0) @binding(2) var<storage, read_write> cfield: array<f32>;
@group(0) @binding(3) var<storage, read> xiNew: array<f32>;
@group(0) @binding(4) var<storage, read_write> dxi: array<f32>;
@group(0) @binding(5) var<storage, read_write> xi: array<f32>;
@group(0) @binding(6) var<storage, read_write> xidot: array<f32>;
@group(0) @binding(7) var<storage, read_write> lim: array<f32>;
@group(0) @binding(8) var<storage, read> props: array<vec4<f32>>;
@group(0) @binding(9) var<uniform> lstate: Loop;   // gate GATE (common/loop.wgsl) and the step's parameters

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  if (!gateOpen(lstate, GATE)) { return; }
  let i = linearIndex(wid, nwg, lid);
  if (i >= grid.n.w) { return; }
  let c = cfield[i];
  var x = xiNew[i];
  var d = dxi[i];
  var l = 0.0;
  if (props[i].w > 0.5) {
    cfield[i] = 0.0;
  } else if (c < 0.0) {
    l = -c * lp.vol;
    let back = c / (lp.sink * lp.csRatio);
    x = x + back;
    d = d + back;
    cfield[i] = 0.0;
  }
  xi[i] = x;
  dxi[i] = d;
  xidot[i] = d * lstate.invDt;
  lim[i] = l;
}
