// Damped Jacobi sweep of the aggregation multigrid (src/backends/cpu/multigrid.ts,
// shaders/mech/mg_smooth.wgsl): xout = x + ω (b − A x)/diag(A). FIRST2: the first two sweeps from
// a zero guess in one pass (the first, x = ω b/diag, formed on the fly where the second needs it);
// on the fine level alone, the IMEX phase solves' "jacobi" preconditioner (GlMultigrid.jacobi).
uniform sampler2D uB;
uniform sampler2D uDiag;
uniform sampler2D uX;

uniform float uOmega;  // the weight ω (GlMultigrid: smoothingOmega of the dimension; 2/3 for jacobi and the elasticity)

float xv(vec3 c) {
#ifdef FIRST2
  return (uOmega * at(uB, c).r) / at(uDiag, c).r;
#else
  return at(uX, c).r;
#endif
}
#include "stencil.glsl"

void main() {
  vec3 c = thisCell();
  float r = xv(c) + (uOmega * (at(uB, c).r - applyA(c))) / at(uDiag, c).r;
  gl_FragColor = vec4(r, 0.0, 0.0, 0.0);
}
