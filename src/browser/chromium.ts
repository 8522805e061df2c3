/**
 * Headless Chromium for Node: starts the Vite dev server over the repository (vite.config.ts),
 * launches the system Chromium through puppeteer-core with the flags that work here
 * (../shared/spec/environment.md: --enable-unsafe-webgpu and no Vulkan/ANGLE overrides, which
 * blank every screenshot) and a fresh profile, and opens a page. Used by the headless tests and
 * by `lidendrite run --browser`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';

/** Where Chromium is looked for, in order (CHROMIUM_PATH overrides). */
export const CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

export const CHROMIUM_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--no-first-run',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
];

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The Chromium executable, or null. */
export function findChromium(): string | null {
  const env = process.env.CHROMIUM_PATH;
  if (env) return existsSync(env) ? env : null;
  return CHROMIUM_CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/** Why there is no browser here, in words (null when Chromium exists). */
export function chromiumMissingReason(): string | null {
  if (findChromium()) return null;
  return process.env.CHROMIUM_PATH
    ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist`
    : `no Chromium found (looked for ${CHROMIUM_CANDIDATES.join(', ')}); install it with \`apt-get install -y chromium\` or \`npm run setup:system\`, or set CHROMIUM_PATH`;
}

export interface BrowserSession {
  browser: Browser;
  page: Page;
  /** Base URL of the dev server (no trailing slash). */
  url: string;
  /** Console lines and page errors seen so far (for diagnostics). */
  console: string[];
  /** Opens another page of the server (path like '/examples/browser/?backend=webgl'). */
  open(path: string, waitFor?: string): Promise<Page>;
  close(): Promise<void>;
}

export interface SessionOptions {
  /** Page to open first (default: the backend host page). */
  path?: string;
  /** A JS expression that is truthy when the page is ready. */
  waitFor?: string;
  /** Viewport of the pages. */
  viewport?: { width: number; height: number };
  /** Milliseconds to wait for the page. */
  timeout?: number;
  /** More Chromium flags (e.g. --host-resolver-rules to reach the server under another host name). */
  chromiumArgs?: string[];
  /** Host names besides 127.0.0.1 the dev server answers to (Vite refuses unknown Host headers). */
  allowedHosts?: string[];
}

/** Starts the dev server and Chromium and opens a page; close() stops both. */
export async function startBrowserSession(opts: SessionOptions = {}): Promise<BrowserSession> {
  const exe = findChromium();
  if (!exe) throw new Error(chromiumMissingReason()!);
  const { createServer } = await import('vite');
  const puppeteer = (await import('puppeteer-core')).default;
  const profile = mkdtempSync(join(tmpdir(), 'lidendrite-chromium-'));
  // a private dependency cache per session: sessions running at the same time (parallel test
  // files, another checkout's tests) would otherwise re-optimise the shared node_modules/.vite
  // under each other, and a page loading during that gets "504 Outdated Optimize Dep" and hangs
  // (no HMR here to reload it)
  const server = await createServer({
    configFile: join(REPO_ROOT, 'vite.config.ts'),
    root: REPO_ROOT,
    logLevel: 'error',
    cacheDir: join(profile, 'vite-cache'),
    server: {
      port: 0,
      host: '127.0.0.1',
      open: false,
      hmr: false,
      watch: null,
      ...(opts.allowedHosts ? { allowedHosts: opts.allowedHosts } : {}),
    },
  });
  try {
    await server.listen();
  } catch (e) {
    await server.close();
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  const addr = server.httpServer?.address();
  if (!addr || typeof addr === 'string') {
    await server.close();
    rmSync(profile, { recursive: true, force: true });
    throw new Error('vite dev server: no address');
  }
  const url = `http://127.0.0.1:${addr.port}`;
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath: exe,
      headless: true,
      args: [...CHROMIUM_FLAGS, ...(opts.chromiumArgs ?? []), `--user-data-dir=${profile}`],
      protocolTimeout: 600_000,
    });
  } catch (e) {
    await server.close();
    rmSync(profile, { recursive: true, force: true });
    throw new Error(`Chromium (${exe}) failed to start: ${(e as Error).message}`);
  }
  const lines: string[] = [];
  const timeout = opts.timeout ?? 120_000;
  const viewport = opts.viewport ?? { width: 1200, height: 800 };
  const open = async (path: string, waitFor = 'window.lidendriteHost !== undefined'): Promise<Page> => {
    const page = await browser.newPage();
    page.setDefaultTimeout(timeout);
    await page.setViewport(viewport);
    page.on('console', (m) => lines.push(`[console.${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => lines.push(`[pageerror] ${(e as Error).message}`));
    await page.goto(url + path, { waitUntil: 'load', timeout });
    try {
      await page.waitForFunction(waitFor, { timeout });
    } catch (e) {
      throw new Error(`page ${path} did not become ready (${waitFor}): ${(e as Error).message}\n${lines.slice(-20).join('\n')}`);
    }
    return page;
  };
  let page: Page;
  try {
    page = await open(opts.path ?? '/src/browser/host.html', opts.waitFor);
  } catch (e) {
    await browser.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  return {
    browser,
    page,
    url,
    console: lines,
    open,
    async close() {
      await browser.close().catch(() => {});
      await server.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
