/**
 * Resume on the WebGPU backend, through the real CLI (child processes):
 * - a `--backend webgpu` run SIGKILLed at a random moment after its first checkpoint and resumed
 *   gives the fields of an uninterrupted webgpu run (f32 tolerance below; on SwiftShader the
 *   continuation is in fact bit for bit), and the same checkpoint resumed with `--backend cpu`
 *   agrees with an uninterrupted CPU run;
 * - a checkpoint written by a CPU run resumes with `--backend webgpu` and agrees with an
 *   uninterrupted webgpu run.
 * Skipped, with the reason, when no WebGPU adapter exists (test/conformance/webgpu-env.ts).
 */
import { describe, expect, it } from 'vitest';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeVti } from '../../src/io/vti.ts';
import { readCsv } from '../../src/io/csv.ts';
import { readCheckpoint } from '../../src/io/checkpoint.ts';
import { probeWebGpu } from '../conformance/webgpu-env.ts';
import { bitDiffs, cli, scenarioFile, sleep, smallScenario, tmp, waitFor } from './helpers.ts';

const probe = await probeWebGpu();

/** 32 x 16 cells (SwiftShader is slow), 38 steps to 0.04 s, checkpoints every 0.004 s. */
const SCENARIO = smallScenario({
  name: 'gpu-reliability',
  grid: { dims: 2, n: [32, 16], dx: '0.25 um' },
  time: { end: '0.04 s', output: '0.01 s' },
});
const F_OVER_RT = 96485.33212 / (8.314462618 * 300);

/**
 * f32 tolerance of a resumed run against an uninterrupted run of the resuming backend (max
 * |difference| over every output file, absolute):
 *   ξ ≤ 1e-5,   c̃ ≤ 5e-5 · max(1, max c̃),   φ ≤ 1e-4 / f V  (ψ = fφ within 1e-4).
 * Why these: the WebGPU backend computes in f32 (unit roundoff u = 2^-24 ≈ 6e-8). The resumed
 * run differs from the uninterrupted one only by (a) the state at the checkpoint — for a webgpu →
 * webgpu resume not at all (f32 → f64 payload → f32 is exact, and init() rebuilds ∂ξ/∂t and
 * ξ-at-last-solve exactly as they are at a solve point, docs/reliability.md §1); for a
 * cross-backend resume by the f32 run's accumulated difference from the f64 one — and (b) the
 * f32 rounding of the steps after it, should the device not reproduce its own rounding. Per step
 * that is a few u on the O(1) ξ; c̃ also carries exp()'s error in the Scharfetter–Gummel
 * weights at |ψ − ψ_ref| ≈ 17 (1.1e-6 relative measured on SwiftShader, WGSL allows 2.3e-6,
 * docs/webgpu-backend.md); ψ ≈ −17 is re-solved to potentialTol = 1e-9 and holds a few ulps
 * of |ψ| (ulp(17) = 1.9e-6). The phase step is explicit and stable and transport implicit, so
 * these add up at most linearly over the 38 steps: ξ ≲ 38·4u ≈ 1e-5, c̃ ≲ 38 × 1.1e-6 ≈ 4.2e-5
 * of max c̃, ψ ≲ 50 ulps of 17 ≈ 1e-4. (The cross-backend conformance test bounds a whole webgpu
 * run against the CPU by 1e-4 in each; these are 10× tighter for ξ and c̃ and still leave a
 * 10–25× margin over what is measured.)
 */
const TOL = { xi: 1e-5, cRel: 5e-5, psi: 1e-4 };

const ARGS = ['--quiet', '--threads', '1'];
const vtis = (dir: string) =>
  readdirSync(join(dir, 'fields'))
    .filter((n) => n.endsWith('.vti'))
    .sort();
const noTemp = (dir: string) =>
  ['.', 'fields', 'checkpoint']
    .flatMap((d) => (existsSync(join(dir, d)) ? readdirSync(join(dir, d)) : []))
    .filter((n) => n.includes('.tmp-'));
const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));

interface Diff {
  xi: number;
  c: number;
  phi: number;
  cMax: number;
  bitDiffCells: number;
  files: number;
}

/** Max |a − b| over every output file of two runs (the same file list is required). */
function compareRuns(ref: string, got: string): Diff {
  expect(vtis(got)).toEqual(vtis(ref));
  const d: Diff = { xi: 0, c: 0, phi: 0, cMax: 0, bitDiffCells: 0, files: 0 };
  for (const f of vtis(ref)) {
    const a = decodeVti(readFileSync(join(ref, 'fields', f))),
      b = decodeVti(readFileSync(join(got, 'fields', f)));
    expect(b.fieldData.TIME, `${f}: time`).toBe(a.fieldData.TIME);
    for (const k of ['xi', 'c', 'phi'] as const) {
      const fa = a.fields[k],
        fb = b.fields[k];
      for (let i = 0; i < fa.length; i++) d[k] = Math.max(d[k], Math.abs(fa[i] - fb[i]));
      d.bitDiffCells += bitDiffs(fa, fb);
    }
    for (const v of a.fields.c) d.cMax = Math.max(d.cMax, v);
    d.files++;
  }
  return d;
}

function expectWithinF32(d: Diff, what: string): void {
  console.log(
    `${what}: max |Δξ| ${d.xi.toExponential(2)}, max |Δc̃| ${d.c.toExponential(2)} (max c̃ ${d.cMax.toFixed(2)}), max |Δφ| ${d.phi.toExponential(2)} V over ${d.files} outputs; ${d.bitDiffCells} cell values differ in any bit`,
  );
  expect(d.xi, `${what}: ξ`).toBeLessThanOrEqual(TOL.xi);
  expect(d.c, `${what}: c̃`).toBeLessThanOrEqual(TOL.cRel * Math.max(1, d.cMax));
  expect(d.phi * F_OVER_RT, `${what}: ψ`).toBeLessThanOrEqual(TOL.psi);
}

/** The metrics rows of a resumed run: the same output times as the reference; steps are logged. */
function compareMetrics(ref: string, got: string, what: string): void {
  const a = readCsv(join(ref, 'metrics.csv')),
    b = readCsv(join(got, 'metrics.csv'));
  expect(b.map((r) => r.time_s)).toEqual(a.map((r) => r.time_s));
  console.log(`${what}: steps at the outputs ${b.map((r) => r.step).join(' ')} (uninterrupted: ${a.map((r) => r.step).join(' ')})`);
}

const refs = new Map<string, Promise<{ dir: string; ms: number }>>();
/** One uninterrupted run per backend, shared by the tests of this file. */
function referenceRun(backend: 'cpu' | 'webgpu', scenario: string): Promise<{ dir: string; ms: number }> {
  let p = refs.get(backend);
  if (!p) {
    p = (async () => {
      const dir = join(tmp(`gpu-ref-${backend}`), 'run');
      const t0 = Date.now();
      const r = await cli(['run', scenario, '--out', dir, '--backend', backend, ...ARGS]);
      expect(r.err).not.toMatch(/run failed/);
      expect(r.code, r.err).toBe(0);
      return { dir, ms: Date.now() - t0 };
    })();
    refs.set(backend, p);
  }
  return p;
}

describe.runIf(probe.ok)(`resume on the WebGPU backend${probe.ok ? '' : ` (skipped: no WebGPU adapter: ${probe.reason})`}`, () => {
  const scenario = scenarioFile(SCENARIO);

  it('webgpu run SIGKILLed after its first checkpoint resumes on webgpu (= uninterrupted webgpu run) and on cpu (= uninterrupted cpu run)', async () => {
    const refGpu = await referenceRun('webgpu', scenario);
    const refCpu = await referenceRun('cpu', scenario);
    console.log(`uninterrupted runs: webgpu ${refGpu.ms} ms, cpu ${refCpu.ms} ms (process start included)`);
    expect(manifest(refGpu.dir).checkpoint.exact).toBe(true);

    let victim = '';
    let killedAfter = -1;
    // the kill must land while the run is still going; try a shorter delay if it finished first
    for (let attempt = 0, span = 800; attempt < 4; attempt++, span /= 2) {
      victim = join(tmp('gpu-kill'), 'run');
      const delay = Math.floor(Math.random() * span);
      let kill: (s: NodeJS.Signals) => void = () => {};
      const p = cli(['run', scenario, '--out', victim, '--backend', 'webgpu', ...ARGS], (k) => (kill = k));
      await waitFor(() => existsSync(join(victim, 'checkpoint', 'latest.json')), 120_000, 'the first checkpoint');
      await sleep(delay);
      kill('SIGKILL');
      const r = await p;
      // a kill that lands after the manifest says 'finished' (during the process's exit) did not
      // interrupt anything: try again
      if (r.signal === 'SIGKILL' && manifest(victim).status.state === 'running') {
        killedAfter = delay;
        break;
      }
    }
    expect(killedAfter, 'the victim run was killed before it finished').toBeGreaterThanOrEqual(0);
    const ck = readCheckpoint(victim);
    expect(ck.header.backend).toBe('webgpu');
    console.log(
      `webgpu run killed ${killedAfter} ms after the first checkpoint; resuming from step ${ck.state.step}, t = ${ck.state.time} s (${vtis(victim).length} field files on disk)`,
    );
    const onCpu = join(tmp('gpu-kill-cpu'), 'run');
    cpSync(victim, onCpu, { recursive: true });

    // the same backend: the checkpoint's (webgpu is the default for a webgpu checkpoint)
    let t0 = Date.now();
    const r = await cli(['resume', victim, ...ARGS]);
    const msGpu = Date.now() - t0;
    expect(r.err).not.toMatch(/failed|cannot/);
    expect(r.code, r.err).toBe(0);
    const m = manifest(victim);
    expect(m.status.state).toBe('finished');
    expect(m.backend).toBe('webgpu');
    expect(m.resumedFrom.step).toBe(ck.state.step);
    expect(m.outputs.map((o: { index: number }) => o.index)).toEqual(manifest(refGpu.dir).outputs.map((o: { index: number }) => o.index));
    expect(noTemp(victim)).toEqual([]);
    compareMetrics(refGpu.dir, victim, 'webgpu → webgpu');
    expectWithinF32(compareRuns(refGpu.dir, victim), `webgpu → webgpu (resume ${msGpu} ms)`);

    // the other backend
    t0 = Date.now();
    const r2 = await cli(['resume', onCpu, '--backend', 'cpu', ...ARGS]);
    const msCpu = Date.now() - t0;
    expect(r2.err).not.toMatch(/failed|cannot/);
    expect(r2.code, r2.err).toBe(0);
    const m2 = manifest(onCpu);
    expect(m2.status.state).toBe('finished');
    expect(m2.backend).toBe('cpu');
    expect(m2.resumedFrom.backend).toBe('webgpu');
    expect(noTemp(onCpu)).toEqual([]);
    compareMetrics(refCpu.dir, onCpu, 'webgpu → cpu');
    expectWithinF32(compareRuns(refCpu.dir, onCpu), `webgpu → cpu (resume ${msCpu} ms)`);
  });

  it('a checkpoint written by a cpu run resumes on webgpu (= uninterrupted webgpu run)', async () => {
    const refGpu = await referenceRun('webgpu', scenario);
    const dir = join(tmp('cpu-to-gpu'), 'run');
    // stop the CPU run at the output time 0.01 s (--until leaves a checkpoint there; an exact one at this
    // time, where the potential is re-solved anyway), then extend it on webgpu
    const r = await cli(['run', scenario, '--out', dir, '--backend', 'cpu', '--until', '0.01', ...ARGS]);
    expect(r.code, r.err).toBe(0);
    const ck = readCheckpoint(dir);
    expect(ck.header.backend).toBe('cpu');
    expect(ck.header.exact).toBe(true);
    const t0 = Date.now();
    expect(ck.state.time).toBe(0.01);
    // (without --until the resume would stop at the run's own target, 0.01 s: until.test.ts)
    const r2 = await cli(['resume', dir, '--backend', 'webgpu', '--until', '0.04', ...ARGS]);
    expect(r2.err).not.toMatch(/failed|cannot/);
    expect(r2.code, r2.err).toBe(0);
    const m = manifest(dir);
    expect(m.status.state).toBe('finished');
    expect(m.backend).toBe('webgpu');
    expect(m.resumedFrom).toMatchObject({ backend: 'cpu', step: ck.state.step });
    expect(noTemp(dir)).toEqual([]);
    compareMetrics(refGpu.dir, dir, 'cpu → webgpu');
    expectWithinF32(compareRuns(refGpu.dir, dir), `cpu → webgpu from step ${ck.state.step} (resume ${Date.now() - t0} ms)`);
  });
});
