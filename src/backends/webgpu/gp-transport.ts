/**
 * The grand-potential transport stage on the GPU (docs/grand-potential.md §2), the twin of
 * src/backends/cpu/gp-transport.ts: the same Newton loop on the host, its kernels in
 * shaders/gp_*.wgsl, the linear systems through the backend's MG-PCG (system 'gp', the correction
 * δu from zero). Per step: ψ padded and shifted to a = ψ − ψ_ref (the backend's kernels), the
 * cell parts of ρⁿ (gp_old); then per iterate the cell quantities (gp_coef), the residual and the
 * operator (gp_residual) with three sums read back (‖F‖², ‖scale‖², the influx), and while ‖F‖
 * is above the target a solve and the update (gp_update); finally c̃ (gp_conc).
 * f32: the target's round-off floor is 4·ε₃₂·‖scale‖ (ε₃₂ = 2^−23), and below 64·ε₃₂·‖scale‖ (the CPU's
 * floor with f32's epsilon) the loop stops once an iteration no longer halves ‖F‖ (GP_FLOOR_HARD, src/backends/gp-newton.ts).
 */
import type { Coefficients } from '../../model/derived.ts';
import { gpBCs } from '../gp-bc.ts';
import type { BCSet, Layout } from '../layout.ts';
import { bcData, kernel, type GpuContext, type Kernel } from './context.ts';
import type { MgPcg } from './mgpcg.ts';
import { Reduction, ReduceMode } from './reduce.ts';
import { packUniform } from './uniforms.ts';
import { EPS32, GP_BACKTRACK, GP_ETA_MAX, GP_ETA_MIN, GP_FLOOR_HARD, GP_FLOOR_SOFT, GP_MAX_NEWTON } from '../gp-newton.ts';

/** What the stage uses of the backend. */
export interface GpGpuHost {
  ctx: GpuContext;
  L: Layout;
  kc: Coefficients;
  bc: BCSet;
  pcg: MgPcg;
  /** The loop uniform and the gate of this stage's solve and reductions (stage by stage: open). */
  loop: GPUBuffer;
  gate: number;
  /** The stage-by-stage solve's options (MgPcg.solveSync). */
  solveOpts(): { checkEvery: number; maxDispatches: number };
  grid: GPUBuffer;
  xi: GPUBuffer;
  xiNew: GPUBuffer;
  c: GPUBuffer;
  padPsi: GPUBuffer;
  props: GPUBuffer;
  /** A stats buffer with room for GpStats slots from `slot` on. */
  stats: GPUBuffer;
  slot: number;
  /** Records ψ padded and shifted to a = ψ − ψ_ref (ghosts, max ψ, transport_shift with migration 1). */
  encodeShift(pass: GPUComputePassEncoder): void;
  /** Submits one compute pass (`before`/`after`: copies recorded around it in the same command buffer). */
  submit(
    record: (pass: GPUComputePassEncoder) => void,
    after?: (enc: GPUCommandEncoder) => void,
    before?: (enc: GPUCommandEncoder) => void,
  ): void;
  copyStats(enc: GPUCommandEncoder): void;
  readStats(): Promise<Float32Array>;
}

/** Stats slots used from host.slot on: ‖F‖², ‖scale‖², influx, metal. */
export const GP_STATS = 4;

export interface GpStepResult {
  iterations: number;
  residual: number;
  converged: boolean;
  newton: number;
  /** The reservoir inflow of the last iterate, scaled c0·µm^d. */
  influx: number;
}

export class GpGpuTransport {
  /** w, its Newton correction δu and the manufactured-solution source (zeros in runs). */
  readonly w: GPUBuffer;
  private delta: GPUBuffer;
  /** The iterate before an update (backtracking restores it). */
  private wPrev: GPUBuffer;
  private src: GPUBuffer;
  private params: GPUBuffer;
  private k: { old: Kernel; coef: Kernel; residual: Kernel; update: Kernel; conc: Kernel; metal: Kernel };
  /** ‖F‖², ‖scale‖², the influx (one group, after the residual pass) and the metal. */
  private red: { residual: Reduction; metal: Reduction };

  constructor(private h: GpGpuHost) {
    const { ctx, L, kc, bc, pcg, grid } = h;
    if (!kc.gp) throw new Error('GpGpuTransport: the coefficients have no grand-potential block');
    const N = L.N;
    const f = (label: string) => ctx.storage(N, `gp.${label}`);
    this.w = f('w');
    this.delta = f('delta');
    this.wPrev = f('wPrev');
    this.src = f('src');
    const old = ctx.storage(4 * N, 'gp.old'),
      cellA = ctx.storage(4 * N, 'gp.cellA'),
      cellB = ctx.storage(4 * N, 'gp.cellB');
    const scl = f('scale'),
      infl = f('influx'),
      metal = f('metal');
    this.params = ctx.uniform(this.pack(0), 'gp.params');
    const bW = ctx.uniform(bcData(gpBCs(bc.c, kc.gp).w.type, gpBCs(bc.c, kc.gp).w.value), 'gp.bc.w');
    const p = this.params;
    pcg.addSlot('gp', this.delta, h.gate);
    this.k = {
      old: kernel(ctx, 'gpOld', [grid, p, h.xi, this.w, h.props, old]),
      coef: kernel(ctx, 'gpCoef', [grid, p, h.xiNew, this.w, h.padPsi, h.props, old, cellA, cellB]),
      residual: kernel(ctx, 'gpResidual', [grid, bW, p, cellA, cellB, h.padPsi, this.src, pcg.op, pcg.rhs, scl, infl]),
      update: kernel(ctx, 'gpUpdate', [grid, p, h.xiNew, cellA, this.delta, this.w]),
      conc: kernel(ctx, 'gpConc', [grid, p, h.xiNew, this.w, h.props, h.c]),
      metal: kernel(ctx, 'gpMetal', [grid, p, h.xi, this.w, h.props, metal]),
    };
    this.red = {
      residual: new Reduction(
        ctx,
        [
          { n: N, mode: ReduceMode.Dot, a: pcg.rhs, b: pcg.rhs, slot: h.slot },
          { n: N, mode: ReduceMode.Dot, a: scl, b: scl, slot: h.slot + 1 },
          { n: N, mode: ReduceMode.Sum, a: infl, slot: h.slot + 2 },
        ],
        h.stats,
        h.loop,
        h.gate,
        'gp.red.residual',
      ),
      metal: new Reduction(ctx, [{ n: N, mode: ReduceMode.Sum, a: metal, slot: h.slot + 3 }], h.stats, h.loop, h.gate, 'gp.red.metal'),
    };
    ctx.write(this.src, new Float32Array(N));
  }

  private pack(dt: number, lambda = 1): ArrayBuffer {
    const { L, kc } = this.h;
    const g = kc.gp!;
    return packUniform('GpParams', {
      el: g.el,
      es: g.es,
      dv: g.dv,
      M0: g.M0,
      K: g.K,
      dt,
      scale: dt / (L.dx * L.dx),
      vol: L.dims === 3 ? L.dx ** 3 : L.dx ** 2,
      lambda,
    });
  }

  /** The manufactured-solution source S of (2′) (ρ per second per cell); null: zeros. */
  setSource(s: Float64Array | null): void {
    const N = this.h.L.N;
    if (s && s.length !== N) throw new Error(`WebGPU setTransportSource: ${s.length} values, the grid has ${N} cells`);
    this.h.ctx.write(this.src, s ? Float32Array.from(s) : new Float32Array(N));
  }

  /**
   * Advances w to wⁿ⁺¹ and writes c̃ = K·c_l(w)(1 − h(ξⁿ⁺¹)); ξ is committed by the backend's
   * limit kernel afterwards. tol: the relative Newton tolerance; maxIter: CG iterations per solve.
   */
  async step(dt: number, tol: number, maxIter: number): Promise<GpStepResult> {
    const { h, k, red } = this;
    const { ctx, L } = h;
    const N = L.N;
    ctx.write(this.params, this.pack(dt));
    h.submit((pass) => {
      h.encodeShift(pass);
      ctx.run(pass, k.old, N);
    });
    let F0 = NaN,
      F = NaN,
      Fprev = Infinity,
      lambda = 1,
      target = 0,
      floor = 0,
      influx = 0,
      cg = 0,
      newton = 0,
      converged = false;
    const bytes = 4 * N;
    const evaluate = async () => {
      h.submit(
        (pass) => {
          ctx.run(pass, k.coef, N);
          ctx.run(pass, k.residual, N);
          red.residual.encode(pass);
        },
        (enc) => h.copyStats(enc),
      );
      return h.readStats();
    };
    for (;;) {
      let s = await evaluate();
      F = Math.sqrt(s[h.slot]);
      // backtracking (as the CPU): an update that did not lower ‖F‖ is taken back and retried at
      // half the step, up to GP_BACKTRACK times
      while (newton > 0 && !(F <= (1 - 1e-4 * lambda) * Fprev) && lambda > 2 ** -GP_BACKTRACK) {
        lambda *= 0.5;
        ctx.write(this.params, this.pack(dt, lambda));
        // w ← the kept iterate (a copy before the pass), its u and χ/u, then the shorter update
        h.submit(
          (pass) => {
            ctx.run(pass, k.coef, N);
            ctx.run(pass, k.update, N);
          },
          undefined,
          (enc) => enc.copyBufferToBuffer(this.wPrev, 0, this.w, 0, bytes),
        );
        s = await evaluate();
        F = Math.sqrt(s[h.slot]);
      }
      influx = s[h.slot + 2];
      if (newton === 0) {
        F0 = F;
        floor = GP_FLOOR_SOFT * EPS32 * Math.sqrt(s[h.slot + 1]);
        target = Math.max(tol * F0, GP_FLOOR_HARD * EPS32 * Math.sqrt(s[h.slot + 1]));
      }
      // at the f32 round-off of the residual's terms: accept once ‖F‖ stops falling
      if (F <= target || (F <= floor && !(F <= 0.5 * Fprev))) {
        converged = true;
        break;
      }
      if (!Number.isFinite(F) || newton >= GP_MAX_NEWTON) break;
      const eta = Math.min(GP_ETA_MAX, Math.max(GP_ETA_MIN, (0.5 * target) / F));
      ctx.write(this.delta, new Float32Array(N));
      // the operator and right-hand side are the residual pass's (already on the GPU)
      const st = await h.pcg.solveSync('gp', eta, maxIter, () => undefined, h.solveOpts());
      cg += st.iterations;
      newton++;
      if (!st.converged) break;
      Fprev = F;
      lambda = 1;
      ctx.write(this.params, this.pack(dt, 1));
      h.submit(
        (pass) => ctx.run(pass, k.update, N),
        undefined,
        (enc) => enc.copyBufferToBuffer(this.w, 0, this.wPrev, 0, bytes),
      );
    }
    h.submit((pass) => ctx.run(pass, k.conc, N));
    return { iterations: cg, residual: F0 > 0 ? F / F0 : F, converged, newton, influx: h.kc.gp!.K * influx };
  }

  /** Σ K·dv·h·c_s dV (scaled c0·µm^d) of the current ξ, w. */
  async metal(): Promise<number> {
    const { h, k, red } = this;
    h.submit(
      (pass) => {
        h.ctx.run(pass, k.metal, h.L.N);
        red.metal.encode(pass);
      },
      (enc) => h.copyStats(enc),
    );
    const s = await h.readStats();
    const g = h.kc.gp!;
    const vol = h.L.dims === 3 ? h.L.dx ** 3 : h.L.dx ** 2;
    return g.K * g.dv * s[h.slot + 3] * vol;
  }
}
