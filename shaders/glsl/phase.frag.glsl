// Phase stage: one explicit Euler step of equation (1) in scaled units, the GLSL twin of
// shaders/phase.wgsl and src/backends/cpu/phase.ts:
//   ∂ξ/∂t = L_σκ0 ∇·J(∇ξ) − L_σW g′(ξ) − L_η h′(ξ)[e^{(1−α)ψ} − c̃ e^{−αψ}]  (+ noise)
// J at cell faces from the padded ξ (ghosts of ξ's boundary conditions, ghosts.frag.glsl), by
// phase_flux.glsl (shared with the IMEX stage, phase_imex_rate.frag.glsl).
// Output (one RGBA texel per cell): (ξ after the step, the increment Δξ, |rate|, reaction
// stiffness); Δξ is kept so ∂ξ/∂t = Δξ/dt carries no f32 cancellation.

uniform sampler2D uXi;    // .r = ξ
uniform sampler2D uC;     // .r = c̃
uniform sampler2D uPsi;   // .r = ψ
uniform vec4 uP1;          // (leta, ea, eb, noiseAmp)
uniform vec2 uKey;         // (keyHi, keyLo)
uniform sampler2D uProps;  // (kL, kD, kS, host)
uniform sampler2D uScreen; // .r = 1 + Σ_species s·max(0, ã − 1) (species_screen.frag.glsl), when uHasScreen = 1
uniform float uHasScreen;  // 1: the scenario has transported species
uniform sampler2D uMech;   // (s, q) per cell (elastic_coupling.frag), when uHasMech = 1 (docs/mechanics.md)
uniform float uHasMech;
uniform float uMobEl;      // L_σ μ_ref, 1/s

const float H2MAX = 5.7735;

// uXiPad, uP0 (dt, 1/dx, L_σκ0, L_σW), uP2 (δ, ω, cos(ωθ0), sin(ωθ0)), cellC and divJ2/divJ3:
// phase_flux.glsl

void main() {
  cellC = thisCell();
  float div = is3() ? divJ3() : divJ2();
  float x = at(uXi, cellC).r;
  // material props: reaction rate L_η·kL; a host cell is frozen (ξ written back as exactly 1 or
  // 0, Δξ the normally zero correction, rate and stiffness 0, no noise), as phase.wgsl
  vec4 pr = at(uProps, cellC);
  if (pr.w > 0.5) {
    float xh = x > 0.5 ? 1.0 : 0.0;
    gl_FragColor = vec4(xh, xh - x, 0.0, 0.0);
    return;
  }
  float leta = uP1.x * pr.x;
  // transported species (src/model/species.ts, src/backends/cpu/phase.ts; the shielding
  // additive, docs/additive.md): screened where they have gathered above their bulk values,
  // L_η,eff = L_η·kL/(1 + Σ s·max(0, ã − 1)); a NaN ã stays NaN; without species no division
  if (uHasScreen != 0.0) leta = leta / at(uScreen, cellC).r;
  float psi = at(uPsi, cellC).r;
  float cc = at(uC, cellC).r;
  float gp = 2.0 * x * (1.0 - x) * (1.0 - 2.0 * x);
  float hp = 30.0 * x * x * (1.0 - x) * (1.0 - x);
  // mechanics: the Butler–Volmer exponents at ψ + s, the elastic driving force −L_σμ_ref·h′·q
  float el = 0.0;
  float elStiff = 0.0;
  if (uHasMech != 0.0) {
    vec4 mc = at(uMech, cellC);
    psi = psi + mc.r;
    el = uMobEl * hp * mc.g;
    elStiff = uMobEl * abs(mc.g * 60.0 * x * (1.0 - x) * (1.0 - 2.0 * x));  // |h″(ξ) q|
  }
  float ox = exp(uP1.y * psi);
  float red = cc * exp(-uP1.z * psi);
  float rate = uP0.z * div - uP0.w * gp - leta * hp * (ox - red) - el;
  float d = uP0.x * rate;
  if (uP1.w > 0.0) {
    float m = 16.0 * x * x * (1.0 - x) * (1.0 - x);
    if (m > 0.0) d = d + uP1.w * m * cellNormal(uKey, indexOfCell(cellC, uGrid));
  }
  gl_FragColor = vec4(x + d, d, abs(rate), leta * (ox + abs(red)) * H2MAX + elStiff);
}
