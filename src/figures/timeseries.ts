/**
 * Time series of one run (its metrics.csv): the tip and the mean front (µm), the current density
 * at the electrodes (mA/cm²), and the lithium balance (mol per m² of electrode): the change of
 * the total lithium (ions + metal) since t = 0 against the lithium that entered through the
 * counter electrode, which must coincide (model.md V6), with the metal and the ions apart.
 */
import type { Scenario } from '../model/scenario.ts';

/** Electrode area per "amount unit" of the metrics: 2D amounts are per metre of depth, so divide by L_y (m); 3D by L_y·L_z (m²). */
export function electrodeArea(s: Pick<Scenario, 'grid'>): number {
  const [, ny, nz] = s.grid.n;
  return s.grid.dims === 2 ? ny * s.grid.dx : ny * nz * s.grid.dx * s.grid.dx;
}

/** A one-line description of a scenario for figure subtitles. */
export function describeScenario(s: Scenario): string {
  const n = s.grid.n.slice(0, s.grid.dims);
  const L = n.map((v) => +(v * s.grid.dx * 1e6).toPrecision(4));
  return `${s.grid.dims}D ${n.join('×')} cells (${L.join(' × ')} µm, dx = ${+(s.grid.dx * 1e6).toPrecision(4)} µm), V = ${+(s.voltage * 1000).toPrecision(4)} mV, T = ${s.parameters.T} K`;
}

export function timeseriesSpec(s: Scenario, rows: Record<string, number>[]): Record<string, unknown> {
  if (rows.length === 0) throw new Error(`timeseries: run ${s.name} has no metrics rows`);
  // a metrics.csv that several runs appended to (a fresh run into an old directory) has time
  // going back; only the last run is plotted
  let first = 0;
  for (let k = 1; k < rows.length; k++) if (rows[k].time_s < rows[k - 1].time_s) first = k;
  const dropped = first;
  rows = rows.slice(first);
  const d = s.grid.dims;
  const mol = d === 2 ? 'mol_per_m' : 'mol';
  const amp = d === 2 ? 'A_per_m' : 'A';
  const area = electrodeArea(s);
  const r0 = rows[0];
  const front: object[] = [],
    current: object[] = [],
    lithium: object[] = [];
  for (const r of rows) {
    const t = r.time_s;
    front.push(
      { t, v: r.front_tip_um, series: 'tip (outermost ξ = ½ crossing)' },
      { t, v: r.front_mean_um, series: 'mean front (metal volume / width)' },
    );
    // A/m² → mA/cm²: ×0.1; the first row has no solve yet (NaN electrode currents)
    const cd = (x: number) => (Number.isFinite(x) ? (x / area) * 0.1 : null);
    current.push(
      { t, v: cd(r[`i_faradaic_${amp}`]), series: 'Faradaic, ∫nFc_s ∂ξ/∂t dV' },
      { t, v: cd(r[`i_counter_${amp}`]), series: 'through the counter electrode' },
    );
    const per = (x: number) => x / area;
    lithium.push(
      { t, v: per(r[`li_total_${mol}`] - r0[`li_total_${mol}`]), series: 'Δ total lithium (ions + metal)' },
      { t, v: per(r[`li_influx_${mol}`]), series: 'entered through the counter electrode' },
      { t, v: per(r[`li_metal_${mol}`] - r0[`li_metal_${mol}`]), series: 'Δ metal' },
      { t, v: per(r[`li_ions_${mol}`] - r0[`li_ions_${mol}`]), series: 'Δ ions' },
    );
  }
  const panel = (title: string, values: object[], yTitle: string, dash = false) => ({
    name: title,
    width: 300,
    height: 200,
    data: { values },
    mark: { type: 'line', point: { size: 18 }, strokeWidth: 1.5 },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 'time (s)' },
      y: { field: 'v', type: 'quantitative', title: yTitle, scale: { zero: false } },
      color: { field: 'series', type: 'nominal', title: null, sort: null, legend: { orient: 'bottom', direction: 'vertical' } },
      ...(dash ? { strokeDash: { field: 'series', type: 'nominal', sort: null, legend: null } } : {}),
    },
  });
  // under drive control the collector voltage is an output: show it too
  const volts =
    s.control && rows.some((r) => Number.isFinite(r.voltage_V))
      ? [
          panel(
            'voltage',
            rows.map((r) => ({ t: r.time_s, v: r.voltage_V * 1000, series: 'collector voltage (controller)' })),
            'collector voltage (mV)',
          ),
        ]
      : [];
  // the short circuit (docs/short-circuit.md): a dashed rule on the front panel at its time
  const tShort = rows.at(-1)?.short_circuit_s;
  const short = tShort !== undefined && Number.isFinite(tShort) ? tShort : null;
  const frontPanel = panel('front', front, 'deposit front position x (µm)');
  const frontWithShort =
    short === null
      ? frontPanel
      : {
          name: 'front',
          width: frontPanel.width,
          height: frontPanel.height,
          layer: [
            { data: frontPanel.data, mark: frontPanel.mark, encoding: frontPanel.encoding },
            {
              data: { values: [{ t: short, label: `short circuit, ${short.toPrecision(3)} s` }] },
              mark: { type: 'rule', color: '#b2182b', strokeDash: [4, 3], strokeWidth: 1.5 },
              encoding: { x: { field: 't', type: 'quantitative' } },
            },
            {
              data: { values: [{ t: short, label: `short circuit, ${short.toPrecision(3)} s` }] },
              mark: { type: 'text', color: '#b2182b', align: 'right', baseline: 'top', dx: -3, dy: 3, y: 0 },
              encoding: { x: { field: 't', type: 'quantitative' }, text: { field: 'label' } },
            },
          ],
        };
  return {
    title: {
      text: `${s.name}: time series (deposit front, current density, lithium balance)`,
      subtitle: [
        describeScenario(s) + (d === 2 ? '; 2D amounts are per metre of depth and divided by the electrode width' : ''),
        ...(dropped ? [`the first ${dropped} rows of metrics.csv (an earlier run: time restarts) are not shown`] : []),
        ...(short !== null
          ? [`short circuit at t = ${short.toPrecision(4)} s: metal within an interface width of the counter electrode`]
          : []),
      ],
    },
    hconcat: [
      frontWithShort,
      panel('current', current, 'current density (mA/cm²)', true),
      panel('lithium', lithium, 'lithium per electrode area (mol/m²)', true),
      ...volts,
    ],
    resolve: { scale: { color: 'independent', strokeDash: 'independent' } },
  };
}
