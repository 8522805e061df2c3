/**
 * `lidendrite run --backend webgpu` writes the same outputs as `--backend cpu` (to f32
 * tolerance) for a small 2D and 3D scenario: same output times, same fields in the .vti files,
 * same metrics columns. Skipped (with the reason) when no WebGPU adapter exists.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeVti } from '../../src/io/vti.ts';
import { readCsv } from '../../src/io/csv.ts';
import { probeWebGpu } from './webgpu-env.ts';

const probe = await probeWebGpu();
const BIN = join(__dirname, '..', '..', 'bin', 'lidendrite.mjs');

function run(scenario: object, backend: string): string {
  const dir = mkdtempSync(join(tmpdir(), `lid-${backend}-`));
  const f = join(dir, 'scenario.json');
  writeFileSync(f, JSON.stringify(scenario));
  const out = join(dir, 'run');
  const r = spawnSync(process.execPath, [BIN, 'run', f, '--backend', backend, '--out', out, '--quiet', '--threads', '1'], {
    encoding: 'utf8',
    timeout: 300_000,
    env: process.env,
  });
  expect(r.status, r.stderr).toBe(0);
  return out;
}

const CASES = [
  {
    name: '2D',
    s: {
      name: 'cli-gpu-2d',
      grid: { dims: 2, n: [48, 24], dx: '0.25 um' },
      time: { end: '0.06 s', output: '0.03 s' },
      voltage: '-0.45 V',
      anisotropy: { delta: 0.04 },
      initial: { layer: '3 um', nuclei: [{ center: ['3 um', '3 um'], radius: '1.5 um' }] },
      noise: { amplitude: 0.04, seed: 9 },
      output: { png: false },
    },
  },
  {
    name: '3D',
    s: {
      name: 'cli-gpu-3d',
      grid: { dims: 3, n: [16, 12, 12], dx: '0.25 um' },
      time: { end: '0.02 s', output: '0.01 s' },
      voltage: '-0.3 V',
      anisotropy: { delta: 0.03 },
      boundary: { lateral: 'periodic' },
      initial: { layer: '1.5 um', nuclei: [{ center: ['1.5 um', '1.5 um', '1.5 um'], radius: '1 um' }] },
      noise: { amplitude: 0.02, seed: 4 },
      numerics: { sigmaContrastCap: 1e4 },
      output: { png: false },
    },
  },
];

describe.runIf(probe.ok)(
  `lidendrite run --backend webgpu = --backend cpu${probe.ok ? '' : ` (skipped: no WebGPU adapter: ${probe.reason})`}`,
  () => {
    for (const c of CASES) {
      it(`${c.name}: same output times, fields within f32 tolerance`, () => {
        const a = run(c.s, 'cpu'),
          b = run(c.s, 'webgpu');
        const ma = readCsv(join(a, 'metrics.csv')),
          mb = readCsv(join(b, 'metrics.csv'));
        expect(mb.map((r) => r.time_s)).toEqual(ma.map((r) => r.time_s));
        expect(JSON.parse(readFileSync(join(b, 'manifest.json'), 'utf8')).backend).toBe('webgpu');
        const last = `fields_${String(ma.length - 1).padStart(4, '0')}.vti`;
        const fa = decodeVti(readFileSync(join(a, 'fields', last))).fields;
        const fb = decodeVti(readFileSync(join(b, 'fields', last))).fields;
        const err = (k: string) => fa[k].reduce((m, v, i) => Math.max(m, Math.abs(v - fb[k][i])), 0);
        const e = { xi: err('xi'), c: err('c'), phi: err('phi') };
        console.log(
          `${c.name}: max |webgpu − cpu| after ${ma[ma.length - 1].step} steps: xi ${e.xi.toExponential(2)}, c ${e.c.toExponential(2)}, phi ${e.phi.toExponential(2)} V`,
        );
        // same bounds as the conformance body (f32 over ≤ ~40 steps): ξ 1e-4, c̃ 1e-4 of max, φ 1e-4/f V
        expect(e.xi).toBeLessThan(1e-4);
        expect(e.c).toBeLessThan(1e-4 * Math.max(1, ...fa.c));
        expect(e.phi).toBeLessThan(1e-4 / 38.69);
        expect(mb[mb.length - 1].step).toBe(ma[ma.length - 1].step);
      });
    }
  },
);
