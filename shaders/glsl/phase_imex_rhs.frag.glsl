// IMEX phase stage (docs/imex-phase.md; the GLSL twin of shaders/phase_imex_rhs.wgsl): the
// right-hand side of a sweep, rhs = dt·F + ν − δ, ν = σ_W √dt N(0,1)·16ξⁿ²(1−ξⁿ)² (the explicit
// stage's noise: same counter-based draw and mask), δ taken as 0 on the first sweep; 0 on a host
// cell. Output (rhs, 0, 0, 0).

uniform sampler2D uXs;     // .r = ξⁿ
uniform sampler2D uRate;   // .r = F of this sweep
uniform sampler2D uDelta;  // .r = δ
uniform sampler2D uProps;
uniform vec4 uR;           // (dt, noiseAmp, first, _)
uniform vec2 uKey;         // (keyHi, keyLo)

void main() {
  vec3 c = thisCell();
  if (at(uProps, c).w > 0.5) {
    gl_FragColor = vec4(0.0);
    return;
  }
  float b = uR.x * at(uRate, c).r - (uR.z != 0.0 ? 0.0 : at(uDelta, c).r);
  if (uR.y > 0.0) {
    float x = at(uXs, c).r;
    float m = 16.0 * x * x * (1.0 - x) * (1.0 - x);
    if (m > 0.0) b = b + uR.y * m * cellNormal(uKey, indexOfCell(c, uGrid));
  }
  gl_FragColor = vec4(b, 0.0, 0.0, 0.0);
}
