// The device loop, at a step boundary (src/backends/webgpu/loop.ts): the potential decision of
// src/solver/policy.ts (potentialDue, common/policy.wgsl) unless the host made it already; which
// gates the boundary and the coming step open; a checkpoint pause: the first boundary at or
// after Loop.pause that solves the potential stops the loop there (a restart point that restores
// exactly); and the coming step's length (stepDt: landing on the target and on the schedule
// segment's end) and parameters (dt, 1/dt, σ_W √dt, stepKey(seed, step), dt/dx²) — here, at every
// boundary, so that a loop run that starts at a boundary takes the step one that went through it
// would have taken. One invocation. The outcome goes into the ring record of the last step.
// POTENTIAL = 0: the host recorded no potential solve at this boundary (loop.ts records it only
// at some boundaries where solves are rare); where the decision finds one due, the loop stops
// here undecided (F_NEEDPOT), and the next run, which records it at its first boundary, makes the
// same decision again: the decisions, and so the results, do not depend on where it was recorded.

override POTENTIAL: u32 = 1u;

@group(0) @binding(0) var<storage, read_write> ls: Loop;
@group(0) @binding(1) var<uniform> pc: PolicyConsts;
@group(0) @binding(2) var<storage, read> stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> ring: array<u32>;
@group(0) @binding(4) var<storage, read> schedule: array<vec4<u32>>;

const NO_LIMIT_HI: f32 = 3.0e38;

@compute @workgroup_size(1)
fn main() {
  if (ls.running == 0u) {
    ls.gStep = 0u;
    ls.gPotential = 0u;
    ls.gCheck = 0u;
    ls.gSave = 0u;
    return;
  }
  let rec = ls.ringPos * REC_WORDS;
  var due = false;
  if (ls.decided == 0u) {
    due = potentialDue(pc, ls.forced != 0u, ls.solvedBefore != 0u, ls.stepsSinceSolve, stats[ST_DXI]);
    if (due && POTENTIAL == 0u) {
      ls.running = 0u;
      ls.gStep = 0u;
      ls.gPotential = 0u;
      ls.gCheck = 0u;
      ls.gSave = 0u;
      ring[rec + R_FLAGS] = ring[rec + R_FLAGS] | F_NEEDPOT;
      return;
    }
    ls.decided = 1u;
    ring[rec + R_FLAGS] = ring[rec + R_FLAGS] | F_DECIDED | select(0u, F_SOLVED, due);
    // a checkpoint pause: here, if this boundary solves at or after the pause time
    let now = vec2<f32>(ls.timeHi, ls.timeLo);
    let toPause = dfToF32(dfSub(vec2<f32>(ls.pauseHi, ls.pauseLo), now));
    if (ls.pauseArmed != 0u && due && toPause <= 1e-12 * max(1.0, abs(now.x))) {
      ls.running = 0u;
      ring[rec + R_FLAGS] = ring[rec + R_FLAGS] | F_PAUSED;
    }
  }
  // the last row of the run's schedule table (loop.ts: the segments from the one in force on,
  // at most 256) with a finite end: a step from here may end on that end, where the controller's
  // update needs the next segment (a new segment: the block reset, the dt cap), which the table
  // does not hold. Stop here, after the boundary's decision (as a pause); the host continues
  // with a table from this segment on. (A 1-row table has nothing to stop before: loop_end stops
  // past it.) Until 2026-12-07 the step crossed the end with the old segment's update.
  if (ls.running != 0u && ls.segCount > 1u && ls.segLocal + 1u >= ls.segCount) {
    if (bitcast<f32>(schedule[ls.segLocal].z) < NO_LIMIT_HI) {
      ls.running = 0u;
      ring[rec + R_FLAGS] = ring[rec + R_FLAGS] | F_LIMIT;
    }
  }
  // the good state is saved at this boundary (the save stage's copies, gate G_SAVE, after its
  // potential solve): the record says so, and the host keeps the state it has applied up to here
  // as the good one (Simulation.applyRecord); a failed solve here cancels both (pot_end.wgsl)
  if (ls.gSave != 0u) { ring[rec + R_FLAGS] = ring[rec + R_FLAGS] | F_SAVED; }
  ls.gPotential = select(0u, 1u, due);
  ls.gStep = ls.running;
  if (ls.running == 0u) { ls.gCheck = 0u; return; }
  // the coming step: its length and parameters
  let t = vec2<f32>(ls.timeHi, ls.timeLo);
  let rem = dfSub(vec2<f32>(ls.targetHi, ls.targetLo), t);
  let toTarget = dfToF32(rem);
  var toSwitch = NO_LIMIT;
  if (ls.segCount > 0u) {
    let e = schedule[ls.segLocal];
    if (bitcast<f32>(e.z) < NO_LIMIT_HI) { toSwitch = max(dfToF32(dfSub(vec2<f32>(bitcast<f32>(e.z), bitcast<f32>(e.w)), t)), 0.0); }
  }
  let shortest = min(ls.dtNext, min(toTarget, toSwitch));
  let gap = dfToF32(dfSub(rem, vec2<f32>(shortest, 0.0)));
  let sl = stepDt(ls.dtNext, toTarget, toSwitch, gap, 1e-12 * max(1.0, t.x + toTarget));
  ls.dt = sl.dt;
  ls.landing = select(0u, 1u, sl.lands);
  ls.invDt = 1.0 / sl.dt;
  ls.noiseAmp = ls.noiseSigma * sqrt(sl.dt);
  ls.key = hash32(hash32(ls.seed) + ls.step);
  ls.sgScale = sl.dt * ls.invDx2;
  // the coming step's stability check: after checkEvery steps since the last save
  ls.gCheck = select(0u, 1u, ls.running != 0u && ls.sinceSave + 1u >= ls.checkEvery);
}
