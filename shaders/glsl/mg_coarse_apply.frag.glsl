// Coarsest multigrid level (≤ 128 cells): x = A⁻¹ b = Gᵀ(G b), G = L⁻¹ of the Cholesky factor
// A = L Lᵀ, factored in f64 on the host once per rebuild (src/backends/webgpu/coarse.ts) and
// uploaded as an N×N texture (texel (k, i) = G[i][k]). LOWER: t = G b; otherwise x = Gᵀ t.
// Renders the coarsest grid (uGrid); b / t are vectors of that grid.
uniform sampler2D uG;
uniform sampler2D uV;
uniform float uN;

const int MAX_COARSE = 128;

float gAt(float i, float k) { return texture2D(uG, (vec2(k, i) + 0.5) / uN).r; }

void main() {
  vec3 c = thisCell();
  float i = indexOfCell(c, uGrid);
  float s = 0.0;
  for (int kk = 0; kk < MAX_COARSE; kk++) {
    float k = float(kk);
    if (k >= uN) break;
#ifdef LOWER
    if (k > i) break;
    s += gAt(i, k) * at(uV, cellOfIndex(k, uGrid)).r;
#else
    if (k >= i) s += gAt(k, i) * at(uV, cellOfIndex(k, uGrid)).r;
#endif
  }
  gl_FragColor = vec4(s, 0.0, 0.0, 0.0);
}
