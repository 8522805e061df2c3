// Scalar bookkeeping of preconditioned CG on the GPU (shaders/mech/cg_ops.wgsl,
// src/backends/cpu/pcg.ts), run right after the reduction that produced its input, so many
// iterations are recorded without a read-back. The 16 scalar slots live in a 4×1 RGBA texture
// (src/backends/webgl/pcg.ts, SLOT):
//   texel 0 = (b·b, r·r, r·z, p·Ap), 1 = (r·z new, α, β, status),
//   texel 2 = (iterations, ‖r‖/‖b‖, ‖b‖, tol), 3 = (max iterations, 0, 0, 0).
// Status: 0 running, 1 converged, 2 breakdown (p·Ap ≤ 0), 3 iteration limit. Once it is not 0
// every update below is a no-op, so the result does not depend on how many iterations the host
// records between checks. uOp: 0 store b·b, 1 init (r·r), 2 α (p·Ap), 3 check (r·r),
// 4 β (r·z), 5 first r·z.
uniform sampler2D uS;      // scalar state (4×1)
uniform sampler2D uRed;    // 1×1 reduction result (.r)
uniform float uOpCode;

vec4 slot(float t) { return texture2D(uS, vec2((t + 0.5) / 4.0, 0.5)); }

void main() {
  vec4 s0 = slot(0.0);
  vec4 s1 = slot(1.0);
  vec4 s2 = slot(2.0);
  vec4 s3 = slot(3.0);
  float v = texture2D(uRed, vec2(0.5)).r;
  float op = uOpCode;
  if (op == 0.0) {
    s0.x = v;
  } else if (op == 1.0) {
    s0.y = v;
    float bn = sqrt(s0.x);
    if (!(bn > 0.0) || isNan(bn)) bn = 1.0;
    s2.z = bn;
    float rn = sqrt(v) / bn;
    s2.y = rn;
    s2.x = 0.0;
    s1.w = rn <= s2.w ? 1.0 : 0.0;
  } else if (op == 2.0) {
    if (s1.w == 0.0) {
      if (s2.x >= s3.x) {
        s1.w = 3.0;
      } else {
        s2.x = s2.x + 1.0;
        s0.w = v;
        if (!(v > 0.0) || isNan(v)) s1.w = 2.0;
        else s1.y = s0.z / v;
      }
    }
  } else if (op == 3.0) {
    if (s1.w == 0.0) {
      s0.y = v;
      float rn = sqrt(v) / s2.z;
      s2.y = rn;
      if (rn <= s2.w) s1.w = 1.0;
    }
  } else if (op == 4.0) {
    if (s1.w == 0.0) {
      s1.x = v;
      s1.z = v / s0.z;
      s0.z = v;
    }
  } else {
    s1.x = v;
    s0.z = v;
  }
  float t = floor(gl_FragCoord.x);
  gl_FragColor = t < 0.5 ? s0 : t < 1.5 ? s1 : t < 2.5 ? s2 : s3;
}
