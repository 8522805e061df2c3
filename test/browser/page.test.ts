/**
 * The browser page (examples/browser/index.html) end to end in headless Chromium: a fixed-seed
 * 2D scenario opened from the URL on ?backend=webgpu and ?backend=webgl, N steps, then the
 * screenshot of the 2D map is checked against the fields the page computed (the metal colour
 * covers the ξ > 0.5 area, the white contour lies on the ξ = 0.5 line); a small 3D scenario's
 * surface is lit and shaded; invalid input in the form shows the CLI's ScenarioError message.
 * Also: auto's fallback log on the page, exports, the current-density map, run / pause, and (in
 * Node) the page's fallback when a forced backend cannot start.
 * Nothing compared depends on a clock: fixed seeds, a fixed number of steps.
 * Skipped, with the reason, where there is no Chromium.
 */
import { PNG } from 'pngjs';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_2D, DEMO_3D } from '../../src/app/demo-scenarios.ts';
import { CONTROLS, withValue } from '../../src/app/controls.ts';
import { selectBackend } from '../../src/app/engine.ts';
import { decodeScenarioHash, encodeScenarioHash } from '../../src/app/url-state.ts';
import { chromiumMissingReason, startBrowserSession, type BrowserSession } from '../../src/browser/chromium.ts';
import { decodeWire } from '../../src/browser/wire.ts';
import { decodeVti } from '../../src/io/vti.ts';
import { parseScenario, type ScenarioError } from '../../src/model/scenario.ts';
import { contourSegments } from '../../src/render/contour.ts';
import { mapStats, surfaceStats, tableIndex, type Pixels } from '../../src/render/pixel-stats.ts';
import { SURFACE_BACKGROUND } from '../../src/render/surface-view.ts';

const missing = chromiumMissingReason();
const READY = 'window.lidendriteApp?.ready === true';
const STEPS_2D = 40;
const STEPS_3D = 12;

type Status = Awaited<ReturnType<NonNullable<Window['lidendriteApp']>['status']>>;
type Layout = ReturnType<NonNullable<Window['lidendriteApp']>['layout']>;

async function openApp(ses: BrowserSession, backend: string, scenario: unknown): Promise<Page> {
  return ses.open(`/examples/browser/?backend=${backend}#${encodeScenarioHash(scenario)}`, READY);
}

const status = (page: Page): Promise<Status> => page.evaluate(() => window.lidendriteApp!.status());
const layout = (page: Page): Promise<Layout> => page.evaluate(() => window.lidendriteApp!.layout());

async function shot(page: Page, clip: { x: number; y: number; width: number; height: number }): Promise<Pixels> {
  const bytes = await page.screenshot({ clip, type: 'png', captureBeyondViewport: false });
  const png = PNG.sync.read(Buffer.from(bytes));
  return { width: png.width, height: png.height, data: png.data };
}

/** Steps the page, then checks its 2D ξ map against its own fields. */
async function checkMap2d(
  page: Page,
): Promise<{ metal: number; pixels: number; white: number; offContour: number; aboveFraction: number }> {
  await page.evaluate((n) => window.lidendriteApp!.stepN(n), STEPS_2D);
  const st = await status(page);
  expect(st.error).toBeNull();
  expect(st.step).toBe(STEPS_2D);
  const f = decodeWire(await page.evaluate(() => window.lidendriteApp!.fields())) as { xi: Float64Array };
  const [nx, ny] = DEMO_2D.grid.n;
  expect(f.xi.length).toBe(nx * ny);
  const metal = f.xi.filter((v) => v > 0.5).length / f.xi.length;
  // the deposit is partial: a test of the classification needs both colours on the map
  expect(metal).toBeGreaterThan(0.1);
  expect(metal).toBeLessThan(0.6);
  const lay = await layout(page);
  const m = lay.map!.map;
  const px = await shot(page, { x: lay.mapCanvas.x + m.x, y: lay.mapCanvas.y + m.y, width: m.w, height: m.h });
  const stats = mapStats(px, 'viridis', 0.5);
  // not blank, nearly all of the frame is map colour (the rest: the contour)
  expect(stats.lumaStd).toBeGreaterThan(20);
  expect(stats.mapPixels).toBeGreaterThan(0.9 * m.w * m.h);
  // the metal colour covers the ξ > 0.5 area: cells are whole pixel blocks (nearest filter),
  // so the two fractions differ only by the contour's pixels and block edges
  expect(Math.abs(stats.aboveFraction - metal)).toBeLessThan(0.02);
  // every cell's centre pixel shows the colour of that cell's own ξ (position and orientation
  // of the map: a flipped or shifted picture fails here); pixels under the contour are skipped
  const ppc = m.w / nx;
  let checked = 0,
    wrong = 0;
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++) {
      const x = Math.floor((i + 0.5) * ppc),
        y = Math.floor((ny - j - 0.5) * ppc);
      const o = 4 * (y * px.width + x);
      const t = tableIndex('viridis', px.data[o], px.data[o + 1], px.data[o + 2]);
      if (t === null) continue;
      checked++;
      if (Math.abs(t - Math.min(1, Math.max(0, f.xi[i + nx * j]))) > 3 / 255) wrong++;
    }
  expect(checked).toBeGreaterThan(0.95 * nx * ny);
  expect(wrong).toBe(0);
  // the contour: white pixels, about two per pixel of line length, all on the ξ = 0.5 line
  const dx = 0.25;
  const seg = contourSegments({ data: f.xi, nx, ny, spacing: dx, origin: [dx / 2, dx / 2] }, 0.5);
  const ppu = m.w / (nx * dx);
  let lengthPx = 0;
  for (let s = 0; s < seg.length; s += 4) lengthPx += Math.hypot(seg[s + 2] - seg[s], seg[s + 3] - seg[s + 1]) * ppu;
  expect(stats.white.length).toBeGreaterThan(1.0 * lengthPx);
  expect(stats.white.length).toBeLessThan(4.0 * lengthPx);
  let offContour = 0;
  for (const w of stats.white) {
    // pixel centre in µm, y up from the map's bottom edge
    const x = (w.x + 0.5) / ppu,
      y = (m.h - w.y - 0.5) / ppu;
    let best = Infinity;
    for (let s = 0; s < seg.length; s += 4) best = Math.min(best, distToSegment(x, y, seg[s], seg[s + 1], seg[s + 2], seg[s + 3]));
    if (best * ppu > 2.5) offContour++;
  }
  expect(offContour).toBe(0);
  return { metal, pixels: m.w * m.h, white: stats.white.length, offContour, aboveFraction: stats.aboveFraction };
}

function distToSegment(px: number, py: number, x0: number, y0: number, x1: number, y1: number): number {
  const vx = x1 - x0,
    vy = y1 - y0;
  const L2 = vx * vx + vy * vy;
  const t = L2 > 0 ? Math.min(1, Math.max(0, ((px - x0) * vx + (py - y0) * vy) / L2)) : 0;
  return Math.hypot(px - x0 - t * vx, py - y0 - t * vy);
}

// skipped only when there is no Chromium; the reason is in the suite's name
describe.skipIf(missing !== null)(`browser page (headless Chromium)${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
  let ses: BrowserSession;
  beforeAll(async () => {
    ses = await startBrowserSession({ path: '/src/browser/host.html', viewport: { width: 1300, height: 850 } });
  });
  afterAll(async () => {
    await ses?.close();
  });

  it('2D on ?backend=webgpu: the map shows the metal where ξ > 0.5 and the ξ = 0.5 contour', async () => {
    const page = await openApp(ses, 'webgpu', DEMO_2D);
    const st = await status(page);
    expect(st.backend, st.log.join('\n')).toBe('webgpu');
    // the scenario came through the URL unchanged
    expect(await page.evaluate(() => window.lidendriteApp!.scenario())).toEqual(DEMO_2D);
    const r = await checkMap2d(page);
    console.log(
      `webgpu 2D after ${STEPS_2D} steps: ξ > 0.5 in ${(100 * r.metal).toFixed(2)} % of the cells, metal colour on ${(100 * r.aboveFraction).toFixed(2)} % of the map pixels, ${r.white} contour pixels`,
    );
    await page.close();
  });

  it('2D on ?backend=webgl: the same checks on the WebGL (regl) backend', async () => {
    const page = await openApp(ses, 'webgl', DEMO_2D);
    const st = await status(page);
    expect(st.backend, st.log.join('\n')).toBe('webgl');
    const r = await checkMap2d(page);
    console.log(
      `webgl 2D after ${STEPS_2D} steps: ξ > 0.5 in ${(100 * r.metal).toFixed(2)} % of the cells, metal colour on ${(100 * r.aboveFraction).toFixed(2)} % of the map pixels, ${r.white} contour pixels`,
    );
    await page.close();
  });

  it('no ?backend: auto picks the first backend that starts; every one passed over is shown with its reason', async () => {
    const page = await ses.open(`/examples/browser/#${encodeScenarioHash(DEMO_2D)}`, READY);
    const st = await status(page);
    const order = ['webgpu', 'webgl', 'cpu'];
    const chosen = order.indexOf(st.backend);
    expect(chosen).toBeGreaterThanOrEqual(0);
    for (const name of order.slice(0, chosen))
      expect(st.log.some((l) => l.startsWith(`${name} skipped: `) && l.length > `${name} skipped: `.length + 5)).toBe(true);
    expect(st.log.at(-1)).toBe(`backend: ${st.device}`);
    expect(await page.$eval('#backend-log', (e) => e.textContent)).toBe(st.log.join('\n'));
    console.log(`auto in headless Chromium:\n  ${st.log.join('\n  ')}`);
    await page.close();
  });

  it('3D: the ξ = 0.5 surface is drawn lit and shaded', async () => {
    const page = await openApp(ses, 'webgpu', DEMO_3D);
    await page.evaluate((n) => window.lidendriteApp!.stepN(n), STEPS_3D);
    const st = await status(page);
    expect(st.error).toBeNull();
    expect(st.triangles).toBeGreaterThan(500);
    const lay = await layout(page);
    expect(lay.surfaceCanvas).not.toBeNull();
    const c = lay.surfaceCanvas!;
    const px = await shot(page, c);
    const bg: [number, number, number] = [(SURFACE_BACKGROUND >> 16) & 255, (SURFACE_BACKGROUND >> 8) & 255, SURFACE_BACKGROUND & 255];
    const s = surfaceStats(px, bg);
    console.log(
      `3D: ${st.triangles} triangles; surface on ${(100 * s.coverage).toFixed(1)} % of the view, luminance mean ${s.luma.mean.toFixed(1)}, std ${s.luma.std.toFixed(1)}, p10-p90 ${s.luma.p10.toFixed(0)}-${s.luma.p90.toFixed(0)}, ${s.levels} levels`,
    );
    // the deposit (a layer on the collector face and two caps) fills a good part of the view
    expect(s.coverage).toBeGreaterThan(0.05);
    expect(s.coverage).toBeLessThan(0.9);
    // lit: brighter than the background; shaded: a spread of luminance, not a flat fill
    expect(s.luma.mean).toBeGreaterThan(60);
    expect(s.luma.p90 - s.luma.p10).toBeGreaterThan(30);
    expect(s.levels).toBeGreaterThan(40);
    // a slice plane through the volume adds map colours to the view
    await page.click('#slice-z');
    await page.evaluate(() => window.lidendriteApp!.redraw());
    const withSlice = surfaceStats(await shot(page, c), bg);
    expect(withSlice.coverage).toBeGreaterThan(s.coverage);
    await page.close();
  });

  it('exports (.vti = the fields, .png = the picture), the current-density map, and run / pause', async () => {
    const page = await openApp(ses, 'cpu', DEMO_2D);
    await page.evaluate(() => window.lidendriteApp!.stepN(5));
    const st = await status(page);
    const f = decodeWire(await page.evaluate(() => window.lidendriteApp!.fields())) as {
      xi: Float64Array;
      c: Float64Array;
      phi: Float64Array;
    };
    const vti = decodeVti((await page.evaluate(() => window.lidendriteApp!.exportVti()))!);
    expect(vti.dims).toEqual([64, 32, 1]);
    expect(vti.spacing.map((v) => v * 1e6)).toEqual([0.25, 0.25, 0.25]);
    expect(vti.fieldData).toEqual({ TIME: st.time, STEP: 5 });
    for (const k of ['xi', 'c', 'phi'] as const) expect(Array.from(vti.fields[k])).toEqual(Array.from(f[k]));
    // the PNG export is the map canvas: its map region shows what the screen shows
    const lay = await layout(page);
    const m = lay.map!.map;
    const png = PNG.sync.read(Buffer.from((await page.evaluate(() => window.lidendriteApp!.exportPng('map')))!, 'base64'));
    expect([png.width, png.height]).toEqual([lay.mapCanvas.width, lay.mapCanvas.height]);
    const crop = new Uint8Array(4 * m.w * m.h);
    for (let y = 0; y < m.h; y++)
      crop.set(png.data.subarray(4 * ((m.y + y) * png.width + m.x), 4 * ((m.y + y) * png.width + m.x + m.w)), 4 * y * m.w);
    const fromPng = mapStats({ width: m.w, height: m.h, data: crop }, 'viridis');
    const fromScreen = mapStats(
      await shot(page, { x: lay.mapCanvas.x + m.x, y: lay.mapCanvas.y + m.y, width: m.w, height: m.h }),
      'viridis',
    );
    expect(fromPng.aboveFraction).toBeCloseTo(fromScreen.aboveFraction, 6);
    expect(fromPng.white.length).toBe(fromScreen.white.length);
    // the current-density map: a field of its own colours, not blank
    await page.evaluate(() => window.lidendriteApp!.setQuantity('current'));
    // the link carries the view: the scenario and the quantity shown
    const hash = await page.evaluate(() => location.hash);
    expect(hash).toMatch(/&q=current$/);
    expect(decodeScenarioHash(hash)).toEqual(DEMO_2D);
    const cur = mapStats(await shot(page, { x: lay.mapCanvas.x + m.x, y: lay.mapCanvas.y + m.y, width: m.w, height: m.h }), 'viridis');
    expect(cur.mapPixels).toBeGreaterThan(0.9 * m.w * m.h);
    expect(cur.lumaStd).toBeGreaterThan(5);
    expect(cur.aboveFraction).not.toBeCloseTo(fromScreen.aboveFraction, 2);
    // run steps in slices between which the page answers (this polling is answered while it runs), then pause
    await page.click('#run');
    await page.waitForFunction(() => window.lidendriteApp!.status().step >= 25);
    await page.click('#pause');
    await page.evaluate(() => window.lidendriteApp!.redraw());
    const paused = await status(page);
    expect(paused.running).toBe(false);
    expect(paused.error).toBeNull();
    expect(paused.step).toBeGreaterThanOrEqual(25);
    expect(await page.$eval('#st-state', (e) => e.textContent)).toBe('paused');
    expect(await page.$eval('#st-step', (e) => e.textContent)).toBe(String(paused.step));
    await page.close();
  });

  it("invalid input in the form shows the CLI's ScenarioError message and changes nothing", async () => {
    const page = await openApp(ses, 'cpu', DEMO_2D);
    await page.evaluate(() => window.lidendriteApp!.stepN(3));
    const before = await status(page);
    const voltage = CONTROLS.find((c) => c.id === 'voltage')!;
    const setControl = async (id: string, text: string) => {
      await page.$eval(
        `#ctl-${id}`,
        (el, t) => {
          const input = el as HTMLInputElement;
          input.value = t;
          input.dispatchEvent(new Event('change'));
        },
        text,
      );
      await page.evaluate(() => window.lidendriteApp!.redraw());
    };
    await setControl('voltage', '5 V');
    let expected = '';
    try {
      parseScenario(withValue(DEMO_2D, voltage.path, '5 V'));
    } catch (e) {
      expected = (e as ScenarioError).message;
    }
    expect(expected).toMatch(/^invalid scenario:\n {2}- voltage: /);
    expect(await page.$eval('#errors', (e) => e.textContent)).toBe(expected);
    expect(await page.$eval('#errors', (e) => (e as HTMLElement).hidden)).toBe(false);
    expect(await page.$eval('#ctl-voltage', (e) => e.getAttribute('aria-invalid'))).toBe('true');
    // refused before any work: the run and the link are unchanged
    const after = await status(page);
    expect(after.step).toBe(before.step);
    expect(decodeScenarioHash(await page.evaluate(() => location.hash))).toEqual(DEMO_2D);
    // several problems at once, as the CLI lists them (grid too small)
    await setControl('nx', '2');
    try {
      parseScenario(withValue(DEMO_2D, ['grid', 'n', 0], 2));
    } catch (e) {
      expected = (e as ScenarioError).message;
    }
    expect(await page.$eval('#errors', (e) => e.textContent)).toBe(expected);
    // a valid value with a unit is taken, continues the run and goes into the link
    await setControl('voltage', '-300 mV');
    expect(await page.$eval('#errors', (e) => (e as HTMLElement).hidden)).toBe(true);
    expect((decodeScenarioHash(await page.evaluate(() => location.hash)) as { voltage: string }).voltage).toBe('-300 mV');
    const cont = await status(page);
    expect(cont.step).toBe(before.step);
    expect(cont.time).toBeCloseTo(before.time, 12);
    await page.close();
  });
});

describe('page backend selection (Node)', () => {
  it('a forced backend that cannot start falls back to auto, with the reason first in the log', async () => {
    // WebGL exists only in a browser: in Node the forced webgl backend fails and auto takes over
    const s = parseScenario(DEMO_2D);
    const { backend, log } = await selectBackend('webgl', s);
    try {
      expect(log[0]).toMatch(/^webgl requested but unavailable: WebGL is only available in a browser/);
      expect(log[1]).toBe('falling back to auto:');
      expect(log.at(-1)).toBe(`  backend: ${backend.device}`);
    } finally {
      await backend.dispose();
    }
  });
});
