/**
 * A pool of worker threads over shared memory: node:worker_threads in Node, Web Workers in a
 * browser (threads.ts says where they come from and when a page can have them). `threads`
 * counts the pool's own thread, which works on every parallel task too, so there are
 * threads − 1 workers.
 *
 * Per call there is no message: the main thread writes the task into a shared control block
 * and bumps a generation counter (Atomics.store + notify); workers spin briefly and then sleep
 * in Atomics.wait on it. Chunks of rows are claimed by compare-and-swap and counted done
 * (protocol.ts), so the main thread waits only for chunks that are actually running, never for
 * a worker that has not woken up yet. Task definitions (the kernel name and its arguments:
 * arrays on SharedArrayBuffer, numbers) are posted once, when the task is defined, and taken by
 * each worker before it claims a chunk of a new generation (serve.ts).
 *
 * Tasks over fewer than minParallelCells cells (coarse multigrid levels, small grids) run on
 * the main thread alone; kernels write only their own rows and reductions are per-row
 * partials, so the result is the same bits whichever path or split is taken.
 */
import { hardwareThreads, SCALARS, type Exec, type ExecOptions, type Task } from './exec.ts';
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
} from './protocol.ts';
import { sharedF64, sharedI32 } from './shared.ts';
import { nodeProcess, threadSpawner, threadsUnavailable, type PoolWorker } from './threads.ts';

/** Default serial threshold: tasks over fewer cells run on the main thread. */
export const MIN_PARALLEL_CELLS = 4096;
/** Default spin before sleeping (Atomics.load polls, roughly 10–50 µs). */
export const DEFAULT_SPIN = 20000;
/** Chunks per thread and task: small enough to even out, large enough to amortise the claims. */
const CHUNKS_PER_THREAD = 4;

export class Pool implements Exec {
  readonly threads: number;
  readonly minParallelCells: number;
  private readonly ctl = sharedI32(CTL_LENGTH);
  private readonly s = sharedF64(SCALARS);
  private readonly spin: number;
  private workers: PoolWorker[] = [];
  private next = 0;
  private defs = 0;
  private gen = 0;
  private chunks = 0;
  private parallelRuns = 0;
  private readyP: Promise<void>;
  private disposed = false;

  constructor(opts: ExecOptions = {}) {
    const why = threadsUnavailable();
    if (why) throw new Error(`CPU threads: ${why}`);
    const threads = opts.threads ?? hardwareThreads();
    this.threads = threads;
    this.minParallelCells = opts.minParallelCells ?? MIN_PARALLEL_CELLS;
    // spinning only pays while every thread has a core of its own; in a browser the page and
    // its GPU process need cores too, so the pool's threads sleep at once there
    this.spin = opts.spin ?? (nodeProcess() && threads <= hardwareThreads() ? DEFAULT_SPIN : 0);
    const spawner = threadSpawner()!;
    for (let w = 1; w < threads; w++) this.workers.push(spawner.spawn({ ctl: this.ctl, scalars: this.s, spin: this.spin }));
    this.readyP = Promise.all(this.workers.map((w) => w.ready)).then(() => undefined);
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
      for (const w of this.workers) w.post(def);
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
    this.workers = [];
  }
}
