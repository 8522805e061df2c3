// Mechanics (docs/mechanics.md), the twin of elasticMaterialK: (λ, μ, h(ξ), 0) per cell, linear
// in h between the electrolyte and the metal, ξ clamped to [0, 1].
uniform sampler2D uXi;
uniform vec4 uMatC;        // (lamM, muM, lamE, muE)

void main() {
  float x = clamp(at(uXi, thisCell()).r, 0.0, 1.0);
  float h = x * x * x * (x * (6.0 * x - 15.0) + 10.0);
  gl_FragColor = vec4(uMatC.z + h * (uMatC.x - uMatC.z), uMatC.w + h * (uMatC.y - uMatC.w), h, 0.0);
}
