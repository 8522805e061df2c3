/**
 * A pool of worker threads (node:worker_threads) over shared memory. `threads` counts the
 * main thread, which works on every parallel task too, so there are threads − 1 workers.
 *
 * Per call there is no message: the main thread writes the task into a shared control block
 * and bumps a generation counter (Atomics.store + notify); workers spin briefly and then sleep
 * in Atomics.wait on it. Chunks of rows are claimed by compare-and-swap and counted done
 * (protocol.ts), so the main thread waits only for chunks that are actually running, never for
 * a worker that has not woken up yet. Task definitions (the kernel name and its arguments:
 * arrays on SharedArrayBuffer, numbers) are posted once, when the task is defined, and read by
 * the workers synchronously.
 *
 * Tasks over fewer than minParallelCells cells (coarse multigrid levels, small grids) run on
 * the main thread alone; kernels write only their own rows and reductions are per-row
 * partials, so the result is the same bits whichever path or split is taken.
 */
import type { MessagePort, Worker } from 'node:worker_threads';
import { canThread, hardwareThreads, SCALARS, type Exec, type ExecOptions, type Task } from './exec.ts';
import { kernelTable, type KernelArgs, type KernelFn, type KernelName } from './kernels.ts';
import {
  CLAIM,
  CTL_LENGTH,
  DEFS,
  DONE,
  ERROR,
  GEN_MASK,
  IDX_BITS,
  IDX_MASK,
  MAX_CHUNKS,
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
import { sharedF64, sharedI32 } from './shared.ts';

/** Default serial threshold: tasks over fewer cells run on the main thread. */
export const MIN_PARALLEL_CELLS = 4096;
/** Default spin before sleeping (Atomics.load polls, roughly 10–50 µs). */
export const DEFAULT_SPIN = 20000;
/** Chunks per thread and task: small enough to even out, large enough to amortise the claims. */
const CHUNKS_PER_THREAD = 4;

type WorkerThreads = typeof import('node:worker_threads');

export class Pool implements Exec {
  readonly threads: number;
  readonly minParallelCells: number;
  private readonly ctl = sharedI32(CTL_LENGTH);
  private readonly s = sharedF64(SCALARS);
  private readonly spin: number;
  private workers: Worker[] = [];
  private ports: MessagePort[] = [];
  private next = 0;
  private defs = 0;
  private gen = 0;
  private chunks = 0;
  private parallelRuns = 0;
  private readyP: Promise<void>;
  private disposed = false;

  constructor(opts: ExecOptions = {}) {
    if (!canThread()) throw new Error('CPU threads need Node.js with SharedArrayBuffer');
    const threads = opts.threads ?? hardwareThreads();
    this.threads = threads;
    this.minParallelCells = opts.minParallelCells ?? MIN_PARALLEL_CELLS;
    // spinning only pays while every thread has a core of its own
    this.spin = opts.spin ?? (threads <= hardwareThreads() ? DEFAULT_SPIN : 0);
    const wt = (globalThis as unknown as { process: { getBuiltinModule(id: string): unknown } }).process.getBuiltinModule(
      'node:worker_threads',
    ) as WorkerThreads;
    const boot = new URL('./worker-boot.mjs', import.meta.url);
    const entry = new URL('./worker.ts', import.meta.url).href;
    const ready: Promise<void>[] = [];
    for (let w = 1; w < threads; w++) {
      const { port1, port2 } = new wt.MessageChannel();
      const init: WorkerInit = { entry, ctl: this.ctl, scalars: this.s, port: port2, spin: this.spin };
      const worker = new wt.Worker(boot, { workerData: init, transferList: [port2], execArgv: [] });
      ready.push(
        new Promise<void>((resolve, reject) => {
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
        }),
      );
      this.workers.push(worker);
      this.ports.push(port1);
    }
    this.readyP = Promise.all(ready).then(() => undefined);
    // surface start-up failures through ready(), not as an unhandled rejection
    this.readyP.catch(() => undefined);
  }

  ready(): Promise<void> {
    return this.readyP;
  }

  task<K extends KernelName>(kernel: K, args: KernelArgs<K>, rows: number, cells: number): Task {
    const id = this.next++;
    const parallel = this.workers.length > 0 && rows >= 2 && cells >= this.minParallelCells;
    if (parallel) {
      const def: TaskDef = { id, kernel, args };
      for (const p of this.ports) p.postMessage(def);
      this.defs++;
      Atomics.store(this.ctl, DEFS, this.defs);
    }
    return { id, kernel, fn: kernelTable()[kernel] as KernelFn, args, rows, parallel };
  }

  run(t: Task, s0 = 0, s1 = 0, s2 = 0, s3 = 0): void {
    const s = this.s;
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
    if (!t.parallel) {
      t.fn(t.args, s, 0, t.rows);
      return;
    }
    if (this.disposed) throw new Error('CPU pool: used after dispose()');
    const ctl = this.ctl;
    const rows = t.rows;
    const chunk = Math.max(1, Math.ceil(rows / Math.min(MAX_CHUNKS, this.threads * CHUNKS_PER_THREAD)));
    const nChunks = Math.ceil(rows / chunk);
    this.chunks += nChunks;
    this.parallelRuns++;
    const g = (this.gen = (this.gen + 1) & GEN_MASK);
    const slot = SLOT + 4 * (g & 1);
    ctl[slot + P_TASK] = t.id;
    ctl[slot + P_ROWS] = rows;
    ctl[slot + P_CHUNK] = chunk;
    ctl[slot + P_NCHUNKS] = nChunks;
    Atomics.store(ctl, DONE, 0);
    let v = g << IDX_BITS;
    Atomics.store(ctl, CLAIM, v);
    Atomics.notify(ctl, CLAIM);
    let failed: unknown = null;
    for (;;) {
      const idx = v & IDX_MASK;
      if (idx >= nChunks) break;
      const w = Atomics.compareExchange(ctl, CLAIM, v, v + 1);
      if (w !== v) {
        v = w;
        continue;
      }
      try {
        const r0 = idx * chunk;
        t.fn(t.args, s, r0, Math.min(rows, r0 + chunk));
      } catch (e) {
        failed ??= e;
      }
      Atomics.add(ctl, DONE, 1);
      v = Atomics.load(ctl, CLAIM);
    }
    let d = Atomics.load(ctl, DONE);
    for (let n = 0; d !== nChunks && n < this.spin; n++) d = Atomics.load(ctl, DONE);
    while (d !== nChunks) {
      Atomics.wait(ctl, DONE, d);
      d = Atomics.load(ctl, DONE);
    }
    if (failed) throw failed;
    if (Atomics.load(ctl, ERROR) !== 0) {
      Atomics.store(ctl, ERROR, 0);
      throw new Error(`CPU pool: kernel ${t.kernel} failed in a worker thread (see the message above)`);
    }
  }

  /** Chunks run so far: in total (parallel tasks) and by the worker threads. */
  stats(): { chunks: number; workerChunks: number; tasks: number } {
    return { chunks: this.chunks, workerChunks: Atomics.load(this.ctl, WORKER_CHUNKS), tasks: this.parallelRuns };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.ctl, QUIT, 1);
    this.gen = (this.gen + 1) & GEN_MASK;
    Atomics.store(this.ctl, CLAIM, this.gen << IDX_BITS);
    Atomics.notify(this.ctl, CLAIM);
    await Promise.all(this.workers.map((w) => w.terminate()));
    for (const p of this.ports) p.close();
    this.workers = [];
    this.ports = [];
  }
}
