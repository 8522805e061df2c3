/**
 * `lidendrite sweep` on the local pool, through the real CLI: a 2 x 2 sweep runs, `collect`
 * writes the table (CSV and JSON) and the figure; a sweep killed (SIGKILL) after its first point
 * finished and run again does not redo finished points (their manifests keep their startedAt),
 * resumes or reruns the others, and ends with the same table, bit for bit, as the uninterrupted sweep.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { baseScenario, cli, DETERMINISTIC, readJson, sleep, sweepFiles, tmp } from './helpers.ts';

const IDS = ['p0000-92e3d27420', 'p0001-f3799b6e7d', 'p0002-2bec354ae6', 'p0003-e791e242b3'];

let reference: Promise<string> | null = null;
/** One uninterrupted local sweep (2 jobs x 1 thread), shared by the tests of this file. */
function referenceSweep(): Promise<string> {
  reference ??= (async () => {
    const out = join(tmp('ref'), 'out');
    const t0 = Date.now();
    const r = await cli(['sweep', sweepFiles(), '--out', out, '--jobs', '2', ...DETERMINISTIC]);
    expect(r.code, r.err).toBe(0);
    console.log(`local 2x2 sweep: ${Date.now() - t0} ms`);
    return out;
  })();
  return reference;
}

const manifest = (out: string, id: string) => readJson(join(out, 'points', id, 'manifest.json'));

describe('local sweep', () => {
  it('runs every point, then collect writes one table (CSV + JSON) and a figure', async () => {
    const out = await referenceSweep();
    for (const id of IDS) expect(manifest(out, id).status.state).toBe('finished');
    expect(manifest(out, IDS[3]).scenario.parameters.T).toBe(310);
    expect(manifest(out, IDS[3]).argv).toContain('--threads');

    const st = await cli(['sweep', 'status', out, '--json']);
    expect(st.code).toBe(0);
    const status = JSON.parse(st.out);
    expect(status.counts).toEqual({ finished: 4, running: 0, interrupted: 0, failed: 0, pending: 0 });

    const c = await cli(['sweep', 'collect', out, '--figure', '--metric', 'front_tip_um']);
    expect(c.code, c.err).toBe(0);
    const csv = readFileSync(join(out, 'collect.csv'), 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe(
      'index,id,state,voltage,parameters.T,time_s,front_tip_um,front_mean_um,interface_length_um,li_total_mol_per_m,i_faradaic_A_per_m',
    );
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 6).join(','))).toEqual([
      `0,${IDS[0]},finished,-0.4,290,0.06`,
      `1,${IDS[1]},finished,-0.4,310,0.06`,
      `2,${IDS[2]},finished,-0.45,290,0.06`,
      `3,${IDS[3]},finished,-0.45,310,0.06`,
    ]);
    // the metric cells are the last metrics.csv row of each point, digit for digit
    csv.slice(1).forEach((line, k) => {
      const rows = readFileSync(join(out, 'points', IDS[k], 'metrics.csv'), 'utf8')
        .trimEnd()
        .split('\n');
      const head = rows[0].split(','),
        last = rows.at(-1)!.split(',');
      expect(line.split(',')[6]).toBe(last[head.indexOf('front_tip_um')]);
      expect(line.split(',')[10]).toBe(last[head.indexOf('i_faradaic_A_per_m')]);
    });
    const json = readJson(join(out, 'collect.json'));
    expect(json.rows.map((r: { id: string }) => r.id)).toEqual(IDS);
    expect(json.rows[1]['parameters.T']).toBe(310);
    // plating faster at the higher drive: the front is further out at -0.45 V
    expect(json.rows[2].front_tip_um).toBeGreaterThan(json.rows[0].front_tip_um);
    const png = PNG.sync.read(readFileSync(join(out, 'figures', 'front_tip_um.png')));
    expect(png.width).toBeGreaterThan(200);
    expect(png.height).toBeGreaterThan(100);
  });

  it('a killed sweep, run again, keeps the finished points and completes the rest (same table, bit for bit)', async () => {
    const ref = await referenceSweep();
    const file = sweepFiles();
    const out = join(tmp('kill'), 'out');
    const finishedIds = () =>
      IDS.filter((id) => {
        try {
          return manifest(out, id).status.state === 'finished';
        } catch {
          return false;
        }
      });
    // one point at a time: after the first has finished, three are left
    let child: import('node:child_process').ChildProcess | null = null;
    const first = cli(['sweep', file, '--out', out, '--jobs', '1', ...DETERMINISTIC], { onStart: (c) => (child = c) });
    const t0 = Date.now();
    // kill once a point has finished and the next one has written a checkpoint (so the rerun resumes it)
    const checkpointed = () =>
      IDS.some((id) => !finishedIds().includes(id) && existsSync(join(out, 'points', id, 'checkpoint', 'latest.json')));
    while (finishedIds().length === 0 || !checkpointed()) {
      if (Date.now() - t0 > 60_000) throw new Error('no point finished and no checkpoint within 60 s');
      await sleep(5);
    }
    child!.kill('SIGKILL');
    const r1 = await first;
    expect(r1.signal).toBe('SIGKILL');
    const before = finishedIds();
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(before.length).toBeLessThan(4);
    const startedAt = Object.fromEntries(before.map((id) => [id, manifest(out, id).startedAt]));
    console.log(`killed the sweep with ${before.length} point(s) finished: ${before.join(', ')}`);

    // the orphaned point stops itself (checkpoint) once its sweep is gone; the rerun waits for it if needed
    const r2 = await cli(['sweep', file, '--out', out, '--jobs', '2', ...DETERMINISTIC]);
    expect(r2.code, r2.err).toBe(0);
    // (the orphaned point may have finished on its own meanwhile)
    const plan2 = /(\d) finished already, (\d) to run/.exec(r2.err);
    expect(plan2, r2.err).not.toBeNull();
    expect(Number(plan2![1])).toBeGreaterThanOrEqual(before.length);
    expect(Number(plan2![1]) + Number(plan2![2])).toBe(4);
    for (const id of IDS) expect(manifest(out, id).status.state).toBe('finished');
    for (const id of before) {
      expect(manifest(out, id).startedAt).toBe(startedAt[id]);
      // started once: one header line in its log
      const log = readFileSync(join(out, 'points', id, 'run.log'), 'utf8');
      expect(log.match(/^=== /gm)).toHaveLength(1);
    }
    const resumed = IDS.filter((id) => /lidendrite resume /.test(readFileSync(join(out, 'points', id, 'run.log'), 'utf8')));
    console.log(`resumed from a checkpoint: ${resumed.join(', ') || 'none (the killed point finished before it stopped)'}`);
    expect(
      readdirSync(join(out, 'points'))
        .flatMap((d) => readdirSync(join(out, 'points', d)))
        .filter((n) => n.startsWith('.lidendrite.lock')),
    ).toEqual([]);

    // a third run has nothing to do
    const r3 = await cli(['sweep', file, '--out', out, ...DETERMINISTIC]);
    expect(r3.code).toBe(0);
    expect(r3.err).toContain('4 finished already, 0 to run');

    for (const d of [ref, out]) expect((await cli(['sweep', 'collect', d, '--quiet'])).code).toBe(0);
    expect(readFileSync(join(out, 'collect.csv'), 'utf8')).toBe(readFileSync(join(ref, 'collect.csv'), 'utf8'));
    expect(existsSync(join(out, 'collect.json'))).toBe(true);
  }, 240_000);

  it('a point that fails gives exit code 3; the other points still complete', async () => {
    const dir = tmp('fail');
    const file = join(dir, 'sweep.json');
    // numerics.maxSteps = 5 stops that run with a solver error long before time.end
    writeFileSync(file, JSON.stringify({ name: 'fail', base: baseScenario(), axes: [{ path: 'numerics.maxSteps', values: [5, 100000] }] }));
    const out = join(dir, 'out');
    const r = await cli(['sweep', file, '--out', out, '--jobs', '2', ...DETERMINISTIC]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/FAILED point 0 \(p0000-[0-9a-f]{10}: numerics\.maxSteps=5\) \(exit 3\): numerics\.maxSteps = 5 reached/);
    expect(r.out).toMatch(/1 of 2 points finished, 1 failed/);
    const st = JSON.parse((await cli(['sweep', 'status', out, '--json'])).out);
    expect(st.points.map((p: { state: string }) => p.state)).toEqual(['failed', 'finished']);
    expect((await cli(['sweep', 'collect', out, '--quiet'])).code).toBe(0);
    const rows = readJson(join(out, 'collect.json')).rows;
    expect(rows[0].front_tip_um).toBeNull();
    expect(typeof rows[1].front_tip_um).toBe('number');
  });
});
