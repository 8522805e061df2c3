/**
 * WGSL sources. Every kernel lives in shaders/ as a plain .wgsl file (never in a TypeScript
 * string); a module is the concatenation of a few shared files from shaders/common/ and one
 * kernel file, headed by the declarations of the uniform structs it uses, generated from their
 * one declaration in uniforms.ts. In Node the files are read with fs relative to this module's URL; a browser
 * bundle installs its own reader once (e.g. from `import.meta.glob('../../../shaders/**\/*.wgsl',
 * { query: '?raw', eager: true })`) with setShaderReader(), and nothing here imports node:fs
 * statically.
 */

import { uniformsUsed, wgslStruct } from './uniforms.ts';

/** Reads a shader file given its path relative to shaders/. */
export type ShaderReader = (relPath: string) => string;

let reader: ShaderReader | null = null;
const cache = new Map<string, string>();

/** Replaces the file reader (browser bundles: a map of `?raw` imports). */
export function setShaderReader(r: ShaderReader): void {
  reader = r;
  cache.clear();
}

/** The shaders/ folder of this checkout (Node). */
export function shaderRoot(): URL {
  return new URL('../../../shaders/', import.meta.url);
}

function nodeReader(): ShaderReader {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const fs = proc?.getBuiltinModule?.('node:fs') as typeof import('node:fs') | undefined;
  if (!fs)
    throw new Error('WebGPU backend: no shader reader; outside Node call setShaderReader() with the shaders/ files (e.g. `?raw` imports)');
  const root = shaderRoot();
  return (p) => fs.readFileSync(new URL(p, root), 'utf8');
}

const GRID = 'common/grid.wgsl';
const BC = 'common/bc.wgsl';
const STENCIL = 'common/stencil.wgsl';
const SLOTS = 'common/cg_slots.wgsl';
const ELASTIC = 'common/elastic.wgsl';
const SG = 'common/sg.wgsl';
const GP = 'common/gp.wgsl';

/** Module name → files, concatenated in this order. */
export const MODULES = {
  ghosts: [GRID, BC, 'ghosts.wgsl'],
  phase: [GRID, 'common/noise.wgsl', 'common/phase_flux.wgsl', 'phase.wgsl'],
  phaseImexRate: [GRID, 'common/phase_flux.wgsl', 'phase_imex_rate.wgsl'],
  phaseImexOp: [GRID, BC, 'phase_imex_op.wgsl'],
  phaseImexRhs: [GRID, 'common/noise.wgsl', 'phase_imex_rhs.wgsl'],
  phaseImexUpdate: [GRID, 'phase_imex_update.wgsl'],
  phaseImexFinish: [GRID, 'phase_imex_finish.wgsl'],
  coef: [GRID, 'coef.wgsl'],
  assemble: [GRID, BC, 'assemble.wgsl'],
  potentialFlux: [GRID, BC, 'potential_flux.wgsl'],
  transportShift: [GRID, 'transport_shift.wgsl'],
  transportAssemble: [GRID, BC, SG, 'transport_assemble.wgsl'],
  transportInflux: [GRID, 'transport_influx.wgsl'],
  transportLimit: [GRID, 'transport_limit.wgsl'],
  speciesPack: [GRID, 'species_pack.wgsl'],
  mgSmooth: [GRID, STENCIL, 'mg_smooth.wgsl'],
  mgProlongSmooth: [GRID, STENCIL, 'mg_prolong_smooth.wgsl'],
  mgResidual: [GRID, STENCIL, 'mg_residual.wgsl'],
  mgRestrict: [GRID, STENCIL, 'mg_restrict.wgsl'],
  mgCoarsen: [GRID, 'mg_coarsen.wgsl'],
  mgDiag: [GRID, 'mg_diag.wgsl'],
  mgCoarseApply: [GRID, 'mg_coarse_apply.wgsl'],
  cgVec: [GRID, SLOTS, 'cg_vec.wgsl'],
  reduceStage1: [GRID, 'reduce_stage1.wgsl'],
  reduceStage2: [GRID, SLOTS, 'common/cg_ops.wgsl', 'reduce_stage2.wgsl'],
  reduceFields: [GRID, 'reduce_fields.wgsl'],
  reduceFieldsFinal: [GRID, 'reduce_fields_final.wgsl'],
  reduceTip: [GRID, 'reduce_tip.wgsl'],
  elasticMaterial: [GRID, 'elastic_material.wgsl'],
  elasticStress: [GRID, ELASTIC, 'elastic_stress.wgsl'],
  elasticForce: [GRID, ELASTIC, 'elastic_force.wgsl'],
  elasticBlocks: [GRID, ELASTIC, 'elastic_blocks.wgsl'],
  elasticSplit: [GRID, 'elastic_split.wgsl'],
  elasticCoupling: [GRID, ELASTIC, 'elastic_coupling.wgsl'],
  // the grand-potential form (docs/grand-potential.md)
  gpOld: [GRID, GP, 'gp_old.wgsl'],
  gpCoef: [GRID, GP, 'gp_coef.wgsl'],
  gpResidual: [GRID, BC, SG, GP, 'gp_residual.wgsl'],
  gpUpdate: [GRID, GP, 'gp_update.wgsl'],
  gpConc: [GRID, GP, 'gp_conc.wgsl'],
  gpMetal: [GRID, GP, 'gp_metal.wgsl'],
} as const satisfies Record<string, readonly string[]>;

export type ModuleName = keyof typeof MODULES;

function readFile(rel: string): string {
  if (!reader) reader = nodeReader();
  let s = cache.get(rel);
  if (s === undefined) {
    s = reader(rel);
    cache.set(rel, s);
  }
  return s;
}

/** WGSL source of a module: the uniform structs it uses (uniforms.ts), then its files, each headed by its path. */
export function shaderSource(name: ModuleName): string {
  const body = MODULES[name].map((f) => `// ---- shaders/${f} ----\n${readFile(f)}`).join('\n');
  const structs = uniformsUsed(body).map(wgslStruct);
  return structs.length ? `// ---- uniform structs (src/backends/webgpu/uniforms.ts) ----\n${structs.join('\n')}\n${body}` : body;
}

/** Every file the modules use (relative to shaders/). */
export function shaderFiles(): string[] {
  return [...new Set(Object.values(MODULES).flat())].sort();
}
