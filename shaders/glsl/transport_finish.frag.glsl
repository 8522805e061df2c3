// Transport stage, after the solve (src/backends/cpu/transport.ts transportFinishK,
// shaders/transport_influx.wgsl + transport_limit.wgsl): back from the Slotboom variable,
// c̃ = M u (M as assembled), and the conservative sink limiter: where c̃ < 0 the deficit is
// returned by un-depositing metal in that cell (ξ += c̃/(c_s/c0), c̃ = 0), so c0 c̃ + c_s ξ is
// unchanged (sink·c_s/c0 in the binary mode); then ξ ← ξⁿ⁺¹, ∂ξ/∂t = Δξ/dt (Δξ includes the
// limiter's correction). A host cell (props host > 0.5) holds c̃ = 0 and is not limited (its
// D = 0 isolates it; what the solve leaves there is round-off amplified by M, not ions).
// OUT_C: (c̃, 0, 0, 0). OUT_PASSIVE: a transported species that does not deposit (e.g. the additive ã): M u with
// no limiter (host cells 0). Default: the new ξ state (ξ, Δξ, ∂ξ/∂t, ions returned·dV).
// OUT_STATS: (boundary influx (Σ w_b u_b − Σ w_b·u)·dV, ions returned·dV, |ξ − ξ at the last
// potential solve|, Δξ after the limiter), reduced by a sum/sum/max/sum pyramid; reads the new
// ξ state as uXs.
// With uReact = 1 (the IMEX phase stage, docs/imex-phase.md) the new ξ state first takes the
// implicit part of the deposit, g·(c̃ⁿ⁺¹ − c̃ⁿ) (g = uGk.b, c̃ⁿ = uC: run before OUT_C overwrites
// it), then the limiter, as src/backends/cpu/transport.ts.
uniform sampler2D uU;
uniform sampler2D uRhs;    // (rhs, Σ w_b, Σ w_b u_b, M)
uniform sampler2D uPh;     // (ξⁿ⁺¹, Δξ, ·, ·)
uniform sampler2D uXs;     // OUT_STATS: the new (ξ, Δξ, ∂ξ/∂t, lim)
uniform sampler2D uXiSolve;
uniform vec4 uL;           // (csSink, vol, invDt, _)
uniform sampler2D uProps;
uniform sampler2D uC;      // .r = c̃ⁿ (the ξ state pass, uReact = 1)
uniform sampler2D uGk;     // .b = g
uniform float uReact;

void main() {
  vec3 c = thisCell();
  float u = at(uU, c).r;
  vec4 aux = at(uRhs, c);
#ifdef OUT_STATS
  vec4 xs = at(uXs, c);
  gl_FragColor = vec4((aux.z - aux.y * u) * uL.y, xs.a, abs(xs.r - at(uXiSolve, c).r), xs.g);
#else
  float cn = aux.w * u;
  bool host = at(uProps, c).w > 0.5;
  if (host) cn = 0.0;
#ifdef OUT_PASSIVE
  gl_FragColor = vec4(cn, 0.0, 0.0, 0.0);
#elif defined(OUT_C)
  gl_FragColor = vec4(cn < 0.0 ? 0.0 : cn, 0.0, 0.0, 0.0);
#else
  vec4 ph = at(uPh, c);
  float x = ph.r;
  float d = ph.g;
  if (uReact != 0.0) {
    float corr = at(uGk, c).b * (cn - at(uC, c).r);
    x = x + corr;
    d = d + corr;
  }
  float l = 0.0;
  if (cn < 0.0) {
    l = -cn * uL.y;
    float back = cn / uL.x;
    x = x + back;
    d = d + back;
  }
  gl_FragColor = vec4(x, d, d * uL.z, l);
#endif
#endif
}
