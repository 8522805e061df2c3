/**
 * Output paths cannot leave the run directory: RunWriter resolves every file through safeJoin,
 * refuses output indices that are not plain numbers, and the checkpoint pointer can only name
 * one of the two slot files.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { RunWriter } from '../../src/io/run-output.ts';
import { CheckpointError, readCheckpoint } from '../../src/io/checkpoint.ts';
import { parseScenario } from '../../src/model/scenario.ts';
import { metricColumns } from '../../src/solver/metrics.ts';
import { smallScenario, tmp } from './helpers.ts';

function writer() {
  const root = tmp('paths');
  const dir = join(root, 'run');
  const s = parseScenario(smallScenario({ grid: { dims: 2, n: [8, 4], dx: '0.25 um' }, initial: { layer: '1 um' } }));
  const w = new RunWriter(dir, s, { groups: [], backend: 'cpu', device: 'test', warnings: [], argv: [] });
  return { root, dir, s, w };
}

describe('run directory paths', () => {
  it('RunWriter.resolveInRun refuses every path that leaves the run directory', () => {
    const { dir, w } = writer();
    for (const bad of [
      '..',
      '../x',
      '../../etc/passwd',
      'fields/../../x',
      'a/b/../../../x',
      '/etc/passwd',
      '/tmp',
      'C:\\Windows\\x',
      '\\\\server\\share\\x',
      `..${sep}x`,
    ]) {
      expect(() => w.resolveInRun(bad), bad).toThrow(/escapes|must be relative/);
    }
    for (const ok of ['fields/fields_0001.vti', 'a/../b', './manifest.json', 'checkpoint/ckpt-A.lidckpt', '...', '..a']) {
      const p = w.resolveInRun(ok);
      expect(p.startsWith(dir + sep) || p === dir, ok).toBe(true);
    }
  });

  it('writeOutput refuses output numbers that are not non-negative integers, and writes nothing outside', () => {
    const { root, dir, s, w } = writer();
    const N = s.grid.n[0] * s.grid.n[1];
    const f = { xi: new Float64Array(N), c: new Float64Array(N), psi: new Float64Array(N) };
    const row = Object.fromEntries(metricColumns(2).map((c) => [c, 0]));
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 60, '/../../../../../tmp/evil', '../../x'] as unknown[]) {
      expect(() => w.writeOutput(bad as number, 0, f, row), String(bad)).toThrow(/not a non-negative integer/);
    }
    w.writeOutput(3, 0.5, f, row);
    expect(readdirSync(join(dir, 'fields'))).toEqual(['fields_0003.vti']);
    expect(readdirSync(root)).toEqual(['run']);
  });

  it('the checkpoint pointer can only name a slot file inside checkpoint/', () => {
    const root = tmp('ptr');
    const dir = join(root, 'run');
    mkdirSync(join(dir, 'checkpoint'), { recursive: true });
    writeFileSync(join(root, 'outside.lidckpt'), 'not read');
    for (const file of ['../../outside.lidckpt', '/etc/passwd', 'ckpt-C.lidckpt', 'ckpt-A.lidckpt/../../x']) {
      writeFileSync(
        join(dir, 'checkpoint', 'latest.json'),
        JSON.stringify({ format: 'lidendrite-checkpoint-pointer', file, step: 0, time: 0 }),
      );
      expect(() => readCheckpoint(dir), file).toThrow(CheckpointError);
      expect(() => readCheckpoint(dir), file).toThrow(/not a valid checkpoint pointer/);
    }
  });
});
