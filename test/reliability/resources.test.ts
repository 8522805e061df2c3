/**
 * Resources checked before anything is allocated or written (issue 16 item 5): --threads is
 * capped at the cores this process may use, with a message; the memory estimate (bytes per cell
 * measured by bench/memory.ts) covers a real run, and `check` and `run` refuse a grid that does
 * not fit in the available memory (exit 2, the sizes named, nothing written) unless
 * --skip-memory-check; on WebGPU a grid beyond the adapter's buffer limits is refused before
 * the backend allocates.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { RefusedError } from '../../src/cli/errors.ts';
import { availableMemory, BYTES_PER_CELL, capThreads, checkMemory, memoryEstimate } from '../../src/cli/resources.ts';
import { parseScenario } from '../../src/model/scenario.ts';
import { probeWebGpu } from '../conformance/webgpu-env.ts';
import { cli, cliIn, scenarioFile, STACK, smallScenario, tinyScenario, tmp } from './helpers.ts';

const GiB = 2 ** 30;
const huge = tinyScenario({ grid: { dims: 2, n: [16384, 16384], dx: '0.25 um' } });

describe('resources', () => {
  it('--threads above the available cores is capped at them, with a message', async () => {
    const cores = availableParallelism();
    const d = join(tmp('threads'), 'run');
    const r = await cliIn(['run', scenarioFile(tinyScenario()), '--out', d, '--backend', 'cpu', '--threads', '256', '--quiet']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(
      `warning: --threads 256: ${cores} core${cores === 1 ? ' is' : 's are'} available to this process; using ${cores}`,
    );
    const man = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8'));
    expect(man.device).toBe(cores > 1 ? `CPU (f64, ${cores} threads)` : 'CPU (f64, serial)');
    const notes: string[] = [];
    expect(capThreads(3, (m) => notes.push(m), 8)).toBe(3);
    expect(capThreads(undefined, (m) => notes.push(m), 8)).toBeUndefined();
    expect(notes).toEqual([]);
  });

  it('the memory estimate grows with the cells and the additive, and is refused against a given budget', () => {
    const s = (n: number[], over: Record<string, unknown> = {}) =>
      parseScenario(tinyScenario({ grid: { dims: n.length, n, dx: '0.25 um' }, ...over }));
    const a = memoryEstimate(s([512, 512]), 'cpu');
    const b = memoryEstimate(s([1024, 1024]), 'cpu');
    expect(b.hostBytes - a.hostBytes).toBe((b.cells - a.cells) * BYTES_PER_CELL.cpu.host[2]);
    const add = memoryEstimate(s([512, 512], { additive: { concentration: '0.05 M' } }), 'cpu');
    expect(add.hostBytes).toBeGreaterThan(a.hostBytes);
    const g = memoryEstimate(s([512, 512]), 'webgpu');
    expect(g.deviceBytes).toBeGreaterThan(100 * g.cells);
    const budget = { bytes: 1 * GiB, source: 'a test budget' };
    expect(checkMemory(s([512, 512]), 'cpu', { skip: false, threads: 1 }, budget)).toMatch(
      /^memory: about \d+ MiB of host memory for 262144 cells on the cpu backend; 1\.0 GiB available \(a test budget\)$/,
    );
    const big = s([4096, 4096]);
    expect(() => checkMemory(big, 'cpu', { skip: false }, budget)).toThrow(RefusedError);
    expect(() => checkMemory(big, 'auto', { skip: false }, budget)).toThrow(
      /^memory: the 4096 x 4096 grid needs about \d+\.\d GiB of host memory on the cpu backend \(auto falls back to it\), and 1\.0 GiB is available \(a test budget\); use a smaller grid, or --skip-memory-check to try anyway$/,
    );
    expect(checkMemory(big, 'cpu', { skip: true }, budget)).toMatch(/GiB of host memory/);
  });

  it('the CPU estimate covers a real run (peak RSS of a run that writes outputs and a checkpoint)', async () => {
    const sc = smallScenario({ grid: { dims: 2, n: [512, 256], dx: '0.25 um' }, output: { png: true } });
    const d = join(tmp('rss'), 'run');
    const r = await cli(['run', scenarioFile(sc), '--out', d, '--backend', 'cpu', '--until', '0.0003', '--quiet']);
    expect(r.code, r.err).toBe(0);
    const peak = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')).peakRssMiB * 2 ** 20;
    const est = memoryEstimate(parseScenario(sc), 'cpu', availableParallelism()).hostBytes;
    console.log(`512 x 256 on the cpu backend: peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB, estimate ${(est / 2 ** 20).toFixed(0)} MiB`);
    expect(peak).toBeLessThanOrEqual(est);
    expect(peak).toBeGreaterThan(0.6 * est);
  });

  it('check and run refuse a grid that does not fit in the available memory: exit 2, nothing allocated or written', async (ctx) => {
    const need = memoryEstimate(parseScenario(huge), 'cpu', availableParallelism()).hostBytes;
    const have = availableMemory().bytes;
    if (need <= have)
      ctx.skip(`this machine has ${(have / GiB).toFixed(0)} GiB available: a 16384² grid (${(need / GiB).toFixed(0)} GiB) fits`);
    const f = scenarioFile(huge);
    const rss0 = process.memoryUsage().rss;
    const c = await cliIn(['check', f]);
    expect(c.code).toBe(2);
    expect(c.err).toMatch(
      /^memory: the 16384 x 16384 grid needs about 1\d\d\.\d GiB of host memory on the cpu backend \(auto falls back to it\), and [\d.]+ GiB is available \(/,
    );
    expect(c.err).not.toMatch(STACK);
    const d = join(tmp('huge'), 'run');
    const r = await cliIn(['run', f, '--out', d, '--backend', 'cpu']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/needs about 1\d\d\.\d GiB of host memory on the cpu backend, and/);
    expect(existsSync(d)).toBe(false);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(256 * 2 ** 20);
    // check allocates nothing: with the override it validates the rest and says so
    const o = await cliIn(['check', f, '--skip-memory-check']);
    expect(o.code).toBe(0);
    expect(o.out).toMatch(/scenario OK/);
  });

  it('webgpu: a grid beyond the adapter buffer limits is refused before allocating (exit 2, nothing written)', async (ctx) => {
    const probe = await probeWebGpu();
    if (!probe.ok) return ctx.skip(`no WebGPU adapter: ${probe.reason}`);
    const { acquireAdapter } = await import('../../src/backends/webgpu/device.ts');
    const lim = (await acquireAdapter()).adapter.limits;
    // the 4-channel f32 fields (16 bytes per cell) in one buffer: one row of 8192 cells past the limit
    const limit = Math.min(lim.maxBufferSize, lim.maxStorageBufferBindingSize);
    const rows = Math.ceil((limit / 16 + 1) / 8192);
    if (8192 * rows > 2 ** 28) return ctx.skip(`the adapter allows ${limit} bytes per buffer: no valid grid exceeds it`);
    const sc = tinyScenario({ grid: { dims: 2, n: [8192, rows], dx: '0.25 um' } });
    const d = join(tmp('gpulimit'), 'run');
    const r = await cli(['run', scenarioFile(sc), '--out', d, '--backend', 'webgpu', '--skip-memory-check', '--quiet']);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/^--backend webgpu: .*exceeds (maxBufferSize|maxStorageBufferBindingSize)/m);
    expect(r.err).not.toMatch(STACK);
    expect(existsSync(d)).toBe(false);
  });
});
