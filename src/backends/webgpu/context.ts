/**
 * A device plus the helpers every stage uses: shader modules and pipelines (cached per module
 * and override constants), buffers, bind groups, dispatches, and read-back guarded against a
 * lost device. Every dispatch, submission, read-back, upload and copy goes through here and is
 * counted per stage (`stage`, counts()): hardware-independent figures for the benchmark
 * (bench/device.ts), with the bytes each dispatch moves from the binding table (traffic.ts).
 */
import { shaderSource, type ModuleName } from './shaders.ts';
import { dispatchBytes } from './traffic.ts';

export type Constants = Record<string, number>;

/**
 * The device was lost (driver reset, watchdog, GPU removed, device.destroy()). Everything on it
 * is gone, so this is not an instability to roll back from: the Simulation passes it through
 * (`deviceLost`, checked without importing this module) and the run stops; its last checkpoint
 * resumes on a fresh device or on the CPU.
 */
export class DeviceLostError extends Error {
  readonly deviceLost = true;
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'DeviceLostError';
  }
}

/** Storage buffer usages used throughout: kernels read/write, copies in and out. */
const STORAGE = 0x80 | 0x4 | 0x8; // STORAGE | COPY_SRC | COPY_DST
const UNIFORM = 0x40 | 0x8; // UNIFORM | COPY_DST
const READBACK = 0x1 | 0x8; // MAP_READ | COPY_DST

/** Work recorded through one GpuContext (hardware-independent; counts(), bench/device.ts). */
export interface GpuCounts {
  /** Dispatches recorded (every one, whatever its workgroups then do). */
  dispatches: number;
  /** Of which a single workgroup (one compute unit; the model charges them like any other). */
  singleGroup: number;
  /** queue.submit() calls. */
  submissions: number;
  /** Host read-backs (mapAsync) and the bytes mapped. */
  readbacks: number;
  bytesRead: number;
  /** Host uploads (queue.writeBuffer) and their bytes. */
  writes: number;
  bytesWritten: number;
  /** Buffer-to-buffer copies on the device and their bytes. */
  copies: number;
  bytesCopied: number;
  /** Device memory traffic: the recorded kernels' (binding table) plus copies (read + write). */
  bytesMoved: number;
}

export function zeroCounts(): GpuCounts {
  return {
    dispatches: 0,
    singleGroup: 0,
    submissions: 0,
    readbacks: 0,
    bytesRead: 0,
    writes: 0,
    bytesWritten: 0,
    copies: 0,
    bytesCopied: 0,
    bytesMoved: 0,
  };
}

/** a − b (or a + b with sign 1), field by field. */
export function combineCounts(a: GpuCounts, b: GpuCounts, sign: 1 | -1): GpuCounts {
  const out = zeroCounts();
  for (const k of Object.keys(out) as (keyof GpuCounts)[]) out[k] = a[k] + sign * b[k];
  return out;
}

/** Per-stage counts and per-kernel dispatches and bytes ("stage/kernel" keys), as counts() returns them. */
export interface CountSnapshot {
  stages: Record<string, GpuCounts>;
  kernels: Record<string, { dispatches: number; bytes: number }>;
}

export class GpuContext {
  private modules = new Map<ModuleName, GPUShaderModule>();
  private pipelines = new Map<string, GPUComputePipeline>();
  private buffers: GPUBuffer[] = [];
  private lostError: DeviceLostError | null = null;
  private lostPromise: Promise<never>;
  private uncaptured: string | null = null;
  private disposed = false;
  private tally = new Map<string, GpuCounts>();
  private kernelTally = new Map<string, { dispatches: number; bytes: number }>();
  /** The stage the following work is counted under (set by the backend at each stage's start). */
  stage = 'setup';
  /** Largest workgroup count per dispatch dimension. */
  readonly maxGroups: number;

  constructor(
    readonly device: GPUDevice,
    readonly wg: number,
    readonly label: string,
  ) {
    this.maxGroups = device.limits.maxComputeWorkgroupsPerDimension;
    this.lostPromise = device.lost.then((info) => {
      const err = new DeviceLostError(
        `WebGPU device lost (${info.reason}${info.message ? `: ${info.message}` : ''}) — ${label}; the simulation state on the GPU is gone`,
        String(info.reason),
      );
      this.lostError = err;
      throw err;
    });
    // a rejection nobody awaits yet must not crash the process
    this.lostPromise.catch(() => undefined);
    device.addEventListener('uncapturederror', (ev) => {
      const msg = (ev as GPUUncapturedErrorEvent).error.message;
      if (!this.uncaptured) this.uncaptured = msg;
    });
  }

  /** Throws if the device was lost or a GPU error was reported since the last check. */
  check(): void {
    if (this.disposed) throw new Error(`WebGPU backend used after dispose() (${this.label})`);
    if (this.lostError) throw this.lostError;
    if (this.uncaptured) {
      const m = this.uncaptured;
      this.uncaptured = null;
      throw new Error(`WebGPU error (${this.label}): ${m}`);
    }
  }

  private here(): GpuCounts {
    let c = this.tally.get(this.stage);
    if (!c) {
      c = zeroCounts();
      this.tally.set(this.stage, c);
    }
    return c;
  }

  /** Everything counted so far, per stage and per kernel (copies). */
  counts(): CountSnapshot {
    const stages: Record<string, GpuCounts> = {};
    for (const [k, v] of this.tally) stages[k] = { ...v };
    const kernels: Record<string, { dispatches: number; bytes: number }> = {};
    for (const [k, v] of this.kernelTally) kernels[k] = { ...v };
    return { stages, kernels };
  }

  private countDispatch(k: Kernel, groups: number): void {
    const c = this.here();
    c.dispatches++;
    if (groups === 1) c.singleGroup++;
    c.bytesMoved += k.bytes;
    const key = `${this.stage}/${k.tally ?? k.name}`;
    const t = this.kernelTally.get(key);
    if (t) {
      t.dispatches++;
      t.bytes += k.bytes;
    } else this.kernelTally.set(key, { dispatches: 1, bytes: k.bytes });
  }

  /** queue.submit, counted. */
  submit(buffers: GPUCommandBuffer[]): void {
    this.here().submissions++;
    this.device.queue.submit(buffers);
  }

  /** A device-side buffer copy recorded into `enc`, counted (read + write). */
  copy(enc: GPUCommandEncoder, src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    const c = this.here();
    c.copies++;
    c.bytesCopied += bytes;
    c.bytesMoved += 2 * bytes;
    enc.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /** A device-side clear of a whole buffer recorded into `enc`, counted (written bytes). */
  clear(enc: GPUCommandEncoder, buf: GPUBuffer): void {
    const c = this.here();
    c.copies++;
    c.bytesCopied += buf.size;
    c.bytesMoved += buf.size;
    enc.clearBuffer(buf);
  }

  module(name: ModuleName): GPUShaderModule {
    let m = this.modules.get(name);
    if (!m) {
      m = this.device.createShaderModule({ label: name, code: shaderSource(name) });
      this.modules.set(name, m);
    }
    return m;
  }

  pipeline(name: ModuleName, constants: Constants = {}): GPUComputePipeline {
    const c: Constants = { WG: this.wg, ...constants };
    const key = `${name}|${Object.entries(c)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}`;
    let p = this.pipelines.get(key);
    if (!p) {
      p = this.device.createComputePipeline({
        label: key,
        layout: 'auto',
        compute: { module: this.module(name), entryPoint: 'main', constants: c },
      });
      this.pipelines.set(key, p);
    }
    return p;
  }

  storage(floats: number, label: string): GPUBuffer {
    const b = this.device.createBuffer({ label, size: Math.max(16, Math.ceil((floats * 4) / 16) * 16), usage: STORAGE });
    this.buffers.push(b);
    return b;
  }

  /** A uniform buffer that kernels may also write (bound as storage there): the device loop's state. */
  uniformRW(data: ArrayBuffer, label: string): GPUBuffer {
    const b = this.device.createBuffer({
      label,
      size: Math.max(16, Math.ceil(data.byteLength / 16) * 16),
      usage: UNIFORM | STORAGE,
    });
    this.write(b, data);
    this.buffers.push(b);
    return b;
  }

  uniform(data: ArrayBuffer, label: string): GPUBuffer {
    const b = this.device.createBuffer({ label, size: Math.max(16, Math.ceil(data.byteLength / 16) * 16), usage: UNIFORM });
    this.write(b, data);
    this.buffers.push(b);
    return b;
  }

  readback(bytes: number, label: string): GPUBuffer {
    const b = this.device.createBuffer({ label, size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: READBACK });
    this.buffers.push(b);
    return b;
  }

  write(buf: GPUBuffer, data: ArrayBufferView | ArrayBuffer, offset = 0): void {
    const c = this.here();
    c.writes++;
    c.bytesWritten += data.byteLength;
    if (ArrayBuffer.isView(data)) this.device.queue.writeBuffer(buf, offset, data.buffer, data.byteOffset, data.byteLength);
    else this.device.queue.writeBuffer(buf, offset, data);
  }

  bind(pipeline: GPUComputePipeline, buffers: Binding[], label?: string): GPUBindGroup {
    return this.device.createBindGroup({
      label,
      layout: pipeline.getBindGroupLayout(0),
      entries: buffers.map((b, binding) => ({ binding, resource: isRange(b) ? b : { buffer: b } })),
    });
  }

  /** Workgroup grid (gx, gy) covering `threads` invocations. */
  groups(threads: number): [number, number] {
    const g = Math.ceil(threads / this.wg);
    if (g <= this.maxGroups) return [g, 1];
    const gy = Math.ceil(g / this.maxGroups);
    return [Math.ceil(g / gy), gy];
  }

  /** Records a dispatch of `threads` invocations (linearIndex in common/grid.wgsl). */
  run(pass: GPUComputePassEncoder, k: Kernel, threads: number): void {
    const [gx, gy] = this.groups(threads);
    this.countDispatch(k, gx * gy);
    pass.setPipeline(k.pipeline);
    pass.setBindGroup(0, k.group);
    pass.dispatchWorkgroups(gx, gy);
  }

  /** Records a dispatch of exactly `groups` workgroups, in two dimensions past maxGroups (groupIndex in common/group_sum.wgsl). */
  runGrid(pass: GPUComputePassEncoder, k: Kernel, groups: number): void {
    const gx = Math.min(groups, this.maxGroups);
    const gy = Math.ceil(groups / gx);
    this.countDispatch(k, gx * gy);
    pass.setPipeline(k.pipeline);
    pass.setBindGroup(0, k.group);
    pass.dispatchWorkgroups(gx, gy);
  }

  /** Records a dispatch of exactly gx workgroups. */
  runGroups(pass: GPUComputePassEncoder, k: Kernel, gx: number): void {
    this.countDispatch(k, gx);
    pass.setPipeline(k.pipeline);
    pass.setBindGroup(0, k.group);
    pass.dispatchWorkgroups(gx);
  }

  /** Awaits GPU work, rejecting with a clear message if the device is lost meanwhile. */
  async guard<T>(p: Promise<T>): Promise<T> {
    this.check();
    let r: T;
    try {
      r = await Promise.race([p, this.lostPromise]);
    } catch (e) {
      // a mapping aborted by a lost device may reject before device.lost resolves: give the
      // loss a moment to report, so the caller sees why rather than a bare AbortError
      if (!this.lostError) await Promise.race([this.lostPromise.catch(() => undefined), new Promise((res) => setTimeout(res, 200))]);
      if (this.lostError) throw this.lostError;
      throw new Error(`WebGPU operation failed (${this.label}): ${(e as Error).message}`);
    }
    this.check();
    return r;
  }

  /**
   * Waits for p in short blocking slices when `sleepWait` is on. Dawn's Node bindings poll the
   * event loop while a promise is pending, which takes a core from a CPU Vulkan (SwiftShader);
   * sleeping the thread between event-loop turns leaves it to the GPU's worker threads.
   */
  private async settle<T>(p: Promise<T>): Promise<T> {
    if (!this.sleepWait) return p;
    let done = false;
    p.then(
      () => {
        done = true;
      },
      () => {
        done = true;
      },
    );
    const cell = (GpuContext.sleepCell ??= new Int32Array(new SharedArrayBuffer(4)));
    while (!done) {
      Atomics.wait(cell, 0, 0, 0.25);
      await new Promise<void>((res) => setImmediate(res));
    }
    return p;
  }

  private static sleepCell: Int32Array | undefined;
  /** Wait for GPU results in blocking slices (Node only; see settle()). */
  sleepWait = false;

  /** Waits until the GPU has finished everything submitted so far (benchmarks; the stages never need it). */
  async drain(): Promise<void> {
    await this.guard(this.settle(this.device.queue.onSubmittedWorkDone()));
  }

  /** Maps a read-back buffer, copies its first `bytes` out and unmaps it. */
  async readBuffer(buf: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    const c = this.here();
    c.readbacks++;
    c.bytesRead += Math.ceil(bytes / 4) * 4;
    await this.guard(this.settle(buf.mapAsync(0x1 /* GPUMapMode.READ */, 0, Math.ceil(bytes / 4) * 4)));
    const out = buf.getMappedRange(0, Math.ceil(bytes / 4) * 4).slice(0);
    buf.unmap();
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of this.buffers) b.destroy();
    this.buffers = [];
    this.device.destroy();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }
}

/** A pipeline with its (fixed) bind group, and the bytes one dispatch of it moves (traffic.ts). */
export interface Kernel {
  name: ModuleName;
  /** The name its dispatches are counted under (default `name`): a variant counted apart, e.g. "cgUpdate.start". */
  tally?: string;
  pipeline: GPUComputePipeline;
  group: GPUBindGroup;
  bytes: number;
}

/**
 * What a binding binds: a whole buffer, or a range of one (offset a multiple of 256 bytes, the
 * default minStorageBufferOffsetAlignment; ranges of one buffer bound together must not overlap
 * where one is written).
 */
export type Binding = GPUBuffer | BufferRange;
export interface BufferRange {
  buffer: GPUBuffer;
  offset: number;
  size: number;
}

function isRange(b: Binding): b is BufferRange {
  return 'buffer' in b;
}

/**
 * A kernel of module `name` bound to `buffers` (binding i = buffers[i]). `extents[i]`, when
 * given, is the number of bytes of binding i one access of the kernel touches (default: the whole
 * buffer or range), for the traffic count.
 */
export function kernel(
  ctx: GpuContext,
  name: ModuleName,
  buffers: Binding[],
  constants: Constants = {},
  extents: Record<number, number> = {},
): Kernel {
  const pipeline = ctx.pipeline(name, constants);
  const bytes = dispatchBytes(
    name,
    constants,
    buffers.map((b, i) => extents[i] ?? b.size),
  );
  return { name, pipeline, group: ctx.bind(pipeline, buffers, name), bytes };
}

/** Grid uniform (common/grid.wgsl): n = (nx, ny, nz, N), p = (periodic x, y, z, dims). */
export function gridData(n: [number, number, number], periodic: [boolean, boolean, boolean], dims: 2 | 3): ArrayBuffer {
  const u = new Uint32Array(8);
  u.set([n[0], n[1], n[2], n[0] * n[1] * n[2], periodic[0] ? 1 : 0, periodic[1] ? 1 : 0, periodic[2] ? 1 : 0, dims]);
  return u.buffer;
}

/** Boundary-condition uniform (common/bc.wgsl). */
export function bcData(type: Int32Array, value: Float64Array): ArrayBuffer {
  const buf = new ArrayBuffer(64);
  new Int32Array(buf, 0, 8).set(type);
  new Float32Array(buf, 32, 8).set(value);
  return buf;
}
