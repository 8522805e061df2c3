/**
 * Backend selection. Order for `auto`: webgpu → webgl (browser only) → cpu; the choice and
 * the reason for every fallback are returned so the caller can log them.
 */
import { coefficients } from '../model/derived.ts';
import type { Scenario } from '../model/scenario.ts';
import type { Backend } from './backend.ts';
import { CpuBackend } from './cpu/backend.ts';
import { makeBCs, makeLayout } from './layout.ts';
import { WebGpuBackend, type WebGpuOptions } from './webgpu/backend.ts';

export type BackendName = 'auto' | 'cpu' | 'webgpu';

export interface Selected { backend: Backend; log: string[] }

export interface BackendOptions {
  threads?: number;
  /** WebGPU backend options (workgroup size, Dawn flags, CG check interval). */
  webgpu?: WebGpuOptions;
}

export async function createBackend(name: BackendName, s: Scenario, opts: BackendOptions = {}): Promise<Selected> {
  const log: string[] = [];
  const L = makeLayout(s);
  const k = coefficients(s);
  const bc = makeBCs(s);
  if (name === 'webgpu' || name === 'auto') {
    // auto does not pick a software adapter (SwiftShader is a CPU emulation of a GPU, slower than
    // the CPU backend); --backend webgpu takes whatever adapter exists
    try {
      const backend = await WebGpuBackend.create(L, k, bc, { ...opts.webgpu, allowSoftware: name === 'webgpu' });
      for (const note of backend.notes) log.push(`webgpu: ${note}`);
      log.push(`backend: ${backend.device}`);
      return { backend, log };
    } catch (e) {
      const why = (e as Error).message;
      if (name === 'webgpu') throw new Error(`--backend webgpu: ${why}`);
      log.push(`webgpu skipped: ${why}`);
      log.push('webgl skipped: only available in a browser');
    }
  }
  const backend = new CpuBackend(L, k, bc, { threads: opts.threads });
  log.push(`backend: ${backend.device}`);
  return { backend, log };
}
