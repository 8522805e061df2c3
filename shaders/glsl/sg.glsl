// The symmetric Scharfetter–Gummel face weight of the transport passes (src/backends/cpu/transport.ts
// sgWeight; shaders/common/sg.wgsl): transport_assemble.frag.glsl and gp_residual.frag.glsl.

// Symmetric SG weight e^{−max(a, b)}·B(|b − a|), B(d) = d/(1 − e^{−d}); series below 0.5
// (transport_assemble.wgsl has the error analysis).
float sgWeight(float a, float b) {
  float m = max(a, b);
  float d = abs(b - a);
  float bern;
  if (d < 0.5) {
    float d2 = d * d;
    bern = 1.0 + d * (0.5 + d * (1.0 / 12.0 + d2 * (-1.0 / 720.0 + d2 * (1.0 / 30240.0))));
  } else {
    bern = d / (1.0 - exp(-d));
  }
  return exp(-m) * bern;
}
