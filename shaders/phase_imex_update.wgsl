// IMEX phase stage (docs/imex-phase.md; the twin of imexUpdateK, src/backends/cpu/phase-imex.ts):
// after a sweep's solve, δ += Δ and ξ* = ξⁿ + δ/2, the midpoint the next sweep evaluates F at.
// Gated (override GATE, common/loop.wgsl) like the stage's other kernels.

override GATE: u32 = 15u;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<storage, read> xi: array<f32>;
@group(0) @binding(2) var<storage, read> corr: array<f32>;
@group(0) @binding(3) var<storage, read_write> delta: array<f32>;
@group(0) @binding(4) var<storage, read_write> xiStar: array<f32>;
@group(0) @binding(5) var<uniform> lstate: Loop;   // gate GATE

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  if (!gateOpen(lstate, GATE)) { return; }
  let q = linearIndex(wid, nwg, lid);
  if (q >= grid.n.w) { return; }
  let d = delta[q] + corr[q];
  delta[q] = d;
  xiStar[q] = xi[q] + 0.5 * d;
}
