// Boundary currents after a potential solve, one fragment per x-row (j, k) of a rows texture
// (ny × nz) (src/backends/cpu/potential.ts potentialFluxK, shaders/potential_flux.wgsl):
//   (x1: σ̂ (g1 − ψ)·2/dx·area, x0: σ̂ (ψ − g0)·2/dx·area (Dirichlet faces of φ only),
//    source: β Σ_row ∂ξ/∂t · area·dx, 0); summed over rows by a pyramid (reduce.frag).
uniform sampler2D uXs;
uniform sampler2D uPsi;
uniform vec4 uK;           // (sigmaS, sigmaL, srcScale, _)
uniform vec4 uF;           // (dx, area, beta, _)
uniform sampler2D uProps;

float sig(vec3 c) { return coefProps(at(uXs, c).r, uK.x, uK.y, at(uProps, c), 2.0); }

void main() {
  vec2 t = floor(gl_FragCoord.xy);
  float j = t.x;
  float k = t.y;
  float nx = uGrid.x;
  vec3 a = vec3(0.0, j, k);
  vec3 b = vec3(nx - 1.0, j, k);
  float x1 = 0.0;
  if (uBcT0.y == 1.0) x1 = (sig(b) * (uBcV0.y - at(uPsi, b).r) * 2.0 / uF.x) * uF.y;
  float x0 = 0.0;
  if (uBcT0.x == 1.0) x0 = (sig(a) * (at(uPsi, a).r - uBcV0.x) * 2.0 / uF.x) * uF.y;
  float s = 0.0;
  for (int i = 0; i < MAX_NX; i++) {
    if (float(i) >= nx) break;
    s += at(uXs, vec3(float(i), j, k)).b;
  }
  gl_FragColor = vec4(x1, x0, uF.z * s * uF.y * uF.x, 0.0);
}
