// Transport stage, assembly of the Scharfetter–Gummel step in the Slotboom variable
// u = c̃ e^{a}, a = ψ − ψ_ref (src/backends/cpu/transport.ts, TransportStage.step):
//   [diag(M) + (dt/dx²) A_w] u = c̃ⁿ − sink·(c_s/c0)·Δξ + Σ_Dirichlet w_b u_b,   M = e^{−a},
// with the symmetric face weights w_ij = (dt/dx²)·harmonic(D_i, D_j)·sgWeight(a_i, a_j) (the +
// faces of each cell; periodic faces wrap; other boundary faces 0), and on a Dirichlet face of c̃
// with value g the half-cell weight w_b = 2(dt/dx²)·D_cell·sgWeight(a, a_f), a_f = the mean of the
// cell's and its ghost's a (the face potential), u_b = g e^{a_f}. Writes the operator and the
// right-hand side for GpuPcg, the warm start u = c̃ⁿ e^{a}, and per cell
// aux = (M, Σ w_b, Σ w_b u_b, g) for the back-transform c̃ = M u, the influx and the implicit deposit.
// Inputs: padded a (ghosts.wgsl, then transport_shift.wgsl, which applies the migration factor),
// D(ξⁿ⁺¹), c̃ⁿ and Δξ. sink: the transport scalar of README: physics switches (binary electrolyte) (1; t_a = 1 − t₊ in the
// binary-electrolyte mode).
// With react = 1 (the IMEX phase stage, docs/imex-phase.md) the deposit's c̃-dependence is implicit:
// Δξ → Δξ + g(c̃ⁿ⁺¹ − c̃ⁿ) with g = dt·∂F/∂c̃ ≥ 0 from aux.w (phase_imex_rate.wgsl), so the diagonal
// becomes M(1 + sink·(c_s/c0)·g) and the right-hand side gains sink·(c_s/c0)·g·c̃ⁿ; aux.w keeps g
// for transport_influx.wgsl, which applies the same correction to ξ (src/backends/cpu/transport.ts).

// SgParams: the uniform struct declared in src/backends/webgpu/uniforms.ts (prepended by shaders.ts)

override GATE: u32 = 15u;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> bc: BC;              // boundary conditions of c̃
@group(0) @binding(2) var<uniform> sp: SgParams;
@group(0) @binding(3) var<storage, read> pa: array<f32>;      // padded a = ψ − ψ_ref
@group(0) @binding(4) var<storage, read> D: array<f32>;
@group(0) @binding(5) var<storage, read> cfield: array<f32>;  // c̃ⁿ
@group(0) @binding(6) var<storage, read> dxi: array<f32>;     // Δξ of the phase stage
@group(0) @binding(7) var<storage, read_write> op: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> rhs: array<f32>;
@group(0) @binding(9) var<storage, read_write> u: array<f32>;
@group(0) @binding(10) var<storage, read_write> aux: array<vec4<f32>>;
@group(0) @binding(11) var<uniform> lstate: Loop;   // gate GATE (common/loop.wgsl) and the step's parameters

fn harmonic(a: f32, b: f32) -> f32 {
  if (a + b > 0.0) { return (2.0 * a * b) / (a + b); }
  return 0.0;
}

// sgWeight: shaders/common/sg.wgsl (shared with the grand-potential transport, gp_residual.wgsl)

struct Acc {
  d: f32,     // diagonal
  r: f32,     // right-hand side
  ws: f32,    // Σ w_b
  wu: f32,    // Σ w_b u_b
}

// A Dirichlet face of c̃ with value g; g2 = the padded index of the ghost across it.
fn dirichletFace(acc: ptr<function, Acc>, q: u32, g2: u32, a: f32, Dc: f32, g: f32) {
  let af = 0.5 * (pa[q] + pa[g2]);
  let wb = 2.0 * lstate.sgScale * Dc * sgWeight(a, af);
  let ub = g * exp(af);
  (*acc).d += wb;
  (*acc).r += wb * ub;
  (*acc).ws += wb;
  (*acc).wu += wb * ub;
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
  let is3 = grid.p.w == 3u;
  let psy = nx + 2u;
  let psz = psy * (ny + 2u);
  var q = (i + 1u) + psy * (j + 1u);
  if (is3) { q += psz * (k + 1u); }
  let a = pa[q];
  let Dc = D[c];
  let M = exp(-a);
  // + faces (the − face of a cell is the + face of its neighbour; periodic ones wrap, a wall has
  // none); the padded neighbour across a periodic face holds the wrapped a
  var w = vec3<f32>(0.0);
  let pstep = vec3<u32>(1u, psy, psz);
  for (var ax = 0u; ax < select(2u, 3u, is3); ax++) {
    let nb = plusNeighbour(grid, c, p, ax);
    if (nb != NO_CELL) { w[ax] = lstate.sgScale * harmonic(Dc, D[nb]) * sgWeight(a, pa[q + pstep[ax]]); }
  }
  let wx = w.x;
  let wy = w.y;
  let wz = w.z;
  let cn = cfield[c];
  let s = sp.sink * sp.csRatio;
  var g = 0.0;
  if (sp.react != 0.0) { g = sp.react * aux[c].w; }
  var acc = Acc(M, cn - s * dxi[c], 0.0, 0.0);
  if (g != 0.0) {
    acc.d = M * (1.0 + s * g);
    acc.r += s * g * cn;
  }
  // Dirichlet faces in the order x0, x1, y0, y1, z0, z1 (as the CPU adds them)
  if (i == 0u && bc.t[0][0] == BC_DIRICHLET) { dirichletFace(&acc, q, q - 1u, a, Dc, bc.v[0][0]); }
  if (i == nx - 1u && bc.t[0][1] == BC_DIRICHLET) { dirichletFace(&acc, q, q + 1u, a, Dc, bc.v[0][1]); }
  if (j == 0u && bc.t[0][2] == BC_DIRICHLET) { dirichletFace(&acc, q, q - psy, a, Dc, bc.v[0][2]); }
  if (j == ny - 1u && bc.t[0][3] == BC_DIRICHLET) { dirichletFace(&acc, q, q + psy, a, Dc, bc.v[0][3]); }
  if (is3 && k == 0u && bc.t[1][0] == BC_DIRICHLET) { dirichletFace(&acc, q, q - psz, a, Dc, bc.v[1][0]); }
  if (is3 && k == nz - 1u && bc.t[1][1] == BC_DIRICHLET) { dirichletFace(&acc, q, q + psz, a, Dc, bc.v[1][1]); }
  op[c] = vec4<f32>(acc.d, wx, wy, wz);
  rhs[c] = acc.r;
  u[c] = cn * exp(a);
  aux[c] = vec4<f32>(M, acc.ws, acc.wu, g);
}
