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
// the face-weight stencil read through an operator storage form: the general one (op_faces:
// (d, w+x, w+y, w+z) per cell) or, in the *U modules, the uniform-weight one (op_uniform: d per
// cell and one face weight, the IMEX phase operator with its Jacobi sweeps)
const OP_FACES = 'common/op_faces.wgsl';
const OP_UNIFORM = 'common/op_uniform.wgsl';
const STENCIL = [OP_FACES, 'common/stencil.wgsl'] as const;
const STENCIL_U = [OP_UNIFORM, 'common/stencil.wgsl'] as const;
const GSUM = 'common/group_sum.wgsl';
const CG = 'common/cg_state.wgsl';
const TAIL = 'common/tail.wgsl';
const CG_STEP = 'common/cg_step.wgsl';
const LOOP = 'common/loop.wgsl';
const ELASTIC = 'common/elastic.wgsl';
const MECH_SLOTS = 'mech/cg_slots.wgsl';
const SG = 'common/sg.wgsl';
const GP = 'common/gp.wgsl';

/** Module name → files, concatenated in this order. */
export const MODULES = {
  ghosts: [GRID, LOOP, BC, 'ghosts.wgsl'],
  phase: [GRID, LOOP, 'common/noise.wgsl', 'common/phase_flux.wgsl', 'phase.wgsl'],
  // the IMEX phase stage (phase-imex.ts), gated: stage by stage and on the device loop
  phaseImexRate: [GRID, LOOP, 'common/phase_flux.wgsl', 'phase_imex_rate.wgsl'],
  phaseImexOp: [GRID, LOOP, BC, OP_FACES, 'phase_imex_op.wgsl'],
  phaseImexOpU: [GRID, LOOP, BC, OP_UNIFORM, 'phase_imex_op.wgsl'],
  phaseImexRhs: [GRID, LOOP, 'common/noise.wgsl', 'phase_imex_rhs.wgsl'],
  phaseImexUpdate: [GRID, LOOP, 'phase_imex_update.wgsl'],
  phaseImexFinish: [GRID, LOOP, 'phase_imex_finish.wgsl'],
  coef: [GRID, LOOP, 'coef.wgsl'],
  assemble: [GRID, LOOP, BC, 'assemble.wgsl'],
  potentialFlux: [GRID, LOOP, BC, 'potential_flux.wgsl'],
  transportShift: [GRID, LOOP, 'transport_shift.wgsl'],
  transportAssemble: [GRID, LOOP, BC, SG, 'transport_assemble.wgsl'],
  transportInflux: [GRID, LOOP, 'transport_influx.wgsl'],
  transportLimit: [GRID, LOOP, 'transport_limit.wgsl'],
  speciesPack: [GRID, LOOP, 'species_pack.wgsl'],
  // the reductions into the stage statistics, several channels per dispatch (reduce.ts)
  reduceStage1: [GRID, LOOP, 'common/reduce.wgsl', 'reduce_stage1.wgsl'],
  reduceStage2: [GRID, LOOP, 'common/reduce.wgsl', 'reduce_stage2.wgsl'],
  reduceFields: [GRID, LOOP, 'reduce_fields.wgsl'],
  reduceFieldsFinal: [GRID, LOOP, 'reduce_fields_final.wgsl'],
  reduceTip: [GRID, LOOP, 'reduce_tip.wgsl'],
  // the sync-free MG-PCG (mgpcg.ts)
  cgInit: [GRID, LOOP, GSUM, CG, ...STENCIL, 'cg_init.wgsl'],
  cgStart: [GRID, LOOP, GSUM, CG, 'cg_start.wgsl'],
  cgMatvec: [GRID, LOOP, GSUM, CG, ...STENCIL, 'cg_matvec.wgsl'],
  cgUpdate: [GRID, LOOP, GSUM, CG, ...STENCIL, CG_STEP, 'cg_update.wgsl'],
  // the same kernels on a uniform-weight operator (a slot added with op: 'uniform', mgpcg.ts)
  cgInitU: [GRID, LOOP, GSUM, CG, ...STENCIL_U, 'cg_init.wgsl'],
  cgMatvecU: [GRID, LOOP, GSUM, CG, ...STENCIL_U, 'cg_matvec.wgsl'],
  cgUpdateU: [GRID, LOOP, GSUM, CG, ...STENCIL_U, CG_STEP, 'cg_update.wgsl'],
  cgReport: [GRID, LOOP, GSUM, CG, 'cg_report.wgsl'],
  mgRestrict: [GRID, LOOP, GSUM, CG, ...STENCIL, CG_STEP, 'mg_restrict.wgsl'],
  mgPost: [GRID, LOOP, GSUM, CG, ...STENCIL, 'mg_post.wgsl'],
  mgCoarsen: [GRID, LOOP, CG, 'mg_coarsen.wgsl'],
  mgTail: [GRID, LOOP, CG, TAIL, 'mg_tail.wgsl'],
  mgTailCoarsen: [GRID, LOOP, CG, TAIL, 'mg_tail_coarsen.wgsl'],
  mgDirect: [GRID, LOOP, GSUM, CG, 'mg_direct.wgsl'],
  // the device-side time loop (loop.ts)
  copyField: [GRID, LOOP, 'copy_field.wgsl'],
  loopDecide: [GRID, LOOP, 'common/df64.wgsl', 'common/policy.wgsl', 'common/noise.wgsl', 'loop_decide.wgsl'],
  potEnd: [GRID, LOOP, CG, 'pot_end.wgsl'],
  loopEnd: [GRID, LOOP, BC, CG, 'common/df64.wgsl', 'common/policy.wgsl', 'common/noise.wgsl', 'loop_end.wgsl'],
  // test probe of the device loop's policy, controller and df64 twins (test/conformance/policy.test.ts)
  policyProbe: [GRID, 'common/df64.wgsl', 'common/policy.wgsl', 'probe/policy_probe.wgsl'],
  // the mechanics stage (docs/mechanics.md; elasticity.ts): not gated, stage by stage only (MECH_NO_LOOP)
  elasticMaterial: [GRID, 'elastic_material.wgsl'],
  elasticStress: [GRID, ELASTIC, 'elastic_stress.wgsl'],
  elasticForce: [GRID, ELASTIC, 'elastic_force.wgsl'],
  elasticBlocks: [GRID, ELASTIC, 'elastic_blocks.wgsl'],
  elasticSplit: [GRID, 'elastic_split.wgsl'],
  elasticCoupling: [GRID, ELASTIC, 'elastic_coupling.wgsl'],
  // its host-driven CG and W-cycle multigrid (elastic-cg.ts, elastic-multigrid.ts, elastic-reduce.ts)
  mechMgSmooth: [GRID, ...STENCIL, 'mech/mg_smooth.wgsl'],
  mechMgProlongSmooth: [GRID, ...STENCIL, 'mech/mg_prolong_smooth.wgsl'],
  mechMgRestrict: [GRID, ...STENCIL, 'mech/mg_restrict.wgsl'],
  mechMgCoarsen: [GRID, 'mech/mg_coarsen.wgsl'],
  mechMgDiag: [GRID, OP_FACES, 'mech/mg_diag.wgsl'],
  mechMgCoarseApply: [GRID, 'mech/mg_coarse_apply.wgsl'],
  mechCgVec: [GRID, MECH_SLOTS, 'mech/cg_vec.wgsl'],
  mechReduceStage1: [GRID, 'mech/reduce_stage1.wgsl'],
  mechReduceStage2: [GRID, MECH_SLOTS, 'mech/cg_ops.wgsl', 'mech/reduce_stage2.wgsl'],
  // the grand-potential form (docs/grand-potential.md; gp-transport.ts): stage by stage only, not gated
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
