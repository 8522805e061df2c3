/**
 * Solver-tolerance benchmark: how many of the WebGPU backend's (f32) potential and transport
 * iterations change its answer. From one state of hong2018 on a small grid (the CPU reference's
 * state after `--warm` steps), for each tolerance of a list the WebGPU backend solves the
 * potential, and (potential at 1e-12, then the phase stage) the transport at dt = `--dt`; each
 * result is compared with the CPU reference's (f64) at 1e-14 on the same state: the largest
 * difference relative to the field's largest value and, for c̃, the relative difference of its
 * sum (the Li in solution), and c̃ with WebGPU's own at the tightest tolerance. Where a looser tolerance leaves these at the f32 floor the
 * iterations it saves move nothing measurable; where they grow it does not.
 * Prints a table and writes bench/results/tolerance-<hostname>.json. Nothing is asserted.
 */
import { CpuBackend } from '../src/backends/cpu/backend.ts';
import { makeBCs, makeLayout } from '../src/backends/layout.ts';
import { WebGpuBackend } from '../src/backends/webgpu/backend.ts';
import { coefficients } from '../src/model/derived.ts';
import { initialProps } from '../src/model/initial.ts';
import { Simulation } from '../src/solver/simulation.ts';
import { eachArg, formatTable, machine, optionsOrReport, parseList, parseOut, parsePositive, resultsFile, writeJson } from './common.ts';
import { hongCase } from './device.ts';

export const TOLERANCE_BENCH_HELP = `  --n N              hong2018 on N×N cells at its dx (default 96)
  --warm W           steps of the CPU reference before the state is taken (default 100: past the dt ramp)
  --dt S             the transport's and phase stage's dt in seconds (default 0.05, the policy's dtMax)
  --tols LIST        relative tolerances (default 1e-12,1e-10,1e-9,1e-8,1e-7,3e-7,1e-6,1e-5)
  --out FILE         results file (default bench/results/tolerance-<hostname>.json)
  --no-write         print only`;

interface Options {
  n: number;
  warm: number;
  dt: number;
  tols: number[];
  out: string | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { n: 96, warm: 100, dt: 0.05, tols: [1e-12, 1e-10, 1e-9, 1e-8, 1e-7, 3e-7, 1e-6, 1e-5], out: '' };
  eachArg(argv, (key, val, raw) => {
    if (key === '--n') o.n = parsePositive(val(), '--n', true);
    else if (key === '--warm') o.warm = parsePositive(val(), '--warm', true);
    else if (key === '--dt') o.dt = parsePositive(val(), '--dt');
    else if (key === '--tols') o.tols = parseList(val(), '--tols').map((t) => parsePositive(t, '--tols'));
    else if (key === '--out') o.out = parseOut(val());
    else if (key === '--no-write') o.out = null;
    else throw new Error(`bench tolerance: unknown option "${raw}"`);
  });
  return o;
}

interface Row {
  tol: number;
  potential: { iterations: number; residual: number; maxDiff: number };
  transport: { iterations: number; maxDiff: number; sumDiff: number; maxDiffTightest: number };
}

const maxAbs = (a: Float64Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const sum = (a: Float64Array) => a.reduce((m, v) => m + v, 0);

export async function runToleranceBench(argv: string[]): Promise<number> {
  const o = optionsOrReport(parseArgs, argv);
  if (!o) return 2;
  const s = hongCase(o.n);
  const L = makeLayout(s);
  const step = o.warm + 1;
  const cpu = new CpuBackend(L, coefficients(s), makeBCs(s), { props: initialProps(s) });
  const gpu = await WebGpuBackend.create(L, coefficients(s), makeBCs(s), { props: initialProps(s) });
  try {
    const ref = new Simulation(s, cpu);
    await ref.start();
    while (ref.step < o.warm) await ref.advanceTo(Infinity, { stepLimit: o.warm });
    const fields = await cpu.read();
    // the f64 answers on this state
    await cpu.init(fields);
    const refPot = await cpu.potential(1e-14, 5000);
    const psiRef = (await cpu.read()).psi;
    await cpu.phase(o.dt, step);
    const refTr = await cpu.transport(o.dt, 1e-14, 5000);
    const cRef = (await cpu.read()).c;
    const head = `hong2018 ${o.n}² after ${o.warm} steps of the CPU reference (t = ${ref.time.toFixed(3)} s), dt ${o.dt} s; WebGPU: ${gpu.device}`;
    console.log(`${head}\nthe f64 reference at 1e-14: potential ${refPot.iterations} iterations, transport ${refTr.iterations}`);
    const rows: Row[] = [];
    // (the tightest tolerance first: its c̃ is what the others are also compared with)
    const tols = [...o.tols].sort((a, b) => a - b);
    let cTight: Float64Array | null = null;
    for (const tol of tols) {
      await gpu.init(fields);
      const p = await gpu.potential(tol, 5000);
      const psi = (await gpu.read()).psi;
      await gpu.init(fields);
      await gpu.potential(1e-12, 5000);
      await gpu.phase(o.dt, step);
      const t = await gpu.transport(o.dt, tol, 5000);
      const c = (await gpu.read()).c;
      cTight ??= c;
      rows.push({
        tol,
        potential: { iterations: p.iterations, residual: p.residual, maxDiff: maxDiff(psi, psiRef) / maxAbs(psiRef) },
        transport: {
          iterations: t.iterations,
          maxDiff: maxDiff(c, cRef) / maxAbs(cRef),
          sumDiff: (sum(c) - sum(cRef)) / sum(cRef),
          maxDiffTightest: maxDiff(c, cTight) / maxAbs(cTight),
        },
      });
    }
    const e = (v: number) => v.toExponential(2);
    console.log(
      formatTable(
        ['tolerance', 'ψ its', 'ψ residual', 'max|Δψ|/max|ψ|', 'c̃ its', 'max|Δc̃|/max c̃', 'ΣΔc̃/Σc̃', 'vs tightest'],
        rows.map((r) => [
          r.tol.toExponential(0),
          String(r.potential.iterations),
          e(r.potential.residual),
          e(r.potential.maxDiff),
          String(r.transport.iterations),
          e(r.transport.maxDiff),
          e(r.transport.sumDiff),
          e(r.transport.maxDiffTightest),
        ]),
      ),
    );
    console.log(
      '(Δ: WebGPU at the tolerance − the f64 reference at 1e-14 on the same state; the transport after the potential at 1e-12 and the phase stage)',
    );
    if (o.out !== null) {
      writeJson(resultsFile('tolerance', false, o.out), {
        suite: 'tolerance',
        date: new Date().toISOString(),
        machine: machine(),
        adapter: gpu.device,
        options: o,
        reference: { potentialIterations: refPot.iterations, transportIterations: refTr.iterations, time: ref.time },
        rows,
      });
    }
    return 0;
  } finally {
    await gpu.dispose();
    await cpu.dispose();
  }
}
