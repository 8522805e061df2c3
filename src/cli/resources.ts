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
 * Bytes per cell, measured by `npm run bench -- memory` (bench/memory.ts; README "Memory"): the
 * growth of the peak RSS of a run that writes outputs (VTI, PNG) and a checkpoint between two grid
 * sizes, rounded up. Device: the bytes of every buffer the WebGPU backend creates. The WebGPU
 * host figure is the RSS growth on SwiftShader, where the device buffers are host memory too: an
 * upper bound of the Node side on a real GPU, and the right figure without one. The browser
 * backends (run --browser) count as WebGPU on the Node side; the browser's own memory is not
 * counted. Measured with the IMEX phase stage (the default), whose operator, multigrid hierarchy
 * and work arrays add ~200 B/cell on the CPU and 20 B/cell of device buffers over the explicit
 * stage's (461 and 151–160 B/cell); the WebGPU host figure is the earlier, larger measurement.
 * The grand-potential form (explicit phase stage only, so without the IMEX arrays) measured 586
 * B/cell of host memory on the CPU the same way (256×128 → 1024×512, 2D), under the 670 used here:
 * its estimate is the concentration form's. Its WebGPU buffers are not measured.
 */
export const BYTES_PER_CELL = {
  cpu: { host: { 2: 670, 3: 670 }, additive: 190, device: 0, additiveDevice: 0 },
  webgpu: { host: { 2: 330, 3: 260 }, additive: 40, device: 175, additiveDevice: 30 },
} as const;
/**
 * The mechanics stage (docs/mechanics.md), counted from its allocations rather than measured: on
 * the CPU 7 displacement-sized f64 vectors, the shear stresses, material and coupling, and per
 * component a face-weight operator with its multigrid hierarchy (≈ 43 f64 per cell in 2D, 58 in
 * 3D); on the GPU the same in f32 (src/backends/webgpu/elasticity.ts mechanicsBytes), counted on
 * the host too (SwiftShader).
 */
export const MECHANICS_BYTES_PER_CELL = {
  cpu: { 2: 360, 3: 480 },
  webgpu: { 2: 190, 3: 250 },
} as const;
/** Node, the code and the libraries whatever the grid, and each CPU worker thread (measured: 173 MiB, +53 MiB for a second thread). */
export const BASE_HOST_BYTES = 180 * 2 ** 20;
export const THREAD_HOST_BYTES = 56 * 2 ** 20;

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

/** The memory a run of `s` needs on `backend` with `threads` CPU threads (webgl runs in a browser: counted as webgpu). */
export function memoryEstimate(s: Scenario, backend: 'cpu' | 'webgpu' | 'webgl', threads = 1): MemoryEstimate {
  const b = backend === 'cpu' ? 'cpu' : 'webgpu';
  const k = BYTES_PER_CELL[b];
  const cells = cellCount(s);
  const add = s.additive !== undefined;
  const mech = s.mechanics !== undefined ? MECHANICS_BYTES_PER_CELL[b][s.grid.dims] : 0;
  const host = k.host[s.grid.dims] + (add ? k.additive : 0) + mech;
  const device = k.device + (add ? k.additiveDevice : 0) + (b === 'webgpu' ? mech : 0);
  const workers = b === 'cpu' && threads > 1 ? threads * THREAD_HOST_BYTES : 0;
  return { backend: b, cells, hostBytes: BASE_HOST_BYTES + workers + host * cells, deviceBytes: device * cells };
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
export function checkMemory(s: Scenario, backend: string, o: { skip: boolean; threads?: number }, available = availableMemory()): string {
  const e = memoryEstimate(s, backend === 'webgpu' || backend === 'webgl' ? backend : 'cpu', o.threads ?? availableParallelism());
  const line =
    `${describeEstimate(e)}${backend === 'auto' ? ' (auto: counted for cpu, the fallback)' : ''}; ` +
    `${gib(available.bytes)} available (${available.source})`;
  if (e.hostBytes <= available.bytes || o.skip) return line;
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
