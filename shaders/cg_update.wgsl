// Second kernel of CG iteration i (src/backends/cpu/pcg.ts), fine level, CPT cells per invocation:
//   α = r·z_{i−1} / p_i·Ap_i (p·Ap finished here from cg_matvec's partials), x += α p_i,
//   r_i = r_{i−1} − α q into the parity half i % 2 of r2, the partial sums of r_i·r_i,
// and, fused, the V-cycle's fine-level pre-smoothing (mg_restrict.wgsl's PRE: two sweeps from zero on r_i,
// the same numbers: r_i at the neighbours is formed on the fly from r_{i−1} and q).
// Workgroup 0 records the iteration's status: frozen (cg_matvec found the solve ended), the
// iteration limit (i > maxIter), breakdown (p·Ap ≤ 0 or not a number), else running and
// counted.
// JACOBI: those two sweeps are the whole preconditioner (a 'jacobi' solve slot, mgpcg.ts; the
// CPU's MultigridOptions.jacobiOnly): z = M⁻¹ r_i, and each workgroup also writes its partial sum
// of r_i·z into the iteration's parity section of `parts` (in a V-cycle mg_post.wgsl's DOT pass
// does; cg_matvec finishes it), so an iteration is cg_matvec + this kernel.
// START (with JACOBI): a jacobi solve's first direction, z₀ = the two sweeps on r₀ (parity half 0,
// cg_init) and the partials of r₀·z₀; no CG update and no status written. Skipped unless
// cg_start left the solve running (not converged at the start, gate open).

override OMEGA: f32 = 0.6666667;
override JACOBI: bool = false;
override START: bool = false;

@group(0) @binding(0) var<uniform> grid: Grid;
@group(0) @binding(1) var<uniform> sp: SolveParams;
@group(0) @binding(2) var<storage, read> op: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;
@group(0) @binding(4) var<storage, read_write> r2: array<f32>;
@group(0) @binding(5) var<storage, read> p2: array<f32>;
@group(0) @binding(6) var<storage, read> q: array<f32>;
@group(0) @binding(7) var<storage, read_write> z: array<f32>;
@group(0) @binding(8) var<storage, read_write> parts: array<f32>;
@group(0) @binding(9) var<storage, read_write> st: array<u32>;

var<private> alpha: f32;
var<private> rOld: u32;

// r_i at cell k (START: r₀ as cg_init wrote it)
fn rNew(k: u32) -> f32 {
  if (START) { return r2[k]; }
  return r2[rOld + k] - alpha * q[k];
}
// the first sweep from zero, where the second needs it
fn xv(k: u32) -> f32 { return (OMEGA * rNew(k)) / diagAt(k); }

var<workgroup> wi: array<u32, 3>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let g = groupIndex(wid, nwg);
  var i = 0u;
  var status = ST_RUNNING;
  if (START) {
    // iteration 0's status (cg_start's verdict; CG_CNT_B is 0)
    if (lid.x == 0u) { wi[0] = st[CG_STAT]; }
    status = workgroupUniformLoad(&wi[0]);
  } else {
    if (lid.x == 0u) {
      let i0 = st[CG_CNT_A];
      wi[0] = i0;
      wi[1] = st[CG_MVF];
      wi[2] = st[CG_RZ + ((i0 - 1u) & 1u)];
    }
    i = workgroupUniformLoad(&wi[0]);
    let mvFrozen = workgroupUniformLoad(&wi[1]) != 0u;
    let rz = bitcast<f32>(workgroupUniformLoad(&wi[2]));
    let lead = g == 0u && lid.x == 0u;
    if (mvFrozen) {
      status = ST_FROZEN;
    } else if (i > sp.maxIter) {
      status = ST_LIMIT;
    } else {
      var a = 0.0;
      for (var j = lid.x; j < sp.groups; j += WG) { a += parts[P_PQ * sp.groups + j]; }
      let pq = groupSum(a, lid.x);
      if (!(pq > 0.0) || isNanF(pq)) { status = ST_BREAKDOWN; }
      alpha = rz / pq;
    }
    if (lead) {
      st[CG_STAT + (i & 1u)] = status;
      st[CG_CNT_B] = i;
      if (st[CG_END] == 0u) {
        if (status == ST_BREAKDOWN) { st[CG_END] = OUT_BREAKDOWN; }
        if (status == ST_LIMIT) { st[CG_END] = OUT_LIMIT; }
      }
      // (a breakdown counts its iteration, as the CPU's does)
      if (status == ST_RUNNING || status == ST_BREAKDOWN) { st[CG_DONE] = i; }
    }
  }
  if (status != ST_RUNNING || g >= sp.groups) { return; }
  let N = grid.n.w;
  rOld = ((i - 1u) & 1u) * N;
  let rCur = (i & 1u) * N;
  let pCur = (i & 1u) * N;
  var rr = 0.0;
  var rz = 0.0;
  for (var t = 0u; t < CPT; t++) {
    let c = (g * CPT + t) * WG + lid.x;
    if (c < N) {
      var r: f32;
      if (START) {
        r = r2[c];
      } else {
        x[c] = x[c] + alpha * p2[pCur + c];
        r = rNew(c);
        r2[rCur + c] = r;
        rr += r * r;
      }
      let zc = xv(c) + (OMEGA * (r - applyA(c))) / diagAt(c);
      z[c] = zc;
      rz += r * zc;
    }
  }
  if (!START) {
    let s = groupSum(rr, lid.x);
    if (lid.x == 0u) { parts[(P_RR + (i & 1u)) * sp.groups + g] = s; }
  }
  if (JACOBI) {
    let s = groupSum(rz, lid.x);
    if (lid.x == 0u) { parts[(P_RZ + (i & 1u)) * sp.groups + g] = s; }
  }
}
