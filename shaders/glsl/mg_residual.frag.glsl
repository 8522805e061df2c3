// out = b − A x (CG initial residual) or, with APPLY defined, out = A x (CG q = A p)
// (on WebGPU: shaders/cg_init.wgsl and shaders/cg_matvec.wgsl). R channel.
uniform sampler2D uB;
uniform sampler2D uX;

float xv(vec3 c) { return at(uX, c).r; }
#include "stencil.glsl"

void main() {
  vec3 c = thisCell();
  float ax = applyA(c);
#ifdef APPLY
  gl_FragColor = vec4(ax, 0.0, 0.0, 0.0);
#else
  gl_FragColor = vec4(at(uB, c).r - ax, 0.0, 0.0, 0.0);
#endif
}
