/**
 * CPU backend benchmark: the coupled step (potential, phase, transport) on 2D and 3D grids,
 * serial and threaded. For each grid and thread count it warms up, then runs steps for a few
 * seconds and reports cell-updates per second per stage and per coupled step, and the MG-PCG
 * iteration counts. Writes bench/results/cpu-<hostname>.json (…-quick.json with --quick).
 * Speed is reported, never asserted.
 */
import * as os from 'node:os';
import { createBackend } from '../src/backends/create.ts';
import { Simulation } from '../src/solver/simulation.ts';
import {
  benchScenario,
  formatTable,
  instrument,
  loadNote,
  M,
  machine,
  optionsOrReport,
  parseList,
  parseOut,
  parseSize,
  resultsFile,
  writeJson,
} from './common.ts';

export { benchScenario } from './common.ts';

export const CPU_BENCH_HELP = `  --quick            small grids (64², 128², 16³, 32³), 1 s each after 0.75 s warm-up
  --sizes LIST       grids, e.g. 128,256x128,32x32x32 (a single N means N×N)
  --threads LIST     thread counts, e.g. 1,2,4 (default: 1 and all cores)
  --seconds S        measured time per grid and thread count (default 3, after 1.5 s
                     and at least 10 steps of warm-up)
  --repeat N         measure every grid and thread count N times, interleaved, and keep the
                     fastest (for machines shared with other work; default 1)
  --out FILE         results file (default bench/results/cpu-<hostname>.json)
  --no-write         print only`;

interface Options {
  sizes: number[][];
  threads: number[];
  seconds: number;
  warmup: number;
  repeat: number;
  out: string | null;
  quick: boolean;
}

export interface StageRates {
  step: number;
  potential: number;
  phase: number;
  transport: number;
}

export interface BenchResult {
  grid: string;
  dims: 2 | 3;
  n: number[];
  cells: number;
  threads: number;
  device: string;
  steps: number;
  seconds: number;
  simTime: number;
  /** Runs measured (the fastest is reported) and the step rates of all of them. */
  repeats: number;
  allStepRates: number[];
  /** Cell-updates per second: per coupled step, and per call of each stage (time in that stage only). */
  cellUpdatesPerSecond: StageRates;
  /** Share of the step time spent in each stage. */
  share: { potential: number; phase: number; transport: number };
  potentialSolves: number;
  /** Mean MG-PCG iterations per potential solve / per transport step. */
  pcgItersPotential: number;
  pcgItersTransport: number;
}

const DEFAULT_SIZES = [
  [128, 128],
  [256, 256],
  [512, 512],
  [32, 32, 32],
  [64, 64, 64],
];
const QUICK_SIZES = [
  [64, 64],
  [128, 128],
  [16, 16, 16],
  [32, 32, 32],
];

function parseArgs(argv: string[]): Options {
  const hw = os.availableParallelism();
  const o: Options = { sizes: DEFAULT_SIZES, threads: [...new Set([1, hw])], seconds: 3, warmup: 1.5, repeat: 1, out: '', quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [key, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const val = () => inline ?? argv[++i];
    switch (key) {
      case '--quick':
        o.quick = true;
        o.sizes = QUICK_SIZES;
        o.seconds = 1;
        o.warmup = 0.75;
        break;
      case '--sizes':
        o.sizes = parseList(val(), '--sizes').map(parseSize);
        break;
      case '--threads':
        o.threads = parseList(val(), '--threads').map((t) => {
          const n = Number(t);
          if (!Number.isInteger(n) || n < 1) throw new Error(`bench: bad thread count "${t}"`);
          return n;
        });
        break;
      case '--seconds':
        o.seconds = Number(val());
        if (!(o.seconds > 0)) throw new Error('bench: --seconds must be > 0');
        break;
      case '--repeat':
        o.repeat = Number(val());
        if (!(Number.isInteger(o.repeat) && o.repeat >= 1)) throw new Error('bench: --repeat must be a positive integer');
        break;
      case '--out':
        o.out = parseOut(val());
        break;
      case '--no-write':
        o.out = null;
        break;
      default:
        throw new Error(`bench: unknown option "${a}"\n${CPU_BENCH_HELP}`);
    }
  }
  return o;
}

async function benchOne(n: number[], threads: number, o: Options): Promise<BenchResult> {
  const s = benchScenario(n);
  const { backend } = await createBackend('cpu', s, { threads });
  try {
    const sim = new Simulation(s, backend);
    await sim.start();
    const { acc, reset } = instrument(backend);
    // warm-up: JIT (every worker has its own), dt ramp
    const tw = performance.now();
    for (let i = 0; i < 10 || performance.now() - tw < o.warmup * 1000; i++) await sim.advance();
    reset();
    const t0 = performance.now(),
      sim0 = sim.time;
    let steps = 0;
    while (steps < 3 || performance.now() - t0 < o.seconds * 1000) {
      await sim.advance();
      steps++;
    }
    const wall = (performance.now() - t0) / 1000;
    const cells = n.reduce((a, b) => a * b, 1);
    const rate = (calls: number, ms: number) => (ms > 0 ? (cells * calls) / (ms / 1000) : 0);
    const stageMs = acc.potential + acc.phase + acc.transport;
    return {
      grid: n.join('×'),
      dims: n.length as 2 | 3,
      n,
      cells,
      threads,
      device: backend.device,
      steps,
      seconds: wall,
      simTime: sim.time - sim0,
      repeats: 1,
      allStepRates: [(cells * steps) / wall],
      cellUpdatesPerSecond: {
        step: (cells * steps) / wall,
        potential: rate(acc.potCalls, acc.potential),
        phase: rate(acc.phaseCalls, acc.phase),
        transport: rate(acc.trCalls, acc.transport),
      },
      share: { potential: acc.potential / stageMs, phase: acc.phase / stageMs, transport: acc.transport / stageMs },
      potentialSolves: acc.potCalls,
      pcgItersPotential: acc.potCalls ? acc.potIters / acc.potCalls : 0,
      pcgItersTransport: acc.trCalls ? acc.trIters / acc.trCalls : 0,
    };
  } finally {
    await backend.dispose();
  }
}

function table(results: BenchResult[]): string {
  const head = [
    'grid',
    'threads',
    'steps',
    'step Mcell/s',
    'potential',
    'phase',
    'transport',
    'speed-up',
    'pot solves',
    'PCG its pot',
    'PCG its tr',
  ];
  const rows = results.map((r) => {
    const base = results.find((q) => q.grid === r.grid && q.threads === 1);
    const su = base ? (r.cellUpdatesPerSecond.step / base.cellUpdatesPerSecond.step).toFixed(2) + '×' : '–';
    return [
      r.grid,
      String(r.threads),
      String(r.steps),
      M(r.cellUpdatesPerSecond.step),
      M(r.cellUpdatesPerSecond.potential),
      M(r.cellUpdatesPerSecond.phase),
      M(r.cellUpdatesPerSecond.transport),
      su,
      String(r.potentialSolves),
      r.pcgItersPotential.toFixed(1),
      r.pcgItersTransport.toFixed(1),
    ];
  });
  return formatTable(head, rows);
}

export async function runCpuBench(argv: string[]): Promise<number> {
  const o = optionsOrReport(parseArgs, argv);
  if (!o) return 2;
  const m = machine();
  console.log(`CPU benchmark: ${m.cpuModel}, ${m.availableParallelism} cores available, Node ${m.node}`);
  console.log(
    `grids ${o.sizes.map((n) => n.join('×')).join(', ')}; threads ${o.threads.join(', ')}; ${o.seconds} s each after ${o.warmup} s warm-up` +
      (o.repeat > 1 ? `; fastest of ${o.repeat} interleaved runs` : ''),
  );
  const note = loadNote();
  if (note) console.log(note);
  console.log('rates are cell-updates per second (Mcell/s): per coupled step, and per call of each stage\n');
  const results: BenchResult[] = [];
  for (const n of o.sizes) {
    const best = new Map<number, BenchResult>();
    for (let rep = 0; rep < o.repeat; rep++) {
      for (const t of o.threads) {
        const r = await benchOne(n, t, o);
        const prev = best.get(t);
        const rates = [...(prev?.allStepRates ?? []), r.cellUpdatesPerSecond.step];
        const keep = !prev || r.cellUpdatesPerSecond.step > prev.cellUpdatesPerSecond.step ? r : prev;
        best.set(t, { ...keep, repeats: rates.length, allStepRates: rates });
        console.log(
          `  ${r.grid} threads ${t}${o.repeat > 1 ? ` (run ${rep + 1}/${o.repeat})` : ''}: ${r.steps} steps in ${r.seconds.toFixed(2)} s, ${M(r.cellUpdatesPerSecond.step)} Mcell/s per step`,
        );
      }
    }
    for (const t of o.threads) results.push(best.get(t)!);
  }
  console.log('\n' + table(results));
  if (o.out !== null) {
    const load = os.loadavg();
    const doc = {
      date: new Date().toISOString(),
      machine: { ...m, loadAverageAtEnd: load.map((v) => +v.toFixed(2)) },
      options: { sizes: o.sizes, threads: o.threads, seconds: o.seconds, warmup: o.warmup, repeat: o.repeat, quick: o.quick },
      results,
    };
    console.log('');
    writeJson(resultsFile('cpu', o.quick, o.out), doc);
  }
  return 0;
}
