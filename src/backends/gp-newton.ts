/**
 * The grand-potential transport's Newton loop settings, one copy for every backend (CPU f64,
 * WebGPU, WebGL: src/backends/{cpu,webgpu,webgl}/gp-transport.ts), so that the backends iterate
 * alike (docs/grand-potential.md).
 */

/**
 * Relative tolerance of each linear solve: ½·target/‖F^k‖ (what is left to reach the Newton
 * target), but not below GP_ETA_MIN: the frozen (1 − c_l) factor and the capacity's curvature
 * leave ~1e-2 of ‖F‖ per iteration anyway, so solving the first systems to the final tolerance
 * would only spend CG iterations (inexact Newton, Eisenstat & Walker 1996).
 */
export const GP_ETA_MIN = 1e-3;
export const GP_ETA_MAX = 0.1;

/** Newton iterations per step before the stage reports no convergence (the Simulation then halves dt). */
export const GP_MAX_NEWTON = 30;
/** Halvings of an update that raised ‖F‖ (backtracking line search) before it is taken anyway. */
export const GP_BACKTRACK = 4;

/** f32 machine epsilon: the GPU backends' residual floors are multiples of it times ‖scale‖. */
export const EPS32 = 2 ** -23;
/**
 * The residual's f32 floor on the GPUs: ‖F‖ ≤ GP_FLOOR_HARD·ε₃₂‖scale‖ is round-off for certain;
 * between that and GP_FLOOR_SOFT·ε₃₂‖scale‖ the loop goes on while an iteration still halves ‖F‖.
 * A fixed 64ε floor stopped WebGL at ~3e-3 of ‖F(wⁿ)‖: c̃ 15× further from the reference than
 * WebGPU's, and the manufactured solution's error grew at dt ∝ dx².
 */
export const GP_FLOOR_HARD = 4;
export const GP_FLOOR_SOFT = 64;
