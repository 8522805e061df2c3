/**
 * Live time series next to the map, drawn with uPlot (a small, fast canvas plotting library made
 * for streaming series): front position (mean and tip), tip height above the mean, current
 * density, the lithium balance error, under drive control the collector voltage, and the
 * largest value of every transported species — each from metrics.csv's columns (history.ts).
 * The list is data: a plot whose columns a run does not have is left out (the voltage one
 * without `control`), and a species' plot appears with its columns.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Scenario } from '../model/scenario.ts';
import { balanceError, columnLike, type MetricsHistory } from './history.ts';

interface PlotDef {
  id: string;
  title: string;
  when?(s: Scenario, columns: readonly string[]): boolean;
  series: { label: string; color: string; value(h: MetricsHistory, r: number): number }[];
}

const col =
  (name: string, scale = 1) =>
  (h: MetricsHistory, r: number) =>
    h.rows[r][name] * scale;

/** The plots, in page order. */
export const PLOTS: PlotDef[] = [
  {
    id: 'front',
    title: 'front position (µm)',
    series: [
      { label: 'tip', color: '#c2185b', value: col('front_tip_um') },
      { label: 'mean', color: '#1565c0', value: col('front_mean_um') },
    ],
  },
  {
    id: 'tip',
    title: 'tip height above the mean front (µm)',
    series: [{ label: 'tip − mean', color: '#6a1b9a', value: (h, r) => h.rows[r].front_tip_um - h.rows[r].front_mean_um }],
  },
  {
    id: 'current',
    title: 'current density (mA/cm², > 0 plating)',
    series: [{ label: 'i', color: '#2e7d32', value: col('current_density_A_per_m2', 0.1) }],
  },
  {
    id: 'balance',
    title: 'lithium balance error (relative)',
    when: (_s, c) => columnLike(c, 'li_total_') !== undefined,
    series: [{ label: 'ΔLi − influx', color: '#ef6c00', value: balanceError }],
  },
  {
    id: 'voltage',
    title: 'collector voltage (V)',
    when: (s) => s.control !== undefined,
    series: [{ label: 'V', color: '#37474f', value: col('voltage_V') }],
  },
];

/** One plot per transported species (metrics.ts writes <name>_max for each): its largest value. */
function speciesPlots(columns: readonly string[]): PlotDef[] {
  return columns
    .filter((c) => c.endsWith('_max') && c !== 'c_max' && c !== 'xi_max')
    .map((c) => {
      const name = c.slice(0, -4);
      return { id: name, title: `max ${name} (c/bulk)`, series: [{ label: `max ${name}`, color: '#00838f', value: col(c) }] };
    });
}

/** An axis number short enough for the gutter: small and large magnitudes (a balance error of 1e-11) in exponent form. */
export function axisLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a < 1e-3 || a >= 1e5 ? v.toExponential(1) : String(Number(v.toPrecision(4)));
}

/** Least time between two redraws of the plots while frames stream in, ms (a plot need not move at the map's rate). */
const REDRAW_MS = 500;

/** The plot panel: one small uPlot per applicable definition. */
export class Plots {
  private charts: { def: PlotDef; u: uPlot; el: HTMLElement }[] = [];
  private width = 300;
  private last = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private generation = 0;
  /** Points each plot shows (set when its redraw ran). */
  private points = new Map<string, number>();

  constructor(private root: HTMLElement) {}

  /** Rebuilds the panel for a run (its scenario and metrics columns). */
  configure(s: Scenario, columns: readonly string[]): void {
    for (const c of this.charts) c.u.destroy();
    this.charts = [];
    this.generation++;
    this.points.clear();
    this.root.replaceChildren();
    this.width = this.chartWidth();
    for (const def of [...PLOTS, ...speciesPlots(columns)]) {
      if (def.when && !def.when(s, columns)) continue;
      const el = document.createElement('figure');
      el.className = 'plot';
      el.dataset.plot = def.id;
      this.root.append(el);
      const u = new uPlot(
        {
          title: def.title,
          width: this.width,
          height: 150,
          // labels only: live legend values would touch the DOM on every pointer move
          legend: { show: def.series.length > 1, live: false },
          cursor: { drag: { x: false, y: false } },
          scales: { x: { time: false } },
          axes: [
            { label: 't (s)', size: 36, labelSize: 14 },
            { size: 56, values: (_u: uPlot, v: number[]) => v.map(axisLabel) },
          ],
          series: [
            { label: 't (s)' },
            ...def.series.map((sr) => ({ label: sr.label, stroke: sr.color, width: 1.5, points: { show: false } })),
          ],
        },
        [[], ...def.series.map(() => [])],
        el,
      );
      this.charts.push({ def, u, el });
    }
  }

  private chartWidth(): number {
    const w = this.root.clientWidth;
    const cols = w > 900 ? 3 : w > 560 ? 2 : 1;
    return Math.max(220, Math.floor(w / cols) - 12);
  }

  /** Redraws the plots soon: at once when the last redraw is old enough, else once REDRAW_MS after it. */
  schedule(h: MetricsHistory): void {
    if (this.timer) return;
    const wait = this.last + REDRAW_MS - performance.now();
    if (wait <= 0) this.update(h);
    else
      this.timer = setTimeout(() => {
        this.timer = null;
        this.update(h);
      }, wait);
  }

  /**
   * Redraws every plot from the history: one plot per task, so that a slow machine never turns
   * the set of redraws into one long main-thread task (the page's responsiveness test counts them).
   */
  update(h: MetricsHistory): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.last = performance.now();
    const n = h.rows.length;
    const t = new Float64Array(n);
    for (let r = 0; r < n; r++) t[r] = h.rows[r].time_s;
    const charts = this.charts.slice();
    const gen = ++this.generation;
    const next = (q: number) => {
      // a newer update or a new run supersedes this one
      if (q >= charts.length || gen !== this.generation) return;
      const { def, u } = charts[q];
      const ys = def.series.map((sr) => {
        const y = new Float64Array(n);
        for (let r = 0; r < n; r++) y[r] = sr.value(h, r);
        return y;
      });
      u.setData([t, ...ys] as unknown as uPlot.AlignedData);
      this.points.set(def.id, n);
      if (q + 1 < charts.length) setTimeout(() => next(q + 1), 0);
    };
    next(0);
  }

  /** Fits the plots to the panel's width. */
  resize(): void {
    const w = this.chartWidth();
    if (w === this.width) return;
    this.width = w;
    for (const { u } of this.charts) u.setSize({ width: w, height: 150 });
  }

  /** The plots shown: id and point count (tests). */
  shown(): { id: string; points: number }[] {
    return this.charts.map(({ def }) => ({ id: def.id, points: this.points.get(def.id) ?? 0 }));
  }
}
