// First kernel of CG iteration i (src/backends/cpu/pcg.ts), fine level, CPT cells per invocation:
//   β = r·z_{i−1} / r·z_{i−2} (0 for i = 1), p_i = z + β p_{i−1}, q = A p_i, and per workgroup
//   the partial sum of p_i·q.
// p_i is written into the parity half i % 2 of p2 (p_{i−1} is read from the other half, so the
// neighbours' p_i are formed on the fly without a race). r·z_{i−1} is finished here from the
// partials of the last V-cycle (a jacobi slot: of cg_update; every workgroup sums them in the same order); workgroup 0 keeps
// it for the next iteration's β and for cg_update's α, and records i. The solve is frozen — this
// kernel and the rest of the iteration do nothing — when iteration i − 1 ended it (converged:
// ‖r_{i−1}‖/‖b‖ ≤ tol, from the partials of r·r; or breakdown, limit, inactive).

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> sp: SolveParams;
@group(0) @binding(2) var<storage, read> op: array<OpCell>;   // common/op_faces.wgsl or op_uniform.wgsl
@group(0) @binding(3) var<storage, read> z: array<f32>;
@group(0) @binding(4) var<storage, read_write> p2: array<f32>;
@group(0) @binding(5) var<storage, read_write> q: array<f32>;
@group(0) @binding(6) var<storage, read_write> parts: array<f32>;
@group(0) @binding(7) var<storage, read_write> st: array<u32>;

var<private> pOld: u32;
var<private> beta: f32;
var<private> first: bool;

// p_i at cell k: z + β p_{i−1} (just z in the first iteration, whatever the other half holds)
fn xv(k: u32) -> f32 {
  if (first) { return z[k]; }
  return z[k] + beta * p2[pOld + k];
}

// per workgroup, read once: i − 1, its status, ‖b‖, r·r₀, r·z_{i−2}
var<workgroup> wi: array<u32, 5>;

fn sumSection(sec: u32, lid: u32) -> f32 {
  var a = 0.0;
  for (var j = lid; j < sp.groups; j += WG) { a += parts[sec * sp.groups + j]; }
  return groupSum(a, lid);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  if (lid.x == 0u) {
    let prev = st[CG_CNT_B];
    wi[0] = prev;
    wi[1] = st[CG_STAT + (prev & 1u)];
    wi[2] = st[CG_BN];
    wi[3] = st[CG_RR0];
    wi[4] = st[CG_RZ + ((prev + 1u) & 1u)];
  }
  let i = workgroupUniformLoad(&wi[0]) + 1u;
  let status = workgroupUniformLoad(&wi[1]);
  let bn = bitcast<f32>(workgroupUniformLoad(&wi[2]));
  let rr0 = bitcast<f32>(workgroupUniformLoad(&wi[3]));
  let rzPrev2 = bitcast<f32>(workgroupUniformLoad(&wi[4]));
  let g = groupIndex(wid, nwg);
  var frozen = status != ST_RUNNING;
  var rr = rr0;
  if (!frozen) {
    if (i > 1u) { rr = sumSection(P_RR + ((i - 1u) & 1u), lid.x); }
    frozen = cgConverged(rr, bn, sp.tol);
    // the test's verdict and its r·r are the solve's record (cg_report reads them, never redoing the sum)
    if (g == 0u && lid.x == 0u) {
      st[CG_RRV] = bitcast<u32>(rr);
      if (frozen && st[CG_END] == 0u) { st[CG_END] = OUT_CONVERGED; }
    }
  }
  if (frozen) {
    if (g == 0u && lid.x == 0u) {
      st[CG_CNT_A] = i;
      st[CG_MVF] = 1u;
    }
    return;
  }
  let rzPrev = sumSection(P_RZ + ((i - 1u) & 1u), lid.x);
  first = i == 1u;
  if (!first) { beta = rzPrev / rzPrev2; }
  pOld = ((i - 1u) & 1u) * grid.n.w;
  let pNew = (i & 1u) * grid.n.w;
  if (g >= sp.groups) { return; }
  var pq = 0.0;
  for (var t = 0u; t < CPT; t++) {
    let c = (g * CPT + t) * WG + lid.x;
    if (c < grid.n.w) {
      let pc = xv(c);
      let qc = applyA(c);
      p2[pNew + c] = pc;
      q[c] = qc;
      pq += pc * qc;
    }
  }
  let s = groupSum(pq, lid.x);
  if (lid.x == 0u) {
    parts[P_PQ * sp.groups + g] = s;
    if (g == 0u) {
      st[CG_CNT_A] = i;
      st[CG_MVF] = 0u;
      st[CG_RZ + ((i - 1u) & 1u)] = bitcast<u32>(rzPrev);
    }
  }
}
