// IMEX phase stage (docs/imex-phase.md; the twin of imexRhsK, src/backends/cpu/phase-imex.ts):
// the right-hand side of a sweep, rhs = dt·F + ν − δ, ν = σ_W √dt N(0,1)·16ξⁿ²(1−ξⁿ)² (the
// explicit stage's noise: same counter-based draw and mask), δ = 0 on the first sweep; 0 on a
// host cell; and the start Δ = 0 of GpuPcg's system 'phase'.

// Gated (override GATE, common/loop.wgsl): the device loop records it in every step and it runs
// only while the step's gate is open; dt and the step's parameters come from the loop uniform.

// ImexRhsParams: the uniform struct declared in src/backends/webgpu/uniforms.ts (prepended by shaders.ts)

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> rp: ImexRhsParams;
@group(0) @binding(2) var<storage, read> xi: array<f32>;      // ξⁿ
@group(0) @binding(3) var<storage, read> rate: array<f32>;
@group(0) @binding(4) var<storage, read> props: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> delta: array<f32>;
@group(0) @binding(6) var<storage, read_write> rhs: array<f32>;
@group(0) @binding(7) var<storage, read_write> corr: array<f32>;
@group(0) @binding(8) var<uniform> lstate: Loop;   // gate GATE, dt, σ_W √dt, the step's noise key

override GATE: u32 = 15u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  if (!gateOpen(lstate, GATE)) { return; }
  let q = linearIndex(wid, nwg, lid);
  if (q >= grid.n.w) { return; }
  corr[q] = 0.0;
  if (rp.first != 0u) { delta[q] = 0.0; }
  if (props[q].w > 0.5) {
    rhs[q] = 0.0;
    return;
  }
  var b = lstate.dt * rate[q] - delta[q];
  if (lstate.noiseAmp > 0.0) {
    let x = xi[q];
    let m = 16.0 * x * x * (1.0 - x) * (1.0 - x);
    if (m > 0.0) {
      b = b + lstate.noiseAmp * m * cellNormal(lstate.key, q);
    }
  }
  rhs[q] = b;
}
