// Mechanics (docs/mechanics.md), the twin of elasticStressK. Default: the normal stresses
// (σ_xx, σ_yy, σ_zz, 0) at the cell centre; SHEAR: (τ_xy, τ_xz, τ_yz, 0) on the cell's upper edges.
// uMode 0 (LINEAR): of the displacement, no eigenstrain; 1 (SOURCE): the eigenstrain h(ξ)·ε⁰
// alone; 2 (FULL): both.
uniform float uMode;
uniform vec3 uE0;

void main() {
  vec3 c = thisCell();
  bool lin = uMode != 1.0;
#ifdef SHEAR
  vec4 t = vec4(0.0);
  if (lin) {
    t.x = edgeTau(c, 0, 1);
    if (is3()) {
      t.y = edgeTau(c, 0, 2);
      t.z = edgeTau(c, 1, 2);
    }
  }
  gl_FragColor = t;
#else
  float h = uMode != 0.0 ? at(uMatT, c).z : 0.0;
  int dims = is3() ? 3 : 2;
  vec3 e = vec3(0.0);
  float tr = is3() ? 0.0 : -h * uE0.z;
  for (int a = 0; a < 3; a++) {
    if (a >= dims) break;
    float v = 0.0;
    if (lin) {
      float ok;
      vec3 q = minusNb(c, a, ok);
      float lo = ok > 0.0 ? um(q, a) : 0.0;
      v = (um(c, a) - lo) / uEl.x;
    }
    float ea = v - h * comp(vec4(uE0, 0.0), a);
    if (a == 0) e.x = ea; else if (a == 1) e.y = ea; else e.z = ea;
    tr += ea;
  }
  vec4 m = at(uMatT, c);
  vec3 s = vec3(m.x * tr) + 2.0 * m.y * e;
  gl_FragColor = vec4(s.x, s.y, is3() ? s.z : 0.0, 0.0);
#endif
}
