// IMEX phase stage (docs/imex-phase.md; the GLSL twin of shaders/phase_imex_update.wgsl): after a
// sweep's solve Δ, the new increment δ + Δ (δ taken as 0 after the first sweep); with STAR the
// midpoint ξⁿ + (δ + Δ)/2 the next sweep evaluates F at. Output (value, 0, 0, 0).

uniform sampler2D uXs;     // .r = ξⁿ
uniform sampler2D uDelta;  // .r = δ
uniform sampler2D uCorr;   // .r = Δ
uniform float uFirst;      // 1: the first sweep (δ = 0)

void main() {
  vec3 c = thisCell();
  float d = (uFirst != 0.0 ? 0.0 : at(uDelta, c).r) + at(uCorr, c).r;
#ifdef STAR
  gl_FragColor = vec4(at(uXs, c).r + 0.5 * d, 0.0, 0.0, 0.0);
#else
  gl_FragColor = vec4(d, 0.0, 0.0, 0.0);
#endif
}
