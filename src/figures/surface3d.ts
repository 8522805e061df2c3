/**
 * The Node side of the headless surface renderer: one headless Chromium (src/browser/chromium.ts)
 * serving src/browser/surface.html, to which 3D ξ fields are sent (wire.ts) and from which PNGs of
 * their ξ = ½ surface come back (three.js WebGLRenderer, src/render/surface-view.ts). One session
 * serves a whole `lidendrite figures` call: startSurfaceSession() once, render() per panel,
 * close() at the end. registerSurfaceRenderer() plugs it into the morphology panels
 * (setSurfaceRenderer) and starts Chromium only when a 3D panel actually asks for a picture.
 */
import type { ColormapName } from '../io/colormap.ts';
import { chromiumMissingReason, startBrowserSession, type BrowserSession } from '../browser/chromium.ts';
import type { SurfaceCamera } from '../browser/surface-page.ts';
import { encodeWire } from '../browser/wire.ts';
import { SURFACE_PANEL, setSurfaceRenderer } from './morphology.ts';

/** Default picture size (px): drawn at half this size in the figures, so the 2× PNG stays sharp. */
export const SURFACE_PX = { width: 2 * SURFACE_PANEL.width, height: 2 * SURFACE_PANEL.height } as const;

export interface SurfaceOptions {
  width?: number;
  height?: number;
  /** Colour the surface by this field on the same grid (e.g. c̃); absent: plain metal. */
  colorBy?: { data: Float64Array; colormap: ColormapName; range?: [number, number] };
  /** Camera (src/browser/surface-page.ts SurfaceCamera); default 'growth-up' (x up the picture). */
  camera?: SurfaceCamera;
}

export interface SurfaceSession {
  /** PNG bytes of the ξ = ½ surface of `xi` (grid n, cell size dx in m). */
  render(xi: Float64Array, n: [number, number, number], dx: number, opts?: SurfaceOptions): Promise<Uint8Array>;
  /** Triangles in the last surface drawn. */
  lastTriangles: number;
  close(): Promise<void>;
}

/** Checks the input before anything crosses to the page (bad input: a clear error naming the field). */
function checkInput(xi: Float64Array, n: [number, number, number], dx: number, o: SurfaceOptions): void {
  if (n.length !== 3 || !n.every((v) => Number.isInteger(v) && v >= 2))
    throw new Error(`surface: grid n must be three integers ≥ 2 (got ${n.join('×')})`);
  const N = n[0] * n[1] * n[2];
  if (xi.length !== N) throw new Error(`surface: ξ has ${xi.length} values, the grid ${n.join('×')} has ${N}`);
  if (!(dx > 0 && dx < 1e-3)) throw new Error(`surface: dx must be in (0, 1 mm) in metres (got ${dx})`);
  if (o.colorBy && o.colorBy.data.length !== N) throw new Error(`surface: colorBy.data has ${o.colorBy.data.length} values, the grid ${N}`);
}

/** Starts Chromium with the surface page. Throws chromiumMissingReason() when there is no Chromium. */
export async function startSurfaceSession(): Promise<SurfaceSession> {
  const why = chromiumMissingReason();
  if (why) throw new Error(`surface renderer: ${why}`);
  const ses: BrowserSession = await startBrowserSession({
    path: '/src/browser/surface.html',
    waitFor: 'window.lidendriteSurface !== undefined',
  });
  const s: SurfaceSession = {
    lastTriangles: 0,
    async render(xi, n, dx, opts = {}) {
      checkInput(xi, n, dx, opts);
      const args = encodeWire({
        n,
        dxUm: dx * 1e6,
        xi,
        width: opts.width ?? SURFACE_PX.width,
        height: opts.height ?? SURFACE_PX.height,
        colorBy: opts.colorBy ?? null,
        camera: opts.camera ?? 'growth-up',
      });
      let r: { png: string; triangles: number };
      try {
        r = await ses.page.evaluate((a) => window.lidendriteSurface!.render(a), args as never);
      } catch (e) {
        throw new Error(`surface renderer: the page failed: ${(e as Error).message}\n${ses.console.slice(-10).join('\n')}`);
      }
      const m = /^data:image\/png;base64,(.*)$/.exec(r.png);
      if (!m) throw new Error(`surface renderer: the page returned no PNG (${r.png.slice(0, 40)}…)`);
      s.lastTriangles = r.triangles;
      return new Uint8Array(Buffer.from(m[1], 'base64'));
    },
    close: () => ses.close(),
  };
  return s;
}

/**
 * Registers a lazily started surface renderer with the morphology panels (setSurfaceRenderer).
 * Returns null (nothing registered; 3D panels fall back to the mid-plane slice) with the reason
 * when Chromium is missing; otherwise a handle whose close() unregisters it and stops Chromium
 * if it was started.
 */
export function registerSurfaceRenderer(): { close(): Promise<void> } | { missing: string } {
  const why = chromiumMissingReason();
  if (why) return { missing: why };
  let started: Promise<SurfaceSession> | null = null;
  setSurfaceRenderer(async (xi, n, dx) => {
    started ??= startSurfaceSession();
    return (await started).render(xi, n, dx);
  });
  return {
    async close() {
      setSurfaceRenderer(null);
      if (started) await (await started.catch(() => null))?.close();
      started = null;
    },
  };
}
