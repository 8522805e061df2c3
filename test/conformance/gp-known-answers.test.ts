/**
 * Known answers of the grand-potential form (gp-body.ts, docs/grand-potential.md) on every backend
 * Node has: the CPU backend (2 threads) and WebGPU through Dawn (SwiftShader without a GPU;
 * skipped with the reason when requestAdapter() finds nothing). WebGL runs the same bodies in
 * headless Chromium (test/browser/backends.test.ts).
 */
import { describe, it } from 'vitest';
import { CpuBackend } from '../../src/backends/cpu/backend.ts';
import { WebGpuBackend } from '../../src/backends/webgpu/backend.ts';
import type { Subject } from './body.ts';
import { gpConservation, gpMigrationFront, gpMms, gpNernst } from './gp-body.ts';
import { probeWebGpu } from './webgpu-env.ts';

const probe = await probeWebGpu();
if (!probe.ok) console.warn(`webgpu grand-potential known answers skipped: ${probe.reason}`);

const SUBJECTS: Subject[] = [
  { name: 'cpu', available: true, skipReason: '', make: async (L, k, bc, props) => new CpuBackend(L, k, bc, { threads: 2, props }) },
  {
    name: 'webgpu',
    available: probe.ok,
    skipReason: probe.ok ? '' : probe.reason,
    make: (L, k, bc, props) => WebGpuBackend.create(L, k, bc, { props }),
  },
];

describe.each(SUBJECTS)('grand-potential known answers on backend $name', (subject) => {
  const skipped = subject.available ? '' : ` (skipped: ${subject.skipReason})`;
  it.skipIf(!subject.available)(`lithium is conserved to the Newton tolerance${skipped}`, () => gpConservation(subject));
  it.skipIf(!subject.available)(`Nernst equilibrium of (1′) with w${skipped}`, () => gpNernst(subject));
  it.skipIf(!subject.available)(`migration-limited flat front${skipped}`, () => gpMigrationFront(subject));
  // (400 steps at 64×32: ~150 s on WebGPU/SwiftShader here, where the fused V-cycle passes' redundant
  // arithmetic is paid on a CPU; the limit holds on a machine four times slower)
  it.skipIf(!subject.available)(`manufactured solution of (2′): order 2${skipped}`, { timeout: 1_200_000 }, () => gpMms(subject));
});
