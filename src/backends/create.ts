/**
 * Backend selection. Order for `auto`: webgpu → webgl (browser only) → cpu; the choice and
 * the reason for every fallback are returned so the caller can log them. `auto` passes over
 * software implementations of a GPU (SwiftShader, llvmpipe, WARP): they are slower than the CPU
 * backend; naming the backend explicitly takes whatever implementation exists.
 */
import { coefficients, type Coefficients } from '../model/derived.ts';
import { initialProps } from '../model/initial.ts';
import type { Scenario } from '../model/scenario.ts';
import type { Backend } from './backend.ts';
import { CpuBackend } from './cpu/backend.ts';
import { makeBCs, makeLayout, type BCSet, type Layout } from './layout.ts';
import { WebGpuBackend, type WebGpuOptions } from './webgpu/backend.ts';

export type BackendName = 'auto' | 'cpu' | 'webgpu' | 'webgl';
export const BACKEND_NAMES: readonly BackendName[] = ['auto', 'cpu', 'webgpu', 'webgl'];

export interface Selected {
  backend: Backend;
  log: string[];
}

export interface BackendOptions {
  threads?: number;
  /** WebGPU backend options (workgroup size, Dawn flags, CG check interval). */
  webgpu?: WebGpuOptions;
  /** WebGL backend options (e.g. a canvas to create the context on). */
  webgl?: Record<string, unknown>;
  /** Accept a software GPU implementation (default: only when the backend is named explicitly). */
  allowSoftware?: boolean;
  /** Material props per cell (src/model/props.ts; createBackend builds them from the scenario). */
  props?: Float32Array | null;
}

/** Whether this runtime is a browser: a page, or a worker of one (WebGL there through an OffscreenCanvas). */
export function inBrowser(): boolean {
  const g = globalThis as { document?: unknown; window?: unknown; WorkerGlobalScope?: unknown };
  return (g.document !== undefined && g.window !== undefined) || g.WorkerGlobalScope !== undefined;
}

/** Builds one named backend (no fallback); throws with the reason when it cannot exist here. */
export async function makeBackend(
  name: Exclude<BackendName, 'auto'>,
  L: Layout,
  k: Coefficients,
  bc: BCSet,
  opts: BackendOptions = {},
): Promise<Backend> {
  const allowSoftware = opts.allowSoftware ?? true;
  switch (name) {
    case 'cpu':
      return new CpuBackend(L, k, bc, { threads: opts.threads, props: opts.props });
    case 'webgpu':
      return WebGpuBackend.create(L, k, bc, { ...opts.webgpu, allowSoftware, props: opts.props });
    case 'webgl': {
      if (!inBrowser()) throw new Error('WebGL is only available in a browser (run with --browser)');
      const { WebGlBackend } = await import('./webgl/backend.ts');
      return WebGlBackend.create(L, k, bc, { ...opts.webgl, allowSoftware, props: opts.props });
    }
  }
}

export async function createBackend(name: BackendName, s: Scenario, opts: BackendOptions = {}): Promise<Selected> {
  const log: string[] = [];
  const L = makeLayout(s);
  const k = coefficients(s);
  const bc = makeBCs(s);
  const props = opts.props !== undefined ? opts.props : initialProps(s);
  const auto = name === 'auto';
  const order: Exclude<BackendName, 'auto'>[] = auto ? ['webgpu', 'webgl', 'cpu'] : [name];
  for (const candidate of order) {
    if (auto && candidate === 'webgl' && !inBrowser()) {
      log.push('webgl skipped: only available in a browser');
      continue;
    }
    try {
      const backend = await makeBackend(candidate, L, k, bc, { ...opts, props, allowSoftware: opts.allowSoftware ?? !auto });
      for (const note of (backend as { notes?: string[] }).notes ?? []) log.push(`${candidate}: ${note}`);
      log.push(`backend: ${backend.device}`);
      return { backend, log };
    } catch (e) {
      const why = (e as Error).message;
      if (!auto) throw new Error(`--backend ${candidate}: ${why}`);
      log.push(`${candidate} skipped: ${why}`);
    }
  }
  throw new Error(`no backend could start:\n  ${log.join('\n  ')}`);
}
