// IMEX phase stage (docs/imex-phase.md; the GLSL twin of shaders/phase_imex_finish.wgsl): the
// phase output of the explicit stage's layout, (ξⁿ + δ, δ, |δ|/dt, stiffness of the last rate
// evaluation); a host cell (ξ written back as exactly 1 or 0, its correction, 0, 0).

uniform sampler2D uXs;     // .r = ξⁿ
uniform sampler2D uDelta;  // .r = δ
uniform sampler2D uRate;   // .a = stiffness
uniform sampler2D uProps;
uniform float uInvDt;

void main() {
  vec3 c = thisCell();
  float x = at(uXs, c).r;
  if (at(uProps, c).w > 0.5) {
    float xh = x > 0.5 ? 1.0 : 0.0;
    gl_FragColor = vec4(xh, xh - x, 0.0, 0.0);
    return;
  }
  float d = at(uDelta, c).r;
  gl_FragColor = vec4(x + d, d, abs(d) * uInvDt, at(uRate, c).a);
}
