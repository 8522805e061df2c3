/**
 * The page's solver worker: a dedicated module worker that runs the Engine (engine.ts) off the
 * page's main thread, so the page keeps drawing and answering while the backend steps. WebGPU
 * works here as in a page (navigator.gpu), WebGL through an OffscreenCanvas, and the CPU backend
 * uses all cores through its pool of Web Workers (threads.ts; needs cross-origin isolation).
 * Calls are answered one at a time, in order.
 */
import { webThreadSpawner } from '../backends/cpu/web-threads.ts';
import { setThreadSpawner } from '../backends/cpu/threads.ts';
import { installBrowserShaders } from '../browser/shader-files.ts';
import { Engine } from './engine.ts';
import { transferables, type SimAnswer, type SimCall, type SimMethods } from './sim-protocol.ts';

installBrowserShaders();
setThreadSpawner(webThreadSpawner());

let engine: Engine | null = null;
const live = (): Engine => {
  if (!engine) throw new Error('no simulation in the worker (create() first)');
  return engine;
};

type Impl = { [K in keyof SimMethods]: (...args: Parameters<SimMethods[K]>) => Promise<ReturnType<SimMethods[K]>> };
const impl: Impl = {
  async create(start) {
    await engine?.dispose();
    engine = null;
    engine = await Engine.create(start);
    return engine.info();
  },
  async advance(n, want) {
    const e = live();
    const done = await e.advance(n);
    return e.frame(want, done);
  },
  frame: async (want) => live().frame(want),
  setEnd: async (end) => live().setEnd(end),
  continuation: async () => live().continuation(),
  async dispose() {
    await engine?.dispose();
    engine = null;
  },
};

let chain: Promise<void> = Promise.resolve();
self.onmessage = (ev: MessageEvent) => {
  const call = ev.data as SimCall;
  chain = chain.then(async () => {
    let answer: SimAnswer;
    try {
      const fn = impl[call.method] as (...a: unknown[]) => Promise<unknown>;
      const result = await fn(...call.args);
      answer = { id: call.id, result };
      self.postMessage(answer, { transfer: transferables(result) });
    } catch (e) {
      answer = { id: call.id, error: e instanceof Error ? e.message : String(e) };
      self.postMessage(answer);
    }
  });
};
