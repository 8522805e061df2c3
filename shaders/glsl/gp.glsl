// The grand-potential form's cell functions (src/model/grand-potential.ts; shaders/common/gp.wgsl):
// the logistic σ(x) and its slope σ(1 − σ) without forming 1 − σ, (h, 1 − h) of ξ clamped to
// [0, 1] with the small side accurate (1 − h(ξ) = h(1 − ξ) above ½), the face mobility, the −
// neighbour, and a = ψ − ψ_ref from the padded ψ.
uniform vec4 uGp0;         // (el, es, dv, M0)
uniform vec4 uGp1;         // (K, dt, scale, vol)
uniform sampler2D uPsiPad;  // ψ padded with φ's ghosts (ghosts.frag.glsl)
uniform sampler2D uPsiMax;  // 1×1: max ψ over the cells
uniform vec4 uRef;         // (bcMax, _, _, _)

float gpLogistic(float x) {
  if (x >= 0.0) return 1.0 / (1.0 + exp(-x));
  float e = exp(x);
  return e / (1.0 + e);
}

float gpLogisticSlope(float x) {
  float e = exp(-abs(x));
  return e / ((1.0 + e) * (1.0 + e));
}

vec2 gpH(float v) {
  float x = v;
  if (v < 0.0) x = 0.0;
  if (v > 1.0) x = 1.0;
  if (x <= 0.5) {
    float h = hPoly(x);
    return vec2(h, 1.0 - h);
  }
  float m = hPoly(1.0 - x);
  return vec2(1.0 - m, m);
}

// the mean of two cells' mobilities, 0 next to a host cell (m < 0)
float faceMob(float mi, float mj) {
  if (mi < 0.0 || mj < 0.0) return 0.0;
  return 0.5 * (mi + mj);
}

// − neighbour of cell c along an axis with periodic wrap; ok = 0 on a non-periodic boundary
vec3 minusNb(vec3 c, int axis, out float ok) {
  ok = 1.0;
  vec3 q = c;
  if (axis == 0) {
    if (c.x > 0.0) q.x = c.x - 1.0; else if (uPer.x != 0.0) q.x = uGrid.x - 1.0; else ok = 0.0;
  } else if (axis == 1) {
    if (c.y > 0.0) q.y = c.y - 1.0; else if (uPer.y != 0.0) q.y = uGrid.y - 1.0; else ok = 0.0;
  } else {
    if (c.z > 0.0) q.z = c.z - 1.0; else if (uPer.z != 0.0) q.z = uGrid.z - 1.0; else ok = 0.0;
  }
  return q;
}

float gpRef() { return max(texture2D(uPsiMax, vec2(0.5)).r, uRef.x); }
