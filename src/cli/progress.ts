/** A progress line with ETA on stderr: redrawn in place on a terminal, a line every 10 % otherwise. */
export class Progress {
  private t0 = Date.now();
  private lastPct = -1;
  private lastDraw = 0;
  constructor(
    private end: number,
    private tty = Boolean(process.stderr.isTTY),
    private quiet = false,
  ) {}

  update(time: number, step: number, dt: number): void {
    if (this.quiet) return;
    const frac = Math.min(1, time / this.end);
    const now = Date.now();
    const elapsed = (now - this.t0) / 1000;
    const eta = frac > 0 ? (elapsed * (1 - frac)) / frac : NaN;
    const pct = Math.floor(frac * 100);
    const msg =
      `t = ${time.toPrecision(4)} / ${this.end} s  step ${step}  dt ${dt.toExponential(2)} s  ` +
      `elapsed ${fmt(elapsed)}  ETA ${Number.isFinite(eta) ? fmt(eta) : '?'}`;
    if (this.tty) {
      if (now - this.lastDraw < 200 && frac < 1) return;
      this.lastDraw = now;
      const bar = '#'.repeat(Math.round(frac * 30)).padEnd(30, '.');
      process.stderr.write(`\r[${bar}] ${pct.toString().padStart(3)}%  ${msg}   `);
      if (frac >= 1) process.stderr.write('\n');
    } else if (Math.floor(pct / 10) !== Math.floor(this.lastPct / 10)) {
      process.stderr.write(`${pct}%  ${msg}\n`);
    }
    this.lastPct = pct;
  }
}

function fmt(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}
