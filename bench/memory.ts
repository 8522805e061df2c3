/**
 * Memory per cell, the numbers behind the CLI's memory check (src/cli/resources.ts, README
 * "Memory"). Host: the peak RSS of a real `lidendrite run` (a few steps, two outputs with VTI and
 * PNG, a checkpoint at --until) on a small and a large grid; bytes per cell = Δ peak RSS / Δ cells,
 * the fixed part = the small run's RSS minus its cells' share. Device: the bytes of every GPU
 * buffer the WebGPU backend creates (GPUDevice.createBuffer counted) at two grid sizes. On
 * SwiftShader the device buffers live in host memory, so the WebGPU host figure is the RSS growth
 * minus the device bytes (what a real GPU takes off the host).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/io/atomic.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'lidendrite.mjs');

export const MEMORY_BENCH_HELP = `  npm run bench -- memory [--backend cpu|webgpu|all] [--threads N]
      bytes per cell, host (peak RSS of CLI runs on two grid sizes, 2D and 3D, with and without the
      additive) and device (bytes of the WebGPU backend's buffers); results in bench/results/memory-<host>.json`;

type Grid = [number, number] | [number, number, number];
const GRIDS: Record<2 | 3, [Grid, Grid]> = {
  2: [
    [256, 128],
    [1024, 512],
  ],
  3: [
    [32, 32, 32],
    [96, 64, 64],
  ],
};

function scenario(n: Grid, additive: boolean): Record<string, unknown> {
  const dims = n.length;
  return {
    name: 'memory',
    grid: { dims, n, dx: '0.25 um' },
    time: { end: '1 s', output: '0.0003 s' },
    voltage: '-0.45 V',
    initial: { layer: '2 um' },
    noise: { amplitude: 0.04, seed: 1 },
    output: { png: true, vti: true },
    ...(additive ? { additive: { concentration: '0.05 M', shielding: 1 } } : {}),
  };
}

const cells = (n: Grid) => n.reduce((a, b) => a * b, 1);

/** Peak RSS (bytes) of one CLI run of `n` to t = 3e-4 s (outputs at 0 and 3e-4 s, a checkpoint there). */
function peakRss(n: Grid, backend: string, additive: boolean, threads: string[]): number {
  const dir = mkdtempSync(join(tmpdir(), 'lid-mem-'));
  try {
    const f = join(dir, 'scenario.json');
    writeFileSync(f, JSON.stringify(scenario(n, additive)));
    const out = join(dir, 'run');
    const args = [BIN, 'run', f, '--out', out, '--backend', backend, '--until', '0.0003', '--quiet', '--skip-memory-check', ...threads];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`run failed (${r.status}): ${r.stderr}`);
    return JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).peakRssMiB * 2 ** 20;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Bytes of all GPU buffers a WebGPU backend for `n` creates. */
async function deviceBytes(n: Grid, additive: boolean): Promise<number> {
  const { acquireAdapter } = await import('../src/backends/webgpu/device.ts');
  const { createBackend } = await import('../src/backends/create.ts');
  const { parseScenario } = await import('../src/model/scenario.ts');
  await acquireAdapter(); // loads Dawn and its globals (GPUDevice)
  const proto = (globalThis as unknown as { GPUDevice: { prototype: GPUDevice } }).GPUDevice.prototype;
  const create = proto.createBuffer;
  let bytes = 0;
  proto.createBuffer = function (this: GPUDevice, d: GPUBufferDescriptor) {
    bytes += d.size;
    return create.call(this, d);
  };
  try {
    const { backend } = await createBackend('webgpu', parseScenario(scenario(n, additive)), { allowSoftware: true });
    await backend.dispose();
  } finally {
    proto.createBuffer = create;
  }
  return bytes;
}

interface Row {
  backend: string;
  dims: number;
  additive: boolean;
  cells: [number, number];
  hostPerCell: number;
  hostFixedMiB: number;
  devicePerCell?: number;
}

export async function runMemoryBench(argv: string[]): Promise<number> {
  const which = argv.includes('--backend') ? argv[argv.indexOf('--backend') + 1] : 'all';
  const threads = argv.includes('--threads') ? ['--threads', argv[argv.indexOf('--threads') + 1]] : [];
  const backends = which === 'all' ? ['cpu', 'webgpu'] : [which];
  const rows: Row[] = [];
  for (const backend of backends)
    for (const dims of [2, 3] as const)
      for (const additive of [false, true]) {
        const [small, large] = GRIDS[dims];
        const [ns, nl] = [cells(small), cells(large)];
        const [rs, rl] = [peakRss(small, backend, additive, threads), peakRss(large, backend, additive, threads)];
        const row: Row = { backend, dims, additive, cells: [ns, nl], hostPerCell: 0, hostFixedMiB: 0 };
        let perCell = (rl - rs) / (nl - ns);
        if (backend === 'webgpu') {
          const [ds, dl] = [await deviceBytes(small, additive), await deviceBytes(large, additive)];
          row.devicePerCell = Math.round((dl - ds) / (nl - ns));
          perCell -= row.devicePerCell;
        }
        row.hostPerCell = Math.round(perCell);
        row.hostFixedMiB = Math.round((rs - perCell * ns - (row.devicePerCell ?? 0) * ns) / 2 ** 20);
        rows.push(row);
        console.log(
          `${backend.padEnd(6)} ${dims}D${additive ? ' +additive' : '          '}  host ${String(row.hostPerCell).padStart(5)} B/cell` +
            ` + ${row.hostFixedMiB} MiB` +
            (row.devicePerCell !== undefined ? `   device ${row.devicePerCell} B/cell` : '') +
            `   (${ns} and ${nl} cells; peak RSS ${Math.round(rs / 2 ** 20)} and ${Math.round(rl / 2 ** 20)} MiB)`,
        );
      }
  const file = join(ROOT, 'bench', 'results', `memory-${hostname()}.json`);
  // the other backends' rows of an earlier run stay
  const kept: Row[] = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')).rows as Row[]).filter((r) => !backends.includes(r.backend))
    : [];
  const all = [...kept, ...rows];
  writeFileAtomic(
    file,
    JSON.stringify({ host: hostname(), node: process.version, date: new Date().toISOString(), threads, rows: all }, null, 2) + '\n',
  );
  console.log(`wrote ${file}`);
  return 0;
}
