/**
 * Records dispatches and copies into command buffers of at most `maxDispatches` dispatches each
 * (a browser's GPU watchdog kills a device whose command buffer runs for seconds; docs/
 * webgpu-backend.md, "Bounded submissions"), and submits all of them in one queue.submit() at
 * submit(): a stage or a whole batch of time steps is one submission however many command
 * buffers it needs. Every dispatch goes through the GpuContext (counted per stage).
 */
import type { GpuContext, Kernel } from './context.ts';

/** Most dispatches in one command buffer. docs/webgpu-backend.md, "Bounded submissions". */
export const MAX_DISPATCHES_PER_BUFFER = 512;

export class Recorder {
  private enc: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private inBuffer = 0;
  private done: GPUCommandBuffer[] = [];

  constructor(
    private ctx: GpuContext,
    readonly maxDispatches = MAX_DISPATCHES_PER_BUFFER,
  ) {}

  private encoder(): GPUCommandEncoder {
    if (!this.enc) this.enc = this.ctx.device.createCommandEncoder();
    return this.enc;
  }

  private computePass(): GPUComputePassEncoder {
    if (!this.pass) this.pass = this.encoder().beginComputePass();
    return this.pass;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  private counted(): void {
    if (++this.inBuffer >= this.maxDispatches) this.cut();
  }

  /** Ends the current command buffer (the next dispatch starts a new one). */
  cut(): void {
    this.endPass();
    if (this.enc) this.done.push(this.enc.finish());
    this.enc = null;
    this.inBuffer = 0;
  }

  /** A dispatch of `threads` invocations (GpuContext.run). */
  run(k: Kernel, threads: number): void {
    this.ctx.run(this.computePass(), k, threads);
    this.counted();
  }

  /** A dispatch of exactly `groups` workgroups (laid out in two dimensions past the per-dimension limit). */
  runGroups(k: Kernel, groups: number): void {
    this.ctx.runGrid(this.computePass(), k, groups);
    this.counted();
  }

  /** A buffer-to-buffer copy (outside the compute pass, in order with the dispatches). */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.endPass();
    this.ctx.copy(this.encoder(), src, srcOffset, dst, dstOffset, bytes);
  }

  /** Zeroes a buffer (on the device, in order with the dispatches). */
  clear(buf: GPUBuffer): void {
    this.endPass();
    this.ctx.clear(this.encoder(), buf);
  }

  /** Submits everything recorded since the last submit in one queue.submit(). */
  submit(): void {
    this.cut();
    if (this.done.length) this.ctx.submit(this.done);
    this.done = [];
  }

  /** Dispatches recorded since the last submit (command buffers already cut included). */
  get pending(): boolean {
    return this.done.length > 0 || this.enc !== null;
  }
}
