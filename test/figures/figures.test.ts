/**
 * `lidendrite figures` and its rendering path: Vega-Lite → vega SVG → resvg PNG with real text;
 * the quick CLI writes SVG + PNG + the index, reuses its runs, refuses unknown figure ids; the
 * figure numbers come from the computations they plot (Tafel slope, lithium balance).
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import * as vega from 'vega';
import { renderFigure, specToSvg, specToSvgSync, textRenders } from '../../src/figures/render.ts';
import { morphologySpec } from '../../src/figures/morphology.ts';
import { tafelCurve } from '../../src/figures/tafel.ts';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'lidendrite.mjs');

function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((res) => {
    const c = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '',
      err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (code) => res({ code, out, err }));
  });
}

/** Dark pixels (any channel < 100) inside a rectangle of a PNG. */
function darkPixels(png: PNG, x0 = 0, y0 = 0, x1 = png.width, y1 = png.height): number {
  let n = 0;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const o = 4 * (y * png.width + x);
      if (png.data[o] < 100 && png.data[o + 1] < 100 && png.data[o + 2] < 100) n++;
    }
  return n;
}

const lineSpec = {
  title: 'Li deposit',
  width: 200,
  height: 100,
  data: {
    values: [
      { t: 0, x: 1 },
      { t: 1, x: 2 },
    ],
  },
  mark: 'line',
  encoding: { x: { field: 't', type: 'quantitative', title: 'time (s)' }, y: { field: 'x', type: 'quantitative', title: 'front (µm)' } },
};

describe('figure rendering', () => {
  it('vega draws the axes and text; resvg turns the text into pixels with the system fonts', async () => {
    expect(textRenders()).toBe(true);
    const f = await renderFigure(lineSpec);
    expect(f.svg).toContain('time (s)');
    expect(f.svg).toContain('front (µm)');
    expect(f.svg).toMatch(/role-axis/);
    const png = PNG.sync.read(Buffer.from(f.png));
    const w = Number(/width="(\d+)"/.exec(f.svg)![1]);
    expect(png.width).toBe(2 * w); // PNGs are rendered at twice the SVG size
    // the title sits in the top band: no data there, only glyphs
    expect(darkPixels(png, 0, 0, png.width, 30)).toBeGreaterThan(50);
  });

  it("the synchronous SVG path gives the same SVG as vega's toSVG()", async () => {
    const norm = (s: string) => s.replace(/clip\d+/g, 'clip');
    vega.resetSVGDefIds();
    const a = await specToSvg(lineSpec);
    const b = specToSvgSync(lineSpec).svg;
    expect(norm(b)).toBe(norm(a));
  });

  it('morphology panels embed the ξ map as an image with axes in µm; 3D without a surface renderer falls back to the mid-plane', async () => {
    const nx = 16,
      ny = 8,
      nz = 4;
    const xi2 = new Float64Array(nx * ny).map((_, q) => (q % nx < 5 ? 1 : 0));
    const xi3 = new Float64Array(nx * ny * nz).map((_, q) => (q % nx < 7 ? 1 : 0));
    const spec = await morphologySpec(
      't',
      ['s'],
      [
        { label: 'two', xi: xi2, n: [nx, ny, 1], dx: 0.25e-6, dims: 2 },
        { label: 'three', xi: xi3, n: [nx, ny, nz], dx: 0.25e-6, dims: 3 },
      ],
    );
    const f = await renderFigure(spec);
    expect((f.svg.match(/<image /g) ?? []).length).toBe(2);
    expect(f.svg).toContain('data:image/png;base64,');
    expect(f.svg).toContain('x, growth direction (µm)');
    expect(f.svg).toContain('three (z mid-plane slice)');
  });

  it('the Tafel figure data: slope within 2 % of ln10/(αf)', () => {
    const r = tafelCurve([-0.15, -0.2, -0.25], { seconds: 1 });
    console.log(`tafel (quick): slope ${r.slope.toFixed(2)} mV/decade vs ${r.slopeTheory.toFixed(2)}`);
    expect(Math.abs(r.slope / r.slopeTheory - 1)).toBeLessThan(0.02);
  });
});

describe('lidendrite figures --quick', () => {
  it('writes SVG + PNG + the index, reuses its runs the second time and keeps the other figures in the index', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lidendrite-figures-'));
    const out = join(dir, 'figs'),
      runs = join(dir, 'runs');
    const args = ['figures', '--quick', '--only', 'timeseries,tafel,bench', '--out', out, '--runs', runs];
    const r1 = await cli(args);
    expect(r1.code, r1.err).toBe(0);
    for (const id of ['timeseries-default', 'tafel', 'bench']) {
      const png = PNG.sync.read(readFileSync(join(out, `${id}.png`)));
      expect(png.width).toBeGreaterThan(400);
      expect(darkPixels(png)).toBeGreaterThan(500);
      const svg = readFileSync(join(out, `${id}.svg`), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
    }
    expect(readFileSync(join(out, 'timeseries-default.svg'), 'utf8')).toContain('default-quick');
    expect(readFileSync(join(out, 'bench.svg'), 'utf8')).toContain('not GPU speed');
    const index = readFileSync(join(dir, 'figs.md'), 'utf8');
    expect(index).toContain('npx lidendrite figures');
    expect(index).toContain('--only tafel');
    expect(existsSync(join(runs, 'default-quick', 'metrics.csv'))).toBe(true);
    const r2 = await cli(['figures', '--quick', '--only', 'timeseries', '--out', out, '--runs', runs]);
    expect(r2.code, r2.err).toBe(0);
    expect(r2.out).toContain('reusing the finished run');
    // the index still lists the figures the second call did not make
    const index2 = readFileSync(join(dir, 'figs.md'), 'utf8');
    for (const id of ['timeseries-default', 'tafel', 'bench']) expect(index2).toContain(`--only ${id}\``);
  }, 300_000); // wall time on a loaded 2-core machine

  it('refuses an unknown figure id before doing anything (exit 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lidendrite-figures-'));
    const r = await cli(['figures', '--only', 'nope', '--out', join(dir, 'f')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--only: "nope" is not a figure');
    expect(existsSync(join(dir, 'f'))).toBe(false);
  });
});
