/**
 * The run-directory contract (docs/reliability.md §8), through the CLI: a fresh run refuses a
 * directory holding anything it did not write and deletes nothing; the working directory, its
 * parents and system paths are refused; another run is replaced only with --overwrite, and then
 * whole and only at the end; a directory in use by a live run refuses a second run or resume at
 * once (exit 2, the holder's pid); stale locks are taken over. Every refusal is exit 2 with one
 * line and no stack trace. The reproductions of issue 16 (items 1–4) are the cases below.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readCheckpoint } from '../../src/io/checkpoint.ts';
import { readCsv } from '../../src/io/csv.ts';
import { acquireLock, LOCK_FILE, lockHolder } from '../../src/io/lock.ts';
import { cli, cliIn, scenarioFile, snapshot, STACK, tinyScenario, tmp, waitFor } from './helpers.ts';

const ARGS = ['--backend', 'cpu', '--threads', '1', '--quiet'];
const withoutLock = (m: Map<string, string>) => new Map([...m].filter(([k]) => k !== LOCK_FILE));

afterEach(() => vi.restoreAllMocks());

/** A directory with a user's files only. */
function userDir(): string {
  const d = join(tmp('user'), 'data');
  mkdirSync(join(d, 'checkpoint'), { recursive: true });
  writeFileSync(join(d, 'checkpoint', 'model.pt'), 'weights');
  writeFileSync(join(d, 'metrics.csv'), 'x\n1\n');
  return d;
}

describe('run directories', () => {
  it('a fresh run refuses a directory holding files it did not write, with or without --overwrite, and deletes nothing', async () => {
    const d = userDir();
    const before = snapshot(d);
    for (const extra of [[], ['--overwrite']]) {
      const r = await cliIn(['run', scenarioFile(tinyScenario()), '--out', d, ...ARGS, ...extra]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(/^--out: \S+ holds files lidendrite did not write \(checkpoint\/model\.pt, metrics\.csv\)/);
      expect(r.err.split('\n')).toHaveLength(1);
      expect(snapshot(d)).toEqual(before);
    }
    // a 3D scenario pointed at a 2D run's directory: refused, the 2D run's checkpoint kept
    const run2d = join(tmp('2d'), 'run');
    expect((await cliIn(['run', scenarioFile(tinyScenario()), '--out', run2d, ...ARGS])).code).toBe(0);
    const kept = snapshot(run2d);
    const s3 = tinyScenario({ grid: { dims: 3, n: [8, 4, 4], dx: '0.25 um' } });
    const r3 = await cliIn(['run', scenarioFile(s3), '--out', run2d, ...ARGS]);
    expect(r3.code).toBe(2);
    expect(r3.err).toMatch(/holds a lidendrite run \(scenario "tiny", finished at t = 0\.02 s\): continue it with lidendrite resume/);
    expect(snapshot(run2d)).toEqual(kept);
  });

  it('the working directory, its parents and system paths are refused (scenario name "..", --out "", ".", "..", "/", a link)', async () => {
    const w = userDir();
    const before = snapshot(w);
    mkdirSync(join(w, 'runs'));
    symlinkSync(w, join(w, 'link'));
    const here = process.cwd();
    process.chdir(w);
    try {
      // the name is refused by the scenario's validation; a default directory that still resolved
      // to the working directory would be refused by the path check (the --out cases below)
      for (const name of ['..', '.']) {
        const dots = await cliIn(['run', scenarioFile(tinyScenario({ name })), ...ARGS]);
        expect(dots.code).toBe(2);
        expect(dots.err).toMatch(/name: must not be "\." or "\.\." \(the run directory is runs\/<name>\)/);
      }
      const cases: [string, RegExp][] = [
        ['', /--out: the path is empty/],
        ['.', /is the working directory/],
        ['link', /is the working directory/],
        ['..', /is a parent of the working directory/],
        ['/', /is a parent of the working directory/],
        ['/etc/lidendrite-run', /is a system path/],
        ['/usr', /is a system path/],
      ];
      for (const [out, msg] of cases) {
        const r = await cliIn(['run', scenarioFile(tinyScenario()), '--out', out, ...ARGS]);
        expect(r.code, out).toBe(2);
        expect(r.err, out).toMatch(msg);
        expect(r.err, out).not.toMatch(STACK);
      }
      const res = await cliIn(['resume', '.', ...ARGS]);
      expect(res.code).toBe(2);
      expect(res.err).toMatch(/^resume: \S+ is the working directory/);
    } finally {
      process.chdir(here);
    }
    expect(existsSync('/etc/lidendrite-run')).toBe(false);
    expect(withoutLinks(snapshot(w))).toEqual(before);
  });

  it('another run is refused; --overwrite replaces it whole (no old rows, no old files of another grid)', async () => {
    const d = join(tmp('over'), 'run');
    const long = scenarioFile(tinyScenario({}, '0.04 s'));
    expect((await cliIn(['run', long, '--out', d, ...ARGS])).code).toBe(0);
    expect(readdirSync(join(d, 'fields'))).toHaveLength(5);
    const before = snapshot(d);
    const other = scenarioFile(tinyScenario({ name: 'other', grid: { dims: 2, n: [16, 8], dx: '0.25 um' } }));
    const refused = await cliIn(['run', other, '--out', d, ...ARGS]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/replace it with --overwrite/);
    expect(snapshot(d)).toEqual(before);

    const r = await cliIn(['run', other, '--out', d, ...ARGS, '--overwrite']);
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(join(d, 'fields')).sort()).toEqual(['fields_0000.vti', 'fields_0001.vti', 'fields_0002.vti']);
    const rows = readCsv(join(d, 'metrics.csv'));
    expect(rows.map((x) => x.time_s)).toEqual([0, 0.01, 0.02]);
    expect(readFileSync(join(d, 'metrics.csv'), 'utf8').match(/time_s/g)).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')).scenario.name).toBe('other');
    // no staging or old directory left beside it, no lock inside
    expect(readdirSync(dirname(d))).toEqual([basename(d)]);
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
  });

  it('--overwrite keeps the old run in place until the new one ends; killed, the old run stays and the next overwrite cleans up', async () => {
    const d = join(tmp('swap'), 'run');
    const short = scenarioFile(tinyScenario());
    expect((await cliIn(['run', short, '--out', d, ...ARGS])).code).toBe(0);
    const before = snapshot(d);
    let kill: (s: NodeJS.Signals) => void = () => {};
    let pid = -1;
    const p = cli(['run', scenarioFile(tinyScenario({}, '5 s')), '--out', d, ...ARGS, '--overwrite'], (k, id) => {
      kill = k;
      pid = id;
    });
    const staging = join(dirname(d), `.run.lidendrite-new-${pid}`);
    await waitFor(() => existsSync(join(staging, 'checkpoint', 'latest.json')), 60_000, 'the new run to write a checkpoint');
    // the new run writes beside it; the old run is untouched (only the lock is added)
    expect(withoutLock(snapshot(d))).toEqual(before);
    expect(lockHolder(d)?.pid).toBe(pid);
    kill('SIGKILL');
    expect((await p).signal).toBe('SIGKILL');
    expect(withoutLock(snapshot(d))).toEqual(before);
    expect(lockHolder(d)).toBeNull(); // stale: its holder is dead

    const again = await cliIn(['run', short, '--out', d, ...ARGS, '--overwrite']);
    expect(again.code, again.err).toBe(0);
    expect(readdirSync(dirname(d))).toEqual(['run']);
  });

  it('a second run or resume on a directory in use fails at once with exit 2 naming the holder (pid)', async () => {
    const d = join(tmp('busy'), 'run');
    let kill: (s: NodeJS.Signals) => void = () => {};
    let pid = -1;
    let done = false;
    const p = cli(['run', scenarioFile(tinyScenario({}, '5 s')), '--out', d, ...ARGS], (k, id) => {
      kill = k;
      pid = id;
    }).then((r) => {
      done = true;
      return r;
    });
    await waitFor(() => existsSync(join(d, 'checkpoint', 'latest.json')), 60_000, 'the first run to write a checkpoint');
    for (const args of [
      ['run', scenarioFile(tinyScenario()), '--out', d, '--overwrite'],
      ['resume', d],
    ]) {
      const t0 = Date.now();
      const r = await cliIn([...args, ...ARGS]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(new RegExp(`is in use by pid ${pid} on \\S+ \\(lidendrite run, since `));
      expect(r.err.split('\n')).toHaveLength(1);
      expect(Date.now() - t0).toBeLessThan(5000);
    }
    expect(done, 'the first run is still going').toBe(false);
    kill('SIGTERM');
    const r = await p;
    expect(r.code).toBe(130);
    // the holder is gone: resume takes the directory
    const t = readCheckpoint(d).state.time;
    const res = await cliIn(['resume', d, ...ARGS, '--until', String(t + 0.005)]);
    expect(res.code, res.err).toBe(0);
  });

  it('stale locks: a dead holder, a reused pid and an old lock from another host are taken over; live ones are not', async () => {
    const d = tmp('locks');
    const write = (info: Record<string, unknown>) => writeFileSync(join(d, LOCK_FILE), JSON.stringify(info));
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    const host = (await import('node:os')).hostname();
    write({ pid: Number(dead.stdout), host, startedAt: 'x' });
    expect(lockHolder(d)).toBeNull();
    // this process's pid with another start time: the pid was reused
    write({ pid: process.pid, host, startedAt: 'x', pidStart: 1 });
    expect(lockHolder(d)).toBeNull();
    write({ pid: 1, host, startedAt: 'x' });
    expect(lockHolder(d)?.pid).toBe(1);
    write({ pid: 4242, host: 'another-host', startedAt: 'x' });
    expect(lockHolder(d)?.host).toBe('another-host');
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(d, LOCK_FILE), old, old);
    expect(lockHolder(d)).toBeNull();
    const held = acquireLock(d, 'test');
    expect('busy' in held).toBe(false);
    expect(JSON.parse(readFileSync(join(d, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    if (!('busy' in held)) held.release();
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
  });

  it('--out naming a file, run --browser into a used directory, a sweep into a non-empty directory: exit 2, one line', async () => {
    const f = join(tmp('file'), 'notadir');
    writeFileSync(f, 'data');
    const r1 = await cliIn(['run', scenarioFile(tinyScenario()), '--out', f, ...ARGS]);
    expect(r1.code).toBe(2);
    expect(r1.err).toBe(`--out: ${f} exists and is not a directory`);
    expect(readFileSync(f, 'utf8')).toBe('data');
    // refused before a browser is started, so this runs without Chromium too
    const u = userDir();
    const r2 = await cliIn(['run', scenarioFile(tinyScenario()), '--browser', '--out', u, '--quiet']);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/holds files lidendrite did not write/);
    const sweep = join(tmp('sweep'), 'sweep.json');
    writeFileSync(sweep, JSON.stringify({ name: 's', base: tinyScenario(), axes: [{ path: 'voltage', values: ['-0.4 V'] }] }));
    const before = snapshot(u);
    const r3 = await cliIn(['sweep', sweep, '--out', u, '--quiet']);
    expect(r3.code).toBe(2);
    expect(r3.err).toMatch(/is not empty and holds no sweep \(checkpoint, metrics\.csv\)/);
    expect(snapshot(u)).toEqual(before);
    const r4 = await cliIn(['sweep', sweep, '--out', '', '--quiet']);
    expect(r4.code).toBe(2);
    expect(r4.err).toMatch(/--out: the path is empty/);
  });

  it('a sweep point in use by another process is not run twice (the same lock as run/resume)', async () => {
    const out = join(tmp('pt'), 'sweep');
    const sweep = join(tmp('spec'), 'sweep.json');
    writeFileSync(sweep, JSON.stringify({ name: 's', base: tinyScenario(), axes: [{ path: 'voltage', values: ['-0.4 V'] }] }));
    // a sweep that has nothing to run yet: write the plan (the points' scenarios) only
    const { loadSweep } = await import('../../src/sweep/spec.ts');
    const { writePlan, pointDir } = await import('../../src/sweep/store.ts');
    const plan = writePlan(out, loadSweep(sweep), sweep);
    const point = pointDir(out, plan.points[0].id);
    const held = acquireLock(point, 'test');
    try {
      const t = await cli(['sweep-task', out, '0', ...ARGS]);
      expect(t.code).toBe(75);
      expect(t.err).toMatch(new RegExp(`is being run by pid ${process.pid} on \\S+ \\(lidendrite test`));
      const r = await cli(['run', join(point, 'scenario.json'), '--out', point, ...ARGS]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(new RegExp(`^--out: \\S+ is in use by pid ${process.pid} `));
    } finally {
      if (!('busy' in held)) held.release();
    }
    const t2 = await cliIn(['sweep-task', out, '0', ...ARGS]);
    expect(t2.code, t2.err).toBe(0);
    expect(JSON.parse(readFileSync(join(point, 'manifest.json'), 'utf8')).status.state).toBe('finished');
    expect(existsSync(join(point, 'scenario.json'))).toBe(true);
  });
});

/** A snapshot without the symbolic link the test made. */
function withoutLinks(m: Map<string, string>): Map<string, string> {
  return new Map([...m].filter(([k]) => !k.startsWith('link') && !k.startsWith('runs')));
}
