// Counter-based random numbers: the GLSL ES 1.0 twin of src/model/noise.ts and
// shaders/common/noise.wgsl. GLSL ES 1.0 has no unsigned integers and no bit operations, so a
// u32 is held as two 16-bit limbs in floats, vec2(hi, lo), and every operation of hash32 is
// done on the limbs with float arithmetic whose every intermediate is an integer below 2^24 —
// exact in IEEE f32 (highp), so the bits equal the CPU's:
// - xor: bit by bit (16 steps of mod 2 / halving, all exact);
// - x >> 15, x >> 16: limb moves and divisions by powers of two;
// - x · K mod 2^32: the constant K is split into 8-bit digits so that every partial product
//   of a 16-bit limb and a digit is < 2^24, and only the low 16 bits of the cross terms are kept.
// test/browser/backends.test.ts checks hash32 bit for bit and the normals against cellNormal().

float xor16(float a0, float b0) {
  float a = a0;
  float b = b0;
  float r = 0.0;
  float p = 1.0;
  for (int i = 0; i < 16; i++) {
    float ha = floor(a * 0.5);
    float hb = floor(b * 0.5);
    r += p * abs((a - 2.0 * ha) - (b - 2.0 * hb));
    a = ha;
    b = hb;
    p *= 2.0;
  }
  return r;
}

vec2 xor32(vec2 a, vec2 b) { return vec2(xor16(a.x, b.x), xor16(a.y, b.y)); }

// x mod 2^16 and x mod 2^8 for an integer 0 ≤ x < 2^24
float low16(float x) { return x - floor(x / 65536.0) * 65536.0; }
float low8(float x) { return x - floor(x / 256.0) * 256.0; }

// x · K mod 2^32, K = (kh1·256 + kh0)·2^16 + (kl1·256 + kl0)
vec2 mul32(vec2 x, float kh1, float kh0, float kl1, float kl0) {
  float xh = x.x;
  float xl = x.y;
  // xl · Kl (up to 32 bits) as limbs: xl·kl0 + xl·kl1·256
  float t0 = xl * kl0;
  float t1 = xl * kl1;
  float t0h = floor(t0 / 65536.0);
  float t1h = floor(t1 / 256.0);
  float lo = (t0 - t0h * 65536.0) + (t1 - t1h * 256.0) * 256.0;
  float carry = floor(lo / 65536.0);
  lo -= carry * 65536.0;
  // high limb: the carries of xl·Kl plus (xh·Kl + xl·Kh) mod 2^16
  float hi = t0h + t1h + carry;
  hi += low16(xh * kl0) + low8(xh * kl1) * 256.0;
  hi += low16(xl * kh0) + low8(xl * kh1) * 256.0;
  return vec2(low16(hi), lo);
}

// x ^ (x >> 16)
vec2 xorShr16(vec2 x) { return vec2(x.x, xor16(x.y, x.x)); }

// x ^ (x >> 15)
vec2 xorShr15(vec2 x) {
  vec2 s = vec2(floor(x.x / 32768.0), low16(x.x * 2.0) + floor(x.y / 32768.0));
  return xor32(x, s);
}

// "lowbias32": x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16
vec2 hash32(vec2 x0) {
  vec2 x = xorShr16(x0);
  x = mul32(x, 127.0, 235.0, 53.0, 45.0);     // 0x7feb352d = (0x7f, 0xeb, 0x35, 0x2d)
  x = xorShr15(x);
  x = mul32(x, 132.0, 108.0, 166.0, 139.0);   // 0x846ca68b = (0x84, 0x6c, 0xa6, 0x8b)
  return xorShr16(x);
}

// (a + b) mod 2^32
vec2 add32(vec2 a, vec2 b) {
  float lo = a.y + b.y;
  float carry = floor(lo / 65536.0);
  return vec2(low16(a.x + b.x + carry), lo - carry * 65536.0);
}

vec2 limbsOf(float v) {
  float hi = floor(v / 65536.0);
  return vec2(hi, v - hi * 65536.0);
}

// ((h >> 9) + 0.5) / 2^23: exact in f32
float uniform24(vec2 h) {
  return (h.x * 128.0 + floor(h.y / 512.0) + 0.5) * (1.0 / 8388608.0);
}

// ln x for x in (0, 1): x = m·2^e with m in [√½, √2) by exact doublings, then the series of
// noise.wgsl (logAccurate): ln m = 2 atanh(s), s = (m − 1)/(m + 1), and e·ln 2 split hi/lo.
float logUnit(float x) {
  float m = x;
  float e = 0.0;
  for (int i = 0; i < 30; i++) {
    if (m >= 0.70710678) break;
    m *= 2.0;
    e -= 1.0;
  }
  float s = (m - 1.0) / (m + 1.0);
  float s2 = s * s;
  float series = 1.0 + s2 * (1.0 / 3.0 + s2 * (0.2 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0 + s2 * (1.0 / 11.0 + s2 * (1.0 / 13.0))))));
  float lnm = 2.0 * s * series;
  return e * 0.693145751953125 + (e * 1.428606765330187e-6 + lnm);
}

float cosPoly(float x) {
  float x2 = x * x;
  return 1.0 - x2 * (0.5 - x2 * (1.0 / 24.0 - x2 * (1.0 / 720.0 - x2 * (1.0 / 40320.0 - x2 * (1.0 / 3628800.0)))));
}

float sinPoly(float x) {
  float x2 = x * x;
  return x * (1.0 - x2 * (1.0 / 6.0 - x2 * (1.0 / 120.0 - x2 * (1.0 / 5040.0 - x2 * (1.0 / 362880.0)))));
}

// cos(2π u), u in (0, 1) (never exactly ½, so floor(u + ½) is WGSL's round)
float cos2pi(float u) {
  float t = u - floor(u + 0.5);
  float a = abs(t);
  float sgn = 1.0;
  if (a > 0.25) {
    a = 0.5 - a;
    sgn = -1.0;
  }
  if (a > 0.125) return sgn * sinPoly(6.283185307179586 * (0.25 - a));
  return sgn * cosPoly(6.283185307179586 * a);
}

// Standard normal for one cell at one step; key = stepKey(seed, step) as limbs, cell = linear index.
float cellNormal(vec2 key, float cell) {
  vec2 h1 = hash32(xor32(key, hash32(limbsOf(cell))));
  vec2 h2 = hash32(add32(h1, vec2(40503.0, 31161.0)));   // + 0x9e3779b9
  float u1 = uniform24(h1);
  float u2 = uniform24(h2);
  return sqrt(-2.0 * logUnit(u1)) * cos2pi(u2);
}
