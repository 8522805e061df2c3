// Mechanics (docs/mechanics.md), the twin of elasticBlocksK: the diagonal block A_cc of the
// elasticity operator for component uComp as a face-weight operator ((d, w+x, w+y, w+z) per
// cell, stencil.glsl), the preconditioner's separate-displacement-component multigrid.
uniform float uComp;

void main() {
  vec3 c = thisCell();
  int cc = int(uComp + 0.5);
  int dims = is3() ? 3 : 2;
  vec4 m = at(uMatT, c);
  if (isFixed(c, cc)) {
    gl_FragColor = vec4(m.x + 2.0 * m.y, 0.0, 0.0, 0.0);
    return;
  }
  vec3 w = vec3(0.0);
  float dd = 0.0;
  float ok;
  minusNb(c, cc, ok);
  if (ok == 0.0) dd += m.x + 2.0 * m.y;
  float okA;
  vec3 pa = plusNb(c, cc, okA);
  if (okA > 0.0) {
    vec4 ma = at(uMatT, pa);
    float k = ma.x + 2.0 * ma.y;
    if (isFixed(pa, cc)) dd += k;
    else if (cc == 0) w.x = k; else if (cc == 1) w.y = k; else w.z = k;
  }
  if (!onUpper(c, cc)) {
    for (int b = 0; b < 3; b++) {
      if (b >= dims) break;
      if (b == cc) continue;
      if (onUpper(c, b)) {
        if (faceType(2 * b + 1) == 0.0) dd += 2.0 * edgeMu(c, cc, b);
      } else {
        float e = edgeMu(c, cc, b);
        if (b == 0) w.x = e; else if (b == 1) w.y = e; else w.z = e;
      }
      float okb;
      minusNb(c, b, okb);
      if (okb == 0.0 && faceType(2 * b) == 0.0) dd += m.y + muAt(pa);
    }
  }
  gl_FragColor = vec4(dd, w);
}
