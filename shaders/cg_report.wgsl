// One workgroup at the end of a recorded MG-PCG solve: its outcome, as the CPU reports it
// (src/backends/cpu/pcg.ts): iterations, the recursively updated ‖r‖/‖b‖, and whether it
// converged, broke down (p·Ap ≤ 0: the residual of the iteration before), hit maxIter, or ran out
// of the iterations the host recorded (exhausted: the host retries with a larger budget); or
// that it was skipped (gate closed). An ended solve is reported from the record its kernels left
// (CG_END, CG_RRV: the very numbers of the test that ended it); a running one is tested here.
// ACC: the solve is a further solve of the same stage in the same step (the IMEX phase stage's
// sweeps, mgpcg.ts encodeResolve): its report adds to the one already in `reports` — iterations
// summed, the larger residual, the worse outcome (exhausted before breakdown or the limit, before
// converged) — and word 3 keeps the most iterations of one solve (the loop's budget per solve).

override ACC: bool = false;

@group(0) @binding(0) var<uniform> sp: SolveParams;
@group(0) @binding(1) var<storage, read> parts: array<f32>;
@group(0) @binding(2) var<storage, read_write> st: array<u32>;
// the device loop's copy of every solve's report, four words per solve (SolveParams.slot)
@group(0) @binding(3) var<storage, read_write> reports: array<u32>;

var<workgroup> wi: array<u32, 6>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  if (lid.x == 0u) {
    wi[0] = st[CG_R_SOLVED];
    wi[1] = st[CG_DONE];
    wi[2] = st[CG_END];
    wi[3] = st[CG_RRV];
    wi[4] = st[CG_BN];
  }
  let solved = workgroupUniformLoad(&wi[0]) != 0u;
  let done = workgroupUniformLoad(&wi[1]);
  let end = workgroupUniformLoad(&wi[2]);
  var rr = bitcast<f32>(workgroupUniformLoad(&wi[3]));
  let bn = bitcast<f32>(workgroupUniformLoad(&wi[4]));
  if (!solved) {
    // (a further solve is skipped exactly when the first one was: the report stands)
    if (lid.x == 0u && !ACC) {
      reports[4u * sp.slot + 2u] = OUT_SKIPPED;
      reports[4u * sp.slot + 3u] = 0u;
    }
    return;
  }
  var code = end;
  if (end == 0u) {
    // still running after the last recorded iteration: its convergence test, made here
    if (done > 0u) {
      var a = 0.0;
      for (var j = lid.x; j < sp.groups; j += WG) { a += parts[(P_RR + (done & 1u)) * sp.groups + j]; }
      rr = groupSum(a, lid.x);
    }
    // (not converged after maxIter iterations is the limit, whatever was recorded: a budget of
    // maxIter must not read as exhausted, or the replays would never end)
    code = select(select(OUT_EXHAUSTED, OUT_LIMIT, done >= sp.maxIter), OUT_CONVERGED, cgConverged(rr, bn, sp.tol));
  }
  if (lid.x != 0u) { return; }
  let resid = bitcast<u32>(sqrt(rr) / bn);
  st[CG_R_ITERS] = done;
  st[CG_R_RESID] = resid;
  st[CG_R_CODE] = code;
  if (ACC) {
    let was = reports[4u * sp.slot + 2u];
    reports[4u * sp.slot] = reports[4u * sp.slot] + done;
    reports[4u * sp.slot + 1u] = bitcast<u32>(max(bitcast<f32>(reports[4u * sp.slot + 1u]), bitcast<f32>(resid)));
    if (outcomeRank(code) > outcomeRank(was)) { reports[4u * sp.slot + 2u] = code; }
    reports[4u * sp.slot + 3u] = max(reports[4u * sp.slot + 3u], max(done, 1u));
    return;
  }
  reports[4u * sp.slot] = done;
  reports[4u * sp.slot + 1u] = resid;
  reports[4u * sp.slot + 2u] = code;
  reports[4u * sp.slot + 3u] = max(done, 1u);
}

// How bad an outcome is when solves of one step are reported together: an exhausted budget first
// (the loop replays with a larger one), then a failure, then converged, then skipped.
fn outcomeRank(c: u32) -> u32 {
  switch c {
    case OUT_EXHAUSTED: { return 3u; }
    case OUT_BREAKDOWN, OUT_LIMIT: { return 2u; }
    case OUT_CONVERGED: { return 1u; }
    default: { return 0u; }
  }
}
