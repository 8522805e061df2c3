/**
 * Phase-stage benchmark (docs/imex-phase.md): the explicit and the IMEX phase stage on the same
 * scenarios, CPU backend. Prints steps per simulated second of both stages, the wall time and
 * what a study reads off a run (mean front, tip, deposit) with the differences, and writes
 * bench/results/imex-<hostname>[-quick].json.
 *
 * Cases:
 * - hong2018: examples/hong2018 (800 × 800 at dx = 0.25 µm) for `--hong-until` seconds (default
 *   2): steps per simulated second of both stages (no small-step reference: 640 000 cells).
 * - front1d: the quasi-1D Hong front of issue 12 at dx = 0.25 µm (800 × 4, noise off), 10 s,
 *   against the explicit stage at dt ≤ 1 ms.
 * - default: examples/default (256 × 96, nuclei, noise, δ = 0.04), 6 s, against the explicit
 *   stage at dt ≤ 1 ms.
 * `--quick`: hong2018 at 800 × 32 (periodic laterally) for 2 s, front1d to 3 s, default to 1 s.
 * Speed is reported, never asserted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareSchemes, formatComparison, type SchemeComparison } from '../src/analysis/scheme-compare.ts';
import {
  eachArg,
  formatTable,
  loadNote,
  machine,
  optionsOrReport,
  parseList,
  parseOut,
  parsePositive,
  resultsFile,
  writeJson,
} from './common.ts';

export const IMEX_BENCH_HELP = `  --cases LIST       hong2018, front1d, default (default: all three)
  --hong-until S     simulated seconds of hong2018 (default 2)
  --threads N        CPU threads (default 1: the step counts do not depend on it)
  --quick            hong2018 at 800×32 (periodic laterally), front1d to 3 s, default to 1 s
  --out FILE         results file (default bench/results/imex-<hostname>.json)
  --no-write         print only`;

const CASES = ['hong2018', 'front1d', 'default'] as const;
type Case = (typeof CASES)[number];

interface Options {
  cases: Case[];
  hongUntil: number;
  threads: number;
  quick: boolean;
  out: string | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { cases: [...CASES], hongUntil: 2, threads: 1, quick: false, out: '' };
  eachArg(argv, (key, val, raw) => {
    if (key === '--cases') {
      const list = parseList(val(), '--cases');
      for (const c of list)
        if (!(CASES as readonly string[]).includes(c)) throw new Error(`bench imex: unknown case "${c}" (have: ${CASES.join(', ')})`);
      o.cases = list as Case[];
    } else if (key === '--hong-until') o.hongUntil = parsePositive(val(), '--hong-until');
    else if (key === '--threads') o.threads = parsePositive(val(), '--threads', true);
    else if (key === '--quick') o.quick = true;
    else if (key === '--out') o.out = parseOut(val());
    else if (key === '--no-write') o.out = null;
    else throw new Error(`bench imex: unknown option "${raw}"`);
  });
  return o;
}

function example(name: string): Record<string, unknown> {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'examples', name, 'scenario.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

const noOutput = { vti: false, png: false };

/** The scenario and run options of a case. */
function caseInput(c: Case, o: Options): { input: Record<string, unknown>; until: number; refDtMax: number | null } {
  if (c === 'hong2018') {
    const s = { ...example('hong2018'), output: noOutput, time: { end: '400 s', output: `${o.hongUntil / 4} s` } };
    if (o.quick)
      return {
        input: { ...s, grid: { dims: 2, n: [800, 32], dx: '0.25 um' }, boundary: { lateral: 'periodic' } },
        until: o.hongUntil,
        refDtMax: null,
      };
    return { input: s, until: o.hongUntil, refDtMax: null };
  }
  if (c === 'front1d') {
    const end = o.quick ? 3 : 10;
    return {
      input: {
        name: 'front1d',
        grid: { dims: 2, n: [800, 4], dx: '0.25 um' },
        time: { end: `${end} s`, output: `${end / 4} s` },
        voltage: '-0.45 V',
        anisotropy: { delta: 0 },
        initial: { layer: '20 um' },
        noise: { amplitude: 0, seed: 1 },
        output: noOutput,
      },
      until: end,
      refDtMax: 1e-3,
    };
  }
  const end = o.quick ? 1 : 6;
  return {
    input: { ...example('default'), output: noOutput, time: { end: `${end} s`, output: `${end / 4} s` } },
    until: end,
    refDtMax: 1e-3,
  };
}

export async function runImexBench(argv: string[]): Promise<number> {
  const o = optionsOrReport(parseArgs, argv);
  if (!o) return 2;
  const m = machine();
  console.log(`Phase-stage benchmark (explicit vs IMEX), CPU backend, ${o.threads} thread(s): ${m.cpuModel}, Node ${m.node}`);
  const note = loadNote();
  if (note) console.log(note);
  const results: SchemeComparison[] = [];
  for (const c of o.cases) {
    const { input, until, refDtMax } = caseInput(c, o);
    console.log(`\n${c}: running…`);
    const r = await compareSchemes(input, { until, refDtMax, threads: o.threads });
    console.log(formatComparison(r));
    results.push(r);
  }
  const rows = results.map((r) => [
    r.name,
    `${r.until}`,
    r.explicit.stepsPerSecond.toFixed(1),
    r.imex.stepsPerSecond.toFixed(1),
    `${r.stepRatio.toFixed(2)}×`,
    r.explicit.wallSeconds.toFixed(1),
    r.imex.wallSeconds.toFixed(1),
    `${(100 * r.imexDiff.frontRel).toFixed(3)} %`,
    `${(100 * r.imexDiff.tipRel).toFixed(2)} %`,
    `${(100 * r.imexDiff.depositRel).toFixed(3)} %`,
    r.reference ? `explicit, dt ≤ ${r.refDtMax} s` : 'explicit',
  ]);
  console.log(
    `\n${formatTable(
      [
        'case',
        't (s)',
        'steps/s explicit',
        'steps/s imex',
        'fewer',
        'wall explicit (s)',
        'wall imex (s)',
        'Δfront',
        'Δtip',
        'Δdeposit',
        'against',
      ],
      rows,
      [0, 10],
    )}`,
  );
  console.log('Δ: IMEX minus the reference, relative to the reference run’s advance (front, tip) and deposit, at the last output.');
  if (o.out !== null) {
    writeJson(resultsFile('imex', o.quick, o.out), {
      date: new Date().toISOString(),
      machine: { ...m, loadAverageAtEnd: os.loadavg().map((v) => +v.toFixed(2)) },
      options: o,
      results,
    });
  }
  return 0;
}
