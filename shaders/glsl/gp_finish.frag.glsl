// Grand-potential form, the small passes (src/backends/cpu/gp-transport.ts gpFinishK, gpMetalK):
// OUT_C:     c̃ = K·c_l(w)·(1 − h(ξⁿ⁺¹)) (host: 0).
// OUT_XS:    the new ξ state (ξⁿ⁺¹, Δξ, Δξ/dt, 0): no limiter in this form.
// OUT_STATS: (0, 0, |ξ − ξ at the last potential solve|, Δξ) of the new state (the transport
//            statistics texel: sum, sum, max, sum).
// OUT_NORMS: (F², scale², inflow·dV, 0) from the residual pass's right-hand side (−F, scale, inflow).
// OUT_METAL: (h(ξ)·c_s(w), 0, 0, 0) (host: 0), the metal's Li over K·dv·c0.
// OUT_ZERO:  zeros (the Newton correction's initial guess).
uniform sampler2D uW;
uniform sampler2D uPh;     // (ξⁿ⁺¹, Δξ, ·, ·)
uniform sampler2D uXs;     // the ξ state (ξ, Δξ, ∂ξ/∂t, ·)
uniform sampler2D uXiSolve;
uniform sampler2D uRhs;
uniform sampler2D uProps;

void main() {
  vec3 c = thisCell();
#ifdef OUT_ZERO
  gl_FragColor = vec4(0.0);
#elif defined(OUT_NORMS)
  vec4 r = at(uRhs, c);
  gl_FragColor = vec4(r.x * r.x, r.y * r.y, r.z, 0.0);
#elif defined(OUT_XS)
  vec4 ph = at(uPh, c);
  gl_FragColor = vec4(ph.r, ph.g, ph.g / uGp1.y, 0.0);
#elif defined(OUT_STATS)
  vec4 xs = at(uXs, c);
  gl_FragColor = vec4(0.0, 0.0, abs(xs.r - at(uXiSolve, c).r), xs.g);
#else
  bool host = at(uProps, c).w > 0.5;
  float w = at(uW, c).r;
#ifdef OUT_METAL
  gl_FragColor = vec4(host ? 0.0 : gpH(at(uXs, c).r).x * gpLogistic(w - uGp0.y), 0.0, 0.0, 0.0);
#else
  gl_FragColor = vec4(host ? 0.0 : uGp1.x * gpLogistic(w - uGp0.x) * gpH(at(uPh, c).r).y, 0.0, 0.0, 0.0);
#endif
#endif
}
