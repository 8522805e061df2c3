/**
 * The run's metrics as the page collects them: one row per displayed frame (metrics.csv's
 * columns, from the solver's own metricsRow), kept across physics changes (which continue the
 * run) and cleared by a reset. A physics change starts a new segment: the lithium balance is
 * taken from each segment's first row, since c0 or the parameters may change the inventory
 * there. The CSV export has exactly metrics.csv's columns and number format (JS's shortest
 * round-trip form), so a page run and a CLI run can be compared with the same tools.
 */
import type { MetricsRow } from '../solver/metrics.ts';

export class MetricsHistory {
  readonly rows: MetricsRow[] = [];
  /** Index of the first row of each segment. */
  private segments: number[] = [];
  columns: string[] = [];

  /** Forgets everything (a reset) and takes the run's columns. */
  reset(columns: string[]): void {
    this.rows.length = 0;
    this.segments = [];
    this.columns = [...columns];
  }

  /** A physics change: the next row starts a segment. */
  newSegment(columns: string[]): void {
    this.columns = [...columns];
    this.segments.push(this.rows.length);
  }

  /** Appends a row unless it repeats the last one's step (a redraw without stepping). */
  add(row: MetricsRow): boolean {
    const last = this.rows.at(-1);
    if (last && last.step === row.step) {
      // the same step after a physics change: the new segment's row replaces it
      if (this.segments.at(-1) === this.rows.length) {
        this.rows[this.rows.length - 1] = row;
        this.segments[this.segments.length - 1] = this.rows.length - 1;
      }
      return false;
    }
    if (this.segments.length === 0) this.segments.push(0);
    this.rows.push(row);
    return true;
  }

  /** The first row of the segment holding row r. */
  segmentStart(r: number): MetricsRow {
    let s = 0;
    for (const k of this.segments) if (k <= r) s = k;
    return this.rows[Math.min(s, this.rows.length - 1)];
  }

  /** metrics.csv text of every row (its columns, in its order). */
  csv(): string {
    const lines = [this.columns.join(',')];
    for (const r of this.rows) lines.push(this.columns.map((c) => String(r[c] ?? NaN)).join(','));
    return lines.join('\n') + '\n';
  }
}

/** The column that starts with `prefix` (2D and 3D runs name amounts differently). */
export function columnLike(columns: readonly string[], prefix: string): string | undefined {
  return columns.find((c) => c.startsWith(prefix));
}

/**
 * Relative lithium balance error of row r: (Δ li_total − Δ li_influx − Δ li_migration) / li_total,
 * the differences taken from the segment's first row (metrics.ts states the balance).
 */
export function balanceError(h: MetricsHistory, r: number): number {
  const total = columnLike(h.columns, 'li_total_'),
    influx = columnLike(h.columns, 'li_influx_'),
    migr = columnLike(h.columns, 'li_migration_');
  if (!total || !influx) return NaN;
  const row = h.rows[r],
    s0 = h.segmentStart(r);
  const d = (c: string | undefined) => (c ? row[c] - s0[c] : 0);
  return (d(total) - d(influx) - d(migr)) / s0[total];
}
