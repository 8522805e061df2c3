/**
 * `npm run screenshots`: regenerates docs/screenshots/ from the browser page in headless
 * Chromium (system chromium, src/browser/chromium.ts): the whole page with its plots and a line
 * profile (page-2d.png), the small fixed-seed 2D scenario on ?backend=webgpu and ?backend=webgl,
 * and the small 3D scenario's surface, plain and coloured by c̃ with a slice and its colour bar,
 * after a fixed number of steps (no clocks in the pictures: the steps/s readout is blank when
 * stepping is driven).
 * Prints the pixel statistics the page tests assert on. Exits 1, writing nothing for that
 * picture, when a forced backend falls back (the picture would be mislabelled).
 *   npm run screenshots [-- --steps2d N --steps3d N]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PNG } from 'pngjs';
import type { Page } from 'puppeteer-core';
import { DEMO_2D, DEMO_3D } from '../src/app/demo-scenarios.ts';
import { encodeScenarioHash } from '../src/app/url-state.ts';
import { chromiumMissingReason, startBrowserSession } from '../src/browser/chromium.ts';
import { mapStats, surfaceStats } from '../src/render/pixel-stats.ts';
import { SURFACE_BACKGROUND } from '../src/render/surface-view.ts';

const OUT = join(import.meta.dirname, '..', 'docs', 'screenshots');

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { steps2d: { type: 'string', default: '150' }, steps3d: { type: 'string', default: '60' } } });
  const steps2d = Number(values.steps2d),
    steps3d = Number(values.steps3d);
  const why = chromiumMissingReason();
  if (why) {
    console.error(`screenshots: ${why}`);
    return 1;
  }
  mkdirSync(OUT, { recursive: true });
  const ses = await startBrowserSession({ viewport: { width: 1400, height: 860 } });
  let failures = 0;
  try {
    const open = (backend: string, s: unknown) =>
      ses.open(`/examples/browser/?backend=${backend}#${encodeScenarioHash(s)}`, 'window.lidendriteApp?.ready === true');
    const status = (p: Page) => p.evaluate(() => window.lidendriteApp!.status());
    const save = async (p: Page, name: string) => {
      const bytes = await p.screenshot({ type: 'png', captureBeyondViewport: false });
      writeFileSync(join(OUT, name), bytes);
      console.log(`wrote docs/screenshots/${name}`);
    };
    const region = async (p: Page, which: 'map' | 'surface') => {
      const l = await p.evaluate(() => window.lidendriteApp!.layout());
      const clip =
        which === 'map'
          ? { x: l.mapCanvas.x + l.map!.map.x, y: l.mapCanvas.y + l.map!.map.y, width: l.map!.map.w, height: l.map!.map.h }
          : l.surfaceCanvas!;
      const png = PNG.sync.read(Buffer.from(await p.screenshot({ clip, type: 'png', captureBeyondViewport: false })));
      return { width: png.width, height: png.height, data: png.data };
    };

    {
      // the whole page: map with a line profile, the plots over several frames, the profile plot
      const page = await open('webgpu', DEMO_2D);
      // tall enough for the map, the plots and the profile plot (the page's column scrolls)
      await page.setViewport({ width: 1400, height: 1180 });
      await page.$eval('#profile-draw', (b) => (b as HTMLElement).click());
      for (let k = 0; k < 8; k++) await page.evaluate((n) => window.lidendriteApp!.stepN(n), Math.ceil(steps2d / 8));
      await page.waitForFunction(() => window.lidendriteApp!.status().plots.every((p) => p.points === window.lidendriteApp!.status().rows));
      const st = await status(page);
      if (st.error || st.backend !== 'webgpu') {
        console.error(`page-2d: ${st.error ?? `fell back to ${st.backend}`}`);
        failures++;
      } else {
        console.log(`page-2d: ${st.step} steps, ${st.rows} metrics rows, plots ${st.plots.map((p) => p.id).join(', ')}`);
        await save(page, 'page-2d.png');
      }
      await page.close();
    }

    for (const backend of ['webgpu', 'webgl'] as const) {
      const page = await open(backend, DEMO_2D);
      const st = await status(page);
      if (st.backend !== backend) {
        console.error(`2D ${backend}: the page fell back to ${st.backend}; not writing 2d-${backend}.png\n  ${st.log.join('\n  ')}`);
        failures++;
        await page.close();
        continue;
      }
      await page.evaluate((n) => window.lidendriteApp!.stepN(n), steps2d);
      const after = await status(page);
      if (after.error) {
        console.error(`2D ${backend}: ${after.error}`);
        failures++;
        await page.close();
        continue;
      }
      const m = mapStats(await region(page, 'map'), 'viridis', 0.5);
      console.log(
        `2D ${backend}: ${after.step} steps, t = ${after.time.toPrecision(4)} s; metal colour on ${(100 * m.aboveFraction).toFixed(2)} % of the map, ${m.white.length} contour pixels; device ${after.device}`,
      );
      await save(page, `2d-${backend}.png`);
      await page.close();
    }

    const page = await open('webgpu', DEMO_3D);
    await page.evaluate((n) => window.lidendriteApp!.stepN(n), steps3d);
    const st = await status(page);
    if (st.error) {
      console.error(`3D: ${st.error}`);
      failures++;
    } else {
      const bg: [number, number, number] = [(SURFACE_BACKGROUND >> 16) & 255, (SURFACE_BACKGROUND >> 8) & 255, SURFACE_BACKGROUND & 255];
      const s = surfaceStats(await region(page, 'surface'), bg);
      console.log(
        `3D ${st.backend}: ${st.step} steps, t = ${st.time.toPrecision(4)} s, ${st.triangles} triangles; surface on ${(100 * s.coverage).toFixed(1)} % of the view, luminance p10-p90 ${s.luma.p10.toFixed(0)}-${s.luma.p90.toFixed(0)}`,
      );
      await save(page, '3d.png');
      // the same surface coloured by c̃, with a c̃ slice normal to y through the middle
      await page.select('#color-by', 'c');
      await page.evaluate(() => window.lidendriteApp!.setQuantity('c'));
      await page.click('#slice-y');
      await page.evaluate(() => window.lidendriteApp!.redraw());
      await save(page, '3d-c-slice.png');
    }
    await page.close();
  } finally {
    await ses.close();
  }
  return failures ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(e);
    process.exitCode = 1;
  },
);
