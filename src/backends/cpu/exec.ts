/**
 * How the CPU backend runs its kernels. A kernel is a plain function over a range of rows
 * [r0, r1) (a row = all i for one (j, k); layouts are x-fastest):
 *   kernel(args, s, r0, r1)
 * args is fixed when the task is defined (arrays on shared memory, layout, coefficients);
 * s holds the per-call scalars (dt, α, β of CG, the noise key…). Every kernel writes only the
 * cells of its own rows (and per-row partials), so any split of the rows between threads gives
 * the same bits; reductions are summed on the main thread in a fixed order (pairwiseSum).
 *
 * SerialExec runs every task on the calling thread; Pool (pool.ts) runs large tasks on
 * worker threads over shared memory and small ones (coarse multigrid levels, tiny grids)
 * serially. Both give identical results.
 */
import { kernelTable, type KernelArgs, type KernelFn, type KernelName } from './kernels.ts';
import { sharedF64 } from './shared.ts';
import { nodeProcess, threadsUnavailable } from './threads.ts';

/** A kernel bound to its arguments and row count. */
export interface Task {
  readonly id: number;
  readonly kernel: KernelName;
  readonly fn: KernelFn;
  readonly args: unknown;
  readonly rows: number;
  /** Whether the pool splits it between threads (cell count at or above the threshold). */
  readonly parallel: boolean;
}

export interface Exec {
  /** Threads that work on a parallel task (the main thread included). */
  readonly threads: number;
  /** Defines a task: kernel `kernel` over `rows` rows (`cells` cells) with fixed args. */
  task<K extends KernelName>(kernel: K, args: KernelArgs<K>, rows: number, cells: number): Task;
  /** Runs a task to completion (synchronous); s0…s3 are the per-call scalars. */
  run(t: Task, s0?: number, s1?: number, s2?: number, s3?: number): void;
  /** Resolves when the worker threads are up (at once for the serial executor). */
  ready(): Promise<void>;
  /** Stops the worker threads. */
  dispose(): Promise<void>;
}

/** Number of per-call scalars a task can take. */
export const SCALARS = 4;

export class SerialExec implements Exec {
  readonly threads = 1;
  private readonly s = sharedF64(SCALARS);
  private next = 0;

  task<K extends KernelName>(kernel: K, args: KernelArgs<K>, rows: number): Task {
    return { id: this.next++, kernel, fn: kernelTable()[kernel] as KernelFn, args, rows, parallel: false };
  }

  run(t: Task, s0 = 0, s1 = 0, s2 = 0, s3 = 0): void {
    const s = this.s;
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
    t.fn(t.args, s, 0, t.rows);
  }

  async ready(): Promise<void> {}
  async dispose(): Promise<void> {}
}

export interface ExecOptions {
  /** Threads (main thread included); 1 = serial. Default: os.availableParallelism(). */
  threads?: number;
  /** Tasks over fewer cells run serially on the main thread. */
  minParallelCells?: number;
  /** Spin iterations before a thread sleeps in Atomics.wait (0 = never spin). */
  spin?: number;
}

/** Cores the runtime says it may use (os.availableParallelism() in Node). */
export function hardwareThreads(): number {
  const p = nodeProcess();
  const os = p?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number; cpus: () => unknown[] } | undefined;
  if (os) return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

/** Whether worker threads over shared memory are available here (threads.ts: Node, or a cross-origin isolated browser worker). */
export function canThread(): boolean {
  return threadsUnavailable() === null;
}

/** Resolved thread count for an option value (undefined → all cores; 1 where threads are unavailable). */
export function resolveThreads(threads: number | undefined): number {
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    throw new Error(`threads: must be a positive integer (got ${threads})`);
  }
  if (!canThread()) return 1;
  return threads ?? hardwareThreads();
}
