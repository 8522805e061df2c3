// Assembles op = mass·I + scale·(−∇·(coef ∇)) in face-weight form (faces by harmonic mean)
// and the right-hand side rhs = srcScale·src + Dirichlet terms, exactly as assemble() in
// src/backends/cpu/coefficients.ts: a Dirichlet face with value g at distance dx/2 adds
// wb = 2·scale·coef_cell to the diagonal term and wb·g to the rhs; face weights on
// non-periodic boundaries are 0.
//   potential: coef = σ̂, scale = 1, mass = 0, src = ∂ξ/∂t, srcScale = −dx²β
//   (the transport stage has its own Scharfetter–Gummel assembly, transport_assemble.wgsl)

// AsmParams: the uniform struct declared in src/backends/webgpu/uniforms.ts (prepended by shaders.ts)

override GATE: u32 = 15u;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> bc: BC;
@group(0) @binding(2) var<uniform> ap: AsmParams;
@group(0) @binding(3) var<storage, read> coef: array<f32>;
@group(0) @binding(4) var<storage, read> src: array<f32>;
@group(0) @binding(5) var<storage, read_write> op: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> rhs: array<f32>;
@group(0) @binding(7) var<uniform> lstate: Loop;   // gate GATE (common/loop.wgsl) and the step's parameters

fn harmonic(a: f32, b: f32) -> f32 {
  if (a + b > 0.0) { return (2.0 * a * b) / (a + b); }
  return 0.0;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  if (!gateOpen(lstate, GATE)) { return; }
  let c = linearIndex(wid, nwg, lid);
  if (c >= grid.n.w) { return; }
  let nx = grid.n.x;
  let ny = grid.n.y;
  let nz = grid.n.z;
  let p = cellAt(c, grid.n);
  let i = p.i;
  let j = p.j;
  let k = p.k;
  let kc = coef[c];
  // + faces (periodic ones wrap; a wall has none)
  var w = vec3<f32>(0.0);
  let is3 = grid.p.w == 3u;
  for (var a = 0u; a < select(2u, 3u, is3); a++) {
    let nb = plusNeighbour(grid, c, p, a);
    if (nb != NO_CELL) { w[a] = ap.scale * harmonic(kc, coef[nb]); }
  }
  let wx = w.x;
  let wy = w.y;
  let wz = w.z;
  var d = ap.mass;
  var r = ap.srcScale * src[c];
  // Dirichlet faces in the order x0, x1, y0, y1, z0, z1 (as the CPU adds them)
  let wb = 2.0 * ap.scale * kc;
  if (i == 0u && bc.t[0][0] == BC_DIRICHLET) { d += wb; r += wb * bc.v[0][0]; }
  if (i == nx - 1u && bc.t[0][1] == BC_DIRICHLET) { d += wb; r += wb * bc.v[0][1]; }
  if (j == 0u && bc.t[0][2] == BC_DIRICHLET) { d += wb; r += wb * bc.v[0][2]; }
  if (j == ny - 1u && bc.t[0][3] == BC_DIRICHLET) { d += wb; r += wb * bc.v[0][3]; }
  if (is3 && k == 0u && bc.t[1][0] == BC_DIRICHLET) { d += wb; r += wb * bc.v[1][0]; }
  if (is3 && k == nz - 1u && bc.t[1][1] == BC_DIRICHLET) { d += wb; r += wb * bc.v[1][1]; }
  op[c] = vec4<f32>(d, wx, wy, wz);
  rhs[c] = r;
}
