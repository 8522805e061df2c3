// Reductions stage, per-cell terms (src/backends/cpu/reductions.ts, shaders/reduce_fields.wgsl),
// reduced by pyramids (reduce.frag). Cells with a non-finite ξ, c̃ or ∂ξ/∂t are skipped by every
// term and counted. TERM_SUM: (ξ, c̃, ∂ξ/∂t, |∇ξ|) with |∇ξ| by central differences (one-sided at
// the walls); TERM_MAX: (c̃, −c̃, −ξ, ξ) for max/min; TERM_COUNT: (non-finite, 0, 0, 0);
// TERM_SPECIES: (ã, ã, 0, 0) of the species in uSpecies, for Σã and max ã (sum/max). With
// transported species a cell whose screening denominator (species_screen.frag.glsl) is not
// finite — some ã is not — is a bad cell too.
uniform sampler2D uXs;
uniform sampler2D uC;
uniform float uInv2;       // 0.5/dx
uniform sampler2D uProps;  // host cells (props.w > 0.5) are left out of all but the count
uniform sampler2D uScreen;   // .r = 1 + Σ s·max(0, ã − 1) when uHasScreen = 1
uniform float uHasScreen;
uniform sampler2D uSpecies;  // TERM_SPECIES: .r = the species' ã

float xiAt(vec3 c) { return at(uXs, c).r; }

void main() {
  vec3 c = thisCell();
  vec4 xs = at(uXs, c);
  float x = xs.r;
  float cc = at(uC, c).r;
  float xd = xs.b;
  bool bad = !isFiniteF(x) || !isFiniteF(cc) || !isFiniteF(xd);
  if (uHasScreen != 0.0 && !isFiniteF(at(uScreen, c).r)) bad = true;
  bool host = at(uProps, c).w > 0.5;
#ifdef TERM_COUNT
  gl_FragColor = vec4(bad ? 1.0 : 0.0, 0.0, 0.0, 0.0);
#endif
#ifdef TERM_SPECIES
  float av = at(uSpecies, c).r;
  gl_FragColor = bad || host ? vec4(0.0, -BIG, 0.0, 0.0) : vec4(av, av, 0.0, 0.0);
#endif
#ifdef TERM_MAX
  gl_FragColor = bad || host ? vec4(-BIG) : vec4(cc, -cc, -x, x);
#endif
#ifdef TERM_SUM
  if (bad || host) {
    gl_FragColor = vec4(0.0);
  } else {
    float nx = uGrid.x, ny = uGrid.y, nz = uGrid.z;
    float inv2 = uInv2;
    vec3 ex = vec3(1.0, 0.0, 0.0), ey = vec3(0.0, 1.0, 0.0), ez = vec3(0.0, 0.0, 1.0);
    float gx = (xiAt(c.x + 1.0 < nx ? c + ex : c) - xiAt(c.x > 0.0 ? c - ex : c)) * ((c.x > 0.0 && c.x + 1.0 < nx) ? inv2 : 2.0 * inv2);
    float gy = (xiAt(c.y + 1.0 < ny ? c + ey : c) - xiAt(c.y > 0.0 ? c - ey : c)) * ((c.y > 0.0 && c.y + 1.0 < ny) ? inv2 : 2.0 * inv2);
    float gz = 0.0;
    if (is3()) gz = (xiAt(c.z + 1.0 < nz ? c + ez : c) - xiAt(c.z > 0.0 ? c - ez : c)) * ((c.z > 0.0 && c.z + 1.0 < nz) ? inv2 : 2.0 * inv2);
    gl_FragColor = vec4(x, cc, xd, sqrt(gx * gx + gy * gy + gz * gz));
  }
#endif
}
