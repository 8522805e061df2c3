/**
 * The page side of the headless surface renderer: installSurfacePage() exposes
 * `window.lidendriteSurface.render(args)`, which takes a wire-encoded 3D ξ field (wire.ts), shows
 * its ξ = ½ surface in a SurfaceView (src/render/surface-view.ts: the same iso-surface, lights
 * and default camera as the browser app's 3D view; WebGLRenderer, since WebGPURenderer draws
 * nothing headless) and returns the canvas as a PNG data URL. Deterministic: the camera is the
 * view's fixed default framing, nothing animates and no clock enters the picture.
 */
import { Vector3 } from 'three';
import { SurfaceView } from '../render/surface-view.ts';
import type { ColormapName } from '../io/colormap.ts';
import { decodeWire } from './wire.ts';

/** What Node sends (wire-encoded). */
export interface SurfaceRequest {
  n: [number, number, number];
  /** Cell size, µm. */
  dxUm: number;
  xi: Float64Array;
  /** Picture size in pixels. */
  width: number;
  height: number;
  /** Colour the surface by this field (e.g. c̃); absent: plain metal. */
  colorBy?: { data: Float64Array; colormap: ColormapName; range?: [number, number] } | null;
  /** Camera (see SurfaceCamera); default 'growth-up'. */
  camera?: SurfaceCamera;
}

/**
 * 'oblique': the browser app's default view (SurfaceView.frame: from the electrolyte side, z up).
 * 'growth-up': the figures' view: the growth direction x points up the picture, seen from the
 * side (−y) and a little from above (+x) and from +z, so the height of a deposit reads directly.
 * Both look at the domain centre from the same distance (the domain's bounding sphere fills the
 * narrower field of view), so a picture's scale does not depend on the camera.
 */
export type SurfaceCamera = 'oblique' | 'growth-up';
const GROWTH_UP_DIR = new Vector3(0.5, -1, 0.45).normalize();

export interface SurfaceReply {
  /** data:image/png;base64,… of the canvas. */
  png: string;
  triangles: number;
}

export interface SurfacePage {
  render(args: unknown): Promise<SurfaceReply>;
}

declare global {
  interface Window {
    lidendriteSurface?: SurfacePage;
  }
}

/** Installs window.lidendriteSurface on a page with the given canvas (idempotent). */
export function installSurfacePage(canvas: HTMLCanvasElement): SurfacePage {
  if (window.lidendriteSurface) return window.lidendriteSurface;
  let view: SurfaceView | null = null;
  const page: SurfacePage = {
    async render(args) {
      const r = decodeWire(args) as SurfaceRequest;
      if (!(r.width >= 16 && r.height >= 16 && r.width <= 4096 && r.height <= 4096))
        throw new Error(`surface: width/height must be 16..4096 px (got ${r.width}×${r.height})`);
      // CSS size = drawing size: the picture has exactly width × height pixels whatever the page's pixel ratio
      canvas.style.width = `${r.width}px`;
      canvas.style.height = `${r.height}px`;
      if (!view) view = new SurfaceView(canvas);
      view.renderer.setPixelRatio(1);
      view.setSize(r.width, r.height);
      view.show({ n: r.n, dxUm: r.dxUm, xi: r.xi, colorBy: r.colorBy ?? null });
      // show() frames the camera only when the grid changes; re-frame so every picture of a grid
      // uses the same fixed camera, whatever was shown before
      view.setSize(r.width, r.height);
      const cam = r.camera ?? 'growth-up';
      if (cam !== 'oblique' && cam !== 'growth-up')
        throw new Error(`surface: camera must be 'oblique' or 'growth-up' (got ${String(cam)})`);
      if (cam === 'growth-up') {
        const target = view.target;
        const dist = view.camera.position.distanceTo(target);
        view.camera.up.set(1, 0, 0);
        view.camera.position.copy(target).addScaledVector(GROWTH_UP_DIR, dist);
        view.camera.lookAt(target);
        view.camera.updateMatrixWorld();
      }
      view.render();
      return { png: canvas.toDataURL('image/png'), triangles: view.triangles };
    },
  };
  window.lidendriteSurface = page;
  return page;
}
