/**
 * `run --browser`: the backend is created inside headless Chromium (src/browser/: the page's
 * createBackend, so the same order and fallback log) and driven through RemoteBackend; the
 * Simulation, the checkpoints and the RunWriter stay in this process, so the run directory has
 * exactly the files a Node run writes, under the same contract and lock.
 */
import { readFileSync } from 'node:fs';
import { EXIT, RefusedError } from './errors.ts';
import { execute, type RunContext } from './execute.ts';

export async function runInBrowser(file: string, ctx: RunContext): Promise<number> {
  // the page validates the scenario JSON itself (parseScenario); the file was validated already
  const rawJson: unknown = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  const { chromiumMissingReason, startBrowserSession } = await import('../browser/chromium.ts');
  const { RemoteBackend } = await import('../browser/remote-backend.ts');
  const missing = chromiumMissingReason();
  if (missing) {
    ctx.out.abandon();
    throw new RefusedError(`--browser: ${missing}`);
  }
  let session: Awaited<ReturnType<typeof startBrowserSession>>;
  try {
    session = await startBrowserSession();
  } catch (e) {
    ctx.out.abandon();
    console.error(`run failed: --browser: headless Chromium did not start: ${(e as Error).message}`);
    return EXIT.failed;
  }
  try {
    return await execute({
      ...ctx,
      makeBackend: async () => {
        const backend = await RemoteBackend.fromScenario(session.page, ctx.backendName, rawJson);
        return { backend, log: [`browser: headless Chromium ${await session.browser.version()} (${session.url})`, ...backend.log] };
      },
    });
  } finally {
    await session.close();
  }
}
