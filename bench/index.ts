/**
 * Benchmark dispatcher: `npm run bench -- [suite] [options]`. Suites: cpu (the default: CPU
 * backend, serial vs threaded), gpu (GPU vs CPU backends; also chosen by `--backend` without
 * a suite name: `npm run bench -- --backend webgpu|cpu|all [--sizes …] [--quick]`), memory
 * (bytes per cell, host and device: the numbers of the CLI's memory check), imex (the explicit
 * vs the IMEX phase stage: steps per simulated second and accuracy), device (WebGPU counts per
 * step and stage, bytes per cell, modelled GPU time: `npm run bench:device`) and tolerance (the
 * WebGPU solves' iterations and their distance from the f64 reference per tolerance).
 * Speed is reported, never asserted.
 */
import { runCpuBench, CPU_BENCH_HELP } from './cpu.ts';
import { runDeviceBench, DEVICE_BENCH_HELP } from './device.ts';
import { runGpuBench, GPU_BENCH_HELP } from './gpu.ts';
import { MEMORY_BENCH_HELP, runMemoryBench } from './memory.ts';
import { runImexBench, IMEX_BENCH_HELP } from './imex.ts';
import { runToleranceBench, TOLERANCE_BENCH_HELP } from './tolerance.ts';

const SUITES: Record<string, { run: (argv: string[]) => Promise<number>; help: string }> = {
  cpu: { run: runCpuBench, help: CPU_BENCH_HELP },
  gpu: { run: runGpuBench, help: GPU_BENCH_HELP },
  device: { run: runDeviceBench, help: DEVICE_BENCH_HELP },
  memory: { run: runMemoryBench, help: MEMORY_BENCH_HELP },
  imex: { run: runImexBench, help: IMEX_BENCH_HELP },
  tolerance: { run: runToleranceBench, help: TOLERANCE_BENCH_HELP },
};

export async function main(argv: string[]): Promise<number> {
  const first = argv[0];
  if (first === '--help' || first === '-h' || first === 'help') {
    console.log('usage: npm run bench -- [suite] [options]   (`--backend …` without a suite runs the gpu suite)\n');
    for (const [name, s] of Object.entries(SUITES)) console.log(`${name}:\n${s.help}\n`);
    return 0;
  }
  const named = first !== undefined && !first.startsWith('-');
  const wantsBackend = argv.some((a) => a === '--backend' || a.startsWith('--backend='));
  const name = named ? first : wantsBackend ? 'gpu' : 'cpu';
  const suite = SUITES[name];
  if (!suite) {
    console.error(`bench: unknown suite "${name}" (have: ${Object.keys(SUITES).join(', ')})`);
    return 2;
  }
  return suite.run(named ? argv.slice(1) : argv);
}
