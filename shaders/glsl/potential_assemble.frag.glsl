// Potential stage assembly (src/backends/cpu/potential.ts + coefficients.ts assemble(),
// shaders/coef.wgsl + assemble.wgsl): σ̂(ξ) = σ̂_s h + kS (1 − h) per cell (coefProps), faces by
// harmonic mean, op = −dx²∇·σ̂∇ in face-weight form with the Dirichlet faces of φ (uBc*):
// a face with value g at distance dx/2 adds wb = 2σ̂_cell to d and wb·g to the right-hand side.
// Default: the operator texel (d, w+x, w+y, w+z). OUT_RHS: (−dx²β ∂ξ/∂t + Σ wb g, 0, 0, 0).
uniform sampler2D uXs;   // (ξ, Δξ, ∂ξ/∂t, ·)
uniform vec4 uK;           // (sigmaS, sigmaL, srcScale, _)
uniform sampler2D uProps; // material props: σ̂ uses kS, σ̂_s in a host cell

float sig(vec3 c) { return coefProps(at(uXs, c).r, uK.x, uK.y, at(uProps, c), 2.0); }

void main() {
  vec3 c = thisCell();
  float kc = sig(c);
  bool three = is3();
  float wb = 2.0 * kc;
  float d = 0.0;
  float r = uK.z * at(uXs, c).b;
  // Dirichlet faces in the order x0, x1, y0, y1, z0, z1 (as the CPU adds them)
  if (c.x == 0.0 && uBcT0.x == 1.0) { d += wb; r += wb * uBcV0.x; }
  if (c.x == uGrid.x - 1.0 && uBcT0.y == 1.0) { d += wb; r += wb * uBcV0.y; }
  if (c.y == 0.0 && uBcT0.z == 1.0) { d += wb; r += wb * uBcV0.z; }
  if (c.y == uGrid.y - 1.0 && uBcT0.w == 1.0) { d += wb; r += wb * uBcV0.w; }
  if (three && c.z == 0.0 && uBcT1.x == 1.0) { d += wb; r += wb * uBcV1.x; }
  if (three && c.z == uGrid.z - 1.0 && uBcT1.y == 1.0) { d += wb; r += wb * uBcV1.y; }
#ifdef OUT_RHS
  gl_FragColor = vec4(r, 0.0, 0.0, 0.0);
#else
  float ok;
  vec3 n = plusNb(c, 0, ok);
  float wx = ok * harmonic(kc, sig(n));
  n = plusNb(c, 1, ok);
  float wy = ok * harmonic(kc, sig(n));
  float wz = 0.0;
  if (three) { n = plusNb(c, 2, ok); wz = ok * harmonic(kc, sig(n)); }
  gl_FragColor = vec4(d, wx, wy, wz);
#endif
}
