// The device loop, after a boundary's potential solve (src/backends/webgpu/loop.ts): its report
// and the face currents into the ring record, the solve counters of the step policy, and a halt
// (with the coming step's gate and the boundary's save closed) when the solve did not converge — exhausted (the host
// retries with a larger budget) or failed (an instability). One invocation; nothing happens when
// no solve was due.

@group(0) @binding(0) var<storage, read_write> ls: Loop;
@group(0) @binding(1) var<storage, read> stats: array<f32>;
@group(0) @binding(2) var<storage, read> reports: array<u32>;
@group(0) @binding(3) var<storage, read_write> ring: array<u32>;

const SLOT_POTENTIAL: u32 = 0u;

@compute @workgroup_size(1)
fn main() {
  if (ls.gPotential == 0u) { return; }
  let rec = ls.ringPos * REC_WORDS;
  let code = reports[4u * SLOT_POTENTIAL + 2u];
  ring[rec + R_SOLVES + 3u * SLOT_POTENTIAL] = reports[4u * SLOT_POTENTIAL];
  ring[rec + R_SOLVES + 3u * SLOT_POTENTIAL + 1u] = reports[4u * SLOT_POTENTIAL + 1u];
  ring[rec + R_SOLVES + 3u * SLOT_POTENTIAL + 2u] = code;
  ring[rec + R_F1] = bitcast<u32>(stats[ST_F1]);
  ring[rec + R_F0] = bitcast<u32>(stats[ST_F0]);
  ring[rec + R_SRC] = bitcast<u32>(stats[ST_SRC]);
  ls.stepsSinceSolve = 0u;
  ls.forced = 0u;
  ls.solvedBefore = 1u;
  ring[rec + R_SINCE] = 0u;
  if (code != OUT_CONVERGED) {
    ls.halt = select(HALT_NOT_CONVERGED, HALT_EXHAUSTED, code == OUT_EXHAUSTED);
    ls.running = 0u;
    ls.gStep = 0u;
    ls.gCheck = 0u;
    // (no save of a state whose ψ did not converge: a replay or rollback returns to the last good one)
    ls.gSave = 0u;
    ring[rec + R_FLAGS] = ring[rec + R_FLAGS] & ~F_SAVED;
    ring[rec + R_HALT] = ls.halt;
  }
}
