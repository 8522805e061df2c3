// The state of one sync-free MG-PCG solve on the device (src/backends/webgpu/mgpcg.ts mirrors
// these numbers). Nothing here is read back inside a solve: the host records a budget of
// iterations, and every kernel of an iteration decides from this state whether the solve is
// still running; a converged, broken-down or inactive solve leaves every later kernel a no-op
// (its workgroups read the state and return), so the result does not depend on how many
// iterations were recorded or where the command buffers were cut.
// Words of the status buffer `st` (u32; f32 values bitcast):
const CG_CNT_A: u32 = 0u;   // the iteration index i, written by cg_matvec's workgroup 0 (read by cg_update)
const CG_CNT_B: u32 = 1u;   // i, written by cg_update's workgroup 0 (read by the V-cycle and cg_matvec); 0 after cg_start
const CG_STAT: u32 = 2u;    // two words: the status of iteration i at CG_STAT + i % 2
const CG_DONE: u32 = 4u;    // iterations done (the last i whose update ran)
const CG_BN: u32 = 5u;      // ‖b‖ (1 when b = 0), f32
const CG_RR0: u32 = 6u;     // r·r of the initial residual, f32
const CG_RZ: u32 = 7u;      // two words: r·z of iteration j at CG_RZ + j % 2 (stored by cg_matvec), f32
const CG_MVF: u32 = 9u;     // 1: cg_matvec of the current iteration found the solve frozen
const CG_END: u32 = 10u;    // how the solve ended (OUT_*; 0 while running), set once by whoever ends it
const CG_RRV: u32 = 11u;    // r·r of the last convergence test made (cg_start, cg_matvec), f32
// The report (cg_report.wgsl): iterations, ‖r‖/‖b‖ (f32), outcome, solved (the gate was open)
const CG_R_ITERS: u32 = 12u;
const CG_R_RESID: u32 = 13u;
const CG_R_CODE: u32 = 14u;
const CG_R_SOLVED: u32 = 15u;
// 1: the coarsest level's factorisation met a pivot that is not positive (mg_tail_coarsen.wgsl)
const CG_FACT: u32 = 16u;
const CG_WORDS: u32 = 20u;

// Status of an iteration
const ST_RUNNING: u32 = 0u;
const ST_CONVERGED: u32 = 1u;  // at the start (warm start good enough: no iteration)
const ST_BREAKDOWN: u32 = 2u;  // p·Ap ≤ 0 or not a number
const ST_LIMIT: u32 = 3u;      // the iteration limit (maxIter) reached
const ST_FROZEN: u32 = 4u;     // an earlier iteration already ended the solve
const ST_INACTIVE: u32 = 5u;   // the solve's gate is closed (not due, or the loop has halted)

// Report outcomes (cg_report.wgsl; the host's SolveReport and the loop's records)
const OUT_SKIPPED: u32 = 0u;
const OUT_CONVERGED: u32 = 1u;
const OUT_BREAKDOWN: u32 = 2u;
const OUT_LIMIT: u32 = 3u;
const OUT_EXHAUSTED: u32 = 4u;  // the recorded iterations ran out first: retry with a larger budget

// Partial sums (one per workgroup of the fine-level kernels), sections of `parts` of G floats each
const P_BB: u32 = 0u;
const P_RR0: u32 = 1u;
const P_PQ: u32 = 2u;
const P_RR: u32 = 3u;   // two sections: iteration parity
const P_RZ: u32 = 5u;   // two sections: iteration parity
const P_SECTIONS: u32 = 7u;

// SolveParams (n, groups, maxIter, gate, tol): the uniform struct declared in src/backends/webgpu/uniforms.ts

fn stF(st_word: u32) -> f32 {
  return bitcast<f32>(st_word);
}

// ‖r‖/‖b‖ ≤ tol, as the CPU's test (NaN fails it)
fn cgConverged(rr: f32, bn: f32, tol: f32) -> bool {
  return sqrt(rr) / bn <= tol;
}
