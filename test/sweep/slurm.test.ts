/**
 * `lidendrite sweep --slurm` against a real single-node Slurm cluster (Debian's slurm-wlm and
 * munge, started by scripts/slurm-local.sh under a temp dir): the 2 x 2 sweep is submitted as a
 * job array, every array task runs its point, and the collected table equals the table of the
 * same sweep run on the local pool, bit for bit (CPU backend, one thread in both).
 *
 * Skipped, with the reason, only when Slurm cannot be installed (no apt-get, no root/sudo) or
 * when the daemons cannot run for lack of root; any other failure to start the cluster fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, DETERMINISTIC, readJson, ROOT, sleep, sweepFiles, tmp } from './helpers.ts';

const SCRIPT = join(ROOT, 'scripts', 'slurm-local.sh');
let clusterDir = '';
let env: NodeJS.ProcessEnv = process.env;
let skipReason: string | null = null;
let startError: string | null = null;

beforeAll(() => {
  clusterDir = tmp('cluster');
  // a port of its own, so two test runs on one machine do not meet
  const port = String(20000 + (process.pid % 20000) * 2);
  const t0 = Date.now();
  const r = spawnSync('bash', [SCRIPT, 'start', clusterDir], {
    encoding: 'utf8',
    env: { ...process.env, LIDENDRITE_SLURM_PORT: port },
    timeout: 550_000,
  });
  const msg = `${r.stderr ?? ''}${r.error ? ` (${r.error.message})` : ''}`.trim();
  if (r.status === 4) skipReason = msg;
  else if (r.status !== 0) startError = `scripts/slurm-local.sh start exited ${r.status ?? r.signal}: ${msg}`;
  else {
    const conf = /export SLURM_CONF=(\S+)/.exec(r.stdout)?.[1];
    if (!conf) startError = `scripts/slurm-local.sh start printed no SLURM_CONF: ${r.stdout}`;
    else env = { ...process.env, SLURM_CONF: conf };
    console.log(`slurm-local cluster up in ${Date.now() - t0} ms (${msg})`);
  }
}, 600_000);

afterAll(() => {
  if (clusterDir && !skipReason) spawnSync('bash', [SCRIPT, 'stop', clusterDir], { encoding: 'utf8', timeout: 60_000 });
});

describe('sweep on Slurm (single-node cluster)', () => {
  it('a job array runs every point; the collected table equals the local one bit for bit', async (ctx) => {
    if (skipReason) ctx.skip(`Slurm is not available: ${skipReason}`);
    if (startError) throw new Error(startError);
    const file = sweepFiles();
    const base = tmp('slurmrun');
    const sdir = join(base, 'slurm-out');
    const ldir = join(base, 'local-out');

    const t0 = Date.now();
    const sub = await cli(['sweep', file, '--slurm', '--out', sdir, ...DETERMINISTIC], { env });
    expect(sub.code, sub.err).toBe(0);
    const jobId = /submitted job (\d+): array 0-3 \(4 tasks\)/.exec(sub.out)?.[1];
    expect(jobId, sub.out).toBeDefined();
    expect(readJson(join(sdir, 'slurm', 'jobs.json'))).toEqual([expect.objectContaining({ jobId, array: '0-3', points: [0, 1, 2, 3] })]);
    expect(readFileSync(join(sdir, 'slurm', 'submit-001.sbatch'), 'utf8')).toContain('#SBATCH --array=0-3\n');

    // the same sweep on the local pool, while the array runs
    const local = await cli(['sweep', file, '--out', ldir, '--jobs', '2', ...DETERMINISTIC], { env });
    expect(local.code, local.err).toBe(0);

    // wait for every array task: all points finished or failed, and none left in the queue
    let status: { counts: Record<string, number>; points: { queue?: string; state: string }[]; squeue: string } | null = null;
    const deadline = Date.now() + 120_000;
    for (;;) {
      const st = await cli(['sweep', 'status', sdir, '--json'], { env });
      expect(st.code, st.err).toBe(0);
      status = JSON.parse(st.out);
      expect(status!.squeue).toBe('ok');
      const done = status!.counts.finished + status!.counts.failed === 4;
      if (done && status!.points.every((p) => !p.queue)) break;
      if (Date.now() > deadline) {
        const logs = readdirSync(join(sdir, 'slurm', 'logs'))
          .map((f) => `${f}:\n${readFileSync(join(sdir, 'slurm', 'logs', f), 'utf8').slice(-800)}`)
          .join('\n');
        throw new Error(`the array did not finish in 120 s: ${st.out}\n${logs}`);
      }
      await sleep(500);
    }
    console.log(`Slurm job ${jobId}: 4 array tasks done ${Date.now() - t0} ms after submission (local sweep ran meanwhile)`);
    const errs = [0, 1, 2, 3].map((i) => readFileSync(join(sdir, 'slurm', 'logs', `${jobId}_${i}.err`), 'utf8'));
    expect(status!.counts.finished, errs.join('\n')).toBe(4);
    for (let i = 0; i < 4; i++) {
      expect(readFileSync(join(sdir, 'slurm', 'logs', `${jobId}_${i}.out`), 'utf8')).toContain(
        `lidendrite sweep-task: job ${jobId}_${i} on `,
      );
    }

    for (const d of [sdir, ldir]) {
      const c = await cli(['sweep', 'collect', d, '--quiet'], { env });
      expect(c.code, c.err).toBe(0);
    }
    const sTable = readJson(join(sdir, 'collect.json'));
    const lTable = readJson(join(ldir, 'collect.json'));
    expect(sTable.columns).toEqual(lTable.columns);
    expect(sTable.rows.map((r: Record<string, unknown>) => [r.index, r.id, r.voltage, r['parameters.T']])).toEqual(
      lTable.rows.map((r: Record<string, unknown>) => [r.index, r.id, r.voltage, r['parameters.T']]),
    );
    for (let k = 0; k < 4; k++) {
      for (const m of sTable.metrics) expect(Object.is(sTable.rows[k][m], lTable.rows[k][m]), `${m} of point ${k}`).toBe(true);
    }
    // the CSV holds every double in its shortest round-trip form: equal text is equal bits
    expect(readFileSync(join(sdir, 'collect.csv'), 'utf8')).toBe(readFileSync(join(ldir, 'collect.csv'), 'utf8'));

    // submitting again has nothing left to do
    const again = await cli(['sweep', file, '--slurm', '--out', sdir, ...DETERMINISTIC], { env });
    expect(again.code).toBe(0);
    expect(again.out).toContain('all 4 points are finished or running; nothing to submit');
    expect(existsSync(join(sdir, 'slurm', 'submit-002.sbatch'))).toBe(false);
  }, 300_000);
});
