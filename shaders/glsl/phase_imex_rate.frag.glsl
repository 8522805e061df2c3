// IMEX phase stage (docs/imex-phase.md; the GLSL twin of shaders/phase_imex_rate.wgsl and of the
// rate mode of src/backends/cpu/phase.ts): the deterministic rate F of equation (1) at the padded
// state in uXiPad (ξⁿ on the first sweep, the midpoint ξⁿ + δ/2 after it), ψ and c̃ⁿ held,
//   F = L_σκ0 ∇·J(∇ξ) − L_σW g′(ξ) − L_η,eff h′(ξ)[e^{(1−α)ψ} − c̃ e^{−αψ}]
// (∇·J: phase_flux.glsl; the reaction as phase.frag.glsl, props, screening and mechanics alike).
// Output: (F, S, g, stiffness) with FIRST — S = L_σW g″(ξ) + L_η,eff h″(ξ) B (the operator's
// stabilisation, phase_imex_op.frag.glsl) and g = dt·∂F/∂c̃ = dt·L_η,eff h′(ξ) e^{−αψ} (the
// transport takes the deposit's c̃-dependence implicitly with it) — else (F, 0, 0, stiffness).
// A host cell: all 0.

uniform sampler2D uC;      // .r = c̃ⁿ
uniform sampler2D uPsi;    // .r = ψ
uniform vec4 uRateP1;      // (leta, ea, eb, dt)
uniform sampler2D uProps;  // (kL, kD, kS, host)
uniform sampler2D uScreen; // as phase.frag.glsl
uniform float uHasScreen;
uniform sampler2D uMech;   // as phase.frag.glsl: (s, q) per cell when uHasMech = 1 (docs/mechanics.md)
uniform float uHasMech;
uniform float uMobEl;      // L_σ μ_ref, 1/s

const float H2MAX = 5.7735;

void main() {
  cellC = thisCell();
  float div = is3() ? divJ3() : divJ2();
  float x = X(0.0, 0.0, 0.0);
  vec4 pr = at(uProps, cellC);
  if (pr.w > 0.5) {
    gl_FragColor = vec4(0.0);
    return;
  }
  float leta = uRateP1.x * pr.x;
  if (uHasScreen != 0.0) leta = leta / at(uScreen, cellC).r;
  float psi = at(uPsi, cellC).r;
  float cc = at(uC, cellC).r;
  float gp = 2.0 * x * (1.0 - x) * (1.0 - 2.0 * x);
  float hp = 30.0 * x * x * (1.0 - x) * (1.0 - x);
  float h2 = 60.0 * x * (1.0 - x) * (1.0 - 2.0 * x);  // h″
  // mechanics: the Butler–Volmer exponents at ψ + s, the elastic force −L_σμ_ref·h′·q (whose
  // ξ-slope L_σμ_ref·h″·q joins S and the stiffness), as phase.frag.glsl
  float q = 0.0;
  if (uHasMech != 0.0) {
    vec4 mc = at(uMech, cellC);
    psi = psi + mc.r;
    q = mc.g;
  }
  float emb = exp(-uRateP1.z * psi);
  float ox = exp(uRateP1.y * psi);
  float red = cc * emb;
  float rate = uP0.z * div - uP0.w * gp - leta * hp * (ox - red) - uMobEl * hp * q;
  float stiff = leta * (ox + abs(red)) * H2MAX + uMobEl * abs(q * h2);
#ifdef FIRST
  float g2 = 2.0 * (1.0 - 6.0 * x * (1.0 - x));
  gl_FragColor = vec4(rate, uP0.w * g2 + leta * h2 * (ox - red) + uMobEl * h2 * q, uRateP1.w * leta * hp * emb, stiff);
#else
  gl_FragColor = vec4(rate, 0.0, 0.0, stiff);
#endif
}
