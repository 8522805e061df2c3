// The verdict on CG iteration i, taken by the kernel that does its update (cg_update.wgsl;
// mg_restrict.wgsl CGUPD, the V-cycle's fine restriction with the update fused in), one
// definition for both: i from cg_matvec (CG_CNT_A); the status: frozen (cg_matvec found the
// solve ended), the iteration limit (i > maxIter), breakdown (p·Ap ≤ 0 or not a number), else
// running; α = r·z_{i−1} / p_i·Ap_i, p·Ap finished from cg_matvec's partials (every workgroup
// sums them in the same order, so all get the same α). Workgroup 0 records the status (CG_STAT,
// CG_CNT_B; CG_END once it ends the solve; CG_DONE where the update runs, a breakdown counted as
// the CPU counts it). The including module declares `sp: SolveParams`, `parts: array<f32>` and
// `st: array<u32>` (read_write). Call from uniform control flow (barriers).

struct CgStep {
  i: u32,
  status: u32,
  alpha: f32,
}

var<workgroup> cgStepWords: array<u32, 3>;

fn cgStep(g: u32, lid: u32) -> CgStep {
  if (lid == 0u) {
    let i0 = st[CG_CNT_A];
    cgStepWords[0] = i0;
    cgStepWords[1] = st[CG_MVF];
    cgStepWords[2] = st[CG_RZ + ((i0 - 1u) & 1u)];
  }
  let i = workgroupUniformLoad(&cgStepWords[0]);
  let mvFrozen = workgroupUniformLoad(&cgStepWords[1]) != 0u;
  let rz = bitcast<f32>(workgroupUniformLoad(&cgStepWords[2]));
  var status = ST_RUNNING;
  var al = 0.0;
  if (mvFrozen) {
    status = ST_FROZEN;
  } else if (i > sp.maxIter) {
    status = ST_LIMIT;
  } else {
    var a = 0.0;
    for (var j = lid; j < sp.groups; j += WG) { a += parts[P_PQ * sp.groups + j]; }
    let pq = groupSum(a, lid);
    if (!(pq > 0.0) || isNanF(pq)) { status = ST_BREAKDOWN; }
    al = rz / pq;
  }
  if (g == 0u && lid == 0u) {
    st[CG_STAT + (i & 1u)] = status;
    st[CG_CNT_B] = i;
    if (st[CG_END] == 0u) {
      if (status == ST_BREAKDOWN) { st[CG_END] = OUT_BREAKDOWN; }
      if (status == ST_LIMIT) { st[CG_END] = OUT_LIMIT; }
    }
    // (a breakdown counts its iteration, as the CPU's does)
    if (status == ST_RUNNING || status == ST_BREAKDOWN) { st[CG_DONE] = i; }
  }
  return CgStep(i, status, al);
}
