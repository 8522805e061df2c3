/**
 * WebGL backend (regl): under construction — the WebGL helper replaces this file.
 */
import type { Backend } from '../backend.ts';
import type { BCSet, Layout } from '../layout.ts';
import type { Coefficients } from '../../model/derived.ts';

export interface WebGlOptions { allowSoftware?: boolean; canvas?: HTMLCanvasElement }

export class WebGlBackend {
  static async create(_L: Layout, _k: Coefficients, _bc: BCSet, _opts: WebGlOptions = {}): Promise<Backend> {
    throw new Error('WebGL backend not built yet');
  }
}
