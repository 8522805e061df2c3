/**
 * Output times k·Δt computed from k, not summed: adding 0.01 s six times gives
 * 0.060000000000000005, and the metrics' time column printed that. The product is rounded to 15
 * significant digits, which takes off the last-bit error of k·Δt (0.1·3 = 0.30000000000000004)
 * and nothing a time step could resolve.
 */
export function outputTime(k: number, interval: number): number {
  return Number((k * interval).toPrecision(15));
}

/** The output schedule of a run: the next output time, advanced one interval at a time. */
export class OutputClock {
  private k: number;

  /** `next`: the next output time (a checkpoint's nextTime on resume; its multiple of the interval is recovered). */
  constructor(
    private readonly interval: number,
    next: number,
  ) {
    this.k = Math.max(1, Math.round(next / interval));
  }

  get next(): number {
    return outputTime(this.k, this.interval);
  }

  advance(): void {
    this.k++;
  }
}
