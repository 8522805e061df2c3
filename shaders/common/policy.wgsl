// The time-step policy and the drive controller's update: the device twins of
// src/solver/policy.ts (nextDt, stepDt, stepRejected, potentialDue) and src/solver/control.ts
// (DriveControl.update for a given segment, galvanostatic), in f32. Kept equal to them by
// test/conformance/policy.test.ts. "No limit" is NO_LIMIT (WGSL has no infinity literal);
// "no previous measurement" is a flag, not a NaN (a compiler may assume there are no NaNs).

const NO_LIMIT: f32 = 3.0e38;

// PolicyConsts and ControlConsts: the uniform structs declared in src/backends/webgpu/uniforms.ts

fn dtLimit(p: PolicyConsts, maxRate: f32, stiffness: f32, migrationRate: f32) -> f32 {
  var d = min(p.dtMax, p.safeDtPhase);
  if (stiffness > 0.0) { d = min(d, p.safety / stiffness); }
  if (maxRate > 0.0) { d = min(d, p.maxDxiPerStep / maxRate); }
  if (migrationRate > 0.0) { d = min(d, p.safety / migrationRate); }
  return d;
}

fn nextDt(p: PolicyConsts, maxRate: f32, stiffness: f32, migrationRate: f32, dtStep: f32) -> f32 {
  return min(dtLimit(p, maxRate, stiffness, migrationRate), 1.5 * dtStep);
}

// gapToTarget: toTarget − min(…) formed by the caller (exactly, from df64 times, in the loop);
// snapTol: 1e-12·max(1, t + toTarget). Returns the step and whether it lands on the target.
struct StepLength {
  dt: f32,
  lands: bool,
}

fn stepDt(dtNominal: f32, toTarget: f32, toSwitch: f32, gapToTarget: f32, snapTol: f32) -> StepLength {
  let dt = min(dtNominal, min(toTarget, toSwitch));
  if (dt < toTarget && toTarget <= toSwitch && gapToTarget <= snapTol) { return StepLength(toTarget, true); }
  return StepLength(dt, dt >= toTarget);
}

// A finished step is rejected when its own rate moved ξ too far (DXI_REJECT_FACTOR, policy.ts).
fn stepRejected(p: PolicyConsts, dt: f32, maxRate: f32) -> bool {
  return dt * maxRate > p.rejectDxi;
}

fn potentialDue(p: PolicyConsts, forced: bool, solvedBefore: bool, stepsSinceSolve: u32, dxiSinceSolve: f32) -> bool {
  return forced || !solvedBefore || stepsSinceSolve >= p.resolveMaxSteps || dxiSinceSolve > p.resolveXiTol;
}

// DriveControl's state (src/solver/control.ts, ControlState); NaN fields there are hasCurrent /
// hasPrev = 0 here.
struct ControlState {
  voltage: f32,
  segment: u32,
  current: f32,
  currentVoltage: f32,
  prevCurrent: f32,
  prevVoltage: f32,
  accDeposit: f32,
  accTime: f32,
  hasCurrent: u32,
  hasPrev: u32,
}

// The drift-corrected Newton step of the galvanostatic controller (DriveControl.galvanostatic).
fn galvanostatic(c: ControlConsts, jSet: f32, J: f32, V: f32, hasPrev: bool, jPrev: f32, vPrev: f32) -> f32 {
  let e = jSet - J;
  if (abs(e) <= c.tolerance * max(abs(jSet), 0.01 * c.i0)) { return V; }
  let slope = -c.f * (c.alphaMax * abs(J) + c.i0);
  var drift = 0.0;
  if (hasPrev) { drift = J - jPrev - slope * (V - vPrev); }
  let dV = clamp((e - drift) / slope, -c.maxStep, c.maxStep);
  return min(c.vmax, max(c.vmin, V + dV));
}

// DriveControl.update after a step that ran at st.voltage and deposited `deposited` in dt, the
// segment in force at its end being (segIndex, galvano, value). Returns the next state; the
// caller compares voltages for "changed" and segment indices for "new segment".
fn controlUpdate(c: ControlConsts, st: ControlState, segIndex: u32, galvano: bool, value: f32, deposited: f32, dt: f32) -> ControlState {
  let ran = st.voltage;
  let newSegment = segIndex != st.segment;
  var nx = st;
  nx.segment = segIndex;
  nx.accDeposit = st.accDeposit + deposited;
  nx.accTime = st.accTime + dt;
  if (newSegment || nx.accTime >= c.response) {
    let J = (c.perDeposit * nx.accDeposit) / nx.accTime;
    // the drift term only spans measurements of one segment
    nx.hasPrev = select(st.hasCurrent, 0u, newSegment);
    nx.prevCurrent = st.current;
    nx.prevVoltage = st.currentVoltage;
    nx.current = J;
    nx.currentVoltage = ran;
    nx.hasCurrent = 1u;
    nx.accDeposit = 0.0;
    nx.accTime = 0.0;
    let finite = (bitcast<u32>(J) & 0x7f800000u) != 0x7f800000u;
    if (galvano && !newSegment && finite) {
      nx.voltage = galvanostatic(c, value, J, ran, nx.hasPrev != 0u, nx.prevCurrent, nx.prevVoltage);
    }
  }
  if (!galvano) { nx.voltage = value; }
  return nx;
}
