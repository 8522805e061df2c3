// Boundary currents after a potential solve, per x-row (src/backends/cpu/potential.ts):
//   x1: σ̂ (g1 − ψ)·2/dx·area,  x0: σ̂ (ψ − g0)·2/dx·area (Dirichlet faces only),
//   source: β Σ_row ∂ξ/∂t · area·dx.
// One value per row in f1 (x1), f0 (x0) and src (source); summed by reduce_stage*.

// FluxParams: the uniform struct declared in src/backends/webgpu/uniforms.ts (prepended by shaders.ts)

override GATE: u32 = 15u;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> bc: BC;
@group(0) @binding(2) var<uniform> fp: FluxParams;
@group(0) @binding(3) var<storage, read> sigma: array<f32>;
@group(0) @binding(4) var<storage, read> psi: array<f32>;
@group(0) @binding(5) var<storage, read> xidot: array<f32>;
@group(0) @binding(6) var<storage, read_write> f1: array<f32>;
@group(0) @binding(7) var<storage, read_write> f0: array<f32>;
@group(0) @binding(8) var<storage, read_write> src: array<f32>;
@group(0) @binding(9) var<uniform> lstate: Loop;   // gate GATE (common/loop.wgsl) and the step's parameters

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  if (!gateOpen(lstate, GATE)) { return; }
  let r = linearIndex(wid, nwg, lid);
  let rows = grid.n.y * grid.n.z;
  if (r >= rows) { return; }
  let nx = grid.n.x;
  let a = nx * r;
  let b = a + nx - 1u;
  var x1 = 0.0;
  if (bc.t[0][1] == BC_DIRICHLET) { x1 = (sigma[b] * (bc.v[0][1] - psi[b]) * 2.0 / fp.dx) * fp.area; }
  var x0 = 0.0;
  if (bc.t[0][0] == BC_DIRICHLET) { x0 = (sigma[a] * (psi[a] - bc.v[0][0]) * 2.0 / fp.dx) * fp.area; }
  var s = 0.0;
  for (var i = 0u; i < nx; i++) { s += xidot[a + i]; }
  f1[r] = x1;
  f0[r] = x0;
  src[r] = fp.beta * s * fp.area * fp.dx;
}
