/**
 * The page's stepping loop, on the main thread, over a SimClient (the engine in the solver
 * worker, or on the main thread as a fallback). While running it asks for "n steps, then one
 * frame" again and again: one read-back per displayed picture, and n sized so that a request
 * takes about FRAME_MS of the solver's time — many cheap steps per picture, one expensive step
 * per picture. Nothing here blocks: the steps happen in the worker, and the page draws each
 * frame as it arrives. Stepping stops at the end time, at an error, or on pause(), which lets
 * the request in flight finish (at most one frame's worth of steps).
 *
 * Steps per second are measured over the last few seconds of running and shown only while
 * running (display only: nothing is decided by clocks except n).
 */
import type { Frame } from './engine.ts';
import type { SimClient } from './sim-client.ts';

/** Target solver time per frame in the worker, ms (the page draws about this often). */
const FRAME_MS = 60;
/** Largest n per request. */
const MAX_STEPS = 100_000;
/** Window of the steps-per-second readout, ms. */
const RATE_WINDOW_MS = 3000;

export class SimRunner {
  /** Steps per request (adapted while running). */
  private n = 1;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private samples: [number, number][] = [];
  /** The last frame (null before the first). */
  last: Frame | null = null;
  /** The quantities each frame should carry. */
  want: () => string[] = () => [];
  /** Called with every frame, in order. */
  onFrame: (f: Frame) => void = () => {};
  /** Called when running starts or stops. */
  onState: () => void = () => {};

  constructor(readonly client: SimClient) {}

  get isRunning(): boolean {
    return this.running;
  }

  /** Steps per second over the last few seconds while running; null when paused or not yet known. */
  stepsPerSecond(): number | null {
    if (!this.running || this.samples.length < 2) return null;
    const [t0, s0] = this.samples[0],
      [t1, s1] = this.samples[this.samples.length - 1];
    return t1 > t0 ? ((s1 - s0) * 1000) / (t1 - t0) : null;
  }

  private take(f: Frame): void {
    this.last = f;
    this.onFrame(f);
  }

  /** Starts stepping until pause(), the end time or an error. */
  run(): void {
    if (this.running || this.last?.finished || this.last?.error) return;
    this.running = true;
    this.samples = [];
    this.loopDone = this.loop();
    this.onState();
  }

  private async loop(): Promise<void> {
    try {
      while (this.running) {
        const t0 = performance.now();
        const f = await this.client.advance(this.n, this.want());
        const t1 = performance.now();
        // size the next request so that it takes about one frame of solver time
        if (f.advanced === this.n) {
          const k = FRAME_MS / Math.max(1, t1 - t0);
          this.n = Math.min(MAX_STEPS, Math.max(1, Math.round(this.n * Math.min(2, Math.max(0.5, k)))));
        }
        this.samples.push([t1, f.step]);
        while (this.samples.length > 2 && t1 - this.samples[0][0] > RATE_WINDOW_MS) this.samples.shift();
        this.take(f);
        if (f.finished || f.error || f.advanced === 0) break;
      }
    } catch (e) {
      this.last = this.last ? { ...this.last, error: (e as Error).message } : null;
      throw e;
    } finally {
      this.running = false;
      this.samples = [];
      this.onState();
    }
  }

  /** Stops stepping after the request in flight; resolves when the loop has stopped. */
  async pause(): Promise<void> {
    this.running = false;
    await this.loopDone.catch(() => {});
  }

  /** `n` steps in paused mode (fewer at the end time), then one frame. */
  async stepN(n: number): Promise<Frame> {
    await this.pause();
    const f = await this.client.advance(n, this.want());
    this.take(f);
    return f;
  }

  /** A frame of the current state without stepping (a new quantity, a redraw). */
  async refresh(): Promise<Frame> {
    const f = await this.client.frame(this.want());
    this.take(f);
    return f;
  }

  /** Moves the end time (a finished run can then run on). */
  async setEnd(end: number): Promise<void> {
    await this.client.setEnd(end);
  }
}
