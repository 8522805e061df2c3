/**
 * The page's instruments end to end in headless Chromium: live plots and their CSV (metrics.csv's
 * columns; the lithium balance holds), the value under the pointer, the line profile, the colour
 * range (fixed defaults, auto, locked) and the colormap, the JSON editor with inline validation,
 * the physics switches, extending a finished run, and the link carrying scenario, view, 3D camera
 * and backend. Everything compared is computed from the page's own fields: no clocks, fixed seeds,
 * a fixed number of steps. Skipped, with the reason, where there is no Chromium.
 */
import { PNG } from 'pngjs';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_2D, DEMO_3D } from '../../src/app/demo-scenarios.ts';
import { decodeScenarioHash, encodeScenarioHash } from '../../src/app/url-state.ts';
import { chromiumMissingReason, startBrowserSession, type BrowserSession } from '../../src/browser/chromium.ts';
import { decodeWire } from '../../src/browser/wire.ts';
import { parseScenario, ScenarioError } from '../../src/model/scenario.ts';
import { mapStats } from '../../src/render/pixel-stats.ts';
import { metricColumns } from '../../src/solver/metrics.ts';

const missing = chromiumMissingReason();
const READY = 'window.lidendriteApp?.ready === true';

type App = NonNullable<Window['lidendriteApp']>;
type Status = ReturnType<App['status']>;

const status = (page: Page): Promise<Status> => page.evaluate(() => window.lidendriteApp!.status());
const layout = (page: Page) => page.evaluate(() => window.lidendriteApp!.layout());
const fields = async (page: Page) =>
  decodeWire(await page.evaluate(() => window.lidendriteApp!.fields())) as { xi: Float64Array; c: Float64Array; phi: Float64Array };
/** Clicks an element through the DOM (no pointer over the page). */
const click = (page: Page, sel: string) => page.$eval(sel, (b) => (b as HTMLElement).click());
/** Sets a select or input and fires its change event. */
const setValue = (page: Page, sel: string, value: string) =>
  page.$eval(
    sel,
    (el, v) => {
      (el as HTMLInputElement).value = v;
      el.dispatchEvent(new Event('change'));
    },
    value,
  );
/** Waits until the page's action queue is idle (every UI action so far has finished). */
const settle = (page: Page) => page.evaluate(() => window.lidendriteApp!.redraw());

function cliMessage(raw: unknown): string {
  try {
    parseScenario(raw);
  } catch (e) {
    if (e instanceof ScenarioError) return e.message;
    throw e;
  }
  return '';
}

describe.skipIf(missing !== null)(`page instruments (headless Chromium)${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
  let ses: BrowserSession;
  beforeAll(async () => {
    ses = await startBrowserSession({ path: '/src/browser/host.html', viewport: { width: 1300, height: 850 } });
  });
  afterAll(async () => {
    await ses?.close();
  });
  const open = (backend: string, scenario: unknown, extra = '') =>
    ses.open(`/examples/browser/?backend=${backend}#${encodeScenarioHash(scenario)}${extra}`, READY);

  it('live plots from metrics.csv columns, exported as CSV; the lithium balance holds (CPU, f64)', async () => {
    const page = await open('cpu', DEMO_2D);
    for (let k = 0; k < 3; k++) await page.evaluate(() => window.lidendriteApp!.stepN(10));
    const st = await status(page);
    expect(st.error).toBeNull();
    expect(st.rows).toBe(4);
    expect(st.plots.map((p) => p.id)).toEqual(['front', 'tip', 'current', 'balance']);
    expect(await page.$$eval('#plots figure', (f) => f.map((e) => (e as HTMLElement).dataset.plot))).toEqual([
      'front',
      'tip',
      'current',
      'balance',
    ]);
    const csv = (await page.evaluate(() => window.lidendriteApp!.exportCsv())).trim().split('\n');
    const cols = metricColumns(2);
    expect(csv[0]).toBe(cols.join(','));
    const rows = csv.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], Number(v)])));
    expect(rows.map((r) => r.step)).toEqual([0, 10, 20, 30]);
    expect(rows[3].time_s).toBe(st.time);
    // Li conservation (V6): Δ(ions + metal) = the influx through the reservoir face
    const r0 = rows[0],
      r3 = rows[3];
    const err = (r3.li_total_mol_per_m - r0.li_total_mol_per_m - (r3.li_influx_mol_per_m - r0.li_influx_mol_per_m)) / r0.li_total_mol_per_m;
    console.log(
      `page metrics: front tip ${r0.front_tip_um} → ${r3.front_tip_um} µm over ${r3.time_s} s; Li balance error ${err.toExponential(2)}`,
    );
    expect(Math.abs(err)).toBeLessThan(1e-9);
    expect(r3.front_tip_um).toBeGreaterThan(r0.front_tip_um);
    // the plots come to hold one point per row (they redraw at most twice a second, one plot per task)
    await page.waitForFunction(() => window.lidendriteApp!.status().plots.every((p) => p.points === 4));
    await page.close();
  });

  it('the value under the pointer and a line profile drawn with the pointer read the fields the page shows', async () => {
    const page = await open('cpu', DEMO_2D);
    await page.evaluate(() => window.lidendriteApp!.stepN(20));
    const f = await fields(page);
    const lay = await layout(page);
    const m = lay.map!.map;
    const [nx, ny] = DEMO_2D.grid.n;
    const ppc = m.w / nx;
    const at = (i: number, j: number) => ({ x: lay.mapCanvas.x + m.x + (i + 0.5) * ppc, y: lay.mapCanvas.y + m.y + (ny - j - 0.5) * ppc });
    for (const [i, j] of [
      [3, 4],
      [20, 16],
      [60, 30],
    ]) {
      const p = at(i, j);
      await page.mouse.move(p.x, p.y);
      const text = await page.$eval('#readout', (e) => e.textContent);
      const v = f.xi[i + nx * j];
      expect(text).toContain(`(cell ${i}, ${j})`);
      expect(text).toContain(`ξ = ${Number(v.toPrecision(5))}`);
      // the pointer's position (within a pixel of the cell centre it was put on)
      const [x, y] = /x = ([\d.]+) µm, y = ([\d.]+) µm/.exec(text!)!.slice(1).map(Number);
      expect(Math.abs(x - (i + 0.5) * 0.25)).toBeLessThan(0.25 / 2);
      expect(Math.abs(y - (j + 0.5) * 0.25)).toBeLessThan(0.25 / 2);
    }
    // the profile tool: drag from cell (2, 5) to cell (50, 25)
    await click(page, '#profile-draw');
    const a = at(2, 5),
      b = at(50, 25);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 3 });
    await page.mouse.move(b.x, b.y, { steps: 3 });
    await page.mouse.up();
    await settle(page);
    const csv = (await page.evaluate(() => window.lidendriteApp!.exportProfile()))!.trim().split('\n');
    expect(csv[0]).toBe('s_um,x_um,y_um,xi');
    const samples = csv.slice(1).map((l) => l.split(',').map(Number));
    const len = Math.hypot(48 * 0.25, 20 * 0.25);
    expect(samples.at(-1)![0]).toBeCloseTo(len, 1);
    expect(samples.length).toBeGreaterThan(2 * (len / 0.25));
    // every sample is the value of the cell it lies in
    for (const [, x, y, v] of samples) expect(v).toBe(f.xi[Math.floor(x / 0.25) + nx * Math.floor(y / 0.25)]);
    expect(await page.$eval('#profile', (e) => (e as HTMLElement).hidden)).toBe(false);
    await page.close();
  });

  it('colour range: fixed defaults (c̃ 0–2), auto, and a locked range that holds while the field changes; colormap choice', async () => {
    const page = await open('cpu', DEMO_2D);
    await page.evaluate(() => window.lidendriteApp!.setQuantity('c'));
    await page.evaluate(() => window.lidendriteApp!.stepN(20));
    let st = await status(page);
    expect(st.rangeMode).toEqual({ mode: 'default' });
    expect(st.range).toEqual([0, 2]);
    // auto: the data's range, every frame
    await setValue(page, '#range-mode', 'auto');
    await settle(page);
    const f = await fields(page);
    st = await status(page);
    expect(st.range).toEqual([Math.min(...f.c), Math.max(...f.c)]);
    // lock what is shown; more steps change the data but not the colours' meaning
    await click(page, '#range-lock');
    await settle(page);
    const locked = (await status(page)).range;
    await page.evaluate(() => window.lidendriteApp!.stepN(20));
    const f2 = await fields(page);
    st = await status(page);
    expect(Math.max(...f2.c)).not.toBe(locked[1]);
    expect(st.rangeMode).toEqual({ mode: 'fixed', lo: locked[0], hi: locked[1] });
    expect(st.range).toEqual(locked);
    // a range typed in, and a colormap: both in the link
    await setValue(page, '#range-lo', '0.5');
    await setValue(page, '#range-hi', '1.5');
    await setValue(page, '#colormap', 'gray');
    await settle(page);
    st = await status(page);
    expect(st.range).toEqual([0.5, 1.5]);
    expect(st.colormap).toBe('gray');
    const hash = await page.evaluate(() => location.hash);
    expect(hash).toMatch(/&q=c&cm=gray&r=0\.5,1\.5$/);
    // the map shows the gray table: most pixels are in it
    const lay = await layout(page);
    const m = lay.map!.map;
    const png = PNG.sync.read(
      Buffer.from(
        await page.screenshot({
          clip: { x: lay.mapCanvas.x + m.x, y: lay.mapCanvas.y + m.y, width: m.w, height: m.h },
          type: 'png',
          captureBeyondViewport: false,
        }),
      ),
    );
    // the map shows the gray table (its white top, c̃ ≥ 1.5, counts as contour white), no longer cividis
    const px = { width: png.width, height: png.height, data: png.data };
    expect(mapStats(px, 'gray').mapPixels).toBeGreaterThan(0.75 * m.w * m.h);
    expect(mapStats(px, 'cividis').mapPixels).toBeLessThan(0.2 * m.w * m.h);
    // an impossible range is refused with a message and changes nothing
    await setValue(page, '#range-lo', '2');
    await settle(page);
    expect(await page.$eval('#errors', (e) => e.textContent)).toMatch(/^colour range: needs two numbers with min < max/);
    expect((await status(page)).range).toEqual([0.5, 1.5]);
    await page.close();
  });

  it('the JSON editor validates as you type (syntax, then the CLI messages) and applies a valid edit to the running simulation', async () => {
    const page = await open('cpu', DEMO_2D);
    await page.evaluate(() => window.lidendriteApp!.stepN(5));
    const before = await status(page);
    await click(page, '#editor-box summary');
    const type = async (text: string) => {
      await page.$eval(
        '#editor',
        (el, t) => {
          (el as HTMLTextAreaElement).value = t;
          el.dispatchEvent(new Event('input'));
        },
        text,
      );
      await page.waitForFunction(
        (t) =>
          (document.getElementById('editor-errors')!.textContent ?? '') !== '' &&
          (document.getElementById('editor') as HTMLTextAreaElement).value === t,
        {},
        text,
      );
      return page.$eval('#editor-errors', (e) => e.textContent);
    };
    expect(await type('{ "name": "x", ')).toMatch(/^invalid scenario:\n {2}- not valid JSON \(/);
    const bad = { ...DEMO_2D, voltage: '5 V', grid: { ...DEMO_2D.grid, n: [2, 32] } };
    expect(await type(JSON.stringify(bad, null, 2))).toBe(cliMessage(bad));
    // applying an invalid text changes nothing
    await click(page, '#editor-apply');
    await settle(page);
    expect(decodeScenarioHash(await page.evaluate(() => location.hash))).toEqual(DEMO_2D);
    const good = { ...DEMO_2D, voltage: '-0.3 V', anisotropy: { delta: 0.02 } };
    expect(await type(JSON.stringify(good, null, 2))).toBe('valid: apply to run it');
    await click(page, '#editor-apply');
    await settle(page);
    expect(decodeScenarioHash(await page.evaluate(() => location.hash))).toEqual(good);
    const after = await status(page);
    // new physics continue from the current fields
    expect(after.step).toBe(before.step);
    expect(after.time).toBe(before.time);
    expect(await page.$eval('#ctl-voltage', (e) => (e as HTMLInputElement).value)).toBe('-0.3 V');
    await page.close();
  });

  it('switches: a binary electrolyte continues the run, galvanostatic drive adds the voltage plot, the additive restarts with its field', async () => {
    const page = await open('cpu', DEMO_2D);
    await page.evaluate(() => window.lidendriteApp!.stepN(5));
    await setValue(page, '#sw-electrolyte', 'binary');
    await settle(page);
    let raw = (await page.evaluate(() => window.lidendriteApp!.scenario())) as Record<string, unknown>;
    expect(raw.electrolyte).toEqual({ model: 'binary', transference: 0.4 });
    expect(await page.$eval('[data-ctl="tplus"]', (e) => (e as HTMLElement).hidden)).toBe(false);
    expect((await status(page)).step).toBe(5);
    await setValue(page, '#sw-drive', 'galvanostatic');
    await settle(page);
    raw = (await page.evaluate(() => window.lidendriteApp!.scenario())) as Record<string, unknown>;
    expect((raw.control as { mode: string }).mode).toBe('galvanostatic');
    await page.evaluate(() => window.lidendriteApp!.stepN(5));
    let st = await status(page);
    expect(st.error).toBeNull();
    expect(st.plots.map((p) => p.id)).toContain('voltage');
    expect(st.step).toBe(10);
    await setValue(page, '#sw-additive', 'cs');
    await settle(page);
    st = await status(page);
    expect(st.step).toBe(0);
    expect(st.quantities.map((q) => q.id)).toContain('additive');
    expect(st.plots.map((p) => p.id)).toContain('additive');
    await page.evaluate(() => window.lidendriteApp!.setQuantity('additive'));
    expect((await status(page)).range).toEqual([0, 2]);
    await page.close();
  });

  it('a finished run is extended and runs on', async () => {
    const short = { ...DEMO_2D, time: { end: '0.02 s', output: '0.01 s' } };
    const page = await open('cpu', short);
    await click(page, '#run');
    await page.waitForFunction(() => window.lidendriteApp!.status().finished && !window.lidendriteApp!.status().running);
    const done = await status(page);
    expect(done.time).toBeCloseTo(0.02, 12);
    expect(await page.$eval('#st-state', (e) => e.textContent)).toMatch(/^finished/);
    expect(await page.$eval('#extend', (e) => (e as HTMLElement).hidden)).toBe(false);
    await click(page, '#extend');
    // the extension reaches the worker asynchronously: wait for the new end, not only "finished"
    // (which still holds from the first run until the worker has the new end)
    await page.waitForFunction(
      (end0) => {
        const st = window.lidendriteApp!.status();
        return st.end > end0 * 1.5 && st.finished && !st.running;
      },
      {},
      done.end,
    );
    const more = await status(page);
    expect(more.end).toBeCloseTo(0.04, 12);
    expect(more.time).toBeCloseTo(0.04, 12);
    expect(more.step).toBeGreaterThan(done.step);
    expect((decodeScenarioHash(await page.evaluate(() => location.hash)) as { time: { end: string } }).time.end).toBe('0.04 s');
    // the same through the end-time field
    await setValue(page, '#ctl-end', '0.05 s');
    await settle(page);
    expect((await status(page)).finished).toBe(false);
    await page.evaluate(() => window.lidendriteApp!.stepN(1000));
    expect((await status(page)).time).toBeCloseTo(0.05, 12);
    await page.close();
  });

  it('the link carries scenario, view (quantity, range, colormap, 3D camera) and backend, and reopens the same view', async () => {
    const page = await open('webgpu', DEMO_3D);
    await page.evaluate(() => window.lidendriteApp!.stepN(3));
    await page.evaluate(() => window.lidendriteApp!.setQuantity('phi'));
    await setValue(page, '#range-mode', 'auto');
    await setValue(page, '#backend-pick', 'cpu');
    await settle(page);
    // orbit the 3D view with the pointer
    const c = (await layout(page)).surfaceCanvas!;
    const cam0 = (await status(page)).camera!;
    await page.mouse.move(c.x + c.width / 2, c.y + c.height / 2);
    await page.mouse.down();
    await page.mouse.move(c.x + c.width / 2 + 120, c.y + c.height / 2 + 40, { steps: 6 });
    await page.mouse.up();
    // the link is written 300 ms after the camera last moved: on a loaded machine the drag's
    // steps can be further apart, so an intermediate camera may be in the link first; wait for
    // the link to hold the camera the view has now
    await page.waitForFunction(() => {
      const cam = window.lidendriteApp!.status().camera;
      const m = /&cam=([^&]+)/.exec(location.hash);
      if (!cam || !m) return false;
      const v = m[1].split(',').map(Number);
      return v.length === 6 && v.every((x, q) => Math.abs(x - cam[q]) <= 1e-5 * Math.max(1, Math.abs(cam[q])));
    });
    const st = await status(page);
    expect(st.backend).toBe('cpu');
    expect(st.camera).not.toEqual(cam0);
    const url = await page.evaluate(() => location.href);
    expect(url).toMatch(/\?backend=cpu#s=/);
    expect(url).toMatch(/&q=phi&r=auto&cam=/);
    const again = await ses.open(url.replace(/^https?:\/\/[^/]+/, ''), READY);
    const st2 = await status(again);
    expect(st2.backend).toBe('cpu');
    expect(st2.quantity).toBe('phi');
    expect(st2.rangeMode).toEqual({ mode: 'auto' });
    for (let q = 0; q < 6; q++) expect(st2.camera![q]).toBeCloseTo(st.camera![q], 4);
    expect(await again.evaluate(() => window.lidendriteApp!.scenario())).toEqual(DEMO_3D);
    await again.close();
    await page.close();
  });
});
