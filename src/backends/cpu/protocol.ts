/**
 * The control block the pool and its workers share (an Int32Array on a SharedArrayBuffer).
 *
 * Publishing task generation g (main thread): write the task id, row count, chunk size and
 * chunk count into parameter slot g & 1, reset DONE, then store CLAIM = g << IDX_BITS and
 * notify. Every thread (the main one included) claims chunk indices by compare-and-swap on
 * CLAIM, which also checks that the generation is still g; whoever finishes a chunk adds 1 to
 * DONE, and the main thread returns when DONE reaches the chunk count. Nobody waits for a
 * thread that has not claimed anything, so a late or descheduled worker costs nothing. The
 * parameters of generation g stay valid while any of its chunks is unclaimed or running
 * (g + 1 is published only after g is done, and it writes the other slot).
 */
export const IDX_BITS = 12;
export const IDX_MASK = (1 << IDX_BITS) - 1;
/** Largest chunk count per task. */
export const MAX_CHUNKS = IDX_MASK;
/** Generations wrap at 2^(31 − IDX_BITS) (a worker would have to sleep through that many tasks between a load and a CAS to be confused). */
export const GEN_MASK = (1 << (31 - IDX_BITS)) - 1;

export const CLAIM = 0;
/** Number of task definitions posted to each worker's port so far. */
export const DEFS = 1;
export const QUIT = 2;
/** Set by a worker whose kernel threw. */
export const ERROR = 3;
/** Chunks run by worker threads since the pool started (statistics). */
export const WORKER_CHUNKS = 12;
/** Parameter slots: SLOT + 4·(g & 1) + (TASK, ROWS, CHUNK, NCHUNKS). */
export const SLOT = 4;
export const P_TASK = 0;
export const P_ROWS = 1;
export const P_CHUNK = 2;
export const P_NCHUNKS = 3;
/** Finished chunks of the current generation (own cache line). */
export const DONE = 16;
export const CTL_LENGTH = 32;

/** A task definition as posted to a worker. */
export interface TaskDef {
  id: number;
  kernel: string;
  args: unknown;
}
