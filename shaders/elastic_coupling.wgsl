// Mechanics (docs/mechanics.md), the twin of elasticCouplingK: from the displacement u and its
// shear stresses τ (elastic_stress.wgsl, LINEAR), per cell
//   s = −(Ω μ_ref/RT)·σ_h  (psiEff = ψ + s: the Butler–Volmer exponents of the phase stage),
//   q = ½Δλ (tr ε_e)² + Δμ ε_e:ε_e − σ:ε⁰  (view.y: the phase stage's rate −L_σμ_ref·h′(ξ)·q),
// with ε_e = ε − h ε⁰ (plane strain: ε_zz = 0) and the shear strain at the centre from the four
// edges' γ = τ/μ_e.

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> ep: ElasticParams;
@group(0) @binding(2) var<storage, read> mat: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> u: array<f32>;
@group(0) @binding(4) var<storage, read> tau: array<f32>;
@group(0) @binding(5) var<storage, read> psi: array<f32>;
@group(0) @binding(6) var<storage, read_write> psiEff: array<f32>;
@group(0) @binding(7) var<storage, read_write> view: array<vec4<f32>>;

fn uv(q: u32) -> f32 { return u[q]; }

// The four edges around the centre of p in the (a, b) plane (elasticity-kernels.ts aroundCentre):
// (upper a, upper b), (lower a, upper b), (upper a, lower b), (lower a, lower b), an edge on a
// lower boundary face from lowerEdgeTau with its two-cell μ. Returns (mean τ: the centre shear
// stress σ_ab, mean τ/μ_e: the centre engineering shear strain γ_ab).
fn storedEdge(q: u32, k: u32, a: u32, b: u32) -> vec2<f32> {
  return vec2<f32>(tau[k + q], edgeMu(q, cellAt(q, grid.n), min(a, b), max(a, b)));
}

fn lowerEdge(q: u32, c: u32, d: u32) -> vec2<f32> {
  let cq = cellAt(q, grid.n);
  let qc = plusNeighbour(grid, q, cq, c);
  var m = 1.0;
  if (qc != NO_CELL) { m = 0.5 * (mat[q].y + mat[qc].y); }
  return vec2<f32>(lowerEdgeTau(q, cq, c, d), m);
}

fn centreShear(p: u32, c: Cell, a: u32, b: u32) -> vec2<f32> {
  let k = pairOf(a, b) * grid.n.w;
  let qa = minusNeighbour(grid, p, c, a);
  let qb = minusNeighbour(grid, p, c, b);
  let uu = storedEdge(p, k, a, b);
  var lu: vec2<f32>;
  if (qa != NO_CELL) { lu = storedEdge(qa, k, a, b); } else { lu = lowerEdge(p, b, a); }
  var ul: vec2<f32>;
  if (qb != NO_CELL) { ul = storedEdge(qb, k, a, b); } else { ul = lowerEdge(p, a, b); }
  var ll = vec2<f32>(0.0, 1.0);
  if (qa != NO_CELL && qb != NO_CELL) {
    ll = storedEdge(minusNeighbour(grid, qa, cellAt(qa, grid.n), b), k, a, b);
  } else if (qa != NO_CELL) {
    ll = lowerEdge(qa, a, b);
  } else if (qb != NO_CELL) {
    ll = lowerEdge(qb, b, a);
  }
  return 0.25 * vec2<f32>(uu.x + lu.x + ul.x + ll.x, uu.x / uu.y + lu.x / lu.y + ul.x / ul.y + ll.x / ll.y);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let p = linearIndex(wid, nwg, lid);
  if (p >= grid.n.w) { return; }
  let c = cellAt(p, grid.n);
  let dims = grid.p.w;
  let m = mat[p];
  let lam = m.x;
  let mu = m.y;
  let h = m.z;
  let e0 = vec3<f32>(ep.e0x, ep.e0y, ep.e0z);
  var e = vec3<f32>(0.0, 0.0, 0.0);
  var tr = 0.0;
  for (var a = 0u; a < 3u; a++) {
    var v = 0.0;
    if (a < dims) {
      let q = minusNeighbour(grid, p, c, a);
      var lo = 0.0;
      if (q != NO_CELL) { lo = um(q, a); }
      v = (um(p, a) - lo) / ep.dx;
    }
    e[a] = v - h * e0[a];
    tr += e[a];
  }
  let sg = vec3<f32>(lam * tr - ep.hydro) + 2.0 * mu * e;
  var eDotE = dot(e, e);
  var np = 1u;
  if (dims == 3u) { np = 3u; }
  for (var k = 0u; k < np; k++) {
    let a = select(1u, 0u, k < 2u);
    let b = select(2u, 1u, k == 0u);
    // ε_ab = γ_ab/2, counted twice in ε:ε
    let gam = centreShear(p, c, a, b).y;
    eDotE += 0.5 * gam * gam;
  }
  let sh = (sg.x + sg.y + sg.z) / 3.0;
  psiEff[p] = psi[p] - ep.sFactor * sh;
  var v = view[p];
  v.y = 0.5 * ep.dLam * tr * tr + ep.dMu * eDotE - dot(sg, e0);
  view[p] = v;
}
