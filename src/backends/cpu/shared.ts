/**
 * Memory that kernels touch lives on SharedArrayBuffer, so the worker threads of the pool
 * (pool.ts) read and write the same arrays as the main thread. Where SharedArrayBuffer does not
 * exist (a browser page without cross-origin isolation) plain buffers are used and the backend
 * runs serially.
 */

export const HAS_SHARED_MEMORY = typeof SharedArrayBuffer !== 'undefined';

/** A zero-filled Float64Array on shared memory (plain memory where there is none). */
export function sharedF64(n: number): Float64Array {
  return new Float64Array(HAS_SHARED_MEMORY ? new SharedArrayBuffer(8 * n) : new ArrayBuffer(8 * n));
}

/** A zero-filled Int32Array on shared memory (plain memory where there is none). */
export function sharedI32(n: number): Int32Array {
  return new Int32Array(HAS_SHARED_MEMORY ? new SharedArrayBuffer(4 * n) : new ArrayBuffer(4 * n));
}

/** A zero-filled Float32Array on shared memory (plain memory where there is none). */
export function sharedF32(n: number): Float32Array {
  return new Float32Array(HAS_SHARED_MEMORY ? new SharedArrayBuffer(4 * n) : new ArrayBuffer(4 * n));
}
