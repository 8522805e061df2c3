/**
 * --until and output times (issue 16 item 6): a run stopped at --until writes a checkpoint there
 * and can be extended to exactly the files of a run that went straight on; `resume` without
 * --until stops at the run's own target, not at the scenario's end; the metrics' time column
 * holds the output times without float drift (0.06, not 0.060000000000000005; 70, not
 * 69.99999999999517).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeBCs, makeLayout } from '../../src/backends/layout.ts';
import { CpuBackend } from '../../src/backends/cpu/backend.ts';
import { OutputClock, outputTime } from '../../src/cli/schedule.ts';
import { readCheckpoint } from '../../src/io/checkpoint.ts';
import { readCsv } from '../../src/io/csv.ts';
import { coefficients } from '../../src/model/derived.ts';
import { parseScenario } from '../../src/model/scenario.ts';
import { Simulation } from '../../src/solver/simulation.ts';
import { cli, cliIn, scenarioFile, sleep, smallScenario, tinyScenario, tmp, waitFor } from './helpers.ts';

const ARGS = ['--backend', 'cpu', '--threads', '1', '--quiet'];
const scenario = scenarioFile(smallScenario());

let reference: Promise<string> | null = null;
/** The uninterrupted run to the scenario's end (0.08 s), shared. */
function referenceRun(): Promise<string> {
  reference ??= (async () => {
    const dir = join(tmp('ref'), 'run');
    const r = await cliIn(['run', scenario, '--out', dir, ...ARGS]);
    expect(r.code, r.err).toBe(0);
    return dir;
  })();
  return reference;
}

const vtis = (dir: string) => readdirSync(join(dir, 'fields')).sort();
const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));

describe('--until and output times', () => {
  it('a run stopped at --until has a checkpoint there; resume does nothing more, resume --until T extends it to the same files', async () => {
    const ref = await referenceRun();
    const dir = join(tmp('until'), 'run');
    expect((await cliIn(['run', scenario, '--out', dir, ...ARGS, '--until', '0.04'])).code).toBe(0);
    const m = manifest(dir);
    expect(m.status.state).toBe('finished');
    expect(m.until).toBe(0.04);
    const ck = readCheckpoint(dir);
    expect(ck.state.time).toBe(0.04);
    expect(ck.state.step).toBe(readCsv(join(dir, 'metrics.csv')).at(-1)!.step);
    expect(m.checkpoint.time).toBe(0.04);
    // a restart point where the uninterrupted run re-solves anyway: the extension is bit for bit
    expect(ck.header.exact).toBe(true);

    const csv = readFileSync(join(dir, 'metrics.csv'), 'utf8');
    const again = await cliIn(['resume', dir, '--backend', 'cpu', '--threads', '1']);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(
      /the run already reached its --until target \(t = 0\.04 s\); nothing to do\. Extend it with: lidendrite resume \S+ --until T/,
    );
    expect(readFileSync(join(dir, 'metrics.csv'), 'utf8')).toBe(csv);

    const ext = await cliIn(['resume', dir, ...ARGS, '--until', '0.08']);
    expect(ext.code, ext.err).toBe(0);
    expect(vtis(dir)).toEqual(vtis(ref));
    for (const f of vtis(ref)) expect(readFileSync(join(dir, 'fields', f)).equals(readFileSync(join(ref, 'fields', f))), f).toBe(true);
    expect(readFileSync(join(dir, 'metrics.csv'), 'utf8')).toBe(readFileSync(join(ref, 'metrics.csv'), 'utf8'));
    expect(manifest(dir).until).toBeNull();
  });

  it("resume honours the run's own --until: a run started with --until 0.06 and killed resumes to 0.06, not to the scenario's end", async () => {
    const ref = await referenceRun();
    let dir = '';
    for (let attempt = 0, span = 400; attempt < 4; attempt++, span /= 2) {
      dir = join(tmp('kill'), 'run');
      let kill: (s: NodeJS.Signals) => void = () => {};
      const p = cli(['run', scenario, '--out', dir, ...ARGS, '--until', '0.06'], (k) => (kill = k));
      await waitFor(() => existsSync(join(dir, 'checkpoint', 'latest.json')), 60_000, 'the first checkpoint');
      await sleep(Math.floor(Math.random() * span));
      kill('SIGKILL');
      await p;
      if (manifest(dir).status.state === 'running') break;
    }
    expect(manifest(dir).status.state, 'killed before it finished').toBe('running');
    expect(manifest(dir).until).toBe(0.06);
    const r = await cliIn(['resume', dir, ...ARGS]);
    expect(r.code, r.err).toBe(0);
    const m = manifest(dir);
    expect(m.endTime).toBe(0.06);
    expect(readCsv(join(dir, 'metrics.csv')).map((x) => x.time_s)).toEqual([0, 0.02, 0.04, 0.06]);
    expect(vtis(dir)).toEqual(vtis(ref).slice(0, 4));
    for (const f of vtis(dir)) expect(readFileSync(join(dir, 'fields', f)).equals(readFileSync(join(ref, 'fields', f))), f).toBe(true);
  });

  it('a run killed after its final --until checkpoint, before the manifest said finished, is finished by resume (no step, no duplicate row)', async () => {
    const ref = await referenceRun();
    const dir = join(tmp('killed-at-end'), 'run');
    expect((await cliIn(['run', scenario, '--out', dir, ...ARGS, '--until', '0.06'])).code).toBe(0);
    // the state a SIGKILL between the checkpoint at 0.06 and the manifest update leaves
    const m0 = manifest(dir);
    expect(m0.status.state).toBe('finished');
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m0, status: { ...m0.status, state: 'running' } }));
    expect(readCheckpoint(dir).state.time).toBeCloseTo(0.06, 12);
    const r = await cliIn(['resume', dir, ...ARGS]);
    expect(r.code, r.err).toBe(0);
    const m = manifest(dir);
    expect(m.status.state).toBe('finished');
    expect(m.endTime).toBe(0.06);
    expect(readCsv(join(dir, 'metrics.csv')).map((x) => x.time_s)).toEqual([0, 0.02, 0.04, 0.06]);
    expect(vtis(dir)).toEqual(vtis(ref).slice(0, 4));
    // in the same state, an explicit target that is not ahead of the checkpoint is still refused (exit 2)
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m, status: { ...m.status, state: 'running' } }));
    const again = await cliIn(['resume', dir, ...ARGS, '--until', '0.05']);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/--until: 0\.05 s is not after the checkpoint time/);
  });

  it('the time column has no float drift: outputs every 0.01 s print 0.06, not 0.060000000000000005', async () => {
    const dir = join(tmp('drift'), 'run');
    const r = await cliIn(['run', scenarioFile(tinyScenario({ output: { png: false, vti: false } }, '0.07 s')), '--out', dir, ...ARGS]);
    expect(r.code, r.err).toBe(0);
    const times = readFileSync(join(dir, 'metrics.csv'), 'utf8')
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',')[0]);
    expect(times).toEqual(['0', '0.01', '0.02', '0.03', '0.04', '0.05', '0.06', '0.07']);
    expect(outputTime(7, 10)).toBe(70);
    expect(outputTime(700, 0.1)).toBe(70);
    expect(outputTime(3, 0.1)).toBe(0.3);
    // a checkpoint written before this fix holds a summed next time: the schedule recovers k
    const c = new OutputClock(0.01, 0.060000000000000005);
    expect(c.next).toBe(0.06);
    c.advance();
    expect(c.next).toBe(0.07);
  });

  it('a step that would stop a hair short of the target lands on it (t = 1e-3 exactly, not 1e-3 − 5e-13)', async () => {
    // ten steps of dtMax = (1e-3 − 5e-13)/10 end 5e-13 short of 1e-3, inside runTo's 1e-12 tolerance
    const dt = (1e-3 - 5e-13) / 10;
    const s = parseScenario(tinyScenario({ numerics: { dtInitial: dt, dtMax: dt } }));
    const b = new CpuBackend(makeLayout(s), coefficients(s), makeBCs(s), { threads: 1 });
    try {
      const sim = new Simulation(s, b);
      await sim.runTo(1e-3);
      expect(sim.step).toBe(10);
      expect(sim.time).toBe(1e-3);
    } finally {
      await b.dispose();
    }
  });
});
