// One level of a pyramid reduction: each target texel combines the 4×4 source texels under it
// (in memory order; 4×4 rather than 2×2 halves the number of passes, which dominate the cost)
// (texels outside the source, or in unused atlas tiles when uCheck = 1, are skipped), channel by
// channel: a sum, or with uIsMax = 1 a NaN-propagating max. Repeated down to 1×1 this is a
// tree of 16-term sums (src/backends/webgl/reduce.ts). The first level may form the terms:
// uMode 0: the source RGBA as is; 1: dot, (a.r·b.r, 0, 0, 0); 2: (|a.r − b.r|, 0, 0, 0);
// 3: the dot of all four channels (vector fields), (a·b, 0, 0, 0).
// uCheck = 1 reads the source as an atlas of the grid uGrid (level 0 of a field).
uniform sampler2D uA;
uniform sampler2D uB;
uniform vec2 uSrc;      // source texture size
uniform vec4 uIsMax;
uniform float uMode;
uniform float uCheck;

float comb(float x, float y, float isMax) {
  if (isMax == 0.0) return x + y;
  if (isNan(x)) return x;
  if (isNan(y)) return y;
  return max(x, y);
}

void main() {
  vec2 o = floor(gl_FragCoord.xy) * 4.0;
  vec4 acc = mix(vec4(0.0), vec4(-BIG), uIsMax);
  for (int dy = 0; dy < 4; dy++) {
    for (int dx = 0; dx < 4; dx++) {
      vec2 t = o + vec2(float(dx), float(dy));
      if (t.x >= uSrc.x || t.y >= uSrc.y) continue;
      if (uCheck != 0.0 && !texelIsCell(t, uGrid)) continue;
      vec2 uv = (t + 0.5) / uSrc;
      vec4 a = texture2D(uA, uv);
      vec4 v = a;
      if (uMode == 1.0) v = vec4(a.r * texture2D(uB, uv).r, 0.0, 0.0, 0.0);
      else if (uMode == 2.0) v = vec4(abs(a.r - texture2D(uB, uv).r), 0.0, 0.0, 0.0);
      else if (uMode == 3.0) v = vec4(dot(a, texture2D(uB, uv)), 0.0, 0.0, 0.0);
      acc = vec4(comb(acc.x, v.x, uIsMax.x), comb(acc.y, v.y, uIsMax.y), comb(acc.z, v.z, uIsMax.z), comb(acc.w, v.w, uIsMax.w));
    }
  }
  gl_FragColor = acc;
}
