/**
 * A paper model of GPU time from hardware-independent counts (GpuContext counters): what a named
 * GPU would take for the work the WebGPU backend records, whatever adapter counted it
 * (SwiftShader included). Documented constants, overridable on the command line:
 *   time = bytes moved / bandwidth + dispatches × per-dispatch cost + read-backs × per-read-back cost.
 * - bandwidth: sustained device-memory bandwidth for streaming kernels (H100 SXM: 3.35 TB/s peak
 *   HBM3; 3.0 TB/s is what a well-formed streaming kernel reaches);
 * - per dispatch: launch plus the barrier between dependent dispatches of a compute pass as Dawn
 *   records them (Vulkan pipeline barriers), 5 µs; charged for every recorded dispatch, also one
 *   whose workgroups find the solve frozen and return at once;
 * - per read-back: a mapAsync round trip from Node (submit, fence, map, event loop), 100 µs; in a
 *   browser several ms have been reported.
 * Not modelled: kernels too small to fill the GPU (a single-workgroup dispatch runs on one compute
 * unit: counted separately so its share can be judged), caches (a stencil's neighbours are assumed
 * cached, a small level's whole working set is not), host time to record commands, uploads
 * (queue.writeBuffer, a few bytes per stage, counted), and overlap between host and device.
 */
import type { GpuCounts } from '../src/backends/webgpu/context.ts';

export interface GpuModel {
  /** Named GPU the constants describe. */
  name: string;
  /** Bytes per second. */
  bandwidth: number;
  /** Seconds per recorded dispatch. */
  dispatchSeconds: number;
  /** Seconds per host read-back. */
  readbackSeconds: number;
}

/** The defaults: an NVIDIA H100 (SXM) seen from Node through Dawn/Vulkan. */
export const H100: GpuModel = {
  name: 'NVIDIA H100 (modelled: 3.0 TB/s, 5 µs per dispatch, 100 µs per read-back)',
  bandwidth: 3.0e12,
  dispatchSeconds: 5e-6,
  readbackSeconds: 100e-6,
};

export interface Modelled {
  /** Seconds: the three terms and their sum. */
  bandwidth: number;
  dispatch: number;
  readback: number;
  total: number;
}

/** Modelled seconds for the work in `c` on GPU `m`. */
export function modelTime(c: GpuCounts, m: GpuModel = H100): Modelled {
  const bandwidth = c.bytesMoved / m.bandwidth;
  const dispatch = c.dispatches * m.dispatchSeconds;
  const readback = c.readbacks * m.readbackSeconds;
  return { bandwidth, dispatch, readback, total: bandwidth + dispatch + readback };
}

/** The model with the constants given on the command line (GB/s, µs, µs), defaults from H100. */
export function customModel(o: { bandwidthGBs?: number; dispatchUs?: number; readbackUs?: number }): GpuModel {
  const bw = o.bandwidthGBs ?? H100.bandwidth / 1e9;
  const d = o.dispatchUs ?? H100.dispatchSeconds * 1e6;
  const r = o.readbackUs ?? H100.readbackSeconds * 1e6;
  const same = bw === H100.bandwidth / 1e9 && d === H100.dispatchSeconds * 1e6 && r === H100.readbackSeconds * 1e6;
  return {
    name: same ? H100.name : `custom (modelled: ${bw / 1000} TB/s, ${d} µs per dispatch, ${r} µs per read-back)`,
    bandwidth: bw * 1e9,
    dispatchSeconds: d * 1e-6,
    readbackSeconds: r * 1e-6,
  };
}
