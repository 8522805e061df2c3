// The device loop, at the end of a step (src/backends/webgpu/loop.ts): the host's bookkeeping of
// src/solver/simulation.ts (stepOnce) on the device, from the step's reductions, so that nothing
// is read back inside the loop:
// - the step's solves converged (else halt: exhausted → the host retries with a larger budget;
//   broke down or hit maxIter → an instability), max |∂ξ/∂t| finite, the step accepted (policy.ts,
//   stepRejected; else the host redoes it shorter), the stability check passed
//   where one ran (then the good state is saved at the coming boundary);
// - time (df64; exactly the target when the step landed on it), step and the counters;
// - the policy's next dt (src/solver/policy.ts: nextDt; common/policy.wgsl), the drive
//   controller's update (control.ts: the schedule's segment in force, the voltage, a changed
//   voltage into the φ boundary uniform and ψ_ref, forcing a potential solve; a new segment caps dt);
// - whether to stop after this step (landed on the target, the step limit, the short circuit; the next step's length
//   and parameters are loop_decide's, at the boundary);
// - the ring record of the step (the host reads the ring lagged, in batches).
// One invocation; nothing happens when the step did not run.

override NSPECIES: u32 = 0u;
// solve slots of the step's stages (1 … NSOLVES − 1; slot 0, the potential, belongs to the boundary)
override NSOLVES: u32 = 2u;
// the report slot of the IMEX phase stage's sweeps (0: none; cg_report.wgsl ACC keeps the most of one sweep in word 3)
override PHASE_SLOT: u32 = 0u;
const NO_LIMIT_HI: f32 = 3.0e38;

@group(0) @binding(0) var<storage, read_write> ls: Loop;
@group(0) @binding(1) var<uniform> pc: PolicyConsts;
@group(0) @binding(2) var<uniform> cc: ControlConsts;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read> fieldsOut: array<f32>;
@group(0) @binding(5) var<storage, read> reports: array<u32>;
@group(0) @binding(6) var<storage, read_write> ring: array<u32>;
@group(0) @binding(7) var<storage, read_write> bcPhi: BC;
// the drive schedule from the run's first segment on: (galvanostatic, value, end hi, end lo), f32 bitcast
@group(0) @binding(8) var<storage, read> schedule: array<vec4<u32>>;

fn f2u(x: f32) -> u32 { return bitcast<u32>(x); }

fn epsAt(t: vec2<f32>) -> f32 { return 1e-12 * max(1.0, abs(t.x)); }

@compute @workgroup_size(1)
fn main() {
  if (ls.gStep == 0u) { return; }
  let dt = ls.dt;
  let pos = (ls.ringPos + 1u) % ls.ringCap;
  let rec = pos * REC_WORDS;
  for (var w = 0u; w < REC_WORDS; w++) { ring[rec + w] = 0u; }
  ring[rec + R_TAG] = ls.runTag;
  var flags = F_STEP;
  var halt = HALT_NONE;
  // the step's solves (report slots 1 …: transport, the species, other stages' systems); an
  // exhausted budget first: the retry with a larger one may well converge
  for (var s = 1u; s < NSOLVES; s++) {
    let code = reports[4u * s + 2u];
    ring[rec + R_SOLVES + 3u * s] = reports[4u * s];
    ring[rec + R_SOLVES + 3u * s + 1u] = reports[4u * s + 1u];
    ring[rec + R_SOLVES + 3u * s + 2u] = code;
    if (code != OUT_CONVERGED && code != OUT_SKIPPED) {
      if (code == OUT_EXHAUSTED) { halt = HALT_EXHAUSTED; }
      else if (halt == HALT_NONE) { halt = HALT_NOT_CONVERGED; }
    }
  }
  if (PHASE_SLOT != 0u) { ring[rec + R_PHASEMAX] = reports[4u * PHASE_SLOT + 3u]; }
  var nonFinite = bitcast<u32>(fieldsOut[8]);
  for (var m = 0u; m < NSPECIES; m++) {
    ring[rec + R_SPX + m] = f2u(stats[ST_SPECIES + 3u * m]);
    if (!isFiniteF(stats[ST_SPECIES + 3u * m + 1u])) { nonFinite += 1u; }
  }
  let maxRate = stats[ST_RATE];
  let stiffness = stats[ST_STIFF];
  if (halt == HALT_NONE && !isFiniteF(maxRate)) { halt = HALT_RATE; }
  // step acceptance (src/solver/policy.ts, stepRejected): the host redoes it shorter
  if (halt == HALT_NONE && stepRejected(pc, dt, maxRate)) { halt = HALT_REJECT; }
  // time, step and counters (src/solver/simulation.ts, stepOnce)
  var t = dfAddF(vec2<f32>(ls.timeHi, ls.timeLo), dt);
  if (ls.landing != 0u) {
    t = vec2<f32>(ls.targetHi, ls.targetLo);
    flags = flags | F_LANDED;
  }
  ls.timeHi = t.x;
  ls.timeLo = t.y;
  ls.step = ls.step + 1u;
  ls.stepsSinceSolve = ls.stepsSinceSolve + 1u;
  ls.sinceSave = ls.sinceSave + 1u;
  ls.gSave = 0u;
  // the stability check (src/solver/simulation.ts: XI_RANGE, C_MIN)
  if (ls.gCheck != 0u) {
    let ok = nonFinite == 0u && fieldsOut[6] >= -0.5 && fieldsOut[7] <= 1.5 && fieldsOut[5] >= -1e-9;
    ring[rec + R_CHECK] = nonFinite;
    ring[rec + R_CHECK + 1u] = f2u(fieldsOut[6]);
    ring[rec + R_CHECK + 2u] = f2u(fieldsOut[7]);
    ring[rec + R_CHECK + 3u] = f2u(fieldsOut[5]);
    if (ok) {
      flags = flags | F_CHECKED;
      // the good state is kept at the coming boundary (after its decision)
      ls.gSave = 1u;
      ls.sinceSave = 0u;
      // the short circuit (Simulation.check): contact seen on checked fields, once
      let tip = fieldsOut[9];
      if (ls.contactMode != 0u && halt == HALT_NONE && tip >= ls.contactAt) {
        flags = flags | F_CONTACT;
        ring[rec + R_TIP] = f2u(tip);
        if (ls.contactMode == 2u) { ls.running = 0u; }
        ls.contactMode = 0u;
      }
    } else if (halt == HALT_NONE) {
      halt = HALT_CHECK;
    }
  }
  ring[rec + R_STEP] = ls.step;
  ring[rec + R_DT] = f2u(dt);
  ring[rec + R_TIME] = f2u(t.x);
  ring[rec + R_TIME + 1u] = f2u(t.y);
  ring[rec + R_RATE] = f2u(maxRate);
  ring[rec + R_STIFF] = f2u(stiffness);
  ring[rec + R_DXI] = f2u(stats[ST_DXI]);
  ring[rec + R_LIM] = f2u(stats[ST_LIM]);
  ring[rec + R_INFLUX] = f2u(stats[ST_INFLUX]);
  ring[rec + R_DEP] = f2u(stats[ST_DEP]);
  ls.ringPos = pos;
  ls.decided = 0u;
  if (halt != HALT_NONE) {
    ls.halt = halt;
    ls.running = 0u;
    ls.gStep = 0u;
    ls.gSave = 0u;
    ring[rec + R_HALT] = halt;
    ring[rec + R_FLAGS] = flags;
    ring[rec + R_SINCE] = ls.stepsSinceSolve;
    return;
  }
  // the policy's nominal dt
  var dtNext = nextDt(pc, maxRate, stiffness, 0.0, dt);
  // the drive controller (src/solver/control.ts)
  if (ls.segCount > 0u) {
    // the segment in force at t: past every end within 1e-12 relative (DriveControl.segmentAt);
    // the table holds the absolute ends of the segments from the run's first one on
    var idx = ls.segment;
    var local = ls.segLocal;
    for (var guard = 0u; guard < 1024u; guard++) {
      let e = schedule[local];
      let end = vec2<f32>(bitcast<f32>(e.z), bitcast<f32>(e.w));
      if (end.x >= NO_LIMIT_HI || dfToF32(dfSub(end, t)) > epsAt(t)) { break; }
      if (local + 1u >= ls.segCount) {
        // past the table (only a 1-row one: loop_decide stops a longer one at its last row):
        // the loop stops here, the host continues with a new table
        ls.running = 0u;
        flags = flags | F_LIMIT;
        break;
      }
      local = local + 1u;
      idx = idx + 1u;
    }
    ls.segLocal = local;
    let g = schedule[local];
    // the controller's step cap while a galvanostatic segment is in force (policy.ts dtLimit's cap)
    if (g.x != 0u) { dtNext = min(dtNext, pc.controlDtMax); }
    var st = ControlState(ls.voltage, ls.segment, ls.current, ls.currentVoltage, ls.prevCurrent, ls.prevVoltage,
                          ls.accDeposit, ls.accTime, ls.hasCurrent, ls.hasPrev);
    let nx = controlUpdate(cc, st, idx, g.x != 0u, bitcast<f32>(g.y), stats[ST_DEP] * ls.vol, dt);
    if (idx != ls.segment) {
      flags = flags | F_NEWSEG;
      dtNext = min(dtNext, ls.segmentDt);
    }
    if (nx.voltage != ls.voltage) {
      flags = flags | F_CHANGED;
      ls.forced = 1u;
      // φ on the collector face x0 and ψ_ref's boundary part (WebGpuBackend.setVoltage)
      bcPhi.v[0].x = ls.fScale * nx.voltage;
      var m = -3.4028234e38;
      for (var q = 0u; q < 6u; q++) {
        if (bcPhi.t[q / 4u][q % 4u] == BC_DIRICHLET) { m = max(m, bcPhi.v[q / 4u][q % 4u]); }
      }
      ls.bcMax = m;
    }
    ls.voltage = nx.voltage;
    ls.segment = nx.segment;
    ls.current = nx.current;
    ls.currentVoltage = nx.currentVoltage;
    ls.prevCurrent = nx.prevCurrent;
    ls.prevVoltage = nx.prevVoltage;
    ls.accDeposit = nx.accDeposit;
    ls.accTime = nx.accTime;
    ls.hasCurrent = nx.hasCurrent;
    ls.hasPrev = nx.hasPrev;
    ring[rec + R_CTL] = f2u(nx.voltage);
    ring[rec + R_CTL + 1u] = nx.segment;
    ring[rec + R_CTL + 2u] = f2u(nx.current);
    ring[rec + R_CTL + 3u] = f2u(nx.currentVoltage);
    ring[rec + R_CTL + 4u] = f2u(nx.prevCurrent);
    ring[rec + R_CTL + 5u] = f2u(nx.prevVoltage);
    ring[rec + R_CTL + 6u] = f2u(nx.accDeposit);
    ring[rec + R_CTL + 7u] = f2u(nx.accTime);
    ring[rec + R_CTL + 8u] = nx.hasCurrent | (nx.hasPrev << 1u);
  }
  ls.dtNext = dtNext;
  ring[rec + R_DTNEXT] = f2u(dtNext);
  // stop after this step?
  if ((flags & F_LANDED) != 0u) { ls.running = 0u; }
  if (ls.step >= ls.stepLimit) {
    ls.running = 0u;
    flags = flags | F_LIMIT;
  }
  ring[rec + R_FLAGS] = flags;
  ring[rec + R_SINCE] = ls.stepsSinceSolve;
}
