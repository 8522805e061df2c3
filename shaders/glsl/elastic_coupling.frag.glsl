// Mechanics (docs/mechanics.md), the twin of elasticCouplingK: per cell (s, q, 0, 0) for the phase
// stage, s = −(Ω μ_ref/RT)·σ_h (the Butler–Volmer exponents use ψ + s) and
// q = ½Δλ (tr ε_e)² + Δμ ε_e:ε_e − σ:ε⁰ (the rate gains −L_σ μ_ref·h′(ξ)·q), with ε_e = ε − h ε⁰
// (plane strain: ε_zz = 0) and the shear strain at the centre from the four edges' γ = τ/μ_e.
uniform sampler2D uTau;
uniform vec3 uE0;
uniform vec2 uDLame;       // (dLam, dMu)

float tauAt(vec3 q, int k) { vec4 t = at(uTau, q); return k == 0 ? t.x : (k == 1 ? t.y : t.z); }

// The four edges around the centre of p in the (a, b) plane (elasticity-kernels.ts aroundCentre),
// each (τ, μ_e); returns (mean τ: the centre shear stress, mean τ/μ_e: the centre shear strain γ).
vec2 storedEdge(vec3 q, int k, int a, int b) {
  return vec2(tauAt(q, k), edgeMu(q, a < b ? a : b, a < b ? b : a));
}

vec2 lowerEdge(vec3 q, int c, int d) {
  float ok;
  vec3 qc = plusNb(q, c, ok);
  float m = ok > 0.0 ? 0.5 * (muAt(q) + muAt(qc)) : 1.0;
  return vec2(lowerEdgeTau(q, c, d), m);
}

vec2 centreShear(vec3 p, int a, int b) {
  int k = pairOf(a, b);
  float oa, ob, o2;
  vec3 qa = minusNb(p, a, oa);
  vec3 qb = minusNb(p, b, ob);
  vec2 uu = storedEdge(p, k, a, b);
  vec2 lu = oa > 0.0 ? storedEdge(qa, k, a, b) : lowerEdge(p, b, a);
  vec2 ul = ob > 0.0 ? storedEdge(qb, k, a, b) : lowerEdge(p, a, b);
  vec2 ll = vec2(0.0, 1.0);
  if (oa > 0.0 && ob > 0.0) ll = storedEdge(minusNb(qa, b, o2), k, a, b);
  else if (oa > 0.0) ll = lowerEdge(qa, a, b);
  else if (ob > 0.0) ll = lowerEdge(qb, b, a);
  return 0.25 * vec2(uu.x + lu.x + ul.x + ll.x, uu.x / uu.y + lu.x / lu.y + ul.x / ul.y + ll.x / ll.y);
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
  vec3 sg = vec3(lam * tr - uEl.w) + 2.0 * mu * e;
  float eDotE = dot(e, e);
  // ε_ab = γ_ab/2, counted twice in ε:ε
  float g1 = centreShear(c, 0, 1).y;
  eDotE += 0.5 * g1 * g1;
  if (is3()) {
    float g2 = centreShear(c, 0, 2).y;
    float g3 = centreShear(c, 1, 2).y;
    eDotE += 0.5 * (g2 * g2 + g3 * g3);
  }
  float sh = (sg.x + sg.y + sg.z) / 3.0;
  gl_FragColor = vec4(-uEl.z * sh, 0.5 * uDLame.x * tr * tr + uDLame.y * eDotE - dot(sg, uE0), 0.0, 0.0);
}
