// IMEX phase stage (docs/imex-phase.md; the twin of the rate mode of src/backends/cpu/phase.ts):
// the deterministic rate F of equation (1) at the padded state in xp (ξⁿ on the first sweep,
// the midpoint estimate ξⁿ + δ/2 after it), with ψ and c̃ⁿ held:
//   F = L_σκ0 ∇·J(∇ξ) − L_σW g′(ξ) − L_η,eff h′(ξ)[e^{(1−α)ψ} − c̃ e^{−αψ}]
// (∇·J: shaders/common/phase_flux.wgsl; the reaction as phase.wgsl, props, screening and mechanics alike).
// Writes the signed rate and, per cell, the explicit stage's reaction stiffness bound (for the
// dt policy); on the first sweep also S = L_σW g″(ξ) + L_η,eff h″(ξ) B (the operator's
// stabilisation, phase_imex_op.wgsl) and g = dt·∂F/∂c̃ = dt·L_η,eff h′(ξ) e^{−αψ} into lane w of
// the transport's aux buffer (transport_assemble.wgsl takes the deposit's c̃-dependence
// implicitly with it; the lane is free between a transport step and the next phase stage).
// A host cell: rate, S, stiffness and g are 0.

// Gated (override GATE, common/loop.wgsl): the device loop records it in every step and it runs
// only while the step's gate is open; dt and the step's parameters come from the loop uniform.

// PhaseParams, ImexRateParams: uniform structs declared in src/backends/webgpu/uniforms.ts (prepended by shaders.ts)

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> pp: PhaseParams;
@group(0) @binding(2) var<uniform> ir: ImexRateParams;
@group(0) @binding(3) var<storage, read> xp: array<f32>;   // padded ξ (or ξ*)
@group(0) @binding(4) var<storage, read> cfield: array<f32>;
@group(0) @binding(5) var<storage, read> psi: array<f32>;
@group(0) @binding(6) var<storage, read> props: array<vec4<f32>>;  // as phase.wgsl
@group(0) @binding(7) var<storage, read_write> rate: array<f32>;
@group(0) @binding(8) var<storage, read_write> stab: array<f32>;
@group(0) @binding(9) var<storage, read_write> stiff: array<f32>;
@group(0) @binding(10) var<storage, read_write> aux: array<vec4<f32>>;
@group(0) @binding(11) var<uniform> lstate: Loop;   // gate GATE and dt

override GATE: u32 = 15u;

const H2MAX: f32 = 5.7735;  // max |h″(ξ)| on [0,1] = 10/√3

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  if (!gateOpen(lstate, GATE)) { return; }
  let idx = linearIndex(wid, nwg, lid);
  if (idx >= grid.n.w) { return; }
  let nx = grid.n.x;
  let ny = grid.n.y;
  let cell = cellAt(idx, grid.n);
  let sy = nx + 2u;
  let sz = sy * (ny + 2u);
  var div: f32;
  var p: u32;
  if (grid.p.w == 3u) {
    p = (cell.i + 1u) + sy * (cell.j + 1u) + sz * (cell.k + 1u);
    div = divJ3(p, sy, sz);
  } else {
    p = (cell.i + 1u) + sy * (cell.j + 1u);
    div = divJ2(p, sy);
  }
  let x = xp[p];
  let pr = props[idx];
  let first = ir.first != 0u;
  if (pr.w > 0.5) {
    rate[idx] = 0.0;
    stiff[idx] = 0.0;
    if (first) {
      stab[idx] = 0.0;
      aux[idx].w = 0.0;
    }
    return;
  }
  var leta = pp.leta * pr.x;  // L_η·kL
  if (pp.screen != 0u) {
    leta = leta / pr.z;
  }
  let gp = 2.0 * x * (1.0 - x) * (1.0 - 2.0 * x);
  let hp = 30.0 * x * x * (1.0 - x) * (1.0 - x);
  let h2 = 60.0 * x * (1.0 - x) * (1.0 - 2.0 * x);  // h″
  // mechanics (as phase.wgsl): psi holds ψ + s, lane y of props q; the elastic force −L_σμ_ref·h′·q
  // and its ξ-slope L_σμ_ref·h″·q in S and the stiffness
  var q = 0.0;
  if (pp.mech != 0u) {
    q = pr.y;
  }
  let emb = exp(-pp.eb * psi[idx]);
  let ox = exp(pp.ea * psi[idx]);
  let red = cfield[idx] * emb;
  rate[idx] = pp.mobKappa * div - pp.mobW * gp - leta * hp * (ox - red) - pp.mobEl * hp * q;
  stiff[idx] = leta * (ox + abs(red)) * H2MAX + pp.mobEl * abs(q * h2);
  if (first) {
    let g2 = 2.0 * (1.0 - 6.0 * x * (1.0 - x));     // g″
    stab[idx] = pp.mobW * g2 + leta * h2 * (ox - red) + pp.mobEl * h2 * q;
    aux[idx].w = lstate.dt * leta * hp * emb;
  }
}
