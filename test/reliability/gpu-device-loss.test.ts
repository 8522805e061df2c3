/**
 * A lost WebGPU device mid-run (simulated by destroying the backend's GPUDevice through runCli's
 * wrapBackend hook): the run stops at once — no rollback, no retry on the dead device — with a
 * message naming the loss, exit 3, the manifest `failed` with that reason, every output written
 * so far and the last checkpoint intact. `lidendrite resume <dir> --backend cpu` then finishes
 * the run, and so does `lidendrite resume <dir>` on a fresh WebGPU device; both agree with an
 * uninterrupted run of the resuming backend to f32 tolerance.
 * Skipped, with the reason, when no WebGPU adapter exists (test/conformance/webgpu-env.ts).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  Backend,
  DeviceLoop,
  PotentialReport,
  Reductions,
  SolveReport,
  StepStats,
  TransportReport,
} from '../../src/backends/backend.ts';
import type { WebGpuBackend } from '../../src/backends/webgpu/backend.ts';
import { runCli } from '../../src/cli/main.ts';
import { readCheckpoint } from '../../src/io/checkpoint.ts';
import { readCsv } from '../../src/io/csv.ts';
import { decodeVti } from '../../src/io/vti.ts';
import type { Fields } from '../../src/model/initial.ts';
import { probeWebGpu } from '../conformance/webgpu-env.ts';
import { bitDiffs, scenarioFile, smallScenario, tmp } from './helpers.ts';

const probe = await probeWebGpu();

/** 32 x 16 cells, 38 steps to 0.04 s, outputs every 0.01 s, checkpoints every 0.004 s. */
const SCENARIO = smallScenario({
  name: 'gpu-device-loss',
  grid: { dims: 2, n: [32, 16], dx: '0.25 um' },
  time: { end: '0.04 s', output: '0.01 s' },
  // the explicit phase stage (short steps: many loop runs in the window; the IMEX stage runs on the loop too)
  numerics: { phase: 'explicit' },
});
const F_OVER_RT = 96485.33212 / (8.314462618 * 300);
/** The f32 tolerance of a resumed run; the bound is derived in gpu-resume.test.ts (same scenario). */
const TOL = { xi: 1e-5, cRel: 5e-5, psi: 1e-4 };

/**
 * Where the device is lost. The WebGPU backend runs its steps in its device loop (Backend.loop),
 * many per run: the wrapper ends the runs before step `step` − 1 there (where runs end changes no
 * result); `between runs` destroys it before the run from step − 1, `during a run` while that run
 * is in flight (its first batches are submitted), `before a read` before the first fields
 * read-back (an output) after step `step`.
 */
type Where = 'between runs' | 'during a run' | 'before a read';

/**
 * Forwards to a WebGpuBackend (its device loop included) and destroys its GPUDevice once, as
 * planned. The loss is then found by whatever the backend does next, as a real one (driver
 * reset, watchdog, unplugged GPU) would be.
 */
class LoseDevice implements Backend {
  lostAt: { step: number; where: Where } | null = null;
  callsAfterLoss: string[] = [];
  private step = 0;
  readonly loop: DeviceLoop;
  constructor(
    readonly inner: WebGpuBackend,
    private plan: { step: number; where: Where },
  ) {
    const inLoop = inner.loop!;
    this.loop = {
      ready: () => inLoop.ready(),
      saveGood: () => this.around('loop.saveGood', () => inLoop.saveGood()),
      restoreGood: () => this.around('loop.restoreGood', () => inLoop.restoreGood()),
      raiseBudgets: (r) => inLoop.raiseBudgets(r),
      rewind: (s) => inLoop.rewind(s),
      run: (start) =>
        this.around('loop.run', async () => {
          const p = this.plan;
          let st = start;
          let due = false;
          // the runs before end at step − 1; the next one starts there and would take step `step`
          if (!this.lostAt && p.where !== 'before a read') {
            if (start.step + 1 < p.step) st = { ...start, stepLimit: Math.min(start.stepLimit, p.step - 1) };
            else if (start.step + 1 === p.step && p.where === 'between runs') this.lose();
            else if (start.step + 1 === p.step) due = true;
          }
          const run = inLoop.run(st);
          if (due) setTimeout(() => this.lose(), 0);
          const recs = await run;
          if (recs.length) this.step = recs[recs.length - 1].step;
          return recs;
        }),
    };
  }
  get name() {
    return this.inner.name;
  }
  get device() {
    return this.inner.device;
  }
  private async around<T>(what: string, call: () => Promise<T>): Promise<T> {
    if (this.lostAt) this.callsAfterLoss.push(what);
    return call();
  }
  private lose(): void {
    if (this.lostAt) return;
    this.lostAt = { ...this.plan };
    this.inner.gpuDevice.destroy();
  }
  init(f: Fields): Promise<void> {
    return this.around('init', () => this.inner.init(f));
  }
  potential(tol: number, maxIter: number): Promise<PotentialReport> {
    return this.around('potential', () => this.inner.potential(tol, maxIter));
  }
  mechanics(tol: number, maxIter: number): Promise<SolveReport> {
    return this.inner.mechanics(tol, maxIter);
  }
  phase(dt: number, step: number): Promise<SolveReport | null> {
    return this.around('phase', () => this.inner.phase(dt, step));
  }
  transport(dt: number, tol: number, maxIter: number): Promise<TransportReport> {
    return this.around('transport', () => this.inner.transport(dt, tol, maxIter));
  }
  stepStats(): Promise<StepStats> {
    return this.around('stepStats', () => this.inner.stepStats());
  }
  reductions(): Promise<Reductions> {
    return this.around('reductions', () => this.inner.reductions());
  }
  setVoltage(v: number): Promise<void> {
    return this.inner.setVoltage(v);
  }
  read() {
    if (!this.lostAt && this.plan.where === 'before a read' && this.step >= this.plan.step) this.lose();
    return this.around('read', () => this.inner.read());
  }
  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}

/** runCli in this process, with stderr/stdout captured. */
async function cliInProcess(argv: string[], wrap?: (b: Backend) => Backend): Promise<{ code: number; err: string; out: string }> {
  const err: string[] = [],
    out: string[] = [];
  const e = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    err.push(a.join(' '));
  });
  const w = vi.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => {
    err.push(a.join(' '));
  });
  const l = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    out.push(a.join(' '));
  });
  try {
    const code = await runCli(argv, wrap ? { wrapBackend: wrap } : {});
    return { code, err: err.join('\n'), out: out.join('\n') };
  } finally {
    e.mockRestore();
    w.mockRestore();
    l.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

const vtis = (dir: string) =>
  readdirSync(join(dir, 'fields'))
    .filter((n) => n.endsWith('.vti'))
    .sort();
const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));

/** Max |a − b| over the output files of `got` (all of them also in `ref`). */
function maxDiffs(ref: string, got: string, files = vtis(got)) {
  const d = { xi: 0, c: 0, phi: 0, cMax: 0, bitDiffCells: 0 };
  for (const f of files) {
    const a = decodeVti(readFileSync(join(ref, 'fields', f))),
      b = decodeVti(readFileSync(join(got, 'fields', f)));
    expect(b.fieldData.TIME, `${f}: time`).toBe(a.fieldData.TIME);
    for (const k of ['xi', 'c', 'phi'] as const) {
      for (let i = 0; i < a.fields[k].length; i++) d[k] = Math.max(d[k], Math.abs(a.fields[k][i] - b.fields[k][i]));
      d.bitDiffCells += bitDiffs(a.fields[k], b.fields[k]);
    }
    for (const v of a.fields.c) d.cMax = Math.max(d.cMax, v);
  }
  return d;
}

function expectWithinF32(d: ReturnType<typeof maxDiffs>, what: string): void {
  console.log(
    `${what}: max |Δξ| ${d.xi.toExponential(2)}, max |Δc̃| ${d.c.toExponential(2)} (max c̃ ${d.cMax.toFixed(2)}), max |Δφ| ${d.phi.toExponential(2)} V; ${d.bitDiffCells} cell values differ in any bit`,
  );
  expect(d.xi, `${what}: ξ`).toBeLessThanOrEqual(TOL.xi);
  expect(d.c, `${what}: c̃`).toBeLessThanOrEqual(TOL.cRel * Math.max(1, d.cMax));
  expect(d.phi * F_OVER_RT, `${what}: ψ`).toBeLessThanOrEqual(TOL.psi);
}

const refs = new Map<string, Promise<string>>();
function referenceRun(backend: 'cpu' | 'webgpu', scenario: string): Promise<string> {
  let p = refs.get(backend);
  if (!p) {
    p = (async () => {
      const dir = join(tmp(`loss-ref-${backend}`), 'run');
      const r = await cliInProcess(['run', scenario, '--out', dir, '--backend', backend, '--threads', '1', '--quiet']);
      expect(r.code, r.err).toBe(0);
      return dir;
    })();
    refs.set(backend, p);
  }
  return p;
}

const CASES: { name: string; plan: { step: number; where: Where } }[] = [
  // found by the first ring read-back of the next run
  { name: 'between the loop runs, before step 13', plan: { step: 13, where: 'between runs' } },
  // found by a ring read-back of the run in flight (its later batches ran on a dead device)
  { name: 'during the loop run that takes step 20', plan: { step: 20, where: 'during a run' } },
  // found by the fields read-back of an output
  { name: 'before the output read after step 26', plan: { step: 26, where: 'before a read' } },
];

/**
 * The Simulation side, on any machine (no GPU needed): a stage that throws an error marked
 * `deviceLost` (what the WebGPU backend's DeviceLostError carries) stops the run on the spot —
 * before this was handled, a stage exception became a retryable SolverError and was rolled back
 * maxRetries times on the dead device.
 */
class ThrowsDeviceLost implements Backend {
  inits = 0;
  thrown = 0;
  private cur = 0;
  constructor(
    readonly inner: Backend,
    private at: { step: number; stage: 'potential' | 'transport' },
  ) {}
  get name() {
    return this.inner.name;
  }
  get device() {
    return `${this.inner.device} + simulated device loss`;
  }
  private fail(stage: string, step: number): void {
    if (stage === this.at.stage && step >= this.at.step) {
      this.thrown++;
      throw Object.assign(new Error('WebGPU device lost (unknown: simulated) — test'), { deviceLost: true });
    }
  }
  init(f: Fields): Promise<void> {
    this.inits++;
    return this.inner.init(f);
  }
  async potential(tol: number, maxIter: number): Promise<PotentialReport> {
    this.fail('potential', this.cur + 1);
    return this.inner.potential(tol, maxIter);
  }
  mechanics(tol: number, maxIter: number): Promise<SolveReport> {
    return this.inner.mechanics(tol, maxIter);
  }
  phase(dt: number, step: number): Promise<SolveReport | null> {
    this.cur = step + 1;
    return this.inner.phase(dt, step);
  }
  async transport(dt: number, tol: number, maxIter: number): Promise<TransportReport> {
    this.fail('transport', this.cur);
    return this.inner.transport(dt, tol, maxIter);
  }
  stepStats(): Promise<StepStats> {
    return this.inner.stepStats();
  }
  reductions(): Promise<Reductions> {
    return this.inner.reductions();
  }
  setVoltage(v: number): Promise<void> {
    return this.inner.setVoltage(v);
  }
  read() {
    return this.inner.read();
  }
  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}

describe('a device-loss error is never retried (Simulation + CLI, CPU backend underneath)', () => {
  const scenario = scenarioFile(SCENARIO);
  for (const at of [
    { step: 17, stage: 'transport' },
    { step: 13, stage: 'potential' },
  ] as const) {
    it(`thrown by the ${at.stage} stage of step ${at.step}: exit 3 at once, no rollback, manifest failed, checkpoint kept`, async () => {
      const dir = join(tmp('loss-sim'), 'run');
      let w: ThrowsDeviceLost | null = null;
      const r = await cliInProcess(
        ['run', scenario, '--out', dir, '--backend', 'cpu', '--threads', '1', '--quiet'],
        (b) => (w = new ThrowsDeviceLost(b, at)),
      );
      expect(r.code).toBe(3);
      expect(r.err).toMatch(/run failed: WebGPU device lost \(unknown: simulated\).*not retried/);
      expect(r.err).not.toMatch(/rolled back to step|retry \d+ of/);
      const ww = w as ThrowsDeviceLost | null;
      expect(ww!.thrown, 'the failing stage was called once').toBe(1);
      expect(ww!.inits, 'init() only at the start').toBe(1);
      const m = manifest(dir);
      expect(m.status.state).toBe('failed');
      expect(m.status.reason).toMatch(/^WebGPU device lost .*not retried/);
      expect(m.retries).toBe(0);
      expect(readCheckpoint(dir).state.step).toBeLessThan(at.step);
    });
  }
});

describe.runIf(probe.ok)(`WebGPU device lost mid-run${probe.ok ? '' : ` (skipped: no WebGPU adapter: ${probe.reason})`}`, () => {
  const scenario = scenarioFile(SCENARIO);

  for (const c of CASES) {
    it(`${c.name}: stops (exit 3, manifest failed, outputs and checkpoint intact, no retry); resume on cpu and on a fresh webgpu device finish`, async () => {
      const refGpu = await referenceRun('webgpu', scenario);
      const refCpu = await referenceRun('cpu', scenario);
      const dir = join(tmp('loss'), 'run');
      let wrapper: LoseDevice | null = null;
      const t0 = Date.now();
      const r = await cliInProcess(
        ['run', scenario, '--out', dir, '--backend', 'webgpu', '--quiet'],
        (b) => (wrapper = new LoseDevice(b as WebGpuBackend, c.plan)),
      );
      const msRun = Date.now() - t0;
      const w = wrapper as LoseDevice | null;
      expect(w?.lostAt, 'the device was destroyed').toEqual(c.plan);
      console.log(`${c.name}: exit ${r.code} after ${msRun} ms; calls after the loss: ${w!.callsAfterLoss.join(', ')}\n${r.err}`);

      // stopped at once, with the loss named, and not treated as an instability
      expect(r.code).toBe(3);
      expect(r.err).toMatch(/run failed: WebGPU device lost \(destroyed/);
      expect(r.err).toMatch(/not retried/);
      expect(r.err).toMatch(/lidendrite resume .* --backend cpu/);
      expect(r.err).not.toMatch(/rolled back to step|retry \d+ of/);
      // after the loss the backend was asked only for the call(s) that found it; never init()
      // (the upload a rollback would start with)
      expect(w!.callsAfterLoss.length).toBeLessThanOrEqual(3);
      expect(w!.callsAfterLoss).not.toContain('init');
      const m = manifest(dir);
      expect(m.status.state).toBe('failed');
      expect(m.status.reason).toMatch(/^WebGPU device lost \(destroyed.*after step \d+, t = .* s; not retried/);
      expect(m.retries).toBe(0);

      // every output listed exists, reads back and is the uninterrupted run's (same device kind, same bits)
      expect(m.outputs.length).toBeGreaterThanOrEqual(2);
      for (const o of m.outputs as { files: string[]; time: number }[]) {
        for (const rel of o.files) {
          const f = join(dir, rel);
          expect(existsSync(f), f).toBe(true);
          expect(decodeVti(readFileSync(f)).fieldData.TIME).toBe(o.time);
        }
      }
      expect(vtis(dir).length).toBe(m.outputs.length);
      expect(readCsv(join(dir, 'metrics.csv')).length).toBe(m.outputs.length);
      expect(readdirSync(join(dir, 'fields')).filter((n) => n.includes('.tmp-'))).toEqual([]);
      const before = maxDiffs(refGpu, dir);
      expect(before.bitDiffCells, 'outputs written before the loss').toBe(0);
      // the last checkpoint is intact and precedes the loss
      const ck = readCheckpoint(dir);
      expect(ck.header.backend).toBe('webgpu');
      expect(ck.header.exact).toBe(true);
      expect(ck.state.step).toBeLessThan(c.plan.step);
      expect(m.checkpoint.step).toBe(ck.state.step);

      // resume on the CPU, and on a fresh WebGPU device (each on its own copy of the run)
      const onCpu = join(tmp('loss-cpu'), 'run'),
        onGpu = join(tmp('loss-gpu'), 'run');
      cpSync(dir, onCpu, { recursive: true });
      cpSync(dir, onGpu, { recursive: true });
      let t1 = Date.now();
      const rc = await cliInProcess(['resume', onCpu, '--backend', 'cpu', '--threads', '1', '--quiet']);
      const msCpu = Date.now() - t1;
      expect(rc.code, rc.err).toBe(0);
      t1 = Date.now();
      const rg = await cliInProcess(['resume', onGpu, '--quiet']);
      const msGpu = Date.now() - t1;
      expect(rg.code, rg.err).toBe(0);
      for (const [d, backend, ref] of [
        [onCpu, 'cpu', refCpu],
        [onGpu, 'webgpu', refGpu],
      ] as const) {
        const mm = manifest(d);
        expect(mm.status.state).toBe('finished');
        expect(mm.backend).toBe(backend);
        expect(mm.resumedFrom.step).toBe(ck.state.step);
        expect(vtis(d)).toEqual(vtis(ref));
        expect(readCsv(join(d, 'metrics.csv')).map((row) => row.time_s)).toEqual(
          readCsv(join(ref, 'metrics.csv')).map((row) => row.time_s),
        );
        expectWithinF32(
          maxDiffs(ref, d),
          `${c.name}: resumed from step ${ck.state.step} on ${backend} (${backend === 'cpu' ? msCpu : msGpu} ms) vs uninterrupted ${backend}`,
        );
      }
    });
  }
});
