// Test probe (test/conformance/policy.test.ts): evaluates the device twins of the time-step
// policy, the drive controller and the df64 additions (common/policy.wgsl, common/df64.wgsl) on
// a batch of cases, one invocation per case, so that the test can compare them with
// src/solver/policy.ts and src/solver/control.ts. Not used by the solver.
// Case layout (IN floats): see test/conformance/policy.test.ts.

const IN: u32 = 32u;
const OUT: u32 = 20u;

@group(0) @binding(0) var<uniform> pc: PolicyConsts;
@group(0) @binding(1) var<uniform> cc: ControlConsts;
@group(0) @binding(2) var<storage, read> cases: array<f32>;
@group(0) @binding(3) var<storage, read_write> res: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = gid.x;
  if ((q + 1u) * IN > arrayLength(&cases)) { return; }
  let a = q * IN;
  let o = q * OUT;
  res[o + 0u] = nextDt(pc, cases[a + 0u], cases[a + 1u], cases[a + 2u], cases[a + 3u]);
  let m = min(cases[a + 4u], min(cases[a + 5u], cases[a + 6u]));
  let sl = stepDt(cases[a + 4u], cases[a + 5u], cases[a + 6u], cases[a + 5u] - m, cases[a + 30u]);
  res[o + 1u] = sl.dt;
  res[o + 18u] = select(0.0, 1.0, sl.lands);
  res[o + 19u] = select(0.0, 1.0, stepRejected(pc, cases[a + 3u], cases[a + 0u]));
  res[o + 2u] = select(0.0, 1.0, potentialDue(pc, cases[a + 7u] != 0.0, cases[a + 8u] != 0.0, u32(cases[a + 9u]), cases[a + 10u]));
  var st: ControlState;
  st.voltage = cases[a + 11u];
  st.segment = u32(cases[a + 12u]);
  st.current = cases[a + 13u];
  st.currentVoltage = cases[a + 14u];
  st.prevCurrent = cases[a + 15u];
  st.prevVoltage = cases[a + 16u];
  st.accDeposit = cases[a + 17u];
  st.accTime = cases[a + 18u];
  st.hasCurrent = u32(cases[a + 19u]);
  st.hasPrev = u32(cases[a + 20u]);
  let nx = controlUpdate(cc, st, u32(cases[a + 21u]), cases[a + 22u] != 0.0, cases[a + 23u], cases[a + 24u], cases[a + 25u]);
  res[o + 3u] = nx.voltage;
  res[o + 4u] = f32(nx.segment);
  res[o + 5u] = nx.current;
  res[o + 6u] = nx.currentVoltage;
  res[o + 7u] = nx.prevCurrent;
  res[o + 8u] = nx.prevVoltage;
  res[o + 9u] = nx.accDeposit;
  res[o + 10u] = nx.accTime;
  res[o + 11u] = f32(nx.hasCurrent);
  res[o + 12u] = f32(nx.hasPrev);
  let x = vec2<f32>(cases[a + 26u], cases[a + 27u]);
  let y = vec2<f32>(cases[a + 28u], cases[a + 29u]);
  let s = dfAdd(x, y);
  let d = dfSub(x, y);
  res[o + 13u] = s.x;
  res[o + 14u] = s.y;
  res[o + 15u] = d.x;
  res[o + 16u] = d.y;
  res[o + 17u] = dfToF32(d);
}
