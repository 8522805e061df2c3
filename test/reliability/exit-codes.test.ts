/**
 * Every failure is one of the documented exit codes (README "Exit codes") with one line naming
 * the path or the setting and the cause; a stack trace only with --debug (issue 16 items 4 and 6):
 * an exception inside the run, a damaged metrics.csv on resume, a failure in the first step
 * (which names numerics.dtInitial; a too-long first step is otherwise redone shorter), and Dawn's Vulkan warnings that --quiet must not show.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../../src/backends/backend.ts';
import { probeWebGpu } from '../conformance/webgpu-env.ts';
import { cli, cliIn, scenarioFile, STACK, tinyScenario, tmp } from './helpers.ts';

const ARGS = ['--backend', 'cpu', '--threads', '1', '--quiet'];

afterEach(() => vi.restoreAllMocks());

/** A backend whose read() throws a TypeError (a bug, as far as the CLI knows). */
const broken = (b: Backend): Backend =>
  new Proxy(b, {
    get(target, key, recv) {
      if (key === 'read') return () => Promise.reject(new TypeError('boom: not a function'));
      const v = Reflect.get(target, key, recv);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });

describe('exit codes and messages', () => {
  it('an exception in the run: exit 3, one line, manifest failed; --debug adds the stack trace', async () => {
    for (const debug of [false, true]) {
      const d = join(tmp('boom'), 'run');
      const r = await cliIn(['run', scenarioFile(tinyScenario()), '--out', d, ...ARGS, ...(debug ? ['--debug'] : [])], {
        wrapBackend: broken,
      });
      expect(r.code).toBe(3);
      expect(r.err).toMatch(/^run failed: boom: not a function$/m);
      if (debug) expect(r.err).toMatch(STACK);
      else expect(r.err).not.toMatch(STACK);
      expect(JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')).status).toEqual({
        state: 'failed',
        reason: 'boom: not a function',
      });
    }
  });

  it('resume with a damaged metrics.csv header: exit 2, one line naming the file, nothing changed', async () => {
    const d = join(tmp('hdr'), 'run');
    expect((await cliIn(['run', scenarioFile(tinyScenario()), '--out', d, ...ARGS, '--until', '0.01'])).code).toBe(0);
    const csv = join(d, 'metrics.csv');
    writeFileSync(csv, readFileSync(csv, 'utf8').replace('time_s,step', 'time,step'));
    const before = readFileSync(csv, 'utf8');
    const r = await cliIn(['resume', d, ...ARGS, '--until', '0.02']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      new RegExp(
        `^${csv}: has the columns "time,step,.*" but this run writes "time_s,step,.*"; the file is damaged or from another version`,
      ),
    );
    expect(r.err.split('\n')).toHaveLength(1);
    expect(readFileSync(csv, 'utf8')).toBe(before);
    expect(readdirSync(join(d, 'fields'))).toHaveLength(2);
  });

  it('a first step longer than its rate allows is redone shorter; with no retry left the stop names numerics.dtInitial', async () => {
    // the step-acceptance rule (issue 12, docs/numerics-notes.md) rejects a step whose own rate moved ξ
    // by more than 2·maxDxiPerStep and redoes it at the step that rate allows: a too-long
    // numerics.dtInitial costs one redone step, not the run
    const cases: [Record<string, unknown>, string][] = [
      [{ voltage: '-0.8 V', numerics: { dtInitial: '0.05 s' } }, '0\\.05'],
      [{ numerics: { dtInitial: '0.5 s', dtMax: '0.5 s' } }, '0\\.5'],
    ];
    for (const [over, dt] of cases) {
      const n = over.numerics as Record<string, unknown>;
      const run = async (numerics: Record<string, unknown>) => {
        const s = tinyScenario({ ...over, numerics, time: { end: '1 s', output: '1 s' }, output: { png: false, vti: false } });
        return cliIn(['run', scenarioFile(s), '--out', join(tmp('dt'), 'run'), ...ARGS]);
      };
      const redone = await run(n);
      expect(redone.code, redone.err).toBe(0);
      expect(redone.err).toMatch(/warning: step 1 rejected .*the first step takes numerics\.dtInitial unchecked.*redone with dt = /);
      const stopped = await run({ ...n, maxRetries: 0 });
      expect(stopped.code).toBe(3);
      expect(stopped.err).toMatch(new RegExp(`step 1 rejected .*The first step takes numerics\\.dtInitial = ${dt} s`));
      expect(stopped.err).not.toMatch(/Reduce numerics\.dtMax/);
    }
  });

  it('--quiet: no Dawn/Vulkan warnings on stderr from a WebGPU run', async (ctx) => {
    const probe = await probeWebGpu();
    if (!probe.ok) return ctx.skip(`no WebGPU adapter: ${probe.reason}`);
    // as a user would start it: without the VK_ICD_FILENAMES the test environment sets
    const env = { ...process.env };
    delete env.VK_ICD_FILENAMES;
    const r = await cli(
      ['run', scenarioFile(tinyScenario()), '--out', join(tmp('quiet'), 'run'), '--backend', 'webgpu', '--quiet'],
      undefined,
      { env },
    );
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toMatch(/vkCreateInstance|VK_ERROR|Warning:/);
    expect(r.out).toBe('');
  });
});
