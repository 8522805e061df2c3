/**
 * The per-kernel binding table: how each kernel touches each of its bindings, from which the
 * backend counts the bytes a dispatch moves (GpuContext counters, the benchmark's bytes per cell
 * and its modelled time). Per binding: 'u' a uniform (not counted), 'r' read once, 'w' written
 * once, 'rw' read and written once, '-' bound but untouched in this variant (override constants
 * select what a kernel does, e.g. mg_post.wgsl's DOT).
 * Counting rule (docs/webgpu-backend.md, "Counting"): a dispatch moves the byte size of every
 * 'r'/'w' binding once and every 'rw' binding twice — stencil neighbours are assumed to come
 * from cache, a level-sized buffer counts its own level, and a binding whose kernel touches only
 * part of it is given its touched extent where the kernel is created (e.g. a reduction's
 * partials). test/unit/webgpu-traffic.test.ts checks this table against the WGSL declarations
 * (a 'w'/'rw' binding must be read_write, a 'u' one a uniform, the binding counts equal), so it
 * cannot drift from the shaders.
 */
import type { Constants } from './context.ts';
import type { ModuleName } from './shaders.ts';

export type Access = 'u' | 'r' | 'w' | 'rw' | '-';

/** Bindings of a module in binding order, possibly depending on its override constants. */
export type BindingTable = readonly Access[] | ((c: Constants) => readonly Access[]);

// grid, gates, solve params, op, b, x → r (parity half 0), partials
const CG_INIT: readonly Access[] = ['u', 'u', 'u', 'r', 'r', 'r', 'w', 'w'];
// grid, params, op, z, p (both halves: one read, one written), q, partials (read and written), status
const CG_MATVEC: readonly Access[] = ['u', 'u', 'r', 'r', 'rw', 'w', 'rw', 'rw'];
// grid, params, op, x (in place), r (one half read, one written), p, q, z (JACOBI), partials, status;
// START (a jacobi solve's first direction): r₀ read, z and the r·z partials written, the status read
function cgUpdateTable(c: Constants): readonly Access[] {
  return c.START
    ? ['u', 'u', 'r', '-', 'r', '-', '-', 'w', 'w', 'r']
    : ['u', 'u', 'r', 'rw', 'rw', 'r', 'r', c.JACOBI ? 'w' : '-', 'rw', 'rw'];
}

export const BINDINGS: Record<ModuleName, BindingTable> = {
  // (every stage kernel ends with the loop uniform: its gate and the step's parameters, common/loop.wgsl)
  // grid, bc, field, padded copy
  ghosts: ['u', 'u', 'r', 'w', 'u'],
  // grid, params, padded ξ, c̃, ψ → ξⁿ⁺¹, Δξ, |rate|, stiffness; props
  phase: ['u', 'u', 'r', 'r', 'r', 'w', 'w', 'w', 'w', 'r', 'u'],
  // the IMEX phase stage (phase-imex.ts; gated: stage by stage and on the device loop)
  // grid, phase params, rate params, padded ξ (or ξ*), c̃, ψ, props → rate, S, stiffness, aux.w (g); loop
  phaseImexRate: ['u', 'u', 'u', 'r', 'r', 'r', 'r', 'w', 'w', 'w', 'rw', 'u'],
  // grid, bc, params, S, props → operator; loop (U: the uniform-weight form, op_uniform.wgsl, bound
  // as its N + 1 floats: 4 bytes per cell written where the general form writes 16)
  phaseImexOp: ['u', 'u', 'u', 'r', 'r', 'w', 'u'],
  phaseImexOpU: ['u', 'u', 'u', 'r', 'r', 'w', 'u'],
  // grid, params, ξ, rate, props, δ → rhs, correction (zeroed); loop
  phaseImexRhs: ['u', 'u', 'r', 'r', 'r', 'rw', 'w', 'w', 'u'],
  // grid, ξ, correction, δ (in place) → ξ*; loop
  phaseImexUpdate: ['u', 'r', 'r', 'rw', 'w', 'u'],
  // grid, loop, ξ, δ, props → ξⁿ⁺¹, Δξ, |δ|/dt
  phaseImexFinish: ['u', 'u', 'r', 'r', 'r', 'w', 'w', 'w'],
  // the mechanics stage (elasticity.ts; not gated: stage by stage only, MECH_NO_LOOP)
  // grid, params, ξ → per-cell (λ, μ, h)
  elasticMaterial: ['u', 'u', 'r', 'w'],
  // grid, params, material, u (not read by MODE 1, the eigenstrain alone) → σ_aa, τ_ab
  elasticStress: (c) => ['u', 'u', 'r', c.MODE === 1 ? '-' : 'r', 'w', 'w'],
  // grid, params, material, u (held rows), σ, τ, bin (RESID only) → out
  elasticForce: (c) => ['u', 'u', 'r', 'r', 'r', 'r', c.RESID ? 'r' : '-', 'w'],
  // grid, params, material → one component's diagonal block (face weights)
  elasticBlocks: ['u', 'u', 'r', 'w'],
  // params, src → dst (one component of N)
  elasticSplit: ['u', 'r', 'w'],
  // grid, params, material, u, τ, ψ → ψ + s; the phase props view (lane y written in place)
  elasticCoupling: ['u', 'u', 'r', 'r', 'r', 'r', 'w', 'rw'],
  // its host-driven CG and W-cycle multigrid (elastic-cg.ts, elastic-multigrid.ts; main's solver)
  // grid, op, diag, b, x (not read by FIRST2: a zero guess) → x'
  mechMgSmooth: (c) => ['u', 'r', 'r', 'r', c.FIRST2 ? '-' : 'r', 'w'],
  // grid, coarse grid, op, diag, b, x, coarse correction → x'
  mechMgProlongSmooth: ['u', 'u', 'r', 'r', 'r', 'r', 'r', 'w'],
  // grid, coarse grid, op, b, x → coarse b
  mechMgRestrict: ['u', 'u', 'r', 'r', 'r', 'w'],
  // grid, coarse grid, fine op → coarse op
  mechMgCoarsen: ['u', 'u', 'r', 'w'],
  // grid, op → diagonal
  mechMgDiag: ['u', 'r', 'w'],
  // grid, G = L⁻¹, b → x
  mechMgCoarseApply: ['u', 'r', 'r', 'w'],
  // params, scalars, x, r, p, q, z: MODE 0 x += αp, r −= αq; 1 p = z + βp; 2 p = z
  mechCgVec: (c) =>
    c.MODE === 0
      ? ['u', 'r', 'rw', 'rw', 'r', 'r', '-']
      : c.MODE === 1
        ? ['u', 'r', '-', '-', 'rw', '-', 'r']
        : ['u', 'r', '-', '-', 'w', '-', 'r'],
  // params, a, b, partials (dot products only)
  mechReduceStage1: ['u', 'r', 'r', 'w'],
  // params, partials, CG scalars (a few read and written)
  mechReduceStage2: ['u', 'r', 'rw'],
  // the grand-potential form's transport (gp-transport.ts; not gated: stage by stage only)
  // grid, params, ξ, w, props → the old step's cell values
  gpOld: ['u', 'u', 'r', 'r', 'r', 'w'],
  // grid, params, ξⁿ⁺¹, w, padded a, props, old → per-cell coefficients (two vec4s)
  gpCoef: ['u', 'u', 'r', 'r', 'r', 'r', 'r', 'w', 'w'],
  // grid, bc, params, cell coefficients, padded a, source → operator, rhs (−F), scale, influx
  gpResidual: ['u', 'u', 'u', 'r', 'r', 'r', 'r', 'w', 'w', 'w', 'w'],
  // grid, params, ξⁿ⁺¹, cell coefficients, δu → w (in place)
  gpUpdate: ['u', 'u', 'r', 'r', 'r', 'rw'],
  // grid, params, ξⁿ⁺¹, w, props → c̃
  gpConc: ['u', 'u', 'r', 'r', 'r', 'w'],
  // grid, params, ξ, w, props → metal per cell
  gpMetal: ['u', 'u', 'r', 'r', 'r', 'w'],
  // grid, params, ξ → coefficient; props
  coef: ['u', 'u', 'r', 'w', 'r', 'u'],
  // grid, bc, params, σ̂, source → operator, rhs
  assemble: ['u', 'u', 'u', 'r', 'r', 'w', 'w', 'u'],
  // grid, bc, params, σ̂, ψ, ∂ξ/∂t → per-row f1, f0, source
  potentialFlux: ['u', 'u', 'u', 'r', 'r', 'r', 'w', 'w', 'w', 'u'],
  // grid, params, stats (ψ max), padded a in place
  transportShift: ['u', 'u', 'r', 'rw', 'u'],
  // grid, bc, params, padded a, D, c̃, Δξ → operator, rhs, u, aux
  transportAssemble: ['u', 'u', 'u', 'r', 'r', 'r', 'r', 'w', 'w', 'w', 'w', 'u'],
  // grid, params, u, aux → c̃, influx; Δξ, ξⁿ⁺¹ (the IMEX stage's implicit deposit added in place, else untouched)
  transportInflux: ['u', 'u', 'r', 'r', 'w', 'w', 'rw', 'rw', 'u'],
  // grid, params, c̃ (limited in place), ξⁿ⁺¹, Δξ (in place) → ξ, ∂ξ/∂t, limited; props
  transportLimit: ['u', 'u', 'rw', 'r', 'rw', 'w', 'w', 'w', 'r', 'u'],
  // grid, params, species field (host cells zeroed in place), props, phase props (lane z read and written)
  speciesPack: ['u', 'u', 'rw', 'r', 'rw', 'u'],
  // channel table, seven input slots (those the K channels read; reduce.ts gives each its channel's n as extent), partials
  reduceStage1: (c) => ['u', ...reduceSlotsRead(c).map((r): Access => (r ? 'r' : '-')), 'w', 'u'],
  // channel table, partials, scalar slots (a few written)
  reduceStage2: ['u', 'r', 'rw', 'u'],
  // grid, params, ξ, c̃, ∂ξ/∂t → partials; props
  reduceFields: ['u', 'u', 'r', 'r', 'r', 'w', 'r', 'u'],
  // params, partials, per-row tip → results
  reduceFieldsFinal: ['u', 'r', 'r', 'w', 'u'],
  // grid, params, ξ → per-row tip; props
  reduceTip: ['u', 'u', 'r', 'w', 'r', 'u'],
  // --- the sync-free MG-PCG (mgpcg.ts); `st` is a solve's status (a few words, counted whole).
  // The *U modules are the same kernels on a uniform-weight operator (a slot added with op:
  // 'uniform', common/op_uniform.wgsl): the same table, op bound as its N + 1 floats (4 bytes per
  // cell where the general form's (d, w+x, w+y, w+z) are 16)
  cgInit: CG_INIT,
  cgInitU: CG_INIT,
  // gates, solve params, partials → status
  cgStart: ['u', 'u', 'r', 'rw'],
  cgMatvec: CG_MATVEC,
  cgMatvecU: CG_MATVEC,
  cgUpdate: cgUpdateTable,
  cgUpdateU: cgUpdateTable,
  // params, partials, status, the loop's reports
  cgReport: ['u', 'r', 'rw', 'rw'],
  // grid, coarse grid, op, b, x (the pre-smoothed x written) → coarse b; status; params, solution
  // vector, p and q, partials: CGUPD (the CG update fused in) reads and writes b (r2: one half
  // read, one written), the solution vector, the partials and the status, and reads p_i and q
  // (the extent of pq: two halves' worth); the other variants leave the last four untouched
  mgRestrict: (c) =>
    c.CGUPD ? ['u', 'u', 'r', 'rw', 'w', 'w', 'rw', 'u', 'rw', 'r', 'rw'] : ['u', 'u', 'r', 'r', 'w', 'w', 'r', 'u', '-', '-', '-'],
  // grid, coarse grid, params, op, b, x in, coarse correction, x out, status, partials (DOT)
  mgPost: (c) => ['u', 'u', 'u', 'r', 'r', 'r', 'r', 'w', 'r', c.DOT ? 'w' : '-'],
  // fine grid, coarse grid, fine op → coarse op; gates, params
  mgCoarsen: ['u', 'u', 'r', 'w', 'u', 'u'],
  // grid, tail level table, tail op, b, x, s (each read and written through the passes), factor, status
  mgTail: ['u', 'r', 'r', 'rw', 'rw', 'rw', 'r', 'r'],
  // grid, tail level table, loop, params, tail op (read and written), dense scratch, factor, status
  mgTailCoarsen: ['u', 'r', 'u', 'u', 'rw', 'rw', 'w', 'rw'],
  // grid, params, r, factor, z, status, partials
  mgDirect: ['u', 'u', 'r', 'r', 'w', 'r', 'w'],
  // --- the device loop (loop.ts); its single-invocation kernels touch one ring record (extent given)
  // grid, source, destination, loop
  copyField: ['u', 'r', 'w', 'u'],
  // loop state, policy, stats, ring, schedule
  loopDecide: ['rw', 'u', 'r', 'rw', 'r'],
  // loop state, stats, reports, ring
  potEnd: ['rw', 'r', 'r', 'rw'],
  // loop state, policy, control, stats, field reductions, reports, ring, φ boundary, schedule
  loopEnd: ['rw', 'u', 'u', 'r', 'r', 'r', 'rw', 'rw', 'r'],
  // policy and control constants, cases → results (test probe)
  policyProbe: ['u', 'u', 'r', 'w'],
};

/**
 * The input slots x0 … x6 of shaders/reduce_stage1.wgsl that its K channels read: channel i
 * reads slot IN<i>, and slot IN<i> + 1 in MODE<i> 0 (Dot) and 3 (MaxAbsDiff); the others are
 * bound (to any buffer) but untouched.
 */
function reduceSlotsRead(c: Constants): boolean[] {
  const read = new Array<boolean>(7).fill(false);
  for (let i = 0; i < (c.K ?? 1); i++) {
    const s = c[`IN${i}`] ?? 0;
    const mode = c[`MODE${i}`] ?? 1;
    read[s] = true;
    if (mode === 0 || mode === 3) read[s + 1] = true;
  }
  return read;
}

/** The bindings of `name` under override constants `c`. */
export function bindingsOf(name: ModuleName, c: Constants = {}): readonly Access[] {
  const t = BINDINGS[name];
  return typeof t === 'function' ? t(c) : t;
}

/** Multiplier of a binding's byte size in the traffic of one dispatch. */
export function accessWeight(a: Access): number {
  return a === 'rw' ? 2 : a === 'r' || a === 'w' ? 1 : 0;
}

/**
 * Bytes one dispatch of `name` moves: Σ size × weight over its bindings, where `sizes[i]` is the
 * byte size of binding i (the bound buffer, or the touched extent the caller gives).
 */
export function dispatchBytes(name: ModuleName, c: Constants, sizes: readonly number[]): number {
  const acc = bindingsOf(name, c);
  if (acc.length !== sizes.length) {
    throw new Error(`traffic table: module ${name} has ${acc.length} bindings in the table, ${sizes.length} bound`);
  }
  let bytes = 0;
  for (let i = 0; i < acc.length; i++) bytes += accessWeight(acc[i]) * sizes[i];
  return bytes;
}
