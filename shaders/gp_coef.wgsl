// Grand-potential transport, per Newton iterate w^k (src/backends/cpu/gp-transport.ts gpCoefK and
// the cell part of gpResidualK): with a = ψ − ψ_ref (padded, shifted by transport_shift.wgsl) and
// h = h(ξⁿ⁺¹),
//   cellA = (u, m, χ/u, a):  u = e^{w + a} (Slotboom), m = M0(1−h)²(1 − c_l)e^{−el}·kD (mobility:
//           D∇μ = m e^{−a}∇u), χ/u with χ = (1−h)c_l(1−c_l) + h·dv·c_s(1−c_s) (Newton capacity),
//   cellB = (ρⁿ⁺¹ − ρⁿ, ρⁿ⁺¹ + ρⁿ, 0, 0): the change of the cell's Li, formed as
//           (1−h₁)c_l(w) − (1−h₀)c_l(wⁿ) + dv[(h₁ − h₀) − (h₁s̄(w) − h₀s̄(wⁿ))] (no difference of
//           two numbers near dv), and its magnitude (the round-off scale of the residual).
// Host cells: u = 1, m = −1 (no faces), χ/u = 1, no change.

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> gp: GpParams;
@group(0) @binding(2) var<storage, read> xiNew: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read> pa: array<f32>;
@group(0) @binding(5) var<storage, read> props: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> old: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> cellA: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> cellB: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = linearIndex(wid, nwg, lid);
  if (c >= grid.n.w) { return; }
  let p = cellAt(c, grid.n);
  let psy = grid.n.x + 2u;
  var q = (p.i + 1u) + psy * (p.j + 1u);
  if (grid.p.w == 3u) { q += psy * (grid.n.y + 2u) * (p.k + 1u); }
  let a = pa[q];
  let pr = props[c];
  if (pr.w > 0.5) {
    cellA[c] = vec4<f32>(1.0, -1.0, 1.0, a);
    cellB[c] = vec4<f32>(0.0);
    return;
  }
  let h = gpH(xiNew[c]);
  let wk = w[c];
  let ql = wk - gp.el;
  let cl = gpLogistic(ql);
  let u = exp(wk + a);
  let mob = gp.M0 * h.y * h.y * gpLogistic(-ql) * exp(-gp.el) * pr.y;
  let chi = h.y * gpLogisticSlope(ql) + h.x * gp.dv * gpLogisticSlope(wk - gp.es);
  cellA[c] = vec4<f32>(u, mob, chi / u, a);
  let o = old[c];
  let sb = gpLogistic(gp.es - wk);
  // h₁ − h₀ from whichever of h and 1 − h is small for these two cells (accurate to its own ulps)
  let dh = select(o.y - h.y, h.x - o.x, h.x + o.x < 1.0);
  let dRho = h.y * cl - o.y * o.z + gp.dv * (dh - (h.x * sb - o.x * o.w));
  let rho1 = h.y * cl + h.x * gp.dv * (1.0 - sb);
  let rho0 = o.y * o.z + o.x * gp.dv * (1.0 - o.w);
  cellB[c] = vec4<f32>(dRho, rho1 + rho0, 0.0, 0.0);
}
