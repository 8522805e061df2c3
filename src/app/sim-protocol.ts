/**
 * The messages between the page and its solver worker (sim-worker.ts ⇄ sim-client.ts): a call
 * is {id, method, args}, its answer {id, result} or {id, error}. Typed arrays travel by
 * structured clone; the worker transfers the buffers of what it reads back (no copy).
 */
import type { Continuation, EngineInfo, EngineStart, Frame } from './engine.ts';

export interface SimMethods {
  create(start: EngineStart): EngineInfo;
  /** n steps (fewer at the end time or an error), then one frame with `want`. */
  advance(n: number, want: string[]): Frame;
  frame(want: string[]): Frame;
  setEnd(end: number): void;
  continuation(): Continuation;
  dispose(): void;
}

export type SimMethod = keyof SimMethods;

export interface SimCall {
  id: number;
  method: SimMethod;
  args: unknown[];
}

export type SimAnswer = { id: number; result: unknown } | { id: number; error: string };

/** The distinct ArrayBuffers under the typed arrays of a value (what a postMessage may transfer). */
export function transferables(v: unknown, out = new Set<ArrayBuffer>()): ArrayBuffer[] {
  if (ArrayBuffer.isView(v)) {
    if (v.buffer instanceof ArrayBuffer) out.add(v.buffer);
  } else if (Array.isArray(v)) for (const x of v) transferables(x, out);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) transferables(x, out);
  return [...out];
}
