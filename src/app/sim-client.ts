/**
 * The page's handle on its simulation: the same calls (sim-protocol.ts) whether the engine runs
 * in the solver worker (sim-worker.ts, the normal case) or on the page's main thread.
 *
 * startSim() prefers the worker. The main thread takes over only where the worker cannot do the
 * job: no module workers at all, or WebGL wanted (named, or auto would otherwise settle for the
 * CPU) while this browser has no WebGL in workers (no OffscreenCanvas WebGL). `?thread=main`
 * forces the main-thread path (for comparison and tests). Either way the log says where the
 * solver runs and why.
 */
import { NO_WORKER_WEBGL } from '../backends/webgl/context.ts';
import type { Continuation, EngineInfo, EngineStart, Frame } from './engine.ts';
import type { SimAnswer, SimCall, SimMethod, SimMethods } from './sim-protocol.ts';

export interface SimClient {
  /** Where the solver steps: in the solver worker or on the page's main thread. */
  readonly where: 'worker' | 'main';
  readonly info: EngineInfo;
  advance(n: number, want: string[]): Promise<Frame>;
  frame(want: string[]): Promise<Frame>;
  setEnd(end: number): Promise<void>;
  continuation(): Promise<Continuation>;
  /** Disposes of the backend and stops the worker. */
  close(): Promise<void>;
}

/** RPC over a Worker's messages. */
class WorkerRpc {
  private next = 1;
  private waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private dead: string | null = null;

  constructor(readonly worker: Worker) {
    worker.onmessage = (ev: MessageEvent) => {
      const a = ev.data as SimAnswer;
      const w = this.waiting.get(a.id);
      if (!w) return;
      this.waiting.delete(a.id);
      if ('error' in a) w.reject(new Error(a.error));
      else w.resolve(a.result);
    };
    worker.onerror = (ev: ErrorEvent) => {
      ev.preventDefault();
      this.fail(`the solver worker failed: ${ev.message || 'its script did not load'}`);
    };
  }

  private fail(why: string): void {
    this.dead = why;
    for (const w of this.waiting.values()) w.reject(new Error(why));
    this.waiting.clear();
  }

  call<M extends SimMethod>(method: M, ...args: Parameters<SimMethods[M]>): Promise<ReturnType<SimMethods[M]>> {
    if (this.dead) return Promise.reject(new Error(this.dead));
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, method, args } satisfies SimCall);
    });
  }

  terminate(): void {
    this.worker.terminate();
    this.fail('the solver worker was stopped');
  }
}

async function workerClient(start: EngineStart): Promise<SimClient> {
  const worker = new Worker(new URL('./sim-worker.ts', import.meta.url), { type: 'module', name: 'lidendrite-solver' });
  const rpc = new WorkerRpc(worker);
  let info: EngineInfo;
  try {
    info = await rpc.call('create', start);
  } catch (e) {
    rpc.terminate();
    throw e;
  }
  return {
    where: 'worker',
    info,
    advance: (n, want) => rpc.call('advance', n, want),
    frame: (want) => rpc.call('frame', want),
    setEnd: (end) => rpc.call('setEnd', end),
    continuation: () => rpc.call('continuation'),
    async close() {
      await rpc.call('dispose').catch(() => {});
      rpc.terminate();
    },
  };
}

const nextTask = () =>
  new Promise<void>((r) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => r();
    ch.port2.postMessage(0);
  });

async function mainThreadClient(start: EngineStart, why: string): Promise<SimClient> {
  // loaded only when needed: a page whose solver runs in the worker never bundles the backends twice
  const { Engine } = await import('./engine.ts');
  const { installBrowserShaders } = await import('../browser/shader-files.ts');
  installBrowserShaders();
  const engine = await Engine.create(start);
  const base = engine.info();
  const info = { ...base, log: [...base.log, `the solver steps on the page's main thread: ${why}`] };
  return {
    where: 'main',
    info,
    async advance(n, want) {
      // one step per task: the page gets a turn between steps (it cannot between the stages of one)
      let done = 0;
      for (let q = 0; q < n; q++) {
        const d = await engine.advance(1);
        done += d;
        if (d === 0) break;
        await nextTask();
      }
      return engine.frame(want, done);
    },
    frame: (want) => engine.frame(want),
    setEnd: async (end) => engine.setEnd(end),
    continuation: () => engine.continuation(),
    close: () => engine.dispose(),
  };
}

/** Whether a log says the worker could not make a WebGL context that the main thread might. */
function workerLacksWebgl(log: string[]): boolean {
  return log.some((l) => l.includes(NO_WORKER_WEBGL));
}

/** Starts the simulation: in the solver worker where it can do the job, else on the main thread (see the module comment). */
export async function startSim(start: EngineStart, place: 'auto' | 'main' = 'auto'): Promise<SimClient> {
  if (place === 'main') return mainThreadClient(start, '?thread=main asked for it');
  if (typeof Worker === 'undefined') return mainThreadClient(start, 'this browser has no Web Workers');
  let w: SimClient;
  try {
    w = await workerClient(start);
  } catch (e) {
    const why = (e as Error).message;
    // a scenario or solver error is the same on either thread: report it; a worker that did not start is not
    if (!/solver worker/.test(why)) throw e;
    return mainThreadClient(start, why);
  }
  const wantsGl = start.backend === 'webgl' || (start.backend === 'auto' && w.info.backend === 'cpu');
  if (w.info.backend !== 'webgl' && wantsGl && workerLacksWebgl(w.info.log)) {
    try {
      const m = await mainThreadClient(
        { ...start, backend: 'webgl', fallback: false, options: { ...start.options, allowSoftware: start.backend === 'webgl' } },
        `${NO_WORKER_WEBGL} (no WebGL through OffscreenCanvas)`,
      );
      await w.close();
      return { ...m, info: { ...m.info, log: [...w.info.log.map((l) => `worker: ${l}`), ...m.info.log] } };
    } catch (e) {
      w.info.log.push(`webgl on the page's main thread failed too: ${(e as Error).message}`);
    }
  }
  return w;
}
