// Grand-potential transport, per cell (src/backends/cpu/gp-transport.ts; shaders/gp_old.wgsl,
// gp_coef.wgsl):
// OUT_OLD: (h(ξⁿ), 1 − h(ξⁿ), c_l(wⁿ), s̄(wⁿ) = 1 − c_s(wⁿ)) at the start of a step (host: 0).
// OUT_A:   (u, m, χ/u, a) of the iterate: u = e^{w + a}, a = ψ − ψ_ref, m = M0(1−h)²(1 − c_l)e^{−el}·kD,
//          χ = (1−h)c_l(1−c_l) + h·dv·c_s(1−c_s), h = h(ξⁿ⁺¹) (host: (1, −1, 1, a)).
// OUT_B:   (ρⁿ⁺¹ − ρⁿ term by term, ρⁿ⁺¹ + ρⁿ, 0, 0) (host: 0).
uniform sampler2D uXi;     // OUT_OLD: the ξ state (ξⁿ in .r); else the phase output (ξⁿ⁺¹ in .r)
uniform sampler2D uW;
uniform sampler2D uOld;
uniform sampler2D uProps;

void main() {
  vec3 c = thisCell();
  vec4 pr = at(uProps, c);
  float w = at(uW, c).r;
  vec2 h = gpH(at(uXi, c).r);
#ifdef OUT_OLD
  gl_FragColor = pr.w > 0.5 ? vec4(0.0) : vec4(h.x, h.y, gpLogistic(w - uGp0.x), gpLogistic(uGp0.y - w));
#else
  float a = padAt(uPsiPad, c) - gpRef();
#ifdef OUT_A
  if (pr.w > 0.5) {
    gl_FragColor = vec4(1.0, -1.0, 1.0, a);
    return;
  }
  float ql = w - uGp0.x;
  float u = exp(w + a);
  float mob = uGp0.w * h.y * h.y * gpLogistic(-ql) * exp(-uGp0.x) * pr.y;
  float chi = h.y * gpLogisticSlope(ql) + h.x * uGp0.z * gpLogisticSlope(w - uGp0.y);
  gl_FragColor = vec4(u, mob, chi / u, a);
#else
  if (pr.w > 0.5) {
    gl_FragColor = vec4(0.0);
    return;
  }
  vec4 o = at(uOld, c);
  float cl = gpLogistic(w - uGp0.x);
  float sb = gpLogistic(uGp0.y - w);
  float dh = h.x + o.x < 1.0 ? h.x - o.x : o.y - h.y;
  float dRho = h.y * cl - o.y * o.z + uGp0.z * (dh - (h.x * sb - o.x * o.w));
  float rho1 = h.y * cl + h.x * uGp0.z * (1.0 - sb);
  float rho0 = o.y * o.z + o.x * uGp0.z * (1.0 - o.w);
  gl_FragColor = vec4(dRho, rho1 + rho0, 0.0, 0.0);
#endif
#endif
}
