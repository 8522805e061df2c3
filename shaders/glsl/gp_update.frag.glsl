// Grand-potential transport, the Newton update (src/backends/cpu/gp-transport.ts gpInvertRho;
// shaders/gp_update.wgsl): w moves to where ρ(h₁, w) − ρ(h₁, w^k) equals the change the linear
// solve gave the cell, Δρ = (χ/u)·δu (cut at 0.999 of the way to ρ's bounds), by a safeguarded
// Newton on the monotone ρ(w) from the linear guess w^k + ln(1 + δu/u) (bisection whenever a
// step leaves the bracket of half-width 60); host cells keep w.
uniform sampler2D uW;
uniform sampler2D uA;      // (u, m, χ/u, a)
uniform sampler2D uDelta;  // δu (.r)
uniform sampler2D uPh;     // ξⁿ⁺¹ (.r)
uniform float uLambda;     // the backtracking factor (1; ½, ¼, … after an update that raised ‖F‖)

float deltaRho(vec2 h, float w0, float x) {
  return h.y * (gpLogistic(x - uGp0.x) - gpLogistic(w0 - uGp0.x)) + h.x * uGp0.z * (gpLogistic(uGp0.y - w0) - gpLogistic(uGp0.y - x));
}

void main() {
  vec3 c = thisCell();
  vec4 A = at(uA, c);
  float w0 = at(uW, c).r;
  float d = uLambda * at(uDelta, c).r;
  float t = A.z * d;
  if (A.y < 0.0 || t == 0.0) {
    gl_FragColor = vec4(w0, 0.0, 0.0, 0.0);
    return;
  }
  vec2 h = gpH(at(uPh, c).r);
  float rho0 = h.y * gpLogistic(w0 - uGp0.x) + h.x * uGp0.z * gpLogistic(w0 - uGp0.y);
  // the room left, a sum of positive terms (ρ_max − ρ would cancel to noise near dv in f32)
  float room = h.y * gpLogistic(uGp0.x - w0) + h.x * uGp0.z * gpLogistic(uGp0.y - w0);
  if (t < 0.0) t = max(t, -0.999 * rho0); else t = min(t, 0.999 * room);
  float lo = t < 0.0 ? w0 - 60.0 : w0;
  float hi = t < 0.0 ? w0 : w0 + 60.0;
  float x = 0.5 * (lo + hi);
  float ratio = 1.0 + d / A.x;
  if (ratio > 0.0) {
    float g = w0 + log(ratio);
    if (g > lo && g < hi) x = g;
  }
  for (int it = 0; it < 40; it++) {
    float f = deltaRho(h, w0, x) - t;
    if (f == 0.0) break;
    if (f < 0.0) lo = x; else hi = x;
    float slope = h.y * gpLogisticSlope(x - uGp0.x) + h.x * uGp0.z * gpLogisticSlope(x - uGp0.y);
    float next = x - f / slope;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    bool done = abs(next - x) <= 1e-6 * max(1.0, abs(x));
    x = next;
    if (done) break;
  }
  gl_FragColor = vec4(x, 0.0, 0.0, 0.0);
}
