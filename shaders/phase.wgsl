// Phase stage: one explicit Euler step of equation (1) in scaled units (µm, s, ψ = fφ),
// the WGSL twin of src/backends/cpu/phase.ts:
//   ∂ξ/∂t = L_σκ0 ∇·J(∇ξ) − L_σW g′(ξ) − L_η h′(ξ)[e^{(1−α)ψ} − c̃ e^{−αψ}]  (+ noise)
// J is evaluated at cell faces from the padded ξ (ghosts filled by ghosts.wgsl), by
// shaders/common/phase_flux.wgsl (shared with the IMEX stage, phase_imex_rate.wgsl).
// Outputs: ξ after the step (xiNew), the increment Δξ (dxi, kept separately so that
// ∂ξ/∂t = Δξ/dt has no f32 cancellation), |rate| and the reaction stiffness per cell.
// Material props (docs/material-switches.md; the base model binds a uniform (1, 1, 1, 0)): reaction rate
// L_η·kL; a host cell (host > 0.5) is frozen: ξ written back as exactly 1 or 0 (x > ½), Δξ the
// (normally zero) correction, rate and stiffness 0, no noise — as src/backends/cpu/phase.ts.
// Transported species (src/model/species.ts; the shielding additive, docs/additive.md): with
// screen = 1 the backend binds, instead of props, a copy of it whose lane z (kS, which this
// stage does not use) holds the screening denominator 1 + Σ_species s·max(0, ã − 1), refreshed
// by species_pack.wgsl after every species' transport step (so this stage uses 8 storage
// bindings, the WebGPU minimum, however many species there are), and the rate is screened:
//   L_η,eff = L_η·kL / (1 + Σ s·max(0, ã − 1)).
// screen = 0 (no species, or none that screens) leaves L_η·kL untouched.
// Mechanics (docs/mechanics.md): with mech = 1 the backend binds ψ + s as psi (the Butler–Volmer
// shift of the stress, elastic_coupling.wgsl) and a props view whose lane y (kD, unused here)
// holds q, and the rate gains −L_σμ_ref·h′(ξ)·q (src/backends/cpu/phase.ts).

// PhaseParams: the uniform struct declared in src/backends/webgpu/uniforms.ts (prepended by shaders.ts)

override GATE: u32 = 15u;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> pp: PhaseParams;
@group(0) @binding(2) var<storage, read> xp: array<f32>;   // padded ξ
@group(0) @binding(3) var<storage, read> cfield: array<f32>;
@group(0) @binding(4) var<storage, read> psi: array<f32>;
@group(0) @binding(5) var<storage, read_write> xiNew: array<f32>;
@group(0) @binding(6) var<storage, read_write> dxi: array<f32>;
@group(0) @binding(7) var<storage, read_write> rateAbs: array<f32>;
@group(0) @binding(8) var<storage, read_write> stiff: array<f32>;
@group(0) @binding(9) var<storage, read> props: array<vec4<f32>>;  // (kL, kD, kS or the screening denominator, host)
@group(0) @binding(10) var<uniform> lstate: Loop;   // gate GATE (common/loop.wgsl) and the step's parameters

const H2MAX: f32 = 5.7735;  // max |h″(ξ)| on [0,1] = 10/√3

// divJ2 / divJ3 (the anisotropic ∇·J of the padded ξ in `xp`): shaders/common/phase_flux.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  if (!gateOpen(lstate, GATE)) { return; }
  let idx = linearIndex(wid, nwg, lid);
  if (idx >= grid.n.w) { return; }
  let nx = grid.n.x;
  let ny = grid.n.y;
  let cell = cellAt(idx, grid.n);
  let i = cell.i;
  let j = cell.j;
  let k = cell.k;
  let sy = nx + 2u;
  let sz = sy * (ny + 2u);
  var div: f32;
  var p: u32;
  if (grid.p.w == 3u) {
    p = (i + 1u) + sy * (j + 1u) + sz * (k + 1u);
    div = divJ3(p, sy, sz);
  } else {
    p = (i + 1u) + sy * (j + 1u);
    div = divJ2(p, sy);
  }
  let x = xp[p];
  let pr = props[idx];
  if (pr.w > 0.5) {
    let xh = select(0.0, 1.0, x > 0.5);
    xiNew[idx] = xh;
    dxi[idx] = xh - x;
    rateAbs[idx] = 0.0;
    stiff[idx] = 0.0;
    return;
  }
  var leta = pp.leta * pr.x;  // L_η·kL
  if (pp.screen != 0u) {
    leta = leta / pr.z;
  }
  let gp = 2.0 * x * (1.0 - x) * (1.0 - 2.0 * x);
  let hp = 30.0 * x * x * (1.0 - x) * (1.0 - x);
  let ox = exp(pp.ea * psi[idx]);
  let red = cfield[idx] * exp(-pp.eb * psi[idx]);
  var el = 0.0;
  var elStiff = 0.0;
  if (pp.mech != 0u) {
    el = pp.mobEl * hp * pr.y;
    elStiff = pp.mobEl * abs(pr.y * 60.0 * x * (1.0 - x) * (1.0 - 2.0 * x));  // |h″(ξ) q|
  }
  let rate = pp.mobKappa * div - pp.mobW * gp - leta * hp * (ox - red) - el;
  var d = lstate.dt * rate;
  if (lstate.noiseAmp > 0.0) {
    let m = 16.0 * x * x * (1.0 - x) * (1.0 - x);
    if (m > 0.0) {
      d = d + lstate.noiseAmp * m * cellNormal(lstate.key, idx);
    }
  }
  xiNew[idx] = x + d;
  dxi[idx] = d;
  rateAbs[idx] = abs(rate);
  stiff[idx] = leta * (ox + abs(red)) * H2MAX + elStiff;
}
