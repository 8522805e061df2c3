// The reaction-rate screening of the transported species (src/model/species.ts; the shielding
// additive, docs/additive.md), the twin of shaders/species_pack.wgsl: one pass per species, in
// list order, after its transport step (and at init), accumulates the denominator
//   den = 1 + Σ_species s·max(0, ã − 1)
// into a ping-pong texture the phase stage divides L_η·kL by (phase.frag.glsl), so the phase
// pass reads one texture however many species there are. A NaN ã stays NaN (max without NaN
// flushing, as src/backends/cpu/phase.ts), and the reductions count a non-finite den as a bad
// cell (fields.frag.glsl). Host cells hold ã = 0: their term is 0.
uniform sampler2D uA;      // .r = the species' ã
uniform sampler2D uPrev;   // .r = the denominator of the species before (unused for the first)
uniform vec2 uS;           // (shield, first)

void main() {
  vec3 c = thisCell();
  float ex = at(uA, c).r - 1.0;
  float prev = uS.y != 0.0 ? 1.0 : at(uPrev, c).r;
  gl_FragColor = vec4(prev + uS.x * (ex > 0.0 ? ex : (ex <= 0.0 ? 0.0 : ex)), 0.0, 0.0, 0.0);
}
