/**
 * The page's render worker: the map and the 3D surface (src/render/views-core.ts) drawn on
 * OffscreenCanvases handed over by the page (views-client.ts), so neither drawing nor waiting for
 * a software GPU ever takes the page's main thread. Calls are answered in order.
 */
import { ViewsCore, type RenderRequest } from '../render/views-core.ts';

let core: ViewsCore | null = null;

self.onmessage = async (ev: MessageEvent) => {
  const { id, method, args } = ev.data as { id: number; method: 'init' | 'render' | 'png'; args: unknown[] };
  try {
    let result: unknown = null;
    if (method === 'init') {
      const [map, surface, size] = args as [OffscreenCanvas, OffscreenCanvas, { width: number; height: number; dpr: number }];
      core = new ViewsCore(map, surface, size);
    } else if (!core) throw new Error('render worker: init() first');
    else if (method === 'render') result = core.render(args[0] as RenderRequest);
    else result = await core.png(args[0] as 'map' | 'surface');
    self.postMessage({ id, result });
  } catch (e) {
    self.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
};
