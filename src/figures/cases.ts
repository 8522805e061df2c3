/**
 * Runs of the scenario library for the figures, kept as run directories so a later
 * `lidendrite figures --runs <dir>` reuses them: each point of a case runs in this process on the
 * CPU backend (src/analysis/simulate.ts) until its mean front has advanced a fixed distance
 * (equal deposited charge), and its final state is written with the project's RunWriter
 * (manifest.json, metrics.csv, fields/fields_0000.vti, png/). A directory is reused when its
 * manifest says finished and records the same scenario and stop rule.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulate } from '../analysis/simulate.ts';
import { morphology, type Morphology } from '../analysis/morphology.ts';
import { casePoints, type LibraryCase } from '../analysis/library.ts';
import { derivedGroups, scenarioWarnings } from '../model/derived.ts';
import { hostMask } from '../model/props.ts';
import type { Scenario } from '../model/scenario.ts';
import { removeRunFiles } from '../io/run-dir.ts';
import { RunWriter } from '../io/run-output.ts';
import { readFields, readRun } from './run-dir.ts';

export interface CaseResult {
  /** false: the run ended at time.end before its front had advanced the target distance. */
  reached: boolean;
  label: string;
  value: number;
  scenario: Scenario;
  xi: Float64Array;
  time: number;
  morphology: Morphology;
  dir: string;
  reused: boolean;
}

const slug = (s: string) => s.replace(/[^A-Za-z0-9.+-]+/g, '_').replace(/^_+|_+$/g, '') || 'point';

/** The stop rule a figure run used, as recorded in its manifest. */
interface StopRule {
  frontAdvance: number;
}

function reusable(dir: string, s: Scenario, stop: StopRule): boolean {
  try {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    return (
      m.status?.state === 'finished' &&
      JSON.stringify(m.scenario) === JSON.stringify(s) &&
      JSON.stringify(m.figuresStop) === JSON.stringify(stop)
    );
  } catch {
    return false;
  }
}

/** Runs (or reuses) every point of a library case under `runsDir/<case>/`. */
export async function runLibraryCase(
  c: LibraryCase,
  o: { runsDir: string; reduced: boolean; log: (m: string) => void },
): Promise<CaseResult[]> {
  const stop: StopRule = { frontAdvance: o.reduced ? c.reduced.advance : c.advance };
  const out: CaseResult[] = [];
  const points = casePoints(c, { reduced: o.reduced });
  for (const [k, p] of points.entries()) {
    const dir = join(o.runsDir, c.id, `${String(k).padStart(2, '0')}-${slug(p.label)}`);
    const s = p.scenario;
    const um = s.grid.dx * 1e6;
    if (existsSync(dir) && reusable(dir, s, stop)) {
      const run = readRun(dir);
      const f = readFields(run);
      out.push({
        reached: f.time < p.limit * (1 - 1e-9),
        label: p.label,
        value: p.value,
        scenario: s,
        xi: f.xi,
        time: f.time,
        morphology: morphology(f.xi, s.grid.n, um, s.grid.dims, hostMask(s)),
        dir,
        reused: true,
      });
      o.log(`  ${c.id} ${p.label}: reusing ${dir}`);
      continue;
    }
    o.log(
      `  ${c.id} ${p.label}: running ${s.grid.n.slice(0, s.grid.dims).join('×')} cells until the front has advanced ${stop.frontAdvance} µm ...`,
    );
    const r = await simulate(s, { frontAdvance: stop.frontAdvance, until: p.limit, threads: 1 });
    // an older run of this point (another scenario or stop rule): its files go, nothing else (refused if there is more)
    if (existsSync(dir)) removeRunFiles(dir);
    const w = new RunWriter(dir, s, {
      groups: derivedGroups(s),
      backend: 'cpu',
      device: 'CPU (f64, serial)',
      warnings: scenarioWarnings(s),
      argv: ['figures'],
    });
    w.writeManifest({ state: 'running' }, { figuresStop: stop });
    w.writeOutput(0, r.metrics.time_s, r.fields, r.metrics);
    w.writeManifest({ state: 'finished' }, { figuresStop: stop, endTime: r.metrics.time_s, steps: r.steps });
    const short = r.metrics.time_s >= p.limit * (1 - 1e-9);
    o.log(
      `  ${c.id} ${p.label}: t = ${r.metrics.time_s.toPrecision(4)} s, ${r.steps} steps, ${r.wallSeconds.toFixed(1)} s wall -> ${dir}` +
        (short ? ` (WARNING: stopped at t = ${p.limit} s before the front had advanced ${stop.frontAdvance} µm)` : ''),
    );
    out.push({
      reached: !short,
      label: p.label,
      value: p.value,
      scenario: s,
      xi: r.xi,
      time: r.metrics.time_s,
      morphology: r.morphology,
      dir,
      reused: false,
    });
  }
  return out;
}
