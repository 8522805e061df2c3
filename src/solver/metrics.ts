/**
 * Converts backend reductions (scaled units) into the metrics row written to metrics.csv.
 * 2D amounts are per metre of depth (mol/m, A/m); 3D amounts are totals (mol, A).
 *
 * Lithium balance: li_total(t) − li_total(0) = li_influx + li_migration. In the grand-potential
 * form (docs/grand-potential.md) li_ions = c0·Σc̃ dV with c̃ = K·c_l(w)(1 − h), li_metal =
 * c0·Σ K·dv·h·c_s(w) dV (the ρ its transport conserves) and li_influx the reservoir's inflow of
 * ρ × K; i_faradaic stays nFc_s·Σξ̇ dV with c_s = ft2·1e12/(nF), the source of (3′). li_influx counts the
 * ions that crossed the Dirichlet faces of c̃ (the reservoir); li_migration the t₊ share of the
 * deposit that migrated in from the counter electrode in the binary-electrolyte mode
 * (Σ_steps t₊·(c_s/c0)·ΣΔξ dV; 0 in the base model, whose Li⁺ equation carries migration itself).
 * voltage_V is the collector voltage the last step ran at and current_density_A_per_m2 that
 * step's Faradaic current density i_faradaic/A (A: collector area; > 0 plating, < 0 stripping).
 *
 * Each transported species (src/model/species.ts; the shielding additive, docs/additive.md)
 * adds three columns, named after it: <name>_* (its amount bulk·Σã dV), <name>_influx_* (what
 * entered through the reservoir face since the start; <name>(t) − <name>(0) = <name>_influx, it
 * has no sink) and <name>_max (max ã).
 * Last: xi_grown_mean, the mean ξ over cells that were electrolyte at t = 0 and are metal now
 * (docs/deposit-density.md, src/solver/deposit.ts; NaN before any), and short_circuit_s, when the metal first came
 * within an interface width of the counter electrode (docs/short-circuit.md; NaN before). They
 * come after the species' columns so that an older metrics.csv is a prefix of a newer one.
 * With a mechanics section, mechanics_iters and mechanics_residual (the last displacement solve,
 * docs/mechanics.md) follow them.
 */
import type { Reductions, PotentialReport, SolveReport, TransportReport } from '../backends/backend.ts';
import type { Coefficients } from '../model/derived.ts';
import { atTemperature, FARADAY } from '../model/params.ts';
import type { Scenario } from '../model/scenario.ts';
import type { Species } from '../model/species.ts';

export type MetricsRow = Record<string, number>;

/** The metrics.csv columns of a dims-D run with the given transported species (Coefficients.species). */
export function metricColumns(dims: 2 | 3, species: readonly Pick<Species, 'name'>[] = [], mechanics = false): string[] {
  const mol = dims === 2 ? 'mol_per_m' : 'mol';
  const amp = dims === 2 ? 'A_per_m' : 'A';
  const size = dims === 2 ? 'interface_length_um' : 'interface_area_um2';
  return [
    'time_s',
    'step',
    'dt_s',
    'front_mean_um',
    'front_tip_um',
    size,
    `li_ions_${mol}`,
    `li_metal_${mol}`,
    `li_total_${mol}`,
    `li_influx_${mol}`,
    `limited_${mol}`,
    `i_faradaic_${amp}`,
    `i_counter_${amp}`,
    `i_collector_${amp}`,
    'c_max',
    'c_min',
    'xi_min',
    'xi_max',
    'potential_solves',
    'potential_iters',
    'potential_residual',
    'transport_iters',
    'transport_residual',
    'voltage_V',
    'current_density_A_per_m2',
    `li_migration_${mol}`,
    ...species.flatMap((sp) => [`${sp.name}_${mol}`, `${sp.name}_influx_${mol}`, `${sp.name}_max`]),
    'xi_grown_mean',
    'short_circuit_s',
    // the last displacement solve (docs/mechanics.md)
    ...(mechanics ? ['mechanics_iters', 'mechanics_residual'] : []),
  ];
}

export interface RunCounters {
  time: number;
  step: number;
  dt: number;
  solves: number;
  limitedTotal: number;
  influxTotal: number;
  pot: PotentialReport | null;
  tr: TransportReport | null;
  /** Ions carried in by migration (binary mode; scaled c0·µm^d); absent = 0. */
  migrationTotal?: number;
  /** Collector voltage of the last step, V; absent = the scenario's. */
  voltage?: number;
  /** Per transported species (by name): what entered through the boundary (scaled bulk·µm^d); absent = 0. */
  speciesInfluxTotal?: Record<string, number>;
  /** Mean ξ of grown metal (Simulation: cells electrolyte at t = 0 and metal now); absent = NaN. */
  xiGrownMean?: number;
  /** When the metal reached the counter electrode, s; absent or NaN = not (yet). */
  shortCircuitTime?: number;
  /** The last mechanics solve (absent or null: none yet). */
  mech?: SolveReport | null;
}

export function metricsRow(s: Scenario, k: Coefficients, red: Reductions, run: RunCounters): MetricsRow {
  const d = k.dims;
  const [, ny, nz] = k.n;
  const dxm = k.dx * 1e-6;
  const dV = dxm ** d;
  // σ_l at the run temperature (Arrhenius): the scaled currents are in units of σ_l(T)/f
  const p = atTemperature(s.parameters);
  const cols = metricColumns(d, k.species, k.mechanics !== undefined);
  // scaled current (σ̂·ψ·µm^(d−2)) → A (3D) or A/m (2D)
  const toAmp = (F: number) => (p.sigmaL / k.f) * F * (d === 3 ? 1e-6 : 1);
  const ions = p.c0 * red.sumC * dV;
  // the grand-potential form counts the metal's Li from its site fraction (Σ K·dv·h·c_s, scaled c0·µm^d)
  const metal = red.sumMetal !== undefined ? p.c0 * red.sumMetal * 1e-6 ** d : p.cs * red.sumXi * dV;
  const iF = p.n * FARADAY * p.cs * red.sumXidot * dV;
  // collector area: Ly (2D, per metre of depth) or Ly·Lz (3D), m^(d−1)
  const area = d === 3 ? ny * nz * dxm * dxm : ny * dxm;
  const x0 = s.boundary.phi.x0;
  const vals = [
    run.time,
    run.step,
    run.dt,
    (red.sumXi * k.dx) / (ny * nz),
    red.tip,
    red.sumGrad * k.dx ** d,
    ions,
    metal,
    ions + metal,
    p.c0 * run.influxTotal * 1e-6 ** d,
    p.c0 * run.limitedTotal * 1e-6 ** d,
    iF,
    run.pot ? toAmp(run.pot.fluxX1) : NaN,
    run.pot ? toAmp(run.pot.fluxX0) : NaN,
    red.cMax,
    red.cMin,
    red.xiMin,
    red.xiMax,
    run.solves,
    run.pot?.iterations ?? 0,
    run.pot?.residual ?? 0,
    run.tr?.iterations ?? 0,
    run.tr?.residual ?? 0,
    run.voltage ?? (x0.type === 'dirichlet' ? x0.value : NaN),
    iF / area,
    p.c0 * (run.migrationTotal ?? 0) * 1e-6 ** d,
  ];
  k.species.forEach((sp, m) => {
    const r = red.species[m];
    vals.push(sp.bulk * (r?.sum ?? NaN) * dV, sp.bulk * (run.speciesInfluxTotal?.[sp.name] ?? 0) * 1e-6 ** d, r?.max ?? NaN);
  });
  vals.push(run.xiGrownMean ?? NaN, run.shortCircuitTime ?? NaN);
  if (k.mechanics) vals.push(run.mech?.iterations ?? 0, run.mech?.residual ?? 0);
  const row: MetricsRow = {};
  cols.forEach((c, i) => {
    row[c] = vals[i];
  });
  return row;
}
