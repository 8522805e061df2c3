// The grand-potential form's cell functions (src/model/grand-potential.ts, src/backends/cpu/gp-transport.ts):
// site fractions by the logistic σ(x) = 1/(1 + e^{−x}), its slope σ(1 − σ) without forming 1 − σ,
// and h(ξ) with 1 − h(ξ) of ξ clamped to [0, 1], both accurate to a few ulps of themselves
// (f32: 1 − h near ξ = 1 as a difference would lose ~1e-6 absolute, and (1 − h) is the whole
// electrolyte of a metal-side cell; the symmetry 1 − h(ξ) = h(1 − ξ) gives it directly).

// GpParams: the uniform struct declared in src/backends/webgpu/uniforms.ts (prepended by shaders.ts)

fn gpLogistic(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}

fn gpLogisticSlope(x: f32) -> f32 {
  let e = exp(-abs(x));
  return e / ((1.0 + e) * (1.0 + e));
}

fn gpPoly(x: f32) -> f32 {
  return x * x * x * (6.0 * x * x - 15.0 * x + 10.0);
}

// (h, 1 − h) of ξ clamped to [0, 1] by comparisons (a NaN ξ stays NaN, as the CPU's hCoef)
fn gpH(v: f32) -> vec2<f32> {
  var x = v;
  if (v < 0.0) { x = 0.0; }
  if (v > 1.0) { x = 1.0; }
  if (x <= 0.5) {
    let h = gpPoly(x);
    return vec2<f32>(h, 1.0 - h);
  }
  let m = gpPoly(1.0 - x);
  return vec2<f32>(1.0 - m, m);
}
