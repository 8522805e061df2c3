/**
 * A worker thread of the CPU pool (pool.ts). It waits for a new task generation on the shared
 * control block (spinning briefly, then Atomics.wait), claims chunks of rows by CAS, runs the
 * kernel on them and counts them done (protocol.ts). Task definitions arrive on a MessagePort
 * and are read synchronously (receiveMessageOnPort), since this thread's event loop is blocked
 * while it serves.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { kernelTable, type KernelFn, type KernelName } from './kernels.ts';
import {
  CLAIM,
  DEFS,
  DONE,
  ERROR,
  IDX_BITS,
  IDX_MASK,
  P_CHUNK,
  P_NCHUNKS,
  P_ROWS,
  P_TASK,
  QUIT,
  SLOT,
  WORKER_CHUNKS,
  type TaskDef,
  type WorkerInit,
} from './protocol.ts';

function serve(init: WorkerInit): void {
  const { ctl, scalars, port, spin } = init;
  const table = kernelTable();
  const fns: KernelFn[] = [];
  const args: unknown[] = [];
  let defs = 0;
  const sync = (p: MessagePort) => {
    const want = Atomics.load(ctl, DEFS);
    while (defs < want) {
      const m = receiveMessageOnPort(p);
      if (!m) continue;
      const d = m.message as TaskDef;
      fns[d.id] = table[d.kernel as KernelName] as KernelFn;
      args[d.id] = d.args;
      defs++;
    }
  };
  let seen = Atomics.load(ctl, CLAIM) >>> IDX_BITS;
  parentPort!.postMessage({ type: 'ready' });
  for (;;) {
    // wait for a generation we have not served
    let v = Atomics.load(ctl, CLAIM);
    for (let n = 0; v >>> IDX_BITS === seen && n < spin; n++) v = Atomics.load(ctl, CLAIM);
    while (v >>> IDX_BITS === seen) {
      Atomics.wait(ctl, CLAIM, v);
      v = Atomics.load(ctl, CLAIM);
    }
    if (Atomics.load(ctl, QUIT) !== 0) break;
    const g = v >>> IDX_BITS;
    seen = g;
    const slot = SLOT + 4 * (g & 1);
    // claim chunks of generation g until none is left (or g is over)
    for (;;) {
      const idx = v & IDX_MASK;
      if (v >>> IDX_BITS !== g || idx >= ctl[slot + P_NCHUNKS]) break;
      const w = Atomics.compareExchange(ctl, CLAIM, v, v + 1);
      if (w !== v) {
        v = w;
        continue;
      }
      // chunk idx of generation g is ours: its parameters cannot change until we count it done
      try {
        const id = ctl[slot + P_TASK];
        if (fns[id] === undefined) sync(port);
        const rows = ctl[slot + P_ROWS],
          chunk = ctl[slot + P_CHUNK];
        const r0 = idx * chunk;
        fns[id](args[id], scalars, r0, Math.min(rows, r0 + chunk));
      } catch (e) {
        Atomics.store(ctl, ERROR, 1);
        console.error(`lidendrite: CPU worker kernel failed: ${e instanceof Error ? e.stack : String(e)}`);
      }
      Atomics.add(ctl, WORKER_CHUNKS, 1);
      if (Atomics.add(ctl, DONE, 1) + 1 === ctl[slot + P_NCHUNKS]) Atomics.notify(ctl, DONE);
      v = Atomics.load(ctl, CLAIM);
    }
  }
  port.close();
}

serve(workerData as WorkerInit);
