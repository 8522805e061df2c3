// The device loop, at a step boundary (src/backends/webgpu/loop.ts): the potential decision of
// src/solver/policy.ts (potentialDue, common/policy.wgsl) unless the host made it already; which
// gates the boundary and the coming step open; and a checkpoint pause: the first boundary at or
// after Loop.pause that solves the potential stops the loop there (a restart point that restores
// exactly). One invocation. The outcome goes into the ring record of the last step.

@group(0) @binding(0) var<storage, read_write> ls: Loop;
@group(0) @binding(1) var<uniform> pc: PolicyConsts;
@group(0) @binding(2) var<storage, read> stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> ring: array<u32>;

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
  ls.gPotential = select(0u, 1u, due);
  ls.gStep = ls.running;
  // the coming step's stability check: after checkEvery steps since the last save
  ls.gCheck = select(0u, 1u, ls.running != 0u && ls.sinceSave + 1u >= ls.checkEvery);
}
