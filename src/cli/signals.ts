/**
 * Stop requests for a run: SIGINT, SIGTERM and SIGHUP (a closed terminal or ssh session) all ask
 * the run to finish its step, write outputs and a checkpoint, and exit 130; a second signal, or
 * FORCE_AFTER_MS without a natural restart point, forces the checkpoint.
 */

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** After a stop signal, how long to wait for a natural restart point before forcing one. */
const FORCE_AFTER_MS = 10_000;

export class StopSignals {
  /** The first signal received, or null. */
  signal: string | null = null;
  private count = 0;
  private at = 0;
  private readonly handler = (sig: string) => this.receive(sig);

  constructor() {
    for (const s of STOP_SIGNALS) process.on(s, this.handler);
  }

  private receive(sig: string): void {
    this.count++;
    if (!this.signal) {
      this.signal = sig;
      this.at = Date.now();
    }
    // after SIGHUP the terminal may be gone: a failed write to it must not end the run before its checkpoint
    if (sig === 'SIGHUP') for (const s of [process.stdout, process.stderr]) s.on('error', () => {});
    console.warn(
      this.count === 1
        ? `${sig}: finishing the current step, then writing outputs and a checkpoint (again to force it now)`
        : `${sig}: forcing the checkpoint at the next step boundary`,
    );
  }

  /** A stop was asked for and a restart point should be forced now (second signal, or waited long enough). */
  get force(): boolean {
    return this.signal !== null && (this.count > 1 || Date.now() - this.at > FORCE_AFTER_MS);
  }

  dispose(): void {
    for (const s of STOP_SIGNALS) process.off(s, this.handler);
  }
}
