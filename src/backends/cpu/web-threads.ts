/**
 * The browser's pool workers: module Web Workers running web-worker.ts (Vite bundles the
 * `new Worker(new URL(…), { type: 'module' })` form, in the dev server and in a build). Only a
 * worker may spawn them for the pool: the pool's own thread blocks in Atomics.wait, which a
 * page's main thread may not (see threads.ts). Never imported by Node.
 */
import type { TaskDef } from './protocol.ts';
import type { PoolWorker, PoolWorkerInit, ThreadSpawner } from './threads.ts';

export function webThreadSpawner(): ThreadSpawner {
  return {
    unavailable() {
      const g = globalThis as { crossOriginIsolated?: boolean; document?: unknown; Worker?: unknown };
      if (g.crossOriginIsolated !== true)
        return 'this page is not cross-origin isolated, so there is no SharedArrayBuffer (the server must send Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
      if (g.document !== undefined) return "the solver runs on the page's main thread, which may not block in Atomics.wait";
      if (typeof g.Worker !== 'function') return 'this browser cannot start workers from a worker';
      return null;
    },
    spawn(init: PoolWorkerInit): PoolWorker {
      const w = new Worker(new URL('./web-worker.ts', import.meta.url), { type: 'module', name: 'lidendrite-cpu-pool' });
      const ready = new Promise<void>((resolve, reject) => {
        w.onmessage = (ev: MessageEvent) => {
          if ((ev.data as { type?: string })?.type === 'ready') resolve();
        };
        w.onerror = (ev: ErrorEvent) => {
          ev.preventDefault();
          reject(new Error(`CPU worker failed to start: ${ev.message || 'the worker script did not load'}`));
        };
      });
      w.postMessage(init);
      return {
        ready,
        post: (def: TaskDef) => w.postMessage(def),
        async terminate() {
          w.terminate();
        },
      };
    },
  };
}
