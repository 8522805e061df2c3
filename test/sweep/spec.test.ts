/**
 * Sweep files: validation errors name the field (or the point and the field), expansion is a
 * cartesian product with stable ids, the Slurm script has what a job array needs, the sweep map
 * figure colours its cells with the colormap. No simulation runs here except in the CLI refusals.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { colorAt } from '../../src/io/colormap.ts';
import { parseSweep, pointId, rangeValues, SweepError, type SweepPlan } from '../../src/sweep/spec.ts';
import { arraySpec, checkSlurmOptions, jobScript } from '../../src/sweep/slurm.ts';
import { renderSweepMap } from '../../src/sweep/figure.ts';
import type { PlanFile } from '../../src/sweep/store.ts';
import { baseScenario, cli, sweepFiles, tmp } from './helpers.ts';

const AXES = [
  { path: 'voltage', values: ['-0.40 V', '-0.45 V'] },
  { path: 'parameters.T', range: { from: 290, to: 310, steps: 2 } },
];

function issues(raw: unknown, baseDir?: string): string[] {
  try {
    parseSweep(raw, { baseDir });
  } catch (e) {
    if (e instanceof SweepError) return e.issues;
    throw e;
  }
  return [];
}

describe('sweep file validation', () => {
  it('additive metrics resolve when every point carries the additive, and only then', () => {
    const axes = [{ path: 'voltage', values: ['-0.40 V', '-0.45 V'] }];
    const plan = parseSweep({
      name: 'a',
      base: { ...baseScenario(), additive: { concentration: '0.05 M' } },
      axes,
      metrics: ['additive_max', 'additive'],
    });
    expect(plan.metrics).toEqual(['additive_max', 'additive_mol_per_m']);
    expect(issues({ name: 'b', base: baseScenario(), axes, metrics: ['additive_max'] })).toEqual([
      expect.stringMatching(/^metrics\.0: "additive_max" is not a metrics\.csv column of a 2D run \(columns: /),
    ]);
  });

  it('names the field of every problem in the sweep itself', () => {
    expect(issues({ name: 'vt', base: baseScenario() })).toEqual(['axes: Required (got missing)']);
    const got = issues({
      name: 'v t',
      base: baseScenario(),
      extra: 1,
      axes: [
        { path: 'voltage', values: [1], range: { from: 0, to: 1, steps: 2, scale: 'log' } },
        { path: '__proto__.polluted', values: [1] },
        { path: 'noise.seed', values: [1, 1] },
        { path: 'parameters..T', values: [1] },
        { path: 'parameters.T', range: { from: 1, to: 2, steps: 1 } },
        { path: 'grid.dims', values: [3] },
      ],
    });
    expect(got).toEqual(
      expect.arrayContaining([
        'name: letters, digits, ".", "_" and "-" only (got "v t")',
        "sweep: Unrecognized key(s) in object: 'extra'",
        'axes.0.range: a log range needs from and to of the same sign, neither 0 (got from = 0, to = 1)',
        'axes.0: give either "values" (a list) or "range" ({from, to, steps})',
        'axes.1.path: "__proto__" is not a scenario field (got "__proto__.polluted")',
        'axes.2.values.1: 1 appears twice (got 1)',
        expect.stringMatching(/^axes\.3\.path: a dotted scenario path such as/),
        'axes.4.range.steps: Number must be greater than or equal to 2 (got 1)',
        expect.stringMatching(/^axes\.5\.path: grid\.dims cannot be swept/),
      ]),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(issues({ name: 'vt', base: baseScenario(), axes: AXES, metrics: ['front_tip', 'nope'] })).toEqual([
      expect.stringMatching(/^metrics\.1: "nope" is not a metrics\.csv column of a 2D run \(columns: time_s, /),
    ]);
    expect(issues({ name: 'vt', base: baseScenario(), axes: [{ path: 'noise.seed', values: [1, 2] }], seeds: [3] })).toEqual([
      'seeds: axis 0 already sets noise.seed; use one or the other',
    ]);
    expect(issues({ name: 'vt', base: baseScenario(), axes: [{ path: 'voltage.x', values: [1] }] })).toEqual([
      'axes.0.path: "voltage.x": voltage is "-0.45 V" in the base scenario, not an object',
    ]);
    expect(issues({ name: 'vt', base: 'missing.json', axes: AXES }, tmp('nobase'))).toEqual([
      expect.stringMatching(/^base: cannot read .*missing\.json/),
    ]);
  });

  it('refuses the whole sweep when one expanded point does not validate, naming the point and the field', () => {
    const got = issues({
      name: 'vt',
      base: baseScenario(),
      axes: [
        { path: 'voltage', values: ['-0.4 V', '5 V'] },
        { path: 'parameters.T', values: [300, 500] },
      ],
    });
    expect(got).toEqual([
      `point 1 (${pointId(1, { voltage: '-0.4 V', 'parameters.T': 500 })}: voltage=-0.4 V, parameters.T=500): parameters.T: out of range: allowed >= 200 and <= 400 K (got 500)`,
      expect.stringMatching(
        /^point 2 \(p0002-[0-9a-f]{10}: voltage=5 V, parameters\.T=300\): voltage: out of range: allowed >= -2 and <= 2 V \(got "5 V"\)$/,
      ),
      expect.stringMatching(/^point 3 \(p0003-[0-9a-f]{10}: voltage=5 V, parameters\.T=500\): voltage: out of range/),
      expect.stringMatching(/^point 3 \(p0003-[0-9a-f]{10}: voltage=5 V, parameters\.T=500\): parameters\.T: out of range/),
    ]);
    // a key the scenario schema does not know is refused by it, with the field
    expect(issues({ name: 'vt', base: baseScenario(), axes: [{ path: 'parameters.Tx', values: [300] }] })).toEqual([
      expect.stringMatching(/^point 0 \(p0000-[0-9a-f]{10}: parameters\.Tx=300\): parameters: Unrecognized key\(s\) in object: 'Tx'$/),
    ]);
  });

  it('the CLI refuses a bad sweep with exit code 2 before writing anything', async () => {
    const dir = tmp('badcli');
    const f = join(dir, 'sweep.json');
    writeFileSync(f, JSON.stringify({ name: 'vt', base: baseScenario(), axes: [{ path: 'voltage', values: ['-0.4 V', '9 V'] }] }));
    const r = await cli(['sweep', f, '--out', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/invalid sweep:\n {2}- point 1 \(p0001-[0-9a-f]{10}: voltage=9 V\): voltage: out of range/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    const r2 = await cli(['sweep', sweepFiles(), '--slurm', '--time', '1 hour', '--out', join(dir, 'out2')]);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/--time: "1 hour" is not a Slurm time limit/);
    expect(existsSync(join(dir, 'out2'))).toBe(false);
    expect((await cli(['sweep', sweepFiles(), '--partition', 'gpu'])).err).toMatch(/--partition needs --slurm/);
  });
});

describe('sweep expansion', () => {
  it('is the cartesian product (first axis slowest) with stable ids', () => {
    const plan = parseSweep({ name: 'vt', base: baseScenario(), axes: AXES });
    expect(plan.points.map((p) => p.coords)).toEqual([
      { voltage: '-0.40 V', 'parameters.T': 290 },
      { voltage: '-0.40 V', 'parameters.T': 310 },
      { voltage: '-0.45 V', 'parameters.T': 290 },
      { voltage: '-0.45 V', 'parameters.T': 310 },
    ]);
    // pinned: the id is p<index>-<sha256 of the canonical JSON of the point's coordinates>, so it
    // does not change between versions, machines, key order or base scenarios
    expect(plan.points.map((p) => p.id)).toEqual(['p0000-92e3d27420', 'p0001-f3799b6e7d', 'p0002-2bec354ae6', 'p0003-e791e242b3']);
    const reordered = parseSweep({
      axes: [
        { values: ['-0.40 V', '-0.45 V'], path: 'voltage' },
        { range: { steps: 2, to: 310, from: 290 }, path: 'parameters.T' },
      ],
      base: { ...baseScenario(), time: { end: 1, output: 0.5 } },
      name: 'other',
    });
    expect(reordered.points.map((p) => p.id)).toEqual(plan.points.map((p) => p.id));
    expect(pointId(3, { b: 1, a: 2 })).toBe(pointId(3, { a: 2, b: 1 }));
    // every point is a validated scenario named after the sweep and the point, with the values set (in SI)
    expect(plan.points[3].scenario.voltage).toBeCloseTo(-0.45, 12);
    expect(plan.points[3].scenario.parameters.T).toBe(310);
    expect(plan.points[3].scenario.name).toBe('vt-p0003-e791e242b3');
    expect(plan.points[3].input.parameters).toEqual({ T: 310 });
    expect(plan.metrics).toEqual(['front_tip_um', 'front_mean_um', 'interface_length_um', 'li_total_mol_per_m', 'i_faradaic_A_per_m']);
  });

  it('ranges: linear and log, end points exact, optional unit; seeds add a last axis', () => {
    expect(rangeValues({ from: -0.3, to: -0.5, steps: 5, scale: 'linear' })).toEqual([-0.3, -0.35, -0.4, -0.45, -0.5]);
    expect(rangeValues({ from: 1e-3, to: 1e-1, steps: 3, scale: 'log' })).toEqual([0.001, 0.01, 0.1]);
    expect(rangeValues({ from: -400, to: -450, steps: 2, scale: 'linear', unit: 'mV' })).toEqual(['-400 mV', '-450 mV']);
    const plan = parseSweep({
      name: 's',
      base: baseScenario(),
      axes: [{ path: 'parameters.c0', range: { from: 500, to: 2000, steps: 3, scale: 'log' } }],
      seeds: [7, 8],
    });
    expect(plan.axes.map((a) => a.path)).toEqual(['parameters.c0', 'noise.seed']);
    expect(plan.points.map((p) => [p.scenario.parameters.c0, p.scenario.noise.seed])).toEqual([
      [500, 7],
      [500, 8],
      [1000, 7],
      [1000, 8],
      [2000, 7],
      [2000, 8],
    ]);
    // list entries can be indexed (grid.n.1: the lateral size)
    expect(
      parseSweep({ name: 's', base: baseScenario(), axes: [{ path: 'grid.n.1', values: [8, 16] }] }).points.map((p) => p.scenario.grid.n),
    ).toEqual([
      [48, 8, 1],
      [48, 16, 1],
    ]);
  });
});

describe('Slurm job script', () => {
  const plan = (): PlanFile => {
    const p: SweepPlan = parseSweep({ name: 'vt', base: baseScenario(), axes: AXES });
    return {
      format: 'lidendrite-sweep',
      version: 1,
      name: p.name,
      source: null,
      createdAt: '',
      dims: 2,
      axes: p.axes,
      metrics: p.metrics,
      points: p.points.map((x) => ({ index: x.index, id: x.id, coords: x.coords })),
    };
  };
  it('one array task per point, per-task output files, the options given', () => {
    expect(arraySpec([0, 1, 2, 3])).toBe('0-3');
    expect(arraySpec([7, 0, 2, 3, 4])).toBe('0,2-4,7');
    const s = jobScript('/tmp/sweep-x', plan(), [0, 1, 2, 3], {
      partition: 'gpu',
      gpusPerTask: '1',
      time: '01:00:00',
      threads: 4,
      dryRun: false,
      backend: 'webgpu',
    });
    expect(s).toMatch(/^#!\/bin\/bash\n/);
    for (const line of [
      '#SBATCH --array=0-3',
      '#SBATCH --output=/tmp/sweep-x/slurm/logs/%A_%a.out',
      '#SBATCH --error=/tmp/sweep-x/slurm/logs/%A_%a.err',
      '#SBATCH --cpus-per-task=4',
      '#SBATCH --partition=gpu',
      '#SBATCH --gpus-per-task=1',
      '#SBATCH --time=01:00:00',
    ])
      expect(s).toContain(line);
    expect(s).toMatch(
      /exec "\$NODE" '.*\/bin\/lidendrite\.mjs' sweep-task '\/tmp\/sweep-x' "\$SLURM_ARRAY_TASK_ID" --threads 4 --backend 'webgpu'\n/,
    );
    expect(checkSlurmOptions({ time: '2-00:00:00', gpusPerTask: 'a100:2', partition: 'gpu-long', dryRun: false })).toEqual([]);
    expect(checkSlurmOptions({ time: '1h', gpusPerTask: '1;rm', partition: 'a b', dryRun: false })).toHaveLength(3);
    expect(() => jobScript('/tmp/with space', plan(), [0], { dryRun: false })).toThrow(/cannot go into an #SBATCH line/);
  });

  it('--slurm --dry-run writes the scenarios and the script and prints the sbatch command', async () => {
    const out = join(tmp('dry'), 'out');
    const r = await cli(['sweep', sweepFiles(), '--slurm', '--dry-run', '--out', out, '--partition', 'debug']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`sbatch --parsable ${join(out, 'slurm', 'submit-001.sbatch')}`);
    expect(readFileSync(join(out, 'slurm', 'submit-001.sbatch'), 'utf8')).toContain('#SBATCH --array=0-3\n');
    expect(existsSync(join(out, 'points', 'p0003-e791e242b3', 'scenario.json'))).toBe(true);
    expect(existsSync(join(out, 'slurm', 'jobs.json'))).toBe(false);
  });
});

describe('sweep map figure', () => {
  it('colours each cell by its value with the colormap, marks missing values, labels the axes', () => {
    const { png, layout } = renderSweepMap({
      title: 'vt: front_tip_um',
      xLabel: 'voltage',
      xTicks: ['-0.40 V', '-0.45 V'],
      yLabel: 'parameters.T',
      yTicks: ['290', '310'],
      values: [
        [1, 2],
        [3, NaN],
      ],
      metric: 'front_tip_um',
    });
    const img = PNG.sync.read(Buffer.from(png));
    expect([img.width, img.height]).toEqual([layout.width, layout.height]);
    const px = (x: number, y: number) => [...img.data.subarray(4 * (y * img.width + x), 4 * (y * img.width + x) + 3)];
    const corner = (ix: number, iy: number) => {
      const c = layout.cells[iy][ix];
      return px(c.x + 3, c.y + 3);
    };
    expect(corner(0, 0)).toEqual(colorAt('viridis', 0)); // minimum
    expect(corner(0, 1)).toEqual(colorAt('viridis', 1)); // maximum
    expect(corner(1, 0)).toEqual(colorAt('viridis', Math.round(0.5 * 255) / 255)); // the 256-entry table's middle
    expect(corner(1, 1)).toEqual([255, 0, 255]); // missing
    // row 0 is drawn below row 1
    expect(layout.cells[0][0].y).toBeGreaterThan(layout.cells[1][0].y);
  });
});
