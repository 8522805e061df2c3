/**
 * The comparison table of examples/hong2018-grand-potential/README.md from finished run
 * directories (`lidendrite run … --until T`), one per model and grid:
 *   npx tsx scripts/gp-compare.ts RUN_DIR…
 * Per run: the mean front and the tip (metrics.csv, µm) at each output time, max c/c0, the steps,
 * rejected steps and retries, the wall time per simulated second (manifest.json; depends on the
 * machine and its load), and from the last checkpoint the deposit density: the mean Li per volume
 * (over c0) of the metal grown during the run — cells that were electrolyte at t = 0 (initial
 * ξ < ½) and are metal now (ξ > ½). That Li is what each form counts as metal: (c_s/c0)·ξ in the
 * concentration form (equation (2)), K·dv·h(ξ)·c_s(w) in the grand-potential form (model.md §7).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { coefficients } from '../src/model/derived.ts';
import { hClamped, siteS } from '../src/model/grand-potential.ts';
import { initialFields } from '../src/model/initial.ts';
import { readCheckpoint } from '../src/io/checkpoint.ts';

interface Manifest {
  wallSeconds: number;
  steps: number;
  retries: number;
  rejectedSteps: number;
  endTime: number;
  argv: string[];
}

function metrics(dir: string): Record<string, number>[] {
  const [head, ...rows] = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
  const cols = head.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i], Number(v)])));
}

/** Mean Li per volume over c0 of the cells grown during the run, and their number. */
function depositDensity(dir: string): { density: number; cells: number; model: string } {
  const ck = readCheckpoint(dir);
  const s = ck.scenario;
  const k = coefficients(s);
  const xi0 = initialFields(s).xi;
  const { xi, w } = ck.fields;
  let sum = 0,
    n = 0;
  for (let i = 0; i < xi.length; i++) {
    if (!(xi0[i] < 0.5 && xi[i] > 0.5)) continue;
    n++;
    sum += k.gp ? k.gp.K * k.gp.dv * hClamped(xi[i]) * siteS(k.gp, w![i]) : k.csRatio * xi[i];
  }
  return { density: n ? sum / n : NaN, cells: n, model: k.gp ? 'grand-potential' : 'concentration' };
}

const f = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '–');

for (const dir of process.argv.slice(2)) {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const dd = depositDensity(dir);
  console.log(
    `${dir} (${dd.model}): ${m.steps} steps to ${m.endTime} s, ${m.rejectedSteps} rejected, ${m.retries} retries; ` +
      // a resumed run's manifest has the wall time of its last session only
      (m.argv[0] === 'run'
        ? `${f(m.wallSeconds / m.endTime, 1)} s wall per simulated s`
        : `resumed (${f(m.wallSeconds, 0)} s wall in the last session)`) +
      `; deposit density ${f(dd.density)} c0 over ${dd.cells} grown cells`,
  );
  console.log('  t (s)   front_mean (µm)   front_tip (µm)   max c/c0   xi_grown_mean');
  for (const r of metrics(dir)) {
    console.log(
      `  ${f(r.time_s).padStart(5)}   ${f(r.front_mean_um, 3).padStart(15)}   ${f(r.front_tip_um, 3).padStart(14)}   ${f(r.c_max, 3).padStart(8)}   ${f(r.xi_grown_mean, 3).padStart(13)}`,
    );
  }
}
