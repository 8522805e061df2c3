/**
 * `lidendrite run --browser --backend webgpu|webgl|cpu` (the backend in headless Chromium, the
 * solver loop and the writers in Node) writes the same run directory as a plain Node CPU run:
 * the same files, the same output times and step counts, fields within f32 tolerance (webgpu,
 * webgl) or to round-off (the browser's CPU backend runs the same f64 code). Skipped, with the
 * reason, where there is no Chromium.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chromiumMissingReason } from '../../src/browser/chromium.ts';
import { readCsv } from '../../src/io/csv.ts';
import { decodeVti } from '../../src/io/vti.ts';

const missing = chromiumMissingReason();
const BIN = join(__dirname, '..', '..', 'bin', 'lidendrite.mjs');

const SCENARIO = {
  name: 'run-browser',
  grid: { dims: 2, n: [32, 16], dx: '0.25 um' },
  time: { end: '0.05 s', output: '0.025 s' },
  voltage: '-0.45 V',
  anisotropy: { delta: 0.04 },
  boundary: { lateral: 'periodic' },
  initial: { layer: '2 um', nuclei: [{ center: ['2 um', '2.5 um'], radius: '1 um' }] },
  noise: { amplitude: 0.04, seed: 5 },
};

function run(args: string[]): { out: string; stdout: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lid-browser-'));
  const f = join(dir, 'scenario.json');
  writeFileSync(f, JSON.stringify(SCENARIO));
  const out = join(dir, 'run');
  const r = spawnSync(process.execPath, [BIN, 'run', f, '--out', out, ...args], { encoding: 'utf8', timeout: 300_000, env: process.env });
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  return { out, stdout: r.stdout };
}

function files(dir: string): string[] {
  const all: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else all.push(relative(dir, p));
    }
  };
  walk(dir);
  return all.sort();
}

// skipped only when there is no Chromium; the reason is in the suite's name
describe.skipIf(missing !== null)(`lidendrite run --browser = a Node run${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
  let ref: string | null = null;
  const reference = () => (ref ??= run(['--backend', 'cpu', '--threads', '1', '--quiet']).out);

  for (const backend of ['webgpu', 'webgl', 'cpu'] as const) {
    it(`--browser --backend ${backend}: same files, times and steps; fields within ${backend === 'cpu' ? 'round-off' : 'f32 tolerance'}`, () => {
      const a = reference();
      const { out: b, stdout } = run(['--browser', '--backend', backend]);
      expect(stdout).toMatch(/browser: headless Chromium/);
      expect(files(b)).toEqual(files(a));
      const man = JSON.parse(readFileSync(join(b, 'manifest.json'), 'utf8'));
      expect(man.backend).toBe(backend);
      expect(man.device).toMatch(/in headless Chromium$/);
      expect(man.status.state).toBe('finished');
      const ma = readCsv(join(a, 'metrics.csv')),
        mb = readCsv(join(b, 'metrics.csv'));
      expect(mb.map((r) => r.time_s)).toEqual(ma.map((r) => r.time_s));
      expect(mb.map((r) => r.step)).toEqual(ma.map((r) => r.step));
      const tol = backend === 'cpu' ? { xi: 1e-12, c: 1e-10, phi: 1e-12 } : { xi: 1e-4, c: 1e-4, phi: 1e-4 / 38.69 };
      for (const vti of files(a).filter((p) => p.endsWith('.vti'))) {
        const fa = decodeVti(readFileSync(join(a, vti))).fields,
          fb = decodeVti(readFileSync(join(b, vti))).fields;
        const err = (k: string) => fa[k].reduce((m, v, i) => Math.max(m, Math.abs(v - fb[k][i])), 0);
        const e = { xi: err('xi'), c: err('c'), phi: err('phi') };
        console.log(
          `${backend} in Chromium vs Node cpu, ${vti}: max |Δξ| ${e.xi.toExponential(2)}, |Δc̃| ${e.c.toExponential(2)}, |Δφ| ${e.phi.toExponential(2)} V`,
        );
        expect(e.xi).toBeLessThan(tol.xi);
        expect(e.c).toBeLessThan(tol.c * Math.max(1, ...fa.c));
        expect(e.phi).toBeLessThan(tol.phi);
      }
    });
  }
});
