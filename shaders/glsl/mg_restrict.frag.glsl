// Residual and restriction Pᵀ in one pass (shaders/mg_restrict.wgsl): the coarse right-hand side
// of aggregate (I, J, K) is the sum of the fine residuals b − A x of its (up to 2×2×2) cells, in
// memory order. Renders the COARSE grid: uGridC/uTexC is this target, uGrid/uTex the fine grid.
uniform sampler2D uB;
uniform sampler2D uX;
uniform vec4 uGridC;

float xv(vec3 c) { return at(uX, c).r; }
#include "stencil.glsl"

void main() {
  vec3 a = cellOfTexel(floor(gl_FragCoord.xy), uGridC);
  float s = 0.0;
  for (int kk = 0; kk < 2; kk++) {
    float k = 2.0 * a.z + float(kk);
    if (k >= uGrid.z) continue;
    for (int jj = 0; jj < 2; jj++) {
      float j = 2.0 * a.y + float(jj);
      if (j >= uGrid.y) continue;
      for (int ii = 0; ii < 2; ii++) {
        float i = 2.0 * a.x + float(ii);
        if (i >= uGrid.x) continue;
        vec3 f = vec3(i, j, k);
        s += at(uB, f).r - applyA(f);
      }
    }
  }
  gl_FragColor = vec4(s, 0.0, 0.0, 0.0);
}
