/**
 * The time-step policy, defined once: the host solver (simulation.ts) calls these functions for
 * every backend, and the WebGPU backend's device-side loop evaluates their WGSL twin
 * (shaders/common/policy.wgsl) in a small kernel from the step's reductions. The two are kept
 * equal by test/conformance/policy.test.ts (f32 on the device: values to a few ulps, decisions
 * equal away from their thresholds), as the physics kernels are by the conformance tests.
 *
 *   limit   = min(dtMax, safety·dt_phase, safety/stiffness, maxDxiPerStep/max|∂ξ/∂t|,
 *                 safety/migration rate, the drive controller's cap: control.dtMax
 *                 while a galvanostatic segment is in force, control.ts dtCap) (dtLimit)
 *   dt_next = min(limit, 1.5·dt_step)                                         (nextDt)
 *   dt_step = min(dt_next of the last step, time to the caller's target, time to the drive
 *                 schedule's next segment end), and the target itself when the step would
 *                 stop within 1e-12 relative short of it (callers stop within 1e-12 of a target:
 *                 an output there would carry t − 5e-12)                      (stepDt)
 *   a finished step is rejected (redone from the last good state, shorter) when
 *   dt_step·max|∂ξ/∂t| > DXI_REJECT_FACTOR·maxDxiPerStep                       (stepRejected)
 *   potential solve due at a step boundary: forced (a voltage change, a restart point), no
 *   solve yet, numerics.resolveMaxSteps steps since the last one, or ξ moved by more than
 *   numerics.resolveXiTol anywhere since the last one                         (potentialDue)
 * A limit whose rate is 0 (or negative) does not apply.
 */

/**
 * A step is accepted only while dt·max|∂ξ/∂t| (its largest explicit change of ξ, the rate taken
 * at the start of the step) stays within this many times numerics.maxDxiPerStep. The policy
 * picks dt from the previous step's rate; a rate that jumps within one step (a fresh potential
 * well, a runaway) would otherwise be taken at the old step length. A rejected step is redone
 * from the last good state at dt = maxDxiPerStep/max|∂ξ/∂t| (docs/numerics-notes.md).
 */
export const DXI_REJECT_FACTOR = 2;

/** The constants of the policy (numerics, and the explicit phase step's stability limit). */
export interface PolicyConstants {
  dtMax: number;
  safety: number;
  /** safety·dt_phase, s (src/model/derived.ts, stabilityLimits). */
  safeDtPhase: number;
  maxDxiPerStep: number;
  /** DXI_REJECT_FACTOR·maxDxiPerStep: the largest change of ξ a finished step may have made (stepRejected). */
  rejectDxi: number;
  /** control.dtMax: the step cap while a galvanostatic segment is in force (Infinity without a controller). */
  controlDtMax: number;
  resolveXiTol: number;
  resolveMaxSteps: number;
}

/** What the policy reads from a finished step (Backend.stepStats). */
export interface PolicyStats {
  /** max |deterministic ∂ξ/∂t|, 1/s. */
  maxRate: number;
  /** Reaction stiffness bound, 1/s. */
  stiffness: number;
  /** Largest explicit migration outflow rate, 1/s (0 with the implicit transport). */
  migrationRate: number;
}

export function policyConstants(
  n: { dtMax: number; safety: number; maxDxiPerStep: number; resolveXiTol: number; resolveMaxSteps: number },
  dtPhase: number,
  controlDtMax = Infinity,
): PolicyConstants {
  return {
    dtMax: n.dtMax,
    safety: n.safety,
    safeDtPhase: n.safety * dtPhase,
    maxDxiPerStep: n.maxDxiPerStep,
    rejectDxi: DXI_REJECT_FACTOR * n.maxDxiPerStep,
    controlDtMax,
    resolveXiTol: n.resolveXiTol,
    resolveMaxSteps: n.resolveMaxSteps,
  };
}

/**
 * The stability and accuracy limits on dt after a step with statistics st; `cap` the drive
 * controller's (control.ts dtCap: p.controlDtMax in a galvanostatic segment, else Infinity).
 */
export function dtLimit(p: PolicyConstants, st: PolicyStats, cap = Infinity): number {
  return Math.min(
    cap,
    p.dtMax,
    p.safeDtPhase,
    st.stiffness > 0 ? p.safety / st.stiffness : Infinity,
    st.maxRate > 0 ? p.maxDxiPerStep / st.maxRate : Infinity,
    st.migrationRate > 0 ? p.safety / st.migrationRate : Infinity,
  );
}

/** The nominal dt after a step of length dtStep with statistics st (cap: dtLimit's). */
export function nextDt(p: PolicyConstants, st: PolicyStats, dtStep: number, cap = Infinity): number {
  return Math.min(dtLimit(p, st, cap), 1.5 * dtStep);
}

/**
 * The length of the coming step at time t: the nominal dt, shortened to land on the target and
 * on the schedule's next segment end, and snapped onto the target when it would stop a hair short.
 */
export function stepDt(dtNominal: number, toTarget: number, toSwitch: number, t: number): number {
  const dt = Math.min(dtNominal, toTarget, toSwitch);
  // (no target: advance() without one passes Infinity, and Infinity − dt ≤ 1e-12·Infinity)
  const snap = Number.isFinite(toTarget) && dt < toTarget && toTarget <= toSwitch && toTarget - dt <= snapTolerance(t, toTarget);
  return snap ? toTarget : dt;
}

/** How short of a target a step may stop and still be snapped onto it (stepDt). */
export function snapTolerance(t: number, toTarget: number): number {
  return 1e-12 * Math.max(1, t + toTarget);
}

/** Whether a finished step of length dt, whose rate was maxRate, is rejected (redone shorter). */
export function stepRejected(p: PolicyConstants, dt: number, maxRate: number): boolean {
  return dt * maxRate > p.rejectDxi;
}

/** The longest step a rejected step is redone with: the one the measured rate allows. */
export function rejectedRetryDt(p: PolicyConstants, maxRate: number): number {
  return p.maxDxiPerStep / maxRate;
}

/** Whether the potential is solved at this step boundary. */
export function potentialDue(
  p: PolicyConstants,
  s: { forced: boolean; solvedBefore: boolean; stepsSinceSolve: number; dxiSinceSolve: number },
): boolean {
  return s.forced || !s.solvedBefore || s.stepsSinceSolve >= p.resolveMaxSteps || s.dxiSinceSolve > p.resolveXiTol;
}
