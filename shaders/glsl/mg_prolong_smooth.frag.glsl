// Prolongation (piecewise constant: the aggregate's correction added to each of its fine cells)
// fused with the first post-smoothing Jacobi sweep (shaders/mech/mg_prolong_smooth.wgsl):
//   x' = x + P xc,   xout = x' + ω (b − A x')/diag(A)
uniform sampler2D uB;
uniform sampler2D uDiag;
uniform sampler2D uX;
uniform sampler2D uXc;     // coarse correction
uniform vec4 uGridC;       // coarse grid
uniform vec2 uTexC;

uniform float uOmega;  // the weight ω (GlMultigrid: smoothingOmega of the dimension; 2/3 for jacobi and the elasticity)

float xv(vec3 c) {
  vec3 a = floor((c + 0.5) * 0.5);
  return at(uX, c).r + fetchCell(uXc, a, uGridC, uTexC).r;
}
#include "stencil.glsl"

void main() {
  vec3 c = thisCell();
  float r = xv(c) + (uOmega * (at(uB, c).r - applyA(c))) / at(uDiag, c).r;
  gl_FragColor = vec4(r, 0.0, 0.0, 0.0);
}
