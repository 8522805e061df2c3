/**
 * The page's two WebGL views (the 2D map and the 3D surface) behind one message-shaped API, so
 * they can live in a worker on OffscreenCanvases (src/app/render-worker.ts) or, where a browser
 * cannot do that, on the page's main thread — the same code either way. A render request
 * carries what changed (canvas sizes, the map, the volume, the camera), all optional; the answer
 * is what the page needs to know about the picture (the map's layout for the pointer readout,
 * the 3D overlay's layout, the surface's triangle count and camera).
 *
 * Why a worker: a WebGL canvas on a machine without a GPU (SwiftShader, llvmpipe) is composited
 * by reading its pixels back, and that wait lands on the thread that drew it; drawn from a
 * worker it lands there and the page's main thread stays free. In the worker the views draw on
 * OffscreenCanvases of their own and hand each finished picture to the page as an ImageBitmap
 * (the page shows it through a 'bitmaprenderer' context), so what the page shows is exactly the
 * last picture answered for.
 */
import { MapView, type MapLayout, type MapSpec, type ViewSize } from './map-view.ts';
import type { HudLayout } from './surface-hud.ts';
import { SurfaceView, type VolumeSpec } from './surface-view.ts';

/** Camera position and target, µm. */
export type CameraState = [number, number, number, number, number, number];

export interface RenderRequest {
  size?: { map: ViewSize; surface: ViewSize | null };
  map?: MapSpec;
  surface?: VolumeSpec;
  camera?: CameraState;
}

export interface RenderResult {
  map: MapLayout | null;
  hud: HudLayout | null;
  triangles: number;
  /** The camera after this render (the view frames a new grid itself). */
  camera: CameraState | null;
  /** Views whose WebGL context the browser took away (they draw nothing until the page is reloaded). */
  lost: string[];
}

export class ViewsCore {
  private map: MapView;
  private surface: SurfaceView | null = null;
  private surfaceSize: ViewSize | null = null;
  private hasMap = false;
  private hasSurface = false;
  private lost = new Set<string>();

  constructor(
    mapCanvas: HTMLCanvasElement | OffscreenCanvas,
    private surfaceCanvas: HTMLCanvasElement | OffscreenCanvas,
    size: ViewSize,
  ) {
    this.map = new MapView(mapCanvas, size);
    this.watch(mapCanvas, 'map');
    this.watch(surfaceCanvas, 'surface');
  }

  private watch(c: HTMLCanvasElement | OffscreenCanvas, name: string): void {
    c.addEventListener('webglcontextlost', () => this.lost.add(name));
    c.addEventListener('webglcontextrestored', () => this.lost.delete(name));
  }

  render(r: RenderRequest): RenderResult {
    if (r.size) {
      this.map.setSize(r.size.map.width, r.size.map.height);
      this.surfaceSize = r.size.surface;
      if (this.surface && r.size.surface) {
        const cam = this.surface.cameraState();
        this.surface.setSize(r.size.surface.width, r.size.surface.height);
        // a new size reframes the domain; the user's camera stays
        if (this.hasSurface) this.surface.setCamera(cam);
      }
    }
    if (r.map) {
      this.map.show(r.map);
      this.hasMap = true;
    }
    if (r.surface) {
      if (!this.surface) {
        const size = this.surfaceSize ?? { width: 800, height: 500, dpr: 1 };
        this.surface = new SurfaceView(this.surfaceCanvas, { hud: true, controls: false, size });
      }
      this.surface.show(r.surface);
      this.hasSurface = true;
    }
    if (r.camera && this.surface) this.surface.setCamera(r.camera);
    if (this.hasMap) this.map.render();
    if (this.surface && this.hasSurface) this.surface.render();
    return {
      map: this.map.layout(),
      hud: this.surface?.hudLayout() ?? null,
      triangles: this.surface?.triangles ?? 0,
      camera: this.surface && this.hasSurface ? this.surface.cameraState() : null,
      lost: [...this.lost],
    };
  }

  /** Which views have a picture (what a worker hands over after a render). */
  drawn(): { map: boolean; surface: boolean } {
    return { map: this.hasMap, surface: this.hasSurface && this.surface !== null };
  }

  /** A view as PNG (drawn afresh first: a canvas may have been cleared by a resize since). */
  async png(which: 'map' | 'surface'): Promise<Blob | null> {
    const view = which === 'map' ? this.map : this.surface;
    if (!view || (which === 'map' ? !this.hasMap : !this.hasSurface)) return null;
    view.render();
    const c = view.canvas;
    if ('convertToBlob' in c) return c.convertToBlob({ type: 'image/png' });
    return new Promise((resolve) => c.toBlob((b) => resolve(b), 'image/png'));
  }
}
