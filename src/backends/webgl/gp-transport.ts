/**
 * The grand-potential transport stage on WebGL (docs/grand-potential.md §2), the twin of
 * src/backends/cpu/gp-transport.ts and src/backends/webgpu/gp-transport.ts: the same Newton loop on
 * the host, its passes in shaders/glsl/gp_*.frag.glsl, the linear systems through the backend's
 * MG-PCG (the correction δu in a ping-pong pair of its own, from zero). Textures: w (ping-pong: the
 * update reads and writes it), the parts of ρⁿ, the iterate's (u, m, χ/u, a) and (Δρ, scale).
 */
import type { Coefficients } from '../../model/derived.ts';
import type { SolveReport } from '../backend.ts';
import { gpBCs } from '../gp-bc.ts';
import type { BCSet, FieldBC, Layout } from '../layout.ts';
import type { GlContext, Target, Uniforms } from './context.ts';
import { toAtlas, type GridShape } from './grid.ts';
import { PingPong, type GlPcg } from './pcg.ts';
import type { Reducer } from './reduce.ts';
import { glUniform } from './uniforms.ts';
import { EPS32, GP_BACKTRACK, GP_ETA_MAX, GP_ETA_MIN, GP_FLOOR_HARD, GP_FLOOR_SOFT, GP_MAX_NEWTON } from '../gp-newton.ts';

/** What the stage uses of the backend. */
export interface GpGlHost {
  ctx: GlContext;
  L: Layout;
  kc: Coefficients;
  bc: BCSet;
  g: GridShape;
  pcg: GlPcg;
  red: Reducer;
  /** The backend's uniforms (grids, props) plus `extra`. */
  gu(extra: Uniforms): Uniforms;
  T(): Target;
  one(): Target;
}

export interface GpGlStep extends SolveReport {
  newton: number;
  /** The reservoir inflow of the last iterate, scaled c0·µm^d. */
  influx: number;
}

function cbUniforms(b: FieldBC): Uniforms {
  const t = Array.from(b.type),
    v = Array.from(b.value);
  return { uCbT0: t.slice(0, 4), uCbT1: [t[4], t[5], 0, 0], uCbV0: v.slice(0, 4), uCbV1: [v[4], v[5], 0, 0] };
}

export class GlGpTransport {
  readonly w: PingPong;
  private old: Target;
  private cellA: Target;
  private cellB: Target;
  private delta: PingPong;
  private src: Target;
  private norms: Target;
  private stNorms: Target;
  private stMetal: Target;
  private bcW: Uniforms;

  constructor(private h: GpGlHost) {
    if (!h.kc.gp) throw new Error('GlGpTransport: the coefficients have no grand-potential block');
    this.w = new PingPong(h.T(), h.T());
    this.old = h.T();
    this.cellA = h.T();
    this.cellB = h.T();
    this.delta = new PingPong(h.T(), h.T());
    this.src = h.T();
    this.norms = h.T();
    this.stNorms = h.one();
    this.stMetal = h.one();
    this.bcW = cbUniforms(gpBCs(h.bc.c, h.kc.gp).w);
  }

  /** The form's uniforms: (e_l, e_s, dv, M0), (K, dt, dt/dx², dx^d). */
  private gpu(dt: number, extra: Uniforms): Uniforms {
    const { L, kc } = this.h;
    const g = kc.gp!;
    return this.h.gu({
      uGp0: glUniform('uGp0', { el: g.el, es: g.es, dv: g.dv, M0: g.M0 }),
      uGp1: glUniform('uGp1', { K: g.K, dt, scale: dt / (L.dx * L.dx), vol: L.dims === 3 ? L.dx ** 3 : L.dx ** 2 }),
      ...extra,
    });
  }

  /** Uploads w (init()). */
  upload(w: Float64Array): void {
    this.h.ctx.upload(this.w.cur, toAtlas(this.h.g, [w, null, null, null]));
  }

  /** The manufactured-solution source S of (2′) (ρ per second per cell); null: zeros. */
  setSource(s: Float64Array | null): void {
    const { L, g, ctx } = this.h;
    if (s && s.length !== L.N) throw new Error(`WebGL setTransportSource: ${s.length} values, the grid has ${L.N} cells`);
    ctx.upload(this.src, toAtlas(g, [s ?? new Float64Array(L.N), null, null, null]));
  }

  /**
   * Advances w to wⁿ⁺¹ and writes c̃ into `c` from ξⁿ⁺¹ (`ph`); ψ padded (`padPsi`) and its
   * cell maximum (`psiMax`) are the backend's, with `bcMax` the largest Dirichlet value of φ.
   */
  step(
    dt: number,
    tol: number,
    maxIter: number,
    io: { xs: Target; ph: Target; c: Target; padPsi: Target; psiMax: Target; bcMax: number },
  ): GpGlStep {
    const { ctx, pcg, red, g } = this.h;
    const base = { uPsiPad: io.padPsi, uPsiMax: io.psiMax, uRef: glUniform('uRef', { bcMax: io.bcMax }) };
    ctx.run('gpOld', this.old, this.gpu(dt, { ...base, uXi: io.xs, uW: this.w.cur, uOld: this.old }));
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
    const rhsU = () =>
      this.gpu(dt, { ...base, ...this.bcW, uA: this.cellA, uB: this.cellB, uSrc: this.src, uXi: io.ph, uW: this.w.cur, uOld: this.old });
    const update = (lam: number) => {
      ctx.run('gpUpdate', this.w.next, this.gpu(dt, { uW: this.w.cur, uA: this.cellA, uDelta: this.delta.cur, uPh: io.ph, uLambda: lam }));
      this.w.swap();
    };
    const evaluate = () => {
      const u = rhsU();
      ctx.run('gpCellA', this.cellA, u);
      ctx.run('gpCellB', this.cellB, u);
      ctx.run('gpRhs', pcg.rhs, u);
      ctx.run('gpNorms', this.norms, this.gpu(dt, { uRhs: pcg.rhs }));
      red.run(this.norms, { max: false, grid: g }, this.stNorms);
      return ctx.readTarget(this.stNorms);
    };
    for (;;) {
      let s = evaluate();
      F = Math.sqrt(s[0]);
      // backtracking (as the CPU): an update that did not lower ‖F‖ is taken back (the ping-pong's
      // other side holds the kept iterate) and retried at half the step, up to GP_BACKTRACK times
      while (newton > 0 && !(F <= (1 - 1e-4 * lambda) * Fprev) && lambda > 2 ** -GP_BACKTRACK) {
        lambda *= 0.5;
        this.w.swap();
        ctx.run('gpCellA', this.cellA, rhsU());
        update(lambda);
        s = evaluate();
        F = Math.sqrt(s[0]);
      }
      influx = s[2];
      if (newton === 0) {
        F0 = F;
        floor = GP_FLOOR_SOFT * EPS32 * Math.sqrt(s[1]);
        target = Math.max(tol * F0, GP_FLOOR_HARD * EPS32 * Math.sqrt(s[1]));
      }
      // at the f32 round-off of the residual's terms: accept once ‖F‖ stops falling
      if (F <= target || (F <= floor && !(F <= 0.5 * Fprev))) {
        converged = true;
        break;
      }
      if (!Number.isFinite(F) || newton >= GP_MAX_NEWTON) break;
      const eta = Math.min(GP_ETA_MAX, Math.max(GP_ETA_MIN, (0.5 * target) / F));
      ctx.run('gpZero', this.delta.cur, this.gpu(dt, {}));
      const st = pcg.solve(this.delta, eta, maxIter, () => ctx.run('gpOp', pcg.op, rhsU()));
      cg += st.iterations;
      newton++;
      if (!st.converged) break;
      Fprev = F;
      lambda = 1;
      update(1);
    }
    ctx.run('gpConc', io.c, this.gpu(dt, { uW: this.w.cur, uPh: io.ph }));
    return { iterations: cg, residual: F0 > 0 ? F / F0 : F, converged, newton, influx: this.h.kc.gp!.K * influx };
  }

  /** Σ K·dv·h·c_s dV (scaled c0·µm^d) of the ξ state `xs` and w. */
  metal(xs: Target, term: Target): number {
    const { ctx, red, g, L, kc } = this.h;
    ctx.run('gpMetal', term, this.gpu(0, { uW: this.w.cur, uXs: xs }));
    red.run(term, { max: false, grid: g }, this.stMetal);
    const s = ctx.readTarget(this.stMetal);
    const gp = kc.gp!;
    return gp.K * gp.dv * s[0] * (L.dims === 3 ? L.dx ** 3 : L.dx ** 2);
  }
}
