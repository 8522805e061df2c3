/**
 * A browser Web Worker of the CPU pool (spawned by web-threads.ts from the solver's worker).
 * The first message is the init (the shared control block and scalars); every later one is a
 * task definition, queued here and taken by the serve loop (serve.ts), which comes back to this
 * event loop whenever it needs a definition that has not been taken yet.
 */
import type { TaskDef } from './protocol.ts';
import { serve } from './serve.ts';
import type { PoolWorkerInit } from './threads.ts';

const queue: TaskDef[] = [];
let wake: (() => void) | null = null;
let started = false;

self.onmessage = (ev: MessageEvent) => {
  if (!started) {
    started = true;
    const init = ev.data as PoolWorkerInit;
    void serve(
      init,
      {
        take: () => queue.shift() ?? null,
        wait: () =>
          new Promise<void>((r) => {
            wake = r;
          }),
      },
      () => self.postMessage({ type: 'ready' }),
    ).then(() => self.close());
    return;
  }
  queue.push(ev.data as TaskDef);
  const w = wake;
  wake = null;
  w?.();
};
