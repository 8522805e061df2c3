// Grand-potential transport, the residual and the Newton system of an iterate
// (src/backends/cpu/gp-transport.ts gpResidualK; shaders/gp_residual.wgsl): per cell
//   F = (ρⁿ⁺¹ − ρⁿ) − Σ_faces W_f (u_nb − u) − dt·S,   W_f = (dt/dx²)·m_f·sgWeight(a, a_nb),
// over interior and periodic faces; a Dirichlet face of w (value w_b, uCb*): a_b = ½(a + a_ghost),
// W_b = 2(dt/dx²)·m·sgWeight(a, a_b), u_b = e^{w_b + a_b}; a no-flux face carries nothing.
// OUT_OP: (χ/u + Σ W_b, W_x+, W_y+, W_z+). OUT_RHS: (−F, the magnitude F is made of, the
// Dirichlet inflow ·dV, 0).
uniform sampler2D uA;      // (u, m, χ/u, a)
uniform sampler2D uB;      // (ρⁿ⁺¹ − ρⁿ, ρⁿ⁺¹ + ρⁿ, ·, ·)
uniform sampler2D uSrc;    // manufactured-solution source S (.r; zeros in runs)
uniform vec4 uCbT0;
uniform vec4 uCbT1;
uniform vec4 uCbV0;
uniform vec4 uCbV1;

vec4 acc;   // (Σ flux, scale, inflow, diag)
vec3 wplus;

void dirichlet(vec3 c, vec3 e, vec4 A, float g) {
  float ab = 0.5 * (padAt(uPsiPad, c) + padAt(uPsiPad, c + e)) - gpRef();
  float wb = 2.0 * uGp1.z * A.y * sgWeight(A.w, ab);
  float ub = exp(g + ab);
  float flux = wb * (ub - A.x);
  acc += vec4(flux, wb * (ub + A.x), flux, wb);
}

void inner(vec3 n, float ok, vec4 A, int axis, bool plus) {
  if (ok == 0.0) return;
  vec4 An = at(uA, n);
  float wf = uGp1.z * faceMob(A.y, An.y) * sgWeight(A.w, An.w);
  acc += vec4(wf * (An.x - A.x), wf * (An.x + A.x), 0.0, 0.0);
  if (plus) {
    if (axis == 0) wplus.x = wf;
    else if (axis == 1) wplus.y = wf;
    else wplus.z = wf;
  }
}

// one face: t = its type (0 no-flux, 1 Dirichlet, 2 periodic), onB = the cell is on that boundary
void face(vec3 c, vec4 A, int axis, bool plus, float t, float g, bool onB) {
  if (onB && t == 0.0) return;
  vec3 e = axis == 0 ? vec3(1.0, 0.0, 0.0) : axis == 1 ? vec3(0.0, 1.0, 0.0) : vec3(0.0, 0.0, 1.0);
  if (onB && t == 1.0) {
    dirichlet(c, plus ? e : -e, A, g);
    return;
  }
  float ok;
  vec3 n = plus ? plusNb(c, axis, ok) : minusNb(c, axis, ok);
  inner(n, ok, A, axis, plus);
}

void main() {
  vec3 c = thisCell();
  vec4 A = at(uA, c);
  if (A.y < 0.0) {
#ifdef OUT_OP
    gl_FragColor = vec4(1.0, 0.0, 0.0, 0.0);
#else
    gl_FragColor = vec4(0.0);
#endif
    return;
  }
  vec4 B = at(uB, c);
  acc = vec4(0.0, B.y, 0.0, A.z);
  wplus = vec3(0.0);
  face(c, A, 0, false, uCbT0.x, uCbV0.x, c.x == 0.0);
  face(c, A, 0, true, uCbT0.y, uCbV0.y, c.x == uGrid.x - 1.0);
  face(c, A, 1, false, uCbT0.z, uCbV0.z, c.y == 0.0);
  face(c, A, 1, true, uCbT0.w, uCbV0.w, c.y == uGrid.y - 1.0);
  if (is3()) {
    face(c, A, 2, false, uCbT1.x, uCbV1.x, c.z == 0.0);
    face(c, A, 2, true, uCbT1.y, uCbV1.y, c.z == uGrid.z - 1.0);
  }
#ifdef OUT_OP
  gl_FragColor = vec4(acc.w, wplus);
#else
  float F = B.x - acc.x - uGp1.y * at(uSrc, c).r;
  gl_FragColor = vec4(-F, acc.y, acc.z * uGp1.w, 0.0);
#endif
}
