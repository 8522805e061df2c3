// Test probe of noise.glsl (test/browser/backends.test.ts), one fragment per cell q (linear
// index): r, g = the limbs (hi, lo) of hash32(q); b = h1 >> 9 with h1 = hash32(key ^ hash32(q))
// (the integer behind the first uniform of cellNormal, < 2^23 so exact in f32);
// a = cellNormal(key, q).
uniform vec2 uKey;         // (keyHi, keyLo)

void main() {
  vec3 c = thisCell();
  float q = indexOfCell(c, uGrid);
  vec2 h = hash32(limbsOf(q));
  vec2 h1 = hash32(xor32(uKey, h));
  gl_FragColor = vec4(h.x, h.y, h1.x * 128.0 + floor(h1.y / 512.0), cellNormal(uKey, q));
}
