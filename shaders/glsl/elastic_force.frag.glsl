// Mechanics (docs/mechanics.md), the twin of elasticForceK: the discrete force per component
//   F_a = dx·[σ_aa(p) − σ_aa(p + e_a) + Σ_b (τ_ab(edge below p along b) − τ_ab(edge above))],
// D·u_a on a held value (D = λ + 2μ of its cell), from the stresses of elastic_stress.frag.
// uMode 0 (LINEAR): of u; 1 (SOURCE): eigenstrain and the stack pressure on a traction face x1
// (held rows 0). uResid = 1: out = uBin − F (the initial residual with uBin = b; the right-hand
// side with uBin = the extra load and uMode 1), else out = F.
uniform sampler2D uSig;
uniform sampler2D uTau;
uniform sampler2D uBin;
uniform float uMode;
uniform float uResid;

float tauAt(vec3 q, int k) { vec4 t = at(uTau, q); return k == 0 ? t.x : (k == 1 ? t.y : t.z); }

void main() {
  vec3 c = thisCell();
  bool lin = uMode != 1.0;
  int dims = is3() ? 3 : 2;
  vec4 m = at(uMatT, c);
  vec4 sg = at(uSig, c);
  vec4 f = vec4(0.0);
  for (int a = 0; a < 3; a++) {
    if (a >= dims) break;
    float v;
    if (isFixed(c, a)) {
      v = lin ? (m.x + 2.0 * m.y) * comp(at(uU, c), a) : 0.0;
    } else {
      float ok;
      vec3 pa = plusNb(c, a, ok);
      float above = 0.0;
      if (ok > 0.0) above = comp(at(uSig, pa), a);
      else if (uMode != 0.0 && a == 0 && faceType(1) == 2.0) above = -uEl.y;
      float s = comp(sg, a) - above;
      for (int b = 0; b < 3; b++) {
        if (b >= dims) break;
        if (b == a) continue;
        int k = pairOf(a, b);
        float okb;
        vec3 qb = minusNb(c, b, okb);
        float below = 0.0;
        if (okb > 0.0) below = tauAt(qb, k);
        else if (lin) below = lowerEdgeTau(c, a, b);
        s += below - tauAt(c, k);
      }
      v = uEl.x * s;
    }
    if (a == 0) f.x = v; else if (a == 1) f.y = v; else f.z = v;
  }
  gl_FragColor = uResid != 0.0 ? at(uBin, c) - f : f;
}
