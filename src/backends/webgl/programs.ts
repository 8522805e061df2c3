/**
 * The GLSL programs of the WebGL backend: every kernel is a fragment shader file under
 * shaders/glsl/ (never a TypeScript string), run on a full-screen quad (shaders/glsl/quad.vert).
 * A program's source is: #defines (per program: variants, and MAX_NX for the row loops),
 * shaders/glsl/common.glsl, the listed libraries, then the kernel file, with `#include "x"` lines
 * replaced by the file (GLSL ES 1.0 has no include). Sources are read through a reader: in a page
 * the Vite-bundled map (src/browser/shader-files.ts), in Node the files themselves (tests).
 */

/** Reads a file given its path relative to shaders/. */
export type GlslReader = (relPath: string) => string;

export interface ProgramSpec {
  /** Kernel file under shaders/glsl/. */
  file: string;
  /** Libraries under shaders/glsl/, after common.glsl. */
  libs?: string[];
  /** Variant defines (name → value; '' for a plain #define). */
  defines?: Record<string, string>;
}

export const VERTEX = 'glsl/quad.vert.glsl';
export const COMMON = 'glsl/common.glsl';

/** Every program the backend builds, by name. */
export const PROGRAMS = {
  ghosts: { file: 'ghosts.frag.glsl' },
  phase: { file: 'phase.frag.glsl', libs: ['noise.glsl', 'phase_flux.glsl'] },
  imexRate0: { file: 'phase_imex_rate.frag.glsl', libs: ['phase_flux.glsl'], defines: { FIRST: '' } },
  imexRate: { file: 'phase_imex_rate.frag.glsl', libs: ['phase_flux.glsl'] },
  imexOp: { file: 'phase_imex_op.frag.glsl' },
  imexRhs: { file: 'phase_imex_rhs.frag.glsl', libs: ['noise.glsl'] },
  imexUpdate: { file: 'phase_imex_update.frag.glsl' },
  imexStar: { file: 'phase_imex_update.frag.glsl', defines: { STAR: '' } },
  imexFinish: { file: 'phase_imex_finish.frag.glsl' },
  noiseProbe: { file: 'noise_probe.frag.glsl', libs: ['noise.glsl'] },
  potOp: { file: 'potential_assemble.frag.glsl' },
  potRhs: { file: 'potential_assemble.frag.glsl', defines: { OUT_RHS: '' } },
  potFlux: { file: 'potential_flux.frag.glsl' },
  trOp: { file: 'transport_assemble.frag.glsl', libs: ['sg.glsl'], defines: { OUT_OP: '' } },
  trRhs: { file: 'transport_assemble.frag.glsl', libs: ['sg.glsl'], defines: { OUT_RHS: '' } },
  trU: { file: 'transport_assemble.frag.glsl', libs: ['sg.glsl'], defines: { OUT_U: '' } },
  trC: { file: 'transport_finish.frag.glsl', defines: { OUT_C: '' } },
  trPassive: { file: 'transport_finish.frag.glsl', defines: { OUT_PASSIVE: '' } },
  trXs: { file: 'transport_finish.frag.glsl' },
  trStats: { file: 'transport_finish.frag.glsl', defines: { OUT_STATS: '' } },
  fieldsSum: { file: 'fields.frag.glsl', defines: { TERM_SUM: '' } },
  fieldsMax: { file: 'fields.frag.glsl', defines: { TERM_MAX: '' } },
  fieldsCount: { file: 'fields.frag.glsl', defines: { TERM_COUNT: '' } },
  fieldsSpecies: { file: 'fields.frag.glsl', defines: { TERM_SPECIES: '' } },
  speciesScreen: { file: 'species_screen.frag.glsl' },
  tip: { file: 'tip.frag.glsl' },
  reduce: { file: 'reduce.frag.glsl' },
  copy: { file: 'copy.frag.glsl' },
  cgScalar: { file: 'cg_scalar.frag.glsl' },
  cgX: { file: 'cg_vec.frag.glsl', defines: { MODE_X: '' } },
  cgR: { file: 'cg_vec.frag.glsl', defines: { MODE_R: '' } },
  cgP: { file: 'cg_vec.frag.glsl', defines: { MODE_P: '' } },
  cgCopy: { file: 'cg_vec.frag.glsl', defines: { MODE_COPY: '' } },
  cgXVec: { file: 'cg_vec.frag.glsl', defines: { MODE_X: '', VEC: '' } },
  cgRVec: { file: 'cg_vec.frag.glsl', defines: { MODE_R: '', VEC: '' } },
  cgPVec: { file: 'cg_vec.frag.glsl', defines: { MODE_P: '', VEC: '' } },
  cgCopyVec: { file: 'cg_vec.frag.glsl', defines: { MODE_COPY: '', VEC: '' } },
  residual: { file: 'mg_residual.frag.glsl' },
  applyA: { file: 'mg_residual.frag.glsl', defines: { APPLY: '' } },
  smoothFirst2: { file: 'mg_smooth.frag.glsl', defines: { FIRST2: '' } },
  smooth: { file: 'mg_smooth.frag.glsl' },
  prolongSmooth: { file: 'mg_prolong_smooth.frag.glsl' },
  restrict: { file: 'mg_restrict.frag.glsl' },
  diag: { file: 'mg_diag.frag.glsl' },
  coarsen: { file: 'mg_coarsen.frag.glsl' },
  coarseLower: { file: 'mg_coarse_apply.frag.glsl', defines: { LOWER: '' } },
  coarseUpper: { file: 'mg_coarse_apply.frag.glsl' },
  elasticMaterial: { file: 'elastic_material.frag.glsl' },
  elasticSig: { file: 'elastic_stress.frag.glsl', libs: ['elastic.glsl'] },
  elasticTau: { file: 'elastic_stress.frag.glsl', libs: ['elastic.glsl'], defines: { SHEAR: '' } },
  elasticForce: { file: 'elastic_force.frag.glsl', libs: ['elastic.glsl'] },
  elasticBlocks: { file: 'elastic_blocks.frag.glsl', libs: ['elastic.glsl'] },
  elasticSplit: { file: 'elastic_split.frag.glsl' },
  elasticJoin: { file: 'elastic_split.frag.glsl', defines: { JOIN: '' } },
  elasticCoupling: { file: 'elastic_coupling.frag.glsl', libs: ['elastic.glsl'] },
  // the grand-potential form (docs/grand-potential.md; src/backends/webgl/gp-transport.ts)
  gpOld: { file: 'gp_cell.frag.glsl', libs: ['gp.glsl'], defines: { OUT_OLD: '' } },
  gpCellA: { file: 'gp_cell.frag.glsl', libs: ['gp.glsl'], defines: { OUT_A: '' } },
  gpCellB: { file: 'gp_cell.frag.glsl', libs: ['gp.glsl'], defines: { OUT_B: '' } },
  gpOp: { file: 'gp_residual.frag.glsl', libs: ['sg.glsl', 'gp.glsl'], defines: { OUT_OP: '' } },
  gpRhs: { file: 'gp_residual.frag.glsl', libs: ['sg.glsl', 'gp.glsl'], defines: { OUT_RHS: '' } },
  gpUpdate: { file: 'gp_update.frag.glsl', libs: ['gp.glsl'] },
  gpConc: { file: 'gp_finish.frag.glsl', libs: ['gp.glsl'], defines: { OUT_C: '' } },
  gpXs: { file: 'gp_finish.frag.glsl', libs: ['gp.glsl'], defines: { OUT_XS: '' } },
  gpStats: { file: 'gp_finish.frag.glsl', libs: ['gp.glsl'], defines: { OUT_STATS: '' } },
  gpNorms: { file: 'gp_finish.frag.glsl', libs: ['gp.glsl'], defines: { OUT_NORMS: '' } },
  gpMetal: { file: 'gp_finish.frag.glsl', libs: ['gp.glsl'], defines: { OUT_METAL: '' } },
  gpZero: { file: 'gp_finish.frag.glsl', libs: ['gp.glsl'], defines: { OUT_ZERO: '' } },
} satisfies Record<string, ProgramSpec>;

export type ProgramName = keyof typeof PROGRAMS;

/** Every file a program uses (paths relative to shaders/): for the "no orphan shader" test. */
export function programFiles(read: GlslReader): string[] {
  const out = new Set<string>([VERTEX, COMMON]);
  for (const spec of Object.values(PROGRAMS) as ProgramSpec[]) {
    for (const f of [...(spec.libs ?? []), spec.file]) {
      out.add(`glsl/${f}`);
      for (const m of read(`glsl/${f}`).matchAll(/^\s*#include\s+"([^"]+)"/gm)) out.add(`glsl/${m[1]}`);
    }
  }
  return [...out].sort();
}

function resolveIncludes(src: string, read: GlslReader, seen: Set<string>): string {
  return src.replace(/^\s*#include\s+"([^"]+)"\s*$/gm, (_m, f: string) => {
    if (seen.has(f)) return '';
    seen.add(f);
    return `// ---- ${f}\n${resolveIncludes(read(`glsl/${f}`), read, seen)}`;
  });
}

/** The fragment source of a program with extra (grid) defines. */
export function fragmentSource(name: ProgramName, read: GlslReader, extra: Record<string, string | number> = {}): string {
  const spec = PROGRAMS[name] as ProgramSpec;
  const defs = { ...extra, ...(spec.defines ?? {}) };
  const head = Object.entries(defs)
    .map(([k, v]) => `#define ${k} ${v}`)
    .join('\n');
  const seen = new Set<string>();
  const parts = [head, `// ---- common.glsl\n${read(COMMON)}`];
  for (const lib of spec.libs ?? []) parts.push(`// ---- ${lib}\n${read(`glsl/${lib}`)}`);
  parts.push(`// ---- ${spec.file}\n${resolveIncludes(read(`glsl/${spec.file}`), read, seen)}`);
  return parts.join('\n');
}

/** Names of the uniforms a source declares (regl needs a value for each active one). */
export function uniformNames(src: string): string[] {
  return [...new Set([...src.matchAll(/^\s*uniform\s+(?:(?:lowp|mediump|highp)\s+)?\w+\s+(\w+)\s*;/gm)].map((m) => m[1]))];
}
