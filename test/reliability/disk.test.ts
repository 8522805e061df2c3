/**
 * A full disk and a read-only file system, on a small tmpfs mounted by the test (issue 16 item 4):
 * a run that fills the disk stops with exit 3 and one line naming the file and the cause, marks its
 * manifest failed, leaves no temp file and keeps its last complete checkpoint, which resumes (once
 * there is room) to the same files, bit for bit, as a run that never saw the full disk. On a
 * read-only file system `resume` and `run` refuse with exit 2, naming the directory and the cause.
 * Skipped, with the reason, where a tmpfs cannot be mounted (not root, no mount permission).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpoint } from '../../src/io/checkpoint.ts';
import { cliIn, scenarioFile, smallScenario, snapshot, STACK, tmp } from './helpers.ts';

const ARGS = ['--backend', 'cpu', '--threads', '1', '--quiet'];

function mount(size: string): string {
  const dir = tmp('mnt');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount -t tmpfs: ${(r.stderr || r.error?.message || '').trim()}`);
  mounted.push(dir);
  return dir;
}
const remount = (dir: string, opts: string) => {
  const r = spawnSync('mount', ['-o', `remount,${opts}`, dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount -o remount,${opts}: ${r.stderr}`);
};
const mounted: string[] = [];
afterAll(() => {
  for (const d of mounted) spawnSync('umount', [d]);
});

/** Why a tmpfs cannot be mounted here, or null when it can. */
function cannotMount(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  try {
    const d = mount('64k');
    spawnSync('umount', [d]);
    mounted.pop();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}
const skip = cannotMount();

const temps = (dir: string) => [...snapshot(dir).keys()].filter((k) => k.includes('.tmp-'));

const noPng = scenarioFile(smallScenario());
const withPng = scenarioFile(smallScenario({ output: { png: true } }));
const refs = new Map<string, Promise<string>>();
/** The uninterrupted run of a scenario, on an ordinary disk (shared by the cases). */
function reference(scenario: string): Promise<string> {
  if (!refs.has(scenario))
    refs.set(
      scenario,
      (async () => {
        const ref = join(tmp('ref'), 'run');
        expect((await cliIn(['run', scenario, '--out', ref, ...ARGS])).code).toBe(0);
        return ref;
      })(),
    );
  return refs.get(scenario)!;
}

/** Every file of the run directory (fields, PNGs, metrics) equal to the reference's, byte for byte. */
function sameOutputs(dir: string, ref: string): void {
  for (const sub of ['fields', 'png']) {
    if (!existsSync(join(ref, sub))) continue;
    const names = readdirSync(join(ref, sub)).sort();
    expect(readdirSync(join(dir, sub)).sort(), sub).toEqual(names);
    for (const f of names) expect(readFileSync(join(dir, sub, f)).equals(readFileSync(join(ref, sub, f))), f).toBe(true);
  }
  expect(readFileSync(join(dir, 'metrics.csv'), 'utf8')).toBe(readFileSync(join(ref, 'metrics.csv'), 'utf8'));
}

// tmpfs sizes at which the run (~160 KiB without PNGs, ~260 KiB with) runs out of space while
// writing, in this order: a checkpoint slot, the checkpoint pointer, a VTI file, the manifest
const CASES: { size: string; scenario: string; what: string }[] = [
  { size: '60k', scenario: noPng, what: 'a checkpoint slot' },
  { size: '80k', scenario: noPng, what: 'the checkpoint pointer' },
  { size: '120k', scenario: withPng, what: 'a VTI file' },
  { size: '180k', scenario: withPng, what: 'the manifest' },
];

describe.skipIf(skip !== null)(`full and read-only disks${skip ? ` (skipped: ${skip})` : ''}`, () => {
  for (const c of CASES)
    it(`disk full (${c.size}, typically at ${c.what}): exit 3 naming the file, manifest failed when it can, last checkpoint kept; resumed with room, the same files`, async () => {
      const ref = await reference(c.scenario);
      const m = mount(c.size);
      const dir = join(m, 'run');
      const r = await cliIn(['run', c.scenario, '--out', dir, ...ARGS]);
      expect(r.code, r.err).toBe(3);
      expect(r.err).not.toMatch(STACK);
      const line = /^run failed: (cannot (write|append a row to) \/\S+\/run\/\S+: no space left on device \(ENOSPC\))$/m.exec(r.err);
      expect(line, r.err).not.toBeNull();
      const man = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
      if (man.status.state === 'failed') expect(man.status).toEqual({ state: 'failed', reason: line![1] });
      else {
        // not even the manifest fits: it says so, and the run stays resumable
        expect(man.status.state).toBe('running');
        expect(r.err).toMatch(/^the manifest still says 'running': cannot write \S+\/manifest\.json: no space left on device \(ENOSPC\)$/m);
      }
      console.log(`${c.size}: ${line![1]}; manifest ${man.status.state}`);
      expect(temps(dir)).toEqual([]);
      const ck = readCheckpoint(dir);
      expect(ck.state.time).toBeLessThan(0.08);

      remount(m, 'size=4m');
      const res = await cliIn(['resume', dir, ...ARGS]);
      expect(res.code, res.err).toBe(0);
      sameOutputs(dir, ref);
    });

  it('read-only file system: resume and run refuse with exit 2 naming the directory and the cause', async () => {
    const m = mount('1m');
    const dir = join(m, 'run');
    expect((await cliIn(['run', scenarioFile(smallScenario()), '--out', dir, ...ARGS, '--until', '0.02'])).code).toBe(0);
    remount(m, 'ro');
    const before = snapshot(dir);
    const r1 = await cliIn(['resume', dir, ...ARGS, '--until', '0.04']);
    expect(r1.code).toBe(2);
    expect(r1.err).toBe(`resume: cannot write in ${dir}: read-only file system (EROFS)`);
    const r2 = await cliIn(['run', scenarioFile(smallScenario()), '--out', join(m, 'other'), ...ARGS]);
    expect(r2.code).toBe(2);
    expect(r2.err).toBe(`--out: cannot write in ${join(m, 'other')}: read-only file system (EROFS)`);
    const r3 = await cliIn(['run', scenarioFile(smallScenario()), '--out', dir, ...ARGS, '--overwrite']);
    expect(r3.code).toBe(2);
    expect(r3.err).toMatch(/^--out: cannot write in \S+: read-only file system \(EROFS\)$/);
    expect(snapshot(dir)).toEqual(before);
    expect(existsSync(join(m, 'other'))).toBe(false);
  });
});
