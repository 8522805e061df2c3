// The symmetric Scharfetter–Gummel face weight of the transport stages (src/backends/cpu/transport.ts
// sgWeight): transport_assemble.wgsl (c̃ and the species) and gp_residual.wgsl (w).

// Symmetric SG weight e^{−max(a, b)}·B(|b − a|), B(d) = d/(1 − e^{−d}) (the CPU's sgWeight).
// WGSL has no expm1: below d = 0.5 the Taylor series of B,
//   B(d) = 1 + d/2 + d²/12 − d⁴/720 + d⁶/30240 − …,
// cut after d⁶ (next term d⁸/1209600 ≤ 3.2e-9 at d = 0.5, under half an f32 ulp of B ≈ 1.27);
// from 0.5 on, 1 − e^{−d} ≥ 0.39 loses at most a factor e^{−d}/(1 − e^{−d}) ≤ 1.55 on the
// error of exp, so B is good to a few ulps on both sides (the closed form at d = 1e-3 would
// lose 1e-7/1e-3 = 1e-4 to cancellation).
fn sgWeight(a: f32, b: f32) -> f32 {
  let m = max(a, b);
  let d = abs(b - a);
  var bern: f32;
  if (d < 0.5) {
    let d2 = d * d;
    bern = 1.0 + d * (0.5 + d * (1.0 / 12.0 + d2 * (-1.0 / 720.0 + d2 * (1.0 / 30240.0))));
  } else {
    bern = d / (1.0 - exp(-d));
  }
  return exp(-m) * bern;
}
