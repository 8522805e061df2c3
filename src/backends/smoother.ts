/**
 * The smoother weight of the aggregation multigrid, one definition for its three twins: the CPU
 * reference (cpu/multigrid.ts), WebGPU (webgpu/mgpcg.ts, the shaders' override OMEGA) and WebGL
 * (webgl/pcg.ts, its smoothing programs' uOmega).
 */

/**
 * The damped-Jacobi weight of the V- and W-cycles of the potential, transport and IMEX phase
 * solves: in 3D the 7-point stencil's smoothing optimum 6/7 (on the high frequencies
 * D⁻¹A ∈ [1/3, 2], damped by 5/7 a sweep; 2/3 gives 7/9), measured to cut the potential's
 * iterations from 10–12 to 7–8 and the transport's from 12–15 to 10–11 on the CPU, 11.6 → 9.8 and
 * 13.0 → 10.0 on the device loop at 24³ (docs/numerics-notes.md §3); in 2D the historical 2/3 (the
 * 5-point optimum 4/5 saves about one potential and two transport iterations at hong2018 256², not
 * adopted here). The fine-level-only "jacobi" preconditioner and the elasticity's W-cycles keep
 * 2/3 in any dimension. SPD: ω·λmax(D⁻¹A) ≤ 2ω < 2.
 */
export function smoothingOmega(dims: 2 | 3): number {
  return dims === 3 ? 6 / 7 : 2 / 3;
}
