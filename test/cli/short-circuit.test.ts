/**
 * Short circuit as an event (docs/short-circuit.md): a tiny 2D cell (12 µm gap, a nucleus on a
 * 2 µm layer at −0.45 V) grows metal across to the counter electrode in ~0.37 s. The run stops
 * there with exit 0 and a message, records short_circuit_s in the manifest and the metrics, and
 * `resume` has nothing to do; with stop.onShortCircuit: false it records the time and carries on
 * (through a checkpoint and a resume, keeping the time); sweeps collect it; the time-series
 * figure marks it.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.ts';
import { readCsv } from '../../src/io/csv.ts';
import { interfaceWidth } from '../../src/model/params.ts';
import { parseScenario, ScenarioError } from '../../src/model/scenario.ts';
import { timeseriesSpec } from '../../src/figures/timeseries.ts';
import { coefficients } from '../../src/model/derived.ts';
import { contactPosition } from '../../src/solver/deposit.ts';
import { cli, tmp } from '../sweep/helpers.ts';

const cell = (over: Record<string, unknown> = {}) => ({
  name: 'short',
  grid: { dims: 2, n: [48, 16], dx: '0.25 um' },
  time: { end: '2 s', output: '0.1 s' },
  voltage: '-0.45 V',
  initial: { layer: '2 um', nuclei: [{ center: ['2 um', '2 um'], radius: '1.5 um' }] },
  noise: { amplitude: 0, seed: 1 },
  output: { vti: false, png: false },
  ...over,
});

function file(obj: unknown): string {
  const f = join(mkdtempSync(join(tmpdir(), 'lid-short-')), 'scenario.json');
  writeFileSync(f, JSON.stringify(obj));
  return f;
}

/** runCli with console.log/warn captured. */
async function run(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const { log, warn, error } = console;
  console.log = console.warn = console.error = (...a: unknown[]) => lines.push(a.join(' '));
  try {
    const code = await runCli(argv, {});
    return { code, out: lines.join('\n') };
  } finally {
    Object.assign(console, { log, warn, error });
  }
}

const L = 48 * 0.25;
const w = interfaceWidth(parseScenario(cell()).parameters) * 1e6;

describe('short circuit', () => {
  it('stops the run at contact: exit 0, a message, short_circuit_s in the manifest and the metrics; resume has nothing to do', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lid-short-out-'));
    const r = await run(['run', file(cell()), '--backend', 'cpu', '--threads', '1', '--out', out, '--quiet']);
    expect(r.code, r.out).toBe(0);
    const man = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(man.status.state).toBe('finished');
    expect(man.stoppedBy).toBe('short circuit');
    const tShort = man.short_circuit_s as number;
    console.log(`short circuit at ${tShort} s (gap ${L - 2} µm, w = ${w} µm)`);
    expect(tShort).toBeGreaterThan(0.1);
    expect(tShort).toBeLessThan(2);
    expect(man.endTime).toBe(tShort);
    const rows = readCsv(join(out, 'metrics.csv'));
    const last = rows.at(-1)!;
    // the last output is the stop: the tip within w of the counter electrode, the time recorded
    expect(last.time_s).toBe(tShort);
    expect(last.short_circuit_s).toBe(tShort);
    expect(last.front_tip_um).toBeGreaterThanOrEqual(L - w);
    // every earlier row: no contact yet, and the tip short of it
    for (const row of rows.slice(0, -1)) {
      expect(row.short_circuit_s).toBeNaN();
      expect(row.front_tip_um).toBeLessThan(L - w);
    }
    // the message (quiet keeps it out: it goes to the log, so run again without --quiet)
    const again = await run(['run', file(cell()), '--backend', 'cpu', '--threads', '1', '--out', mkdtempSync(join(tmpdir(), 'lid-s-'))]);
    expect(again.out).toMatch(
      /short circuit at t = [\d.]+ s \(step \d+\): the metal reached x = [\d.]+ µm, at or beyond the contact position 11\.500 µm \(an interface width, or 1\.5 cells on a grid coarser than w\/1\.5, before the counter electrode\); the run stops here/,
    );
    const res = await run(['resume', out, '--threads', '1']);
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/stopped at the short circuit .* nothing to do/);
  });

  it('with stop.onShortCircuit: false it records the time, warns and carries on; the time survives a checkpoint and resume', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lid-short-go-'));
    const s = cell({ time: { end: '0.6 s', output: '0.1 s' }, stop: { onShortCircuit: false } });
    const f = file(s);
    const r1 = await run(['run', f, '--backend', 'cpu', '--threads', '1', '--out', out, '--until', '0.5', '--quiet']);
    expect(r1.code, r1.out).toBe(0);
    expect(r1.out).toMatch(/warning: short circuit at t = [\d.]+ s .* continuing as the scenario asks \(stop\.onShortCircuit: false\)/);
    const r2 = await run(['resume', out, '--threads', '1', '--quiet', '--until', '0.6']);
    expect(r2.code, r2.out).toBe(0);
    const man = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(man.status.state).toBe('finished');
    expect(man.endTime).toBeCloseTo(0.6, 12);
    expect(man.stoppedBy).toBeUndefined();
    const rows = readCsv(join(out, 'metrics.csv'));
    expect(rows.at(-1)!.time_s).toBeCloseTo(0.6, 12);
    const after = rows.filter((row) => Number.isFinite(row.short_circuit_s));
    expect(after.length).toBeGreaterThanOrEqual(3);
    // one time, recorded once, before or at the first row that shows it, kept through the resume
    for (const row of after) expect(row.short_circuit_s).toBe(after[0].short_circuit_s);
    expect(after[0].short_circuit_s).toBeLessThanOrEqual(after[0].time_s);
    expect(man.short_circuit_s).toBe(after[0].short_circuit_s);
  });

  it('contact is one interface width before the counter electrode, 1.5 cells on grids coarser than w/1.5', () => {
    const at = (dx: number, over: Record<string, unknown> = {}) => {
      const s = parseScenario(cell({ grid: { dims: 2, n: [48, 16], dx: `${dx} um` }, initial: { layer: '2 um' }, ...over }));
      return contactPosition(s, coefficients(s));
    };
    expect(at(0.25)).toBeCloseTo(12 - 0.5, 12);
    expect(at(0.5)).toBeCloseTo(24 - 0.75, 12);
    // hong2018 at dx = 1 µm: the face value ξ = 0 held the last cell below ½ and the tip at 199.03 µm
    expect(at(1)).toBeCloseTo(48 - 1.5, 12);
    expect(at(0.25, { boundary: { phi: { x1: { type: 'noflux' } } } })).toBeNull();
  });

  it('stop.onShortCircuit is validated: a boolean, and true only with a counter electrode', () => {
    const bad = (input: unknown) => {
      try {
        parseScenario(input);
        return '';
      } catch (e) {
        expect(e).toBeInstanceOf(ScenarioError);
        return (e as Error).message;
      }
    };
    expect(bad(cell({ stop: { onShortCircuit: 'yes' } }))).toMatch(/stop\.onShortCircuit: .*boolean/i);
    expect(bad(cell({ stop: { onShortCircuit: true, after: 1 } }))).toMatch(/stop: .*after/);
    expect(bad(cell({ stop: { onShortCircuit: true }, boundary: { phi: { x1: { type: 'noflux' } } } }))).toMatch(
      /stop\.onShortCircuit: needs a counter electrode at x = L_x \(boundary\.phi\.x1 dirichlet\)/,
    );
    expect(bad(cell({ stop: { onShortCircuit: false } }))).toBe('');
  });

  it('sweeps collect short_circuit_s per point, and the time-series figure marks it', async () => {
    const dir = tmp('short');
    writeFileSync(join(dir, 'base.json'), JSON.stringify(cell()));
    writeFileSync(
      join(dir, 'sweep.json'),
      JSON.stringify({
        name: 'short',
        base: 'base.json',
        axes: [{ path: 'voltage', values: ['-0.45 V', '-0.4 V'] }],
        metrics: ['short_circuit_s', 'xi_grown_mean'],
      }),
    );
    const out = join(dir, 'out');
    const r = await cli(['sweep', join(dir, 'sweep.json'), '--out', out, '--jobs', '1', '--threads', '1']);
    expect(r.code, r.err).toBe(0);
    const c = await cli(['sweep', 'collect', out]);
    expect(c.code, c.err).toBe(0);
    const table = JSON.parse(readFileSync(join(out, 'collect.json'), 'utf8'));
    const times = table.rows.map((row: Record<string, unknown>) => row.short_circuit_s as number);
    console.log(`sweep: short circuit at ${times.join(', ')} s for −0.45, −0.4 V`);
    for (const [k, row] of table.rows.entries()) {
      expect(row.state).toBe('finished');
      expect(times[k]).toBeGreaterThan(0);
      expect(row.time_s).toBe(times[k]);
      expect(row.xi_grown_mean).toBeGreaterThan(0.5);
      expect(row.xi_grown_mean).toBeLessThan(1);
    }
    // a lower drive takes longer to cross the same gap
    expect(times[1]).toBeGreaterThan(times[0]);

    const pointDir = join(out, 'points', table.rows[0].id);
    const spec = timeseriesSpec(parseScenario(cell()), readCsv(join(pointDir, 'metrics.csv'))) as {
      title: { subtitle: string[] };
      hconcat: { layer?: { mark: { type: string }; data: { values: { t: number }[] } }[] }[];
    };
    expect(spec.title.subtitle.join(' ')).toMatch(/short circuit at t = /);
    const rule = spec.hconcat[0].layer?.find((l) => l.mark.type === 'rule');
    expect(rule?.data.values[0].t).toBe(times[0]);
  });
});
