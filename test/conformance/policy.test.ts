/**
 * One definition of the time-step policy: the WebGPU device loop's WGSL twins
 * (shaders/common/policy.wgsl, df64.wgsl) agree with src/solver/policy.ts and
 * src/solver/control.ts (DriveControl.update), which the host solver runs for every backend.
 * A probe kernel (shaders/probe/policy_probe.wgsl) evaluates them on a few thousand random cases:
 * - nextDt, stepDt: within 2 f32 ulps of the f64 values computed from the same (f32) inputs, and
 *   the same verdict on landing on the target (snapped when a hair short of it);
 * - stepRejected, potentialDue, the controller's block/segment/flag decisions: equal (cases within 1e-4
 *   relative of a threshold are left out: there f32 and f64 may round to different sides);
 * - the controller's voltage and current: within 4e-6 relative (f32 through a few operations);
 * - df64 addition: the sum and difference of two df64 numbers within 2^-44 relative of the exact
 *   values (in f64).
 * Skipped, with the reason, when no WebGPU adapter exists (webgpu-env.ts).
 */
import { describe, expect, it } from 'vitest';
import { GpuContext, kernel } from '../../src/backends/webgpu/context.ts';
import { acquireAdapter } from '../../src/backends/webgpu/device.ts';
import { controlConstsData, policyConstsData, splitDf64 } from '../../src/backends/webgpu/loop-data.ts';
import { coefficients, stabilityLimits } from '../../src/model/derived.ts';
import { parseScenario } from '../../src/model/scenario.ts';
import { DriveControl, type ControlState } from '../../src/solver/control.ts';
import { nextDt, policyConstants, potentialDue, snapTolerance, stepDt, stepRejected } from '../../src/solver/policy.ts';
import { probeWebGpu } from './webgpu-env.ts';
import { mulberry32 } from '../rng.ts';

const probe = await probeWebGpu();
const IN = 32,
  OUT = 20;
const f32 = Math.fround;

async function runProbe(policy: ArrayBuffer, control: ArrayBuffer, cases: Float32Array): Promise<Float32Array> {
  const { adapter } = await acquireAdapter();
  const device = await adapter.requestDevice();
  const ctx = new GpuContext(device, 64, 'policy probe');
  try {
    const n = cases.length / IN;
    const inBuf = ctx.storage(cases.length, 'cases');
    ctx.write(inBuf, cases);
    const out = ctx.storage(n * OUT, 'results');
    const read = ctx.readback(n * OUT * 4, 'results.read');
    const k = kernel(ctx, 'policyProbe', [ctx.uniform(policy, 'policy'), ctx.uniform(control, 'control'), inBuf, out]);
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    ctx.run(pass, k, n);
    pass.end();
    ctx.copy(enc, out, 0, read, 0, n * OUT * 4);
    ctx.submit([enc.finish()]);
    return new Float32Array(await ctx.readBuffer(read, n * OUT * 4));
  } finally {
    ctx.dispose();
  }
}

const SCENARIO = {
  name: 'policy-twin',
  grid: { dims: 2, n: [32, 16], dx: '0.25 um' },
  time: { end: 1, output: 1 },
  voltage: '-150 mV',
  initial: { layer: '2 um' },
  control: {
    schedule: [
      { mode: 'galvanostatic', current: '20 mA/cm^2', duration: 0.016 },
      { mode: 'potentiostatic', voltage: '-0.2 V', duration: 0.01 },
      { mode: 'galvanostatic', current: '-20 mA/cm^2', duration: 0.02 },
    ],
    maxStep: '50 mV',
    response: 0.004,
  },
  numerics: { resolveMaxSteps: 7, resolveXiTol: 0.02 },
};

describe.runIf(probe.ok)(`device twins of the time-step policy${probe.ok ? '' : ` (skipped: no WebGPU adapter: ${probe.reason})`}`, () => {
  it('nextDt, stepDt, stepRejected, potentialDue, the drive controller and df64 addition agree with the host definitions', async () => {
    const s = parseScenario(SCENARIO);
    const k = coefficients(s);
    const p = policyConstants(s.numerics, stabilityLimits(k).phase);
    const dc = new DriveControl(s, k);
    const cc = dc.constants();
    // the f32 constants the device sees (the host definitions evaluated on the same values)
    const pf = {
      ...p,
      dtMax: f32(p.dtMax),
      safety: f32(p.safety),
      safeDtPhase: f32(p.safeDtPhase),
      maxDxiPerStep: f32(p.maxDxiPerStep),
      rejectDxi: f32(p.rejectDxi),
    };
    const pfTol = f32(p.resolveXiTol);
    const r = mulberry32(20260);
    const U = (lo: number, hi: number) => lo + (hi - lo) * r();
    const logU = (lo: number, hi: number) => f32(10 ** U(lo, hi));
    const n = 4000;
    const cases = new Float32Array(n * IN);
    type Expect = {
      dt: number;
      step: number;
      due: boolean | null;
      rejected: boolean | null;
      st: ControlState | null;
      changedSeg: boolean;
      sum: number;
      diff: number;
    };
    const want: Expect[] = [];
    for (let q = 0; q < n; q++) {
      const c = cases.subarray(q * IN, (q + 1) * IN);
      // nextDt: each limit absent (0) in a quarter of the cases
      c[0] = r() < 0.25 ? 0 : logU(-2, 3);
      c[1] = r() < 0.25 ? 0 : logU(-2, 4);
      c[2] = r() < 0.75 ? 0 : logU(-1, 4);
      c[3] = logU(-6, -1);
      // stepDt: in a fifth of the cases the target a hair (within 1e-12 relative, or just past it) beyond the nominal step
      c[4] = logU(-6, -1);
      c[5] = r() < 0.2 ? f32(c[4] * (1 + (r() < 0.5 ? 0 : 2 ** -23))) : logU(-7, 0);
      c[6] = r() < 0.5 ? 3e38 : logU(-7, 0);
      const tNow = U(0, 100);
      c[30] = f32(snapTolerance(tNow, c[5]));
      // potentialDue
      c[7] = r() < 0.2 ? 1 : 0;
      c[8] = r() < 0.9 ? 1 : 0;
      c[9] = Math.floor(U(0, 10));
      c[10] = f32(U(0, 0.04));
      // controller: a state, a segment at a random time, the step's deposit and dt
      const t = U(0, 0.09);
      const g = dc.segmentAt(t);
      const hasCurrent = r() < 0.8;
      const hasPrev = hasCurrent && r() < 0.8;
      const st: ControlState = {
        voltage: f32(U(-0.4, 0.2)),
        segment: r() < 0.7 ? g.index : Math.max(0, g.index - 1),
        current: hasCurrent ? f32(U(-300, 300)) : NaN,
        currentVoltage: hasCurrent ? f32(U(-0.4, 0.2)) : NaN,
        prevCurrent: hasPrev ? f32(U(-300, 300)) : NaN,
        prevVoltage: hasPrev ? f32(U(-0.4, 0.2)) : NaN,
        accDeposit: r() < 0.5 ? 0 : f32(U(-0.5, 0.5)),
        accTime: r() < 0.5 ? 0 : f32(U(0, 0.003)),
      };
      c[11] = st.voltage;
      c[12] = st.segment;
      c[13] = hasCurrent ? st.current : 0;
      c[14] = hasCurrent ? st.currentVoltage : 0;
      c[15] = hasPrev ? st.prevCurrent : 0;
      c[16] = hasPrev ? st.prevVoltage : 0;
      c[17] = st.accDeposit;
      c[18] = st.accTime;
      c[19] = hasCurrent ? 1 : 0;
      c[20] = hasPrev ? 1 : 0;
      c[21] = g.index;
      c[22] = g.mode === 'galvanostatic' ? 1 : 0;
      c[23] = f32(g.value);
      const deposited = f32(U(-0.3, 0.3));
      const dt = logU(-5, -2.5);
      c[24] = deposited;
      c[25] = dt;
      // df64: two f64 values of different size and sign
      const a = U(-1, 1) * 10 ** U(-3, 3),
        b = U(-1, 1) * 10 ** U(-6, 3);
      const [ah, al] = splitDf64(a),
        [bh, bl] = splitDf64(b);
      c[26] = ah;
      c[27] = al;
      c[28] = bh;
      c[29] = bl;

      // the host definitions on the same f32 inputs
      const stats = { maxRate: c[0], stiffness: c[1], migrationRate: c[2] };
      const dtWant = nextDt(pf, stats, c[3]);
      // (a step of c[3] at rate c[0]; near the threshold f32 and f64 products may fall on different sides)
      const moved = c[3] * c[0];
      const rejected = Math.abs(moved - pf.rejectDxi) < 1e-4 * pf.rejectDxi ? null : stepRejected(pf, c[3], c[0]);
      const stepWant = stepDt(c[4], c[5], c[6] >= 3e38 ? Infinity : c[6], tNow);
      const nearTol = Math.abs(c[10] - pfTol) < 1e-4 * pfTol;
      const due = nearTol
        ? null
        : potentialDue(
            { ...pf, resolveXiTol: pfTol },
            { forced: c[7] !== 0, solvedBefore: c[8] !== 0, stepsSinceSolve: c[9], dxiSinceSolve: c[10] },
          );
      // the controller at a time inside segment g (its update looks the segment up itself)
      let stWant: ControlState | null = dc.update(st, t, deposited, dt).state;
      // leave out cases next to a threshold of the block (accTime ≥ response) or of the tolerance
      const accT = st.accTime + dt;
      if (Math.abs(accT - cc.response) < 1e-4 * cc.response) stWant = null;
      if (stWant && g.mode === 'galvanostatic' && Number.isFinite(stWant.current)) {
        const e = Math.abs(g.value - stWant.current);
        const lim = cc.tolerance * Math.max(Math.abs(g.value), 0.01 * cc.i0);
        if (Math.abs(e - lim) < 1e-3 * lim) stWant = null;
      }
      // (the exact sum of the df64 values the device receives: four f32 numbers, summed in f64)
      want.push({
        dt: dtWant,
        step: stepWant,
        due,
        rejected,
        st: stWant,
        changedSeg: g.index !== st.segment,
        sum: ah + al + (bh + bl),
        diff: ah + al - (bh + bl),
      });
    }
    const res = await runProbe(policyConstsData(p), controlConstsData(cc), cases);
    const ulp = (x: number) => 2 ** (Math.floor(Math.log2(Math.abs(x))) - 23);
    let lands = 0;
    let rejections = 0,
      accepted = 0;
    let dueCompared = 0,
      ctlCompared = 0,
      blocks = 0,
      galvSteps = 0,
      worstV = 0,
      worstDf = 0;
    for (let q = 0; q < n; q++) {
      const o = res.subarray(q * OUT, (q + 1) * OUT);
      const w = want[q];
      expect(Math.abs(o[0] - w.dt), `case ${q}: nextDt ${o[0]} vs ${w.dt}`).toBeLessThanOrEqual(2 * ulp(w.dt));
      expect(Math.abs(o[1] - w.step), `case ${q}: stepDt`).toBeLessThanOrEqual(2 * ulp(w.step));
      expect(o[18] === 1, `case ${q}: lands on the target`).toBe(w.step >= cases[q * IN + 5]);
      if (w.step >= cases[q * IN + 5]) lands++;
      if (w.rejected !== null) {
        expect(o[19] === 1, `case ${q}: stepRejected`).toBe(w.rejected);
        if (w.rejected) rejections++;
        else accepted++;
      }
      if (w.due !== null) {
        expect(o[2] === 1, `case ${q}: potentialDue`).toBe(w.due);
        dueCompared++;
      }
      if (w.st) {
        ctlCompared++;
        const st = w.st;
        expect(o[4], `case ${q}: segment`).toBe(st.segment);
        expect(o[11] === 1, `case ${q}: has a current`).toBe(Number.isFinite(st.current));
        expect(o[12] === 1, `case ${q}: has a previous current`).toBe(Number.isFinite(st.prevCurrent) && Number.isFinite(st.prevVoltage));
        const rel = (x: number, y: number) => Math.abs(x - y) / Math.max(1e-3, Math.abs(y));
        expect(rel(o[3], st.voltage), `case ${q}: voltage ${o[3]} vs ${st.voltage}`).toBeLessThan(4e-6);
        worstV = Math.max(worstV, Math.abs(o[3] - st.voltage));
        if (Number.isFinite(st.current)) expect(rel(o[5], st.current), `case ${q}: current`).toBeLessThan(4e-6);
        expect(rel(o[9], st.accDeposit), `case ${q}: accumulated deposit`).toBeLessThan(4e-6);
        expect(rel(o[10], st.accTime), `case ${q}: accumulated time`).toBeLessThan(4e-6);
        if (st.accTime === 0) blocks++;
        if (st.voltage !== cases[q * IN + 11]) galvSteps++;
      }
      const sum = o[13] + o[14],
        diff = o[15] + o[16];
      const eS = Math.abs(sum - w.sum) / Math.max(Math.abs(w.sum), 1e-30);
      const eD = Math.abs(diff - w.diff) / Math.max(Math.abs(w.diff), 1e-30);
      worstDf = Math.max(worstDf, eS, eD);
      expect(eS, `case ${q}: df64 sum`).toBeLessThan(2 ** -44);
      expect(eD, `case ${q}: df64 difference`).toBeLessThan(2 ** -44);
      expect(Math.abs(o[17] - w.diff), `case ${q}: df64 → f32`).toBeLessThanOrEqual(ulp(w.diff));
    }
    console.log(
      `${n} cases: stepRejected ${rejections} rejected / ${accepted} accepted, potentialDue compared in ${dueCompared}, controller in ${ctlCompared} (${blocks} blocks measured, ${galvSteps} voltage changes; worst |ΔV| ${worstV.toExponential(2)} V); worst df64 relative error ${worstDf.toExponential(2)}`,
    );
    // the cases exercise every branch
    expect(dueCompared).toBeGreaterThan(0.9 * n);
    expect(lands).toBeGreaterThan(0.1 * n);
    expect(rejections).toBeGreaterThan(0.05 * n);
    expect(accepted).toBeGreaterThan(0.05 * n);
    expect(blocks).toBeGreaterThan(100);
    expect(galvSteps).toBeGreaterThan(100);
  });
});
