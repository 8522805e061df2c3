/**
 * The serve loop of a CPU pool worker (pool.ts), shared by Node's worker threads (worker.ts)
 * and a browser's Web Workers (web-worker.ts). It waits for a new task generation on the shared
 * control block (spinning briefly, then Atomics.wait), takes the task definitions posted since
 * the last generation, claims chunks of rows by CAS, runs the kernel on them and counts them
 * done (protocol.ts).
 *
 * Task definitions are posted before the generation that runs them is published (and DEFS is
 * bumped in between), so a worker that has taken every definition up to DEFS after seeing a
 * generation knows its task. Node takes them synchronously (receiveMessageOnPort); a browser
 * worker cannot, so it goes back to its event loop for them before it claims anything — the
 * pool's own thread never waits for a worker that has not claimed a chunk, so that detour
 * costs nothing but that worker's share.
 */
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
} from './protocol.ts';
import type { PoolWorkerInit } from './threads.ts';

/** Where a worker's task definitions arrive. */
export interface DefSource {
  /** Takes one definition if one has arrived (never blocks), else null. */
  take(): TaskDef | null;
  /** Resolves when another definition may have arrived (browser: after a trip through the event loop); null where take() alone suffices (Node: it spins). */
  wait(): Promise<void> | null;
}

/** Serves the pool until it quits; `ready` is called once the worker is waiting for work. */
export async function serve(init: PoolWorkerInit, source: DefSource, ready: () => void): Promise<void> {
  const { ctl, scalars, spin } = init;
  const table = kernelTable();
  const fns: KernelFn[] = [];
  const args: unknown[] = [];
  let defs = 0;
  const drain = async () => {
    const want = Atomics.load(ctl, DEFS);
    while (defs < want) {
      const d = source.take();
      if (!d) {
        const w = source.wait();
        if (w) await w;
        continue;
      }
      fns[d.id] = table[d.kernel as KernelName] as KernelFn;
      args[d.id] = d.args;
      defs++;
    }
  };
  let seen = Atomics.load(ctl, CLAIM) >>> IDX_BITS;
  ready();
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
    if (Atomics.load(ctl, DEFS) > defs) {
      await drain();
      v = Atomics.load(ctl, CLAIM);
    }
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
        const fn = fns[id];
        if (fn === undefined) throw new Error(`task ${id} was never defined in this worker`);
        const rows = ctl[slot + P_ROWS],
          chunk = ctl[slot + P_CHUNK];
        const r0 = idx * chunk;
        fn(args[id], scalars, r0, Math.min(rows, r0 + chunk));
      } catch (e) {
        Atomics.store(ctl, ERROR, 1);
        console.error(`lidendrite: CPU worker kernel failed: ${e instanceof Error ? e.stack : String(e)}`);
      }
      Atomics.add(ctl, WORKER_CHUNKS, 1);
      if (Atomics.add(ctl, DONE, 1) + 1 === ctl[slot + P_NCHUNKS]) Atomics.notify(ctl, DONE);
      v = Atomics.load(ctl, CLAIM);
    }
  }
}
