// Scalar bookkeeping of preconditioned CG on the GPU (src/backends/cpu/pcg.ts), run by one
// invocation right after the reduction that produced its input (reduce_stage2.wgsl, POST), so
// that many iterations can be recorded into one submission without a read-back.
// The status word freezes the iterate once the solve has converged, broken down or hit the
// iteration limit: every later update is a no-op, so the result (and the reported iteration
// count) does not depend on how many iterations the host records between checks.
// Needs `scal: array<f32>` (read_write) and mech/cg_slots.wgsl.

const CG_NONE: u32 = 0u;
const CG_INIT: u32 = 1u;    // after r·r of the initial residual: ‖b‖, first convergence test
const CG_ALPHA: u32 = 2u;   // after p·Ap: count the iteration, α = rz/(p·Ap) (or breakdown / limit)
const CG_CHECK: u32 = 3u;   // after r·r: ‖r‖/‖b‖ ≤ tol → converged
const CG_BETA: u32 = 4u;    // after r·z: β = rz_new/rz
const CG_RZ0: u32 = 5u;     // after r·z of the first direction: rz = r·z

fn cgOp(op: u32) {
  switch op {
    case 1u: {
      var bn = sqrt(scal[S_BB]);
      if (!(bn > 0.0) || isNanF(bn)) { bn = 1.0; }
      scal[S_BNORM] = bn;
      let rn = sqrt(scal[S_RR]) / bn;
      scal[S_RESID] = rn;
      scal[S_ITER] = 0.0;
      scal[S_STATUS] = select(0.0, 1.0, rn <= scal[S_TOL]);
    }
    case 2u: {
      if (scal[S_STATUS] != 0.0) { return; }
      if (scal[S_ITER] >= scal[S_MAXITER]) {
        scal[S_STATUS] = 3.0;
        return;
      }
      scal[S_ITER] = scal[S_ITER] + 1.0;
      let pq = scal[S_PQ];
      if (!(pq > 0.0) || isNanF(pq)) {
        scal[S_STATUS] = 2.0;
        return;
      }
      scal[S_ALPHA] = scal[S_RZ] / pq;
    }
    case 3u: {
      if (scal[S_STATUS] != 0.0) { return; }
      let rn = sqrt(scal[S_RR]) / scal[S_BNORM];
      scal[S_RESID] = rn;
      if (rn <= scal[S_TOL]) { scal[S_STATUS] = 1.0; }
    }
    case 4u: {
      if (scal[S_STATUS] != 0.0) { return; }
      scal[S_BETA] = scal[S_RZNEW] / scal[S_RZ];
      scal[S_RZ] = scal[S_RZNEW];
    }
    case 5u: {
      scal[S_RZ] = scal[S_RZNEW];
    }
    default: {}
  }
}
