// Grand-potential transport, the Newton update (src/backends/cpu/gp-transport.ts gpUpdateK,
// gpInvertRho): the linear solve gives each cell the change of its Li Δρ = λ·(χ/u)·δu (λ < 1 after
// an update that raised ‖F‖: backtracking); w moves to
// where ρ(h₁, w) − ρ(h₁, w^k) equals it (cut at 0.999 of the way to ρ's bounds 0 and
// (1 − h) + h·dv), by a safeguarded Newton on the monotone ρ(w) (bisection whenever a step
// leaves the bracket [w^k − 60, w^k] or [w^k, w^k + 60]) from the linear guess w^k + ln(1 + δu/u).
// f32: the change is formed term by term like gp_coef.wgsl; the iteration stops at a relative
// step of 1e-6 (a few ulps of w) or after 40 steps.

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> gp: GpParams;
@group(0) @binding(2) var<storage, read> xiNew: array<f32>;
@group(0) @binding(3) var<storage, read> cellA: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> delta: array<f32>;
@group(0) @binding(5) var<storage, read_write> w: array<f32>;

const BRACKET: f32 = 60.0;

// ρ(h, w) − ρ(h, w0) = (1−h)[c_l(w) − c_l(w0)] + h·dv·[s̄(w0) − s̄(w)]
fn deltaRho(h: vec2<f32>, w0: f32, x: f32) -> f32 {
  return h.y * (gpLogistic(x - gp.el) - gpLogistic(w0 - gp.el)) + h.x * gp.dv * (gpLogistic(gp.es - w0) - gpLogistic(gp.es - x));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = linearIndex(wid, nwg, lid);
  if (c >= grid.n.w) { return; }
  let A = cellA[c];
  if (A.y < 0.0) { return; }  // host cell: w frozen
  let d = gp.lambda * delta[c];
  let target0 = A.z * d;
  if (target0 == 0.0) { return; }
  let h = gpH(xiNew[c]);
  let w0 = w[c];
  let rho0 = h.y * gpLogistic(w0 - gp.el) + h.x * gp.dv * gpLogistic(w0 - gp.es);
  // the room left, a sum of positive terms (ρ_max − ρ would cancel to noise near dv in f32)
  let room = h.y * gpLogistic(gp.el - w0) + h.x * gp.dv * gpLogistic(gp.es - w0);
  var t = target0;
  if (t < 0.0) { t = max(t, -0.999 * rho0); } else { t = min(t, 0.999 * room); }
  var lo = w0;
  var hi = w0 + BRACKET;
  if (t < 0.0) {
    lo = w0 - BRACKET;
    hi = w0;
  }
  let ratio = 1.0 + d / A.x;
  var x = 0.5 * (lo + hi);
  if (ratio > 0.0) {
    let g = w0 + log(ratio);
    if (g > lo && g < hi) { x = g; }
  }
  for (var it = 0u; it < 40u; it++) {
    let f = deltaRho(h, w0, x) - t;
    if (f == 0.0) { break; }
    if (f < 0.0) { lo = x; } else { hi = x; }
    let slope = h.y * gpLogisticSlope(x - gp.el) + h.x * gp.dv * gpLogisticSlope(x - gp.es);
    var next = x - f / slope;
    if (!(next > lo && next < hi)) { next = 0.5 * (lo + hi); }
    let done = abs(next - x) <= 1e-6 * max(1.0, abs(x));
    x = next;
    if (done) { break; }
  }
  w[c] = x;
}
