// Transport stage, after the solve (src/backends/cpu/transport.ts): back from the Slotboom
// variable, c̃ = M u (M = e^{−(ψ−ψ_ref)} as assembled, so a metal row M u ≈ rhs gives c̃ ≈ rhs
// whatever the rounding of M), and the ions that entered through the Dirichlet faces of c̃ this
// step, per cell: Σ_b w_b (u_b − u)·dV = (Σ w_b u_b − (Σ w_b)·u)·dV (the SG flux of the solution
// through each face at distance dx/2). Runs before the limiter; summed by reduce_stage*.
// With the IMEX phase stage (g = aux.w ≠ 0, transport_assemble.wgsl) the implicit part of the
// deposit, g·(c̃ⁿ⁺¹ − c̃ⁿ), is added to Δξ and ξⁿ⁺¹ here (cfield still holds c̃ⁿ), before the limiter,
// as src/backends/cpu/transport.ts does; a species (g = 0) leaves them alone.

// InfluxParams: the uniform struct declared in src/backends/webgpu/uniforms.ts (prepended by shaders.ts)

override GATE: u32 = 15u;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> ip: InfluxParams;
@group(0) @binding(2) var<storage, read> u: array<f32>;
@group(0) @binding(3) var<storage, read> aux: array<vec4<f32>>;   // (M, Σ w_b, Σ w_b u_b, g)
@group(0) @binding(4) var<storage, read_write> cfield: array<f32>;
@group(0) @binding(5) var<storage, read_write> infl: array<f32>;
@group(0) @binding(6) var<storage, read_write> dxi: array<f32>;
@group(0) @binding(7) var<storage, read_write> xiNew: array<f32>;
@group(0) @binding(8) var<uniform> lstate: Loop;   // gate GATE (common/loop.wgsl) and the step's parameters

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  if (!gateOpen(lstate, GATE)) { return; }
  let c = linearIndex(wid, nwg, lid);
  if (c >= grid.n.w) { return; }
  let x = aux[c];
  let uc = u[c];
  let cn1 = x.x * uc;
  if (x.w != 0.0) {
    let d = x.w * (cn1 - cfield[c]);
    dxi[c] += d;
    xiNew[c] += d;
  }
  cfield[c] = cn1;
  infl[c] = (x.z - x.y * uc) * ip.vol;
}
