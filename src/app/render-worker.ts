/**
 * The page's render worker: the map and the 3D surface (src/render/views-core.ts) drawn on
 * OffscreenCanvases of this worker; after every render the finished pictures go to the page as
 * ImageBitmaps (transferred, no copy), which it shows through 'bitmaprenderer' contexts
 * (views-client.ts). Neither the drawing nor the wait for a software GPU ever takes the page's
 * main thread. Calls are answered in order.
 */
import type { ViewSize } from '../render/map-view.ts';
import { ViewsCore, type RenderRequest } from '../render/views-core.ts';

let core: ViewsCore | null = null;
let map: OffscreenCanvas | null = null;
let surface: OffscreenCanvas | null = null;

self.onmessage = async (ev: MessageEvent) => {
  const { id, method, args } = ev.data as { id: number; method: 'init' | 'render' | 'png'; args: unknown[] };
  try {
    if (method === 'init') {
      const size = args[0] as ViewSize;
      map = new OffscreenCanvas(1, 1);
      surface = new OffscreenCanvas(1, 1);
      core = new ViewsCore(map, surface, size);
      self.postMessage({ id, result: null });
    } else if (!core || !map || !surface) throw new Error('render worker: init() first');
    else if (method === 'render') {
      const result = core.render(args[0] as RenderRequest);
      const d = core.drawn();
      const bitmaps = { map: d.map ? map.transferToImageBitmap() : null, surface: d.surface ? surface.transferToImageBitmap() : null };
      const transfer = [bitmaps.map, bitmaps.surface].filter((b): b is ImageBitmap => b !== null);
      self.postMessage({ id, result: { ...result, bitmaps } }, { transfer });
    } else self.postMessage({ id, result: await core.png(args[0] as 'map' | 'surface') });
  } catch (e) {
    self.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
};
