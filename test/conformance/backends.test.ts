/**
 * Backend conformance in Node: the one test body of body.ts (read its header) run over every
 * backend Node has — the CPU backend with worker threads (bit for bit) and WebGPU through Dawn
 * (SwiftShader without a GPU; skipped with the reason when requestAdapter() finds nothing). The
 * browser's WebGPU and WebGL backends run the same body in test/browser/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/backends/cpu/backend.ts';
import { makeBCs, makeLayout } from '../../src/backends/layout.ts';
import { WebGpuBackend } from '../../src/backends/webgpu/backend.ts';
import type { GpuContext } from '../../src/backends/webgpu/context.ts';
import { acquireAdapter, limitsFor } from '../../src/backends/webgpu/device.ts';
import { MODULES, shaderFiles, shaderRoot, shaderSource, type ModuleName } from '../../src/backends/webgpu/shaders.ts';
import { coefficients } from '../../src/model/derived.ts';
import { parseScenario, type ScenarioInput } from '../../src/model/scenario.ts';
import {
  ADDITIVE_CASES,
  CASES,
  clampedCoefficients,
  conformance,
  noiseOnly,
  PHASE_CASES,
  SOLVER_CASES,
  SPECIES_CASES,
  MECH_CASES,
  mechanicsEshelby,
  mechanicsMms,
  SWITCH_CASES,
  type Subject,
} from './body.ts';
import { GP_CASES } from './gp-body.ts';
import { probeWebGpu } from './webgpu-env.ts';

const probe = await probeWebGpu();
if (!probe.ok) console.warn(`webgpu conformance cases skipped: ${probe.reason}`);

const SUBJECTS: Subject[] = [
  { name: 'cpu', available: true, skipReason: '', make: async (L, k, bc, props) => new CpuBackend(L, k, bc, { threads: 2, props }) },
  {
    name: 'webgpu',
    available: probe.ok,
    skipReason: probe.ok ? '' : probe.reason,
    make: (L, k, bc, props) => WebGpuBackend.create(L, k, bc, { props }),
  },
];

describe.each(SUBJECTS)('backend $name against the f64 CPU reference', (subject) => {
  const skipped = subject.available ? '' : ` (skipped: ${subject.skipReason})`;
  for (const cs of [
    ...CASES,
    ...PHASE_CASES,
    ...SWITCH_CASES,
    ...SOLVER_CASES,
    ...ADDITIVE_CASES,
    ...SPECIES_CASES,
    ...GP_CASES,
    ...MECH_CASES,
  ]) {
    it.skipIf(!subject.available)(`${cs.label}: ${cs.steps} coupled steps${skipped}`, () => conformance(subject, cs));
  }
  it.skipIf(!subject.available)(`noise draws equal the reference${skipped}`, () => noiseOnly(subject), 60_000);
  for (const dims of [2, 3] as const) {
    it.skipIf(!subject.available)(`mechanics known answers: Eshelby ${dims}D${skipped}`, () => mechanicsEshelby(subject, dims));
    it.skipIf(!subject.available)(`mechanics known answers: manufactured solution ${dims}D, order 2${skipped}`, () =>
      mechanicsMms(subject, dims),
    );
  }
  it.skipIf(!subject.available)(`coefficients clamp ξ to [0, 1]${skipped}`, () => clampedCoefficients(subject), 60_000);
});

// -------------------------------------------------------------------------------------------
// Shaders and pipelines. Dawn's null backend validates WGSL and pipelines without running
// anything; the real adapter is used when the null backend is not available.

async function validationDevice(): Promise<{ flags: string[]; why: string } | null> {
  for (const flags of [['backend=null'], []]) {
    try {
      await acquireAdapter({ dawnFlags: flags });
      return { flags, why: flags.length ? 'Dawn null backend' : 'the WebGPU adapter' };
    } catch {
      /* try the next */
    }
  }
  return null;
}

const vdev = await validationDevice();

describe('WGSL shaders', () => {
  it('every file under shaders/ belongs to a module', () => {
    const root = shaderRoot().pathname;
    const onDisk: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.wgsl')) onDisk.push(path.relative(root, p).split(path.sep).join('/'));
      }
    };
    walk(root);
    expect(onDisk.sort()).toEqual(shaderFiles());
  });

  it.skipIf(!vdev)(
    `every module compiles and every pipeline validates${vdev ? '' : ' (skipped: Dawn gave no adapter, not even the null backend)'}`,
    async () => {
      const { adapter } = await acquireAdapter({ dawnFlags: vdev!.flags });
      const device = await adapter.requestDevice();
      try {
        for (const name of Object.keys(MODULES) as ModuleName[]) {
          device.pushErrorScope('validation');
          const m = device.createShaderModule({ label: name, code: shaderSource(name) });
          const info = await m.getCompilationInfo();
          const err = await device.popErrorScope();
          const msgs = info.messages.filter((x) => x.type === 'error').map((x) => `${x.lineNum}:${x.linePos} ${x.message}`);
          expect(msgs, `${name}: ${msgs.join('; ')}`).toEqual([]);
          expect(err?.message ?? null, name).toBeNull();
        }
      } finally {
        device.destroy();
      }
      // every pipeline and bind group of the backend, 2D and 3D, periodic and not (the backend
      // builds them inside a validation error scope and throws on the first error)
      // (and the transported species' kernels and bind groups: one species, and two)
      for (const input of [
        CASES[0].input,
        CASES[1].input,
        { ...CASES[1].input, grid: { dims: 3, n: [5, 6, 7], dx: '0.5 um' }, boundary: { lateral: 'periodic' } } as ScenarioInput,
        ADDITIVE_CASES[0].input,
        SPECIES_CASES[0].input,
        ...GP_CASES.map((c) => c.input),
      ]) {
        const s = parseScenario(input);
        const b = await WebGpuBackend.create(makeLayout(s), coefficients(s), makeBCs(s), { dawnFlags: vdev!.flags });
        await b.dispose();
      }
      console.log(`validated ${Object.keys(MODULES).length} modules (${shaderFiles().length} files) with ${vdev!.why}`);
    },
    60_000,
  );

  it.skipIf(!vdev)('a lost device rejects pending work with a clear message', async () => {
    const s = parseScenario(CASES[0].input);
    const b = await WebGpuBackend.create(makeLayout(s), coefficients(s), makeBCs(s), { dawnFlags: vdev!.flags });
    (b as unknown as { ctx: GpuContext }).ctx.device.destroy();
    await expect(b.potential(1e-9, 10)).rejects.toThrow(/WebGPU device lost \(destroyed/);
    await b.dispose();
  });
});

describe('WebGPU device limits', () => {
  const fake = (bind: number, buf: number) =>
    ({
      limits: {
        maxStorageBufferBindingSize: bind,
        maxBufferSize: buf,
        maxComputeInvocationsPerWorkgroup: 256,
        maxComputeWorkgroupSizeX: 256,
        maxComputeWorkgroupStorageSize: 16384,
        maxStorageBuffersPerShaderStage: 8,
      },
    }) as unknown as GPUAdapter;

  it('refuses a grid that does not fit, naming the sizes, before allocating', () => {
    const needs = { maxBinding: 16 * 4096 * 4096, maxBuffer: 16 * 4096 * 4096, total: 3e9, workgroupSize: 64, workgroupStorage: 512 };
    expect(() => limitsFor(fake(128 * 2 ** 20, 256 * 2 ** 20), needs, 'the 4096×4096 grid')).toThrow(
      /4096×4096 grid does not fit.*256\.0 MiB \(268435456 bytes\) exceeds maxStorageBufferBindingSize = 128\.0 MiB \(134217728 bytes\)/,
    );
  });

  it('requests what the grid needs, at least the defaults, at most the adapter limits', () => {
    const needs = { maxBinding: 300 * 2 ** 20, maxBuffer: 300 * 2 ** 20, total: 1e9, workgroupSize: 64, workgroupStorage: 512 };
    const req = limitsFor(fake(2 ** 30, 2 ** 30), needs, 'grid');
    expect(req.maxStorageBufferBindingSize).toBe(300 * 2 ** 20);
    expect(req.maxBufferSize).toBe(300 * 2 ** 20);
    expect(req.maxComputeWorkgroupStorageSize).toBe(16384);
  });
});
