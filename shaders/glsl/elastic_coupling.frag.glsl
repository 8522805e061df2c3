// Mechanics (docs/mechanics.md), the twin of elasticCouplingK: per cell (s, q, 0, 0) for the phase
// stage, s = −(Ω μ_ref/RT)·σ_h (the Butler–Volmer exponents use ψ + s) and
// q = ½Δλ (tr ε_e)² + Δμ ε_e:ε_e − σ:ε⁰ (the rate gains −L_σ μ_ref·h′(ξ)·q), with ε_e = ε − h ε⁰
// (plane strain: ε_zz = 0) and the shear at the centre from the four edges around it.
uniform sampler2D uTau;
uniform vec3 uE0;
uniform vec2 uD; // Δλ, Δμ (metal − electrolyte, over μ_ref)

float tauAt(vec3 q, int k) { vec4 t = at(uTau, q); return k == 0 ? t.x : (k == 1 ? t.y : t.z); }

// σ_ab at the centre of p: the mean of the four edges around it in the (a, b) plane
float centreShear(vec3 p, int a, int b) {
  int k = pairOf(a, b);
  float oa, ob, o2;
  vec3 qa = minusNb(p, a, oa);
  vec3 qb = minusNb(p, b, ob);
  float uu = tauAt(p, k);
  float lu = oa > 0.0 ? tauAt(qa, k) : lowerEdgeTau(p, b, a);
  float ul = ob > 0.0 ? tauAt(qb, k) : lowerEdgeTau(p, a, b);
  float ll = 0.0;
  if (oa > 0.0 && ob > 0.0) ll = tauAt(minusNb(qa, b, o2), k);
  else if (oa > 0.0) ll = lowerEdgeTau(qa, a, b);
  else if (ob > 0.0) ll = lowerEdgeTau(qb, b, a);
  return 0.25 * (uu + lu + ul + ll);
}

void main() {
  vec3 c = thisCell();
  int dims = is3() ? 3 : 2;
  vec4 m = at(uMatT, c);
  float lam = m.x, mu = m.y, h = m.z;
  vec3 e = vec3(0.0);
  float tr = 0.0;
  for (int a = 0; a < 3; a++) {
    float v = 0.0;
    if (a < dims) {
      float ok;
      vec3 q = minusNb(c, a, ok);
      float lo = ok > 0.0 ? um(q, a) : 0.0;
      v = (um(c, a) - lo) / uEl.x;
    }
    float ea = v - h * comp(vec4(uE0, 0.0), a);
    if (a == 0) e.x = ea; else if (a == 1) e.y = ea; else e.z = ea;
    tr += ea;
  }
  vec3 sg = vec3(lam * tr) + 2.0 * mu * e;
  float eDotE = dot(e, e);
  eDotE += centreShear(c, 0, 1) * centreShear(c, 0, 1) / (2.0 * mu * mu);
  if (is3()) {
    float t2 = centreShear(c, 0, 2);
    float t3 = centreShear(c, 1, 2);
    eDotE += (t2 * t2 + t3 * t3) / (2.0 * mu * mu);
  }
  float sh = (sg.x + sg.y + sg.z) / 3.0;
  gl_FragColor = vec4(-uEl.z * sh, 0.5 * uD.x * tr * tr + uD.y * eDotE - dot(sg, uE0), 0.0, 0.0);
}
