// Counter-based random numbers: the WGSL twin of src/model/noise.ts. hash32 uses only u32
// multiply (wrapping), xor and shifts, so it is bit-identical to the TypeScript version.
// The per-step key (stepKey(seed, step)) is computed on the host and passed in.
//
// log and cos are evaluated with the polynomials below instead of the builtins: WGSL only
// promises an absolute error of 2^-11 for cos and 2^-21 for log, which would make the draws
// device dependent. These are within a few f32 ulps on every device.

fn hash32(x0: u32) -> u32 {
  var x = x0;
  x = x ^ (x >> 16u);
  x = x * 0x7feb352du;
  x = x ^ (x >> 15u);
  x = x * 0x846ca68bu;
  x = x ^ (x >> 16u);
  return x;
}

// Uniform in (0, 1): (2m + 1)/2^24 with m the top 23 bits of h. At most 24 significant bits,
// so f32 holds it exactly and it equals the f64 value of the CPU.
fn uniform24(h: u32) -> f32 {
  return (f32(h >> 9u) + 0.5) * (1.0 / 8388608.0);
}

// Natural log of a positive normal f32: x = m·2^e with m in [√½, √2), then
// ln m = 2 atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.1716 (series to s^13).
fn logAccurate(x: f32) -> f32 {
  let fe = frexp(x);
  var m = fe.fract;
  var e = f32(fe.exp);
  if (m < 0.70710678) {
    m = m * 2.0;
    e = e - 1.0;
  }
  let s = (m - 1.0) / (m + 1.0);
  let s2 = s * s;
  let series = 1.0 + s2 * (1.0 / 3.0 + s2 * (0.2 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0 + s2 * (1.0 / 11.0 + s2 * (1.0 / 13.0))))));
  let lnm = 2.0 * s * series;
  // ln 2 split so that e·LN2_HI is exact for |e| < 2^12
  let LN2_HI = 0.693145751953125;
  let LN2_LO = 1.428606765330187e-6;
  return e * LN2_HI + (e * LN2_LO + lnm);
}

// Taylor polynomials on |x| ≤ π/4 (truncation below 3e-9).
fn cosPoly(x: f32) -> f32 {
  let x2 = x * x;
  return 1.0 - x2 * (0.5 - x2 * (1.0 / 24.0 - x2 * (1.0 / 720.0 - x2 * (1.0 / 40320.0 - x2 * (1.0 / 3628800.0)))));
}

fn sinPoly(x: f32) -> f32 {
  let x2 = x * x;
  return x * (1.0 - x2 * (1.0 / 6.0 - x2 * (1.0 / 120.0 - x2 * (1.0 / 5040.0 - x2 * (1.0 / 362880.0)))));
}

// cos(2π u) for u in [0, 1]. Every reduction step is exact in f32 (Sterbenz).
fn cos2pi(u: f32) -> f32 {
  let t = u - round(u);
  var a = abs(t);
  var sgn = 1.0;
  if (a > 0.25) {
    a = 0.5 - a;
    sgn = -1.0;
  }
  let TWO_PI = 6.283185307179586;
  if (a > 0.125) {
    return sgn * sinPoly(TWO_PI * (0.25 - a));
  }
  return sgn * cosPoly(TWO_PI * a);
}

// Standard normal for one cell at one step (Box–Muller on two hashed uniforms).
fn cellNormal(key: u32, cell: u32) -> f32 {
  let h1 = hash32(key ^ hash32(cell));
  let h2 = hash32(h1 + 0x9e3779b9u);
  let u1 = uniform24(h1);
  let u2 = uniform24(h2);
  return sqrt(-2.0 * logAccurate(u1)) * cos2pi(u2);
}
