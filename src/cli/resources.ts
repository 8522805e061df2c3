/**
 * Resource checks made before anything is allocated or written (docs/reliability.md,
 * "Resources"): the thread count against the cores this process may use, and a memory estimate
 * per backend against the memory available (the adapter's limits on a GPU are checked by the
 * WebGPU backend itself before it allocates: src/backends/webgpu/device.ts).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, freemem } from 'node:os';
import type { Scenario } from '../model/scenario.ts';
import { RefusedError } from './errors.ts';

/**
 * Bytes per cell, measured as the growth of the peak RSS (host) and of the bytes of all GPU
 * buffers created (device) between two grid sizes of a run that writes its outputs and a
 * checkpoint (`bench/memory.ts`; the numbers and the method are in the README, "Memory").
 * The host figure of the WebGPU backend is the Node side (the copies the solver, the writers
 * and the checkpoints make); the browser backends (run --browser) are counted like it, the
 * browser's own memory aside.
 */
export const BYTES_PER_CELL = {
  cpu: { host: { 2: 440, 3: 440 }, device: 0 },
  webgpu: { host: { 2: 440, 3: 440 }, device: 440 },
} as const;
/** Extra bytes per cell when the scenario carries the shielding additive (one more field everywhere). */
export const ADDITIVE_BYTES_PER_CELL = { cpu: 60, webgpu: 60, device: 28 } as const;
/** What Node, the solver's code and the libraries take whatever the grid (measured, rounded up). */
export const BASE_HOST_BYTES = 256 * 2 ** 20;

export interface MemoryEstimate {
  backend: 'cpu' | 'webgpu';
  cells: number;
  hostBytes: number;
  deviceBytes: number;
}

export function cellCount(s: Scenario): number {
  const [nx, ny, nz] = s.grid.n;
  return nx * ny * (s.grid.dims === 3 ? nz : 1);
}

/** The memory a run of `s` needs on `backend` (webgl runs in a browser: counted as webgpu). */
export function memoryEstimate(s: Scenario, backend: 'cpu' | 'webgpu' | 'webgl'): MemoryEstimate {
  const b = backend === 'cpu' ? 'cpu' : 'webgpu';
  const cells = cellCount(s);
  const add = s.additive !== undefined;
  const host = BYTES_PER_CELL[b].host[s.grid.dims] + (add ? ADDITIVE_BYTES_PER_CELL[b] : 0);
  const device = b === 'cpu' ? 0 : BYTES_PER_CELL.webgpu.device + (add ? ADDITIVE_BYTES_PER_CELL.device : 0);
  return { backend: b, cells, hostBytes: BASE_HOST_BYTES + host * cells, deviceBytes: device * cells };
}

function readNumber(file: string): number | null {
  try {
    const t = readFileSync(file, 'utf8').trim();
    const v = Number(t);
    return t !== 'max' && Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

/**
 * Memory this process can still use: the kernel's MemAvailable (what can be had without
 * swapping), lowered by a cgroup limit (a container, a Slurm allocation) when one is set.
 */
export function availableMemory(): { bytes: number; source: string } {
  let bytes = freemem();
  let source = 'free memory';
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) {
      bytes = Number(m[1]) * 1024;
      source = 'MemAvailable';
    }
  } catch {
    /* not Linux: free memory it is */
  }
  const v2 = readNumber('/sys/fs/cgroup/memory.max');
  const v1 = readNumber('/sys/fs/cgroup/memory/memory.limit_in_bytes');
  const limit = v2 ?? (v1 !== null && v1 < 2 ** 60 ? v1 : null);
  if (limit !== null) {
    const used = readNumber('/sys/fs/cgroup/memory.current') ?? readNumber('/sys/fs/cgroup/memory/memory.usage_in_bytes') ?? 0;
    if (limit - used < bytes) {
      bytes = Math.max(0, limit - used);
      source = 'the cgroup memory limit';
    }
  }
  return { bytes, source };
}

export const gib = (b: number) => (b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GiB` : `${Math.ceil(b / 2 ** 20)} MiB`);

/** One line describing the estimate. */
export function describeEstimate(e: MemoryEstimate): string {
  return (
    `memory: about ${gib(e.hostBytes)} of host memory for ${e.cells} cells on the ${e.backend} backend` +
    (e.deviceBytes ? ` and ${gib(e.deviceBytes)} of GPU memory` : '')
  );
}

/**
 * Refuses (RefusedError, exit 2) a run whose host memory estimate exceeds the available memory,
 * unless `skip`. `auto` is checked for the CPU backend: it is where auto ends up without a GPU,
 * and it needs the most host memory. Returns the line to log.
 */
export function checkMemory(s: Scenario, backend: string, skip: boolean, available = availableMemory()): string {
  const e = memoryEstimate(s, backend === 'webgpu' || backend === 'webgl' ? backend : 'cpu');
  const line = `${describeEstimate(e)}; ${gib(available.bytes)} available (${available.source})`;
  if (e.hostBytes <= available.bytes || skip) return line;
  const n = s.grid.n.slice(0, s.grid.dims).join(' x ');
  throw new RefusedError(
    `memory: the ${n} grid needs about ${gib(e.hostBytes)} of host memory on the ${e.backend} backend` +
      `${backend === 'auto' ? ' (auto falls back to it)' : ''}, and ${gib(available.bytes)} is available (${available.source}); ` +
      'use a smaller grid, or --skip-memory-check to try anyway',
  );
}

/** The thread count to use: `asked` capped at the cores this process may run on, with a message. */
export function capThreads(asked: number | undefined, warn: (m: string) => void, cores = availableParallelism()): number | undefined {
  if (asked === undefined || asked <= cores) return asked;
  warn(`warning: --threads ${asked}: ${cores} core${cores === 1 ? ' is' : 's are'} available to this process; using ${cores}`);
  return cores;
}
