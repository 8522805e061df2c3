/**
 * Every benchmark suite refuses bad options before any work: exit status 2, a message that names
 * the option, and no results file (bench/common.ts optionsOrReport, parseOut). A refused `--out`
 * matters most: a device run takes an hour and must not fail only when it writes at the end.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SUITES = ['cpu', 'gpu', 'imex', 'device', 'tolerance'];
const dir = mkdtempSync(join(tmpdir(), 'bench-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bench(args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'bench.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('benchmark options are checked before the run', { timeout: 600_000 }, () => {
  for (const suite of SUITES) {
    it(`${suite}: --out naming a folder, or a file in a missing folder, exits 2 naming --out and writes nothing`, () => {
      const asDir = bench([suite, '--out', dir]);
      expect(asDir.status).toBe(2);
      expect(asDir.out).toContain('--out must name a file');
      const missing = bench([suite, '--out', join(dir, 'no-such-folder', 'r.json')]);
      expect(missing.status).toBe(2);
      expect(missing.out).toMatch(/--out .*its folder .* does not exist/);
      expect(readdirSync(dir)).toEqual([]);
    });
  }
});
