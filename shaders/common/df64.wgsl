// Double-f32 ("df64") numbers for the device-side time loop: a value is hi + lo with |lo| ≤ ½ ulp(hi),
// about 48 significant bits. Only additions are used (TwoSum needs IEEE f32 addition without
// reassociation, which WGSL's float semantics keep; no products, so no FMA contraction can enter).
// Simulated time accumulates f32 steps exactly in this form (src/backends/webgpu/loop.ts splits
// an f64 time into hi and lo; the backend checks these functions on the device before it trusts them).

fn twoSum(a: f32, b: f32) -> vec2<f32> {
  let s = a + b;
  let bb = s - a;
  let e = (a - (s - bb)) + (b - bb);
  return vec2<f32>(s, e);
}

fn quickTwoSum(a: f32, b: f32) -> vec2<f32> {
  let s = a + b;
  return vec2<f32>(s, b - (s - a));
}

fn dfAdd(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let s = twoSum(a.x, b.x);
  let t = twoSum(a.y, b.y);
  let u = quickTwoSum(s.x, s.y + t.x);
  return quickTwoSum(u.x, u.y + t.y);
}

fn dfNeg(a: vec2<f32>) -> vec2<f32> {
  return vec2<f32>(-a.x, -a.y);
}

fn dfSub(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  return dfAdd(a, dfNeg(b));
}

// a + an f32 b
fn dfAddF(a: vec2<f32>, b: f32) -> vec2<f32> {
  return dfAdd(a, vec2<f32>(b, 0.0));
}

// The nearest f32 (hi + lo rounded once).
fn dfToF32(a: vec2<f32>) -> f32 {
  return a.x + a.y;
}
