/**
 * The page never blocks while it steps: on every backend (WebGPU, WebGL, CPU; 2D, and 3D on
 * WebGPU) the page runs with its solver in the worker and its views in the render worker, and a
 * PerformanceObserver counts the main thread's long tasks (the browser's own definition: a task
 * over 50 ms) while frames come in. Nothing is timed by the test: it counts long tasks, frames and
 * steps. The control case steps the same CPU backend on the page's main thread (?thread=main) with
 * steps that each take longer than a long task, and the observer sees them — so a zero elsewhere
 * means the stepping is off the main thread, not that the observer saw nothing.
 * Skipped, with the reason, where there is no Chromium.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_2D, DEMO_3D } from '../../src/app/demo-scenarios.ts';
import { encodeScenarioHash } from '../../src/app/url-state.ts';
import { chromiumMissingReason, startBrowserSession, type BrowserSession } from '../../src/browser/chromium.ts';

const missing = chromiumMissingReason();
const READY = 'window.lidendriteApp?.ready === true';
/** Frames the page must draw while stepping. */
const FRAMES = 20;

interface Watch {
  longTasks: { start: number; duration: number }[];
  frames: number;
  steps: number;
}

/** Runs the page until it has drawn FRAMES more frames while stepping, counting the main thread's long tasks meanwhile. */
async function watchRun(page: Page, frames = FRAMES): Promise<Watch> {
  const f0 = await page.evaluate(() => {
    const w = window as unknown as { __long: { start: number; duration: number }[] };
    w.__long = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__long.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask' });
    return { frame: window.lidendriteApp!.frame, step: window.lidendriteApp!.status().step };
  });
  // started through the DOM: no pointer over the page
  await page.$eval('#run', (b) => (b as HTMLElement).click());
  await page.waitForFunction((n) => window.lidendriteApp!.frame >= n, { polling: 500, timeout: 300_000 }, f0.frame + frames);
  const out = await page.evaluate(() => ({
    longTasks: (window as unknown as { __long: { start: number; duration: number }[] }).__long.slice(),
    frame: window.lidendriteApp!.frame,
    step: window.lidendriteApp!.status().step,
  }));
  await page.$eval('#pause', (b) => (b as HTMLElement).click());
  return { longTasks: out.longTasks, frames: out.frame - f0.frame, steps: out.step - f0.step };
}

describe.skipIf(missing !== null)(
  `the page stays responsive while stepping (headless Chromium)${missing === null ? '' : ` (skipped: ${missing})`}`,
  () => {
    let ses: BrowserSession;
    beforeAll(async () => {
      ses = await startBrowserSession({ path: '/src/browser/host.html', viewport: { width: 1300, height: 850 } });
    });
    afterAll(async () => {
      await ses?.close();
    });

    const cases: [string, unknown, string][] = [
      ['webgpu', DEMO_2D, '2D'],
      ['webgl', DEMO_2D, '2D'],
      ['cpu', DEMO_2D, '2D'],
      ['webgpu', DEMO_3D, '3D'],
    ];
    for (const [backend, scenario, dims] of cases) {
      it(`${dims} on ${backend}: frames keep coming and the main thread has no long task`, async () => {
        const page = await ses.open(`/examples/browser/?backend=${backend}#${encodeScenarioHash(scenario)}`, READY);
        const st = await page.evaluate(() => window.lidendriteApp!.status());
        expect(st.backend).toBe(backend);
        expect(st.where).toBe('worker');
        expect(st.renderWhere).toBe('worker');
        const w = await watchRun(page);
        console.log(
          `${dims} ${backend}: ${w.frames} frames, ${w.steps} steps, long tasks on the main thread: ${JSON.stringify(w.longTasks)}`,
        );
        expect(w.frames).toBeGreaterThanOrEqual(FRAMES);
        // frames come with steps (a redraw without a step may add one)
        expect(w.steps).toBeGreaterThan(FRAMES / 2);
        expect(w.longTasks).toEqual([]);
        await page.close();
      });
    }

    it('control: the same stepping on the main thread (?thread=main) shows up as long tasks', async () => {
      // 48 × 40 × 40 cells: one CPU step on one thread takes well over 50 ms
      const big = { ...DEMO_3D, grid: { ...DEMO_3D.grid, n: [48, 40, 40] } };
      const page = await ses.open(`/examples/browser/?backend=cpu&thread=main#${encodeScenarioHash(big)}`, READY);
      const st = await page.evaluate(() => window.lidendriteApp!.status());
      expect(st.where).toBe('main');
      expect(st.log.at(-1)).toBe("the solver steps on the page's main thread: ?thread=main asked for it");
      const w = await watchRun(page, 5);
      console.log(`control (main thread, 3D cpu): ${w.frames} frames, ${w.steps} steps, ${w.longTasks.length} long tasks`);
      expect(w.longTasks.length).toBeGreaterThanOrEqual(w.steps / 2);
      await page.close();
    });
  },
);
