/**
 * A Node worker thread of the CPU pool (pool.ts, started by threads.ts through worker-boot.mjs).
 * Task definitions arrive on a MessagePort and are read synchronously (receiveMessageOnPort),
 * since this thread's event loop is blocked while it serves (serve.ts).
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import type { TaskDef } from './protocol.ts';
import { serve } from './serve.ts';
import type { PoolWorkerInit } from './threads.ts';

const init = workerData as PoolWorkerInit & { port: MessagePort };
const port = init.port;
await serve(
  init,
  {
    take: () => (receiveMessageOnPort(port)?.message as TaskDef | undefined) ?? null,
    // the definition is on its way (posted before DEFS was bumped): spin on take()
    wait: () => null,
  },
  () => parentPort!.postMessage({ type: 'ready' }),
);
port.close();
