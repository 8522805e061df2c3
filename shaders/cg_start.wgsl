// One workgroup after cg_init: ‖b‖ and the first convergence test (src/backends/cpu/pcg.ts:
// ‖r‖/‖b‖ ≤ tol with ‖b‖ = 1 when b = 0: converged at the start, no iteration), and the
// counters of the solve. With the gate closed the solve is marked inactive: every later kernel
// of it returns at once and the report says "skipped".

@group(0) @binding(0) var<uniform> lstate: Loop;
@group(0) @binding(1) var<uniform> sp: SolveParams;
@group(0) @binding(2) var<storage, read> parts: array<f32>;
@group(0) @binding(3) var<storage, read_write> st: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  let open = gateOpen(lstate, sp.gate);
  var bb = 0.0;
  var rr = 0.0;
  if (open) {
    for (var j = lid.x; j < sp.groups; j += WG) {
      bb += parts[P_BB * sp.groups + j];
      rr += parts[P_RR0 * sp.groups + j];
    }
  }
  let sb = groupSum(bb, lid.x);
  let sr = groupSum(rr, lid.x);
  if (lid.x != 0u) { return; }
  // (the set-up's verdict on the coarsest factor stays)
  let fact = st[CG_FACT];
  for (var w = 0u; w < CG_WORDS; w++) { st[w] = 0u; }
  st[CG_FACT] = fact;
  if (!open) {
    st[CG_STAT] = ST_INACTIVE;
    st[CG_MVF] = 1u;
    st[CG_R_CODE] = OUT_SKIPPED;
    return;
  }
  var bn = sqrt(sb);
  if (!(bn > 0.0) || isNanF(bn)) { bn = 1.0; }
  st[CG_BN] = bitcast<u32>(bn);
  st[CG_RR0] = bitcast<u32>(sr);
  st[CG_RRV] = bitcast<u32>(sr);
  let conv = cgConverged(sr, bn, sp.tol);
  st[CG_STAT] = select(ST_RUNNING, ST_CONVERGED, conv);
  st[CG_END] = select(0u, OUT_CONVERGED, conv);
  // an operator that is not SPD: the solve ends broken down unless it had nothing to do
  if (fact != 0u && !conv) {
    st[CG_STAT] = ST_BREAKDOWN;
    st[CG_END] = OUT_BREAKDOWN;
  }
  st[CG_R_SOLVED] = 1u;
}
