// IMEX phase stage (docs/imex-phase.md; the twin of imexFinishK, src/backends/cpu/phase-imex.ts):
// ξⁿ⁺¹ = ξⁿ + δ with the increment kept as Δξ (as phase.wgsl: ∂ξ/∂t = Δξ/dt without f32
// cancellation), and |δ|/dt for the dt policy's max (a NaN propagates through the max
// reduction). A host cell is written back as exactly 0 or 1 (x > ½) with rate 0, as phase.wgsl.

// Gated (override GATE, common/loop.wgsl); 1/dt from the loop uniform.

override GATE: u32 = 15u;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> lstate: Loop;   // gate GATE and 1/dt
@group(0) @binding(2) var<storage, read> xi: array<f32>;
@group(0) @binding(3) var<storage, read> delta: array<f32>;
@group(0) @binding(4) var<storage, read> props: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> xiNew: array<f32>;
@group(0) @binding(6) var<storage, read_write> dxi: array<f32>;
@group(0) @binding(7) var<storage, read_write> rateAbs: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  if (!gateOpen(lstate, GATE)) { return; }
  let q = linearIndex(wid, nwg, lid);
  if (q >= grid.n.w) { return; }
  let x = xi[q];
  if (props[q].w > 0.5) {
    let xh = select(0.0, 1.0, x > 0.5);
    xiNew[q] = xh;
    dxi[q] = xh - x;
    rateAbs[q] = 0.0;
    return;
  }
  let d = delta[q];
  xiNew[q] = x + d;
  dxi[q] = d;
  rateAbs[q] = abs(d) * lstate.invDt;
}
