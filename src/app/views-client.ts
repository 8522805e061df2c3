/**
 * The page's handle on its views (src/render/views-core.ts): in the render worker where the
 * browser can (WebGL2 on an OffscreenCanvas, ImageBitmap hand-over through 'bitmaprenderer'),
 * else on the main thread. In the worker case the page's canvases only show the worker's
 * finished pictures, each set before its render promise resolves. Requests are "latest wins": while one render is in
 * flight, newer ones merge into a single pending request (a frame, a camera move, a resize), so a
 * slow GPU makes pictures skip, never queue up.
 */
import type { ViewSize } from '../render/map-view.ts';
import { ViewsCore, type RenderRequest, type RenderResult } from '../render/views-core.ts';

export interface ViewsClient {
  readonly where: 'worker' | 'main';
  render(r: RenderRequest): Promise<RenderResult>;
  png(which: 'map' | 'surface'): Promise<Blob | null>;
}

/** Whether the views can move to a worker here. */
export function canRenderOffMain(): string | null {
  if (typeof OffscreenCanvas === 'undefined' || !('transferToImageBitmap' in OffscreenCanvas.prototype))
    return 'this browser has no OffscreenCanvas with transferToImageBitmap';
  if (typeof ImageBitmapRenderingContext === 'undefined') return "this browser has no 'bitmaprenderer' canvas context";
  try {
    if (!new OffscreenCanvas(1, 1).getContext('webgl2')) return 'this browser gives no WebGL2 on an OffscreenCanvas';
  } catch {
    return 'this browser gives no WebGL2 on an OffscreenCanvas';
  }
  return null;
}

type Call = { resolve: (v: unknown) => void; reject: (e: Error) => void };

/** Serialises renders: one in flight, the rest merged into one pending request. */
class LatestWins {
  private inflight = false;
  private pending: { req: RenderRequest; waiters: Call[] } | null = null;

  constructor(private send: (r: RenderRequest) => Promise<RenderResult>) {}

  render(r: RenderRequest): Promise<RenderResult> {
    if (!this.inflight) return this.go(r);
    return new Promise((resolve, reject) => {
      if (this.pending) this.pending.req = { ...this.pending.req, ...r };
      else this.pending = { req: r, waiters: [] };
      this.pending.waiters.push({ resolve: resolve as (v: unknown) => void, reject });
    });
  }

  private go(r: RenderRequest): Promise<RenderResult> {
    this.inflight = true;
    const p = this.send(r);
    const next = () => {
      this.inflight = false;
      const q = this.pending;
      this.pending = null;
      if (q)
        this.go(q.req).then(
          (v) => {
            for (const w of q.waiters) w.resolve(v);
          },
          (e) => {
            for (const w of q.waiters) w.reject(e);
          },
        );
    };
    p.then(next, next);
    return p;
  }
}

export function startViews(map: HTMLCanvasElement, surface: HTMLCanvasElement, size: ViewSize, place: 'auto' | 'main'): ViewsClient {
  const why = place === 'main' ? '?thread=main asked for it' : canRenderOffMain();
  if (why) {
    const core = new ViewsCore(map, surface, size);
    return { where: 'main', render: async (r) => core.render(r), png: (w) => core.png(w) };
  }
  const worker = new Worker(new URL('./render-worker.ts', import.meta.url), { type: 'module', name: 'lidendrite-render' });
  let next = 1;
  const waiting = new Map<number, Call>();
  worker.onmessage = (ev: MessageEvent) => {
    const a = ev.data as { id: number; result?: unknown; error?: string };
    const w = waiting.get(a.id);
    waiting.delete(a.id);
    if (a.error !== undefined) w?.reject(new Error(a.error));
    else w?.resolve(a.result);
  };
  const call = <T>(method: string, args: unknown[], transfer: Transferable[] = []) =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ id, method, args }, transfer);
    });
  const show = { map: map.getContext('bitmaprenderer')!, surface: surface.getContext('bitmaprenderer')! };
  void call('init', [size]);
  const queue = new LatestWins(async (r) => {
    const res = await call<RenderResult & { bitmaps: { map: ImageBitmap | null; surface: ImageBitmap | null } }>('render', [r]);
    // the pictures go onto the page's canvases before anyone hears that this render is done
    if (res.bitmaps.map) show.map.transferFromImageBitmap(res.bitmaps.map);
    if (res.bitmaps.surface) show.surface.transferFromImageBitmap(res.bitmaps.surface);
    const { bitmaps: _, ...rest } = res;
    return rest;
  });
  return { where: 'worker', render: (r) => queue.render(r), png: (w) => call<Blob | null>('png', [w]) };
}
