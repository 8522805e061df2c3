/// <reference types="vite/client" />
/**
 * Shader sources for browser bundles. Vite inlines every file under shaders/ (WGSL and GLSL) as a
 * string at build time (`?raw`), so a page needs no file system; installBrowserShaders() hands
 * them to the WebGPU backend's reader, and the WebGL backend reads the same map.
 * Node never imports this module (it reads shaders/ from disk).
 */
import { setShaderReader } from '../backends/webgpu/shaders.ts';

const files = import.meta.glob('../../shaders/**/*.{wgsl,glsl}', { query: '?raw', import: 'default', eager: true }) as Record<
  string,
  string
>;

/** shaders/-relative path → source. */
export const SHADER_FILES: ReadonlyMap<string, string> = new Map(
  Object.entries(files).map(([k, v]) => [k.replace(/^.*\/shaders\//, ''), v]),
);

/** Reads one shader file by its path relative to shaders/ (throws naming the file when absent). */
export function browserShader(rel: string): string {
  const s = SHADER_FILES.get(rel);
  if (s === undefined) throw new Error(`shader file shaders/${rel} is not in the bundle`);
  return s;
}

let installed = false;
/** Installs the bundled shaders as the WebGPU backend's shader reader (idempotent). */
export function installBrowserShaders(): void {
  if (installed) return;
  setShaderReader(browserShader);
  installed = true;
}
