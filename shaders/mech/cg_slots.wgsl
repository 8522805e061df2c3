// Slots of a solver's scalar buffer (f32). src/backends/webgpu/elastic-cg.ts mirrors these numbers (the mechanics CG).
const S_BB: u32 = 0u;        // b·b
const S_RR: u32 = 1u;        // r·r
const S_RZ: u32 = 2u;        // r·z of the current iteration
const S_PQ: u32 = 3u;        // p·Ap
const S_RZNEW: u32 = 4u;     // r·z after the new preconditioner application
const S_ALPHA: u32 = 5u;
const S_BETA: u32 = 6u;
const S_STATUS: u32 = 7u;    // 0 running, 1 converged, 2 breakdown (p·Ap ≤ 0), 3 iteration limit
const S_ITER: u32 = 8u;      // iterations done
const S_RESID: u32 = 9u;     // ‖r‖/‖b‖ at the last check
const S_BNORM: u32 = 10u;    // ‖b‖ (1 when b = 0)
const S_TOL: u32 = 11u;      // relative tolerance (input)
const S_MAXITER: u32 = 12u;  // iteration limit (input)
