/**
 * Backend selection. Order for `auto`: webgpu → webgl (browser only) → cpu; the choice and
 * the reason for every fallback are returned so the caller can log them.
 */
import { coefficients } from '../model/derived.ts';
import type { Scenario } from '../model/scenario.ts';
import type { Backend } from './backend.ts';
import { CpuBackend } from './cpu/backend.ts';
import { makeBCs, makeLayout } from './layout.ts';

export type BackendName = 'auto' | 'cpu' | 'webgpu';

export interface Selected { backend: Backend; log: string[] }

export interface BackendOptions { threads?: number }

export async function createBackend(name: BackendName, s: Scenario, opts: BackendOptions = {}): Promise<Selected> {
  const log: string[] = [];
  const L = makeLayout(s);
  const k = coefficients(s);
  const bc = makeBCs(s);
  if (name === 'webgpu' || name === 'auto') {
    const why = 'the WebGPU backend is not part of this build yet (issue: WebGPU backend)';
    if (name === 'webgpu') throw new Error(`--backend webgpu: ${why}`);
    log.push(`webgpu skipped: ${why}`);
    log.push('webgl skipped: only available in a browser');
  }
  void opts;
  const backend = new CpuBackend(L, k, bc);
  log.push(`backend: ${backend.device}`);
  return { backend, log };
}
