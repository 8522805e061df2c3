import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeVti } from '../../src/io/vti.ts';
import { readCsv } from '../../src/io/csv.ts';

const BIN = join(__dirname, '..', '..', 'bin', 'lidendrite.mjs');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function scenarioFile(obj: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'lid-cli-'));
  const f = join(dir, 'scenario.json');
  writeFileSync(f, JSON.stringify(obj));
  return f;
}

const tiny = {
  name: 'tiny',
  grid: { dims: 2, n: [48, 16], dx: '0.25 um' },
  time: { end: '0.04 s', output: '0.02 s' },
  voltage: '-0.45 V',
  initial: { layer: '3 um' },
  noise: { amplitude: 0.04, seed: 2 },
};

describe('lidendrite CLI', () => {
  it('run writes the VTI, PNG, metrics CSV and manifest of every output time', () => {
    const out = mkdtempSync(join(tmpdir(), 'lid-out-'));
    const r = cli(['run', scenarioFile(tiny), '--backend', 'cpu', '--out', out]);
    expect(r.err).not.toMatch(/run failed/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/derived groups/);
    const man = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(man.status.state).toBe('finished');
    expect(man.backend).toBe('cpu');
    expect(man.scenario.grid.dx).toBeCloseTo(0.25e-6, 18);
    expect(man.derived.length).toBeGreaterThan(5);
    expect(man.peakRssMiB).toBeGreaterThan(0);
    const rows = readCsv(join(out, 'metrics.csv'));
    expect(rows.map((r) => r.time_s)).toEqual([0, 0.02, 0.04]);
    // the front advances at -0.45 V (plating)
    expect(rows[2].front_mean_um).toBeGreaterThan(rows[0].front_mean_um);
    expect(readdirSync(join(out, 'fields')).sort()).toEqual(['fields_0000.vti', 'fields_0001.vti', 'fields_0002.vti']);
    const v = decodeVti(readFileSync(join(out, 'fields', 'fields_0002.vti')));
    expect(v.dims).toEqual([48, 16, 1]);
    expect(Object.keys(v.fields).sort()).toEqual(['c', 'phi', 'xi']);
    expect(v.fieldData.TIME).toBeCloseTo(0.04, 12);
    // φ is in volts: the electrode value at the left, 0 at the right
    expect(Math.min(...v.fields.phi)).toBeGreaterThan(-0.46);
    expect(Math.min(...v.fields.phi)).toBeLessThan(-0.4);
    for (const f of ['xi', 'c', 'phi']) expect(existsSync(join(out, 'png', `${f}_0002.png`))).toBe(true);
    expect(readdirSync(out).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it('refuses a bad scenario before any work, naming the field, with exit code 2', () => {
    const out = mkdtempSync(join(tmpdir(), 'lid-bad-'));
    const r = cli(['run', scenarioFile({ ...tiny, grid: { dims: 2, n: [48, 16], dx: 0 } }), '--out', join(out, 'x')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/grid\.dx: out of range: allowed > 1e-10/);
    expect(existsSync(join(out, 'x'))).toBe(false);
    expect(cli(['run', '/no/such/file.json']).code).toBe(2);
    expect(cli(['frobnicate', 'x']).code).toBe(2);
    expect(cli(['run', scenarioFile(tiny), '--backend', 'cuda']).err).toMatch(/--backend: "cuda" is not one of/);
  });

  it('check validates and prints the derived groups and the under-resolution warning', () => {
    const r = cli(['check', scenarioFile({ ...tiny, grid: { dims: 2, n: [48, 16], dx: '1 um' } })]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/exp\(αf\|V\|\)\s+60\d\d/);
    expect(r.out).toMatch(/warning: dx = 1\.00 µm > w\/2/);
  });
});
