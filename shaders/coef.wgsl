// Cell coefficient by h-interpolation, out = hi·h(ξ) + lo·(1 − h(ξ)), h(ξ) = ξ³(6ξ² − 15ξ + 10),
// with ξ clamped to [0, 1] first. Used for σ̂(ξ) (hi = σ_s/σ_l, lo = 1) and D(ξ) (hi = D_s,
// lo = D_l) only, as in src/backends/cpu/coefficients.ts (interpCoef, hCoef).
// - The clamp matters for σ̂: h(ξ) ≈ 10ξ³ just below 0, and with σ̂_s ≈ 8e6 a cell at ξ = −0.01
//   would get σ̂ = 1 + (σ̂_s − 1)·h ≈ −80, which makes the potential operator indefinite. (The
//   phase stage keeps its own, unclamped, polynomials.)
// - f32: near ξ = 1, 1 − h(ξ) formed as a difference loses ~15 ulp(1) ≈ 1e-6 absolute (the
//   polynomial's terms are O(15)), which D = D_s + (D_l − D_s)(1 − h) multiplies by the contrast
//   D_l/D_s ≈ 430: 4e-4 relative in the metal's D. So the side of ½ the cell is on decides the
//   form: with the symmetry 1 − h(ξ) = h(1 − ξ) (1 − ξ is exact for ξ ≥ ½),
//     ξ ≤ ½: out = lo + (hi − lo)·h(ξ),   ξ > ½: out = hi + (lo − hi)·h(1 − ξ),
//   and the small h is accurate to a few ulps of itself on both sides.
// Material props (docs/material-switches.md, src/backends/cpu/coefficients.ts interpCoefProps): props[c] =
// (kL, kD, kS, host); lo is scaled by props[c][kind] (kind 1: kD for D, 2: kS for σ̂), and a host
// cell (host > 0.5) gets D = 0 (kind 1) or σ̂ = σ̂_s = hi (kind 2). The base model binds a
// uniform (1, 1, 1, 0) field: lo·1 is exact.

// CoefParams: the uniform struct declared in src/backends/webgpu/uniforms.ts (prepended by shaders.ts)

override GATE: u32 = 15u;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> cp: CoefParams;
@group(0) @binding(2) var<storage, read> xi: array<f32>;
@group(0) @binding(3) var<storage, read_write> coef: array<f32>;
@group(0) @binding(4) var<storage, read> props: array<vec4<f32>>;
@group(0) @binding(5) var<uniform> lstate: Loop;   // gate GATE (common/loop.wgsl) and the step's parameters

fn hPoly(x: f32) -> f32 {
  return x * x * x * (6.0 * x * x - 15.0 * x + 10.0);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  if (!gateOpen(lstate, GATE)) { return; }
  let c = linearIndex(wid, nwg, lid);
  if (c >= grid.n.w) { return; }
  // clamp by comparisons, as the CPU's hCoef: a NaN ξ fails both and stays NaN (WGSL's min/max
  // may return either operand for NaN)
  let pr = props[c];
  if (pr.w > 0.5) {
    coef[c] = select(0.0, cp.hi, cp.kind == 2u);
    return;
  }
  let lo = cp.lo * pr[cp.kind];
  let v = xi[c];
  var x = v;
  if (v < 0.0) { x = 0.0; }
  if (v > 1.0) { x = 1.0; }
  if (x <= 0.5) {
    coef[c] = lo + (cp.hi - lo) * hPoly(x);
  } else {
    coef[c] = cp.hi + (lo - cp.hi) * hPoly(1.0 - x);
  }
}
