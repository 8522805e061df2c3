/**
 * Where the CPU pool's worker threads come from. In Node they are node:worker_threads
 * (worker-boot.mjs → worker.ts); in a browser they are module Web Workers (web-worker.ts),
 * spawned from a dedicated worker that runs the solver (src/app/sim-worker.ts installs
 * webThreadSpawner() from web-threads.ts). Both run the same serve loop (serve.ts) over the same
 * kernels and shared control block, so a page's CPU backend gives the bits Node's does.
 *
 * A browser page can thread only where (1) SharedArrayBuffer exists, which needs cross-origin
 * isolation (the server sends Cross-Origin-Opener-Policy: same-origin and
 * Cross-Origin-Embedder-Policy: require-corp), and (2) the pool's own thread may block in
 * Atomics.wait, which a page's main thread may not: the solver must run in a worker.
 */
import type { TaskDef } from './protocol.ts';

/** What a pool worker gets at start: the shared control block and per-call scalars. */
export interface PoolWorkerInit {
  ctl: Int32Array;
  scalars: Float64Array;
  spin: number;
}

/** One started pool worker, as the pool sees it. */
export interface PoolWorker {
  /** Resolves when the worker serves; rejects (with the reason) when it failed to start. */
  readonly ready: Promise<void>;
  /** Posts a task definition (structured clone; shared arrays stay shared). */
  post(def: TaskDef): void;
  terminate(): Promise<void>;
}

/** Starts pool workers in some runtime. */
export interface ThreadSpawner {
  /** Why this runtime cannot run pool workers now, or null when it can. */
  unavailable(): string | null;
  spawn(init: PoolWorkerInit): PoolWorker;
}

let browserSpawner: ThreadSpawner | null = null;

/** Installs the browser's spawner (the solver worker does this before it makes a backend). */
export function setThreadSpawner(s: ThreadSpawner | null): void {
  browserSpawner = s;
}

type NodeProcess = { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown };

/** Node's process object, or undefined outside Node. */
export function nodeProcess(): NodeProcess | undefined {
  const p = (globalThis as { process?: NodeProcess }).process;
  return p?.versions?.node && typeof p.getBuiltinModule === 'function' ? p : undefined;
}

/** The spawner for this runtime: Node's worker_threads, the installed browser one, or null. */
export function threadSpawner(): ThreadSpawner | null {
  return nodeProcess() ? nodeSpawner : browserSpawner;
}

/** Why the CPU backend runs on one thread here (null when it can use a pool). */
export function threadsUnavailable(): string | null {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') {
    const g = globalThis as { crossOriginIsolated?: boolean };
    if (g.crossOriginIsolated === false)
      return 'this page is not cross-origin isolated, so there is no SharedArrayBuffer (the server must send Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
    return 'this runtime has no SharedArrayBuffer/Atomics';
  }
  const sp = threadSpawner();
  if (!sp) {
    const inWindow = typeof (globalThis as { document?: unknown }).document !== 'undefined';
    return inWindow
      ? "the solver runs on the page's main thread, which may not block in Atomics.wait (threads need the solver in a worker)"
      : 'no thread spawner installed in this worker';
  }
  return sp.unavailable();
}

type WorkerThreads = typeof import('node:worker_threads');

/** node:worker_threads, booted through tsx (worker-boot.mjs) so worker.ts runs as TypeScript. */
const nodeSpawner: ThreadSpawner = {
  unavailable: () => null,
  spawn(init: PoolWorkerInit): PoolWorker {
    const wt = nodeProcess()!.getBuiltinModule!('node:worker_threads') as WorkerThreads;
    const boot = new URL('./worker-boot.mjs', import.meta.url);
    const entry = new URL('./worker.ts', import.meta.url).href;
    const { port1, port2 } = new wt.MessageChannel();
    const worker = new wt.Worker(boot, { workerData: { ...init, entry, port: port2 }, transferList: [port2], execArgv: [] });
    const ready = new Promise<void>((resolve, reject) => {
      // an idle pool never keeps the process alive (but it must stay referenced until it is up)
      const onMessage = (m: { type?: string }) => {
        if (m?.type !== 'ready') return;
        cleanup();
        worker.unref();
        // a worker that dies between tasks leaves the work to the other threads; say so
        worker.on('error', (e: Error) => console.error(`lidendrite: CPU worker thread failed: ${e.stack ?? e.message}`));
        resolve();
      };
      const onError = (e: Error) => {
        cleanup();
        reject(new Error(`CPU worker thread failed to start: ${e.message}`));
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`CPU worker thread exited during start-up (code ${code})`));
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
    return {
      ready,
      post: (def) => port1.postMessage(def),
      async terminate() {
        await worker.terminate();
        port1.close();
      },
    };
  },
};
