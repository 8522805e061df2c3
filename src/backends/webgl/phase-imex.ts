/**
 * The IMEX phase stage on WebGL (docs/imex-phase.md), the twin of src/backends/cpu/phase-imex.ts
 * and src/backends/webgpu/phase-imex.ts, in fragment passes (shaders/glsl/phase_imex_*.frag.glsl):
 * the rate F at ξⁿ with S and g = dt·∂F/∂c̃ (imexRate0, one RGBA texel: (F, S, g, stiffness)), the
 * operator I + (dt/2)(diag(S) + L_σκ0·K·(−Δ_h)) (imexOp) and `sweeps` solves of
 * (I + (dt/2)A)Δ = dt·F(ξⁿ + δ/2) + ν − δ (imexRhs; the midpoint state by imexStar and the ghost
 * pass; δ += Δ by imexUpdate) through the backend's GlPcg — the potential's and the transport's
 * PCG, whose iteration count and convergence flag come from its CG scalars — preconditioned as
 * kc.imex.precond says, like the CPU: one V-cycle ("multigrid"), or the V-cycle's fine
 * pre-smoothing alone ("jacobi": two damped Jacobi sweeps from zero, only the fine diagonal set
 * up); the sweeps after the first keep the first sweep's set-up (same operator). Then the phase
 * output (ξⁿ + δ, δ, |δ|/dt, stiffness) in the explicit stage's layout (imexFinish), so the
 * transport and the statistics read it unchanged; the transport takes g from the first rate
 * texture (gTexture).
 */
import type { Coefficients } from '../../model/derived.ts';
import { stepKey } from '../../model/noise.ts';
import type { SolveReport } from '../backend.ts';
import type { FieldBC, Layout } from '../layout.ts';
import type { GlContext, Target, Uniforms } from './context.ts';
import { type GlPcg, PingPong } from './pcg.ts';
import { glKey, glUniform } from './uniforms.ts';

/** Lower bound of (dt/2)·S (src/backends/cpu/phase-imex.ts, DIAG_FLOOR). */
const DIAG_FLOOR = 0.9;

/** What the stage needs of its backend. */
export interface GlImexHost {
  ctx: GlContext;
  pcg: GlPcg;
  /** The backend's uniforms (grid, padded grid, props, screening) plus `extra`. */
  gu(extra: Uniforms): Uniforms;
  /** out = the padded copy of src with the ghosts of b. */
  ghosts(src: Target, b: FieldBC, out: Target): void;
  /** The ξ state (.r = ξⁿ), c̃, ψ, the padded scratch, the phase output, ξ's conditions, the BC uniforms of ξ. */
  xs: Target;
  c: Target;
  psi: () => Target;
  padXi: Target;
  ph: Target;
  bcXi: FieldBC;
  bcUniforms: Uniforms;
  /** A new grid-sized target. */
  target(): Target;
}

export class GlImexPhase {
  private rate0: Target;
  private rate1: Target;
  private delta: PingPong;
  private corr: PingPong;
  private xiStar: Target;
  private zero: Target;
  private imex: NonNullable<Coefficients['imex']>;

  constructor(
    private h: GlImexHost,
    private L: Layout,
    private kc: Coefficients,
  ) {
    if (!kc.imex) throw new Error('GlImexPhase: the coefficients have no imex section (numerics.phase is not "imex")');
    this.imex = kc.imex;
    this.rate0 = h.target();
    this.rate1 = h.target();
    this.delta = new PingPong(h.target(), h.target());
    this.corr = new PingPong(h.target(), h.target());
    this.xiStar = h.target();
    // never rendered to: a WebGL texture created without data is all zeros (the solves' start)
    this.zero = h.target();
  }

  /** The texture whose .b holds g = dt·∂F/∂c̃ of the last step (for the transport's uGk). */
  get gTexture(): Target {
    return this.rate0;
  }

  step(dt: number, step: number): SolveReport {
    const { h, L, kc, imex } = this;
    const { ctx } = h;
    const key = stepKey(kc.seed, step);
    const w = kc.omega * kc.theta0;
    const half = dt / 2;
    const rateU = {
      uC: h.c,
      uPsi: h.psi(),
      uP0: glUniform('uP0', { dt, invDx: 1 / L.dx, mobKappa: kc.mobKappa, mobW: kc.mobW }),
      uRateP1: glUniform('uRateP1', { leta: kc.Leta, ea: 1 - kc.alpha, eb: kc.alpha, dt }),
      uP2: glUniform('uP2', { delta: kc.delta, omega: kc.omega, cosW0: Math.cos(w), sinW0: Math.sin(w) }),
      uXiPad: h.padXi,
    };
    const rhsU = (first: number, rate: Target) =>
      h.gu({
        uXs: h.xs,
        uRate: rate,
        uDelta: this.delta.cur,
        uR: glUniform('uR', { dt, noiseAmp: kc.noiseSigma * Math.sqrt(dt), first }),
        uKey: glKey(key),
      });
    let iterations = 0,
      residual = 0,
      converged = true;
    for (let m = 1; m <= imex.sweeps; m++) {
      const first = m === 1;
      const r = h.pcg.solve(
        this.corr,
        imex.tol,
        imex.maxIter,
        () => {
          if (first) {
            h.ghosts(h.xs, h.bcXi, h.padXi);
            ctx.run('imexRate0', this.rate0, h.gu(rateU));
            ctx.run(
              'imexOp',
              h.pcg.op,
              h.gu({
                ...h.bcUniforms,
                uRate0: this.rate0,
                uO: glUniform('uO', { h: half, W: (half * kc.mobKappa * imex.K) / (L.dx * L.dx), floor: DIAG_FLOOR }),
              }),
            );
            ctx.run('imexRhs', h.pcg.rhs, rhsU(1, this.rate0));
          } else {
            // the last sweep's Δ into δ, the midpoint ξⁿ + δ/2 with its ghosts, F there
            this.update(m === 2);
            h.ghosts(this.xiStar, h.bcXi, h.padXi);
            ctx.run('imexRate', this.rate1, h.gu(rateU));
            ctx.run('imexRhs', h.pcg.rhs, rhsU(0, this.rate1));
          }
          ctx.run('copy', this.corr.cur, h.gu({ uA: this.zero }));
        },
        { sameOperator: !first, precond: imex.precond },
      );
      iterations += r.iterations;
      residual = Math.max(residual, r.residual);
      converged &&= r.converged;
    }
    this.update(imex.sweeps === 1);
    ctx.run(
      'imexFinish',
      h.ph,
      h.gu({ uXs: h.xs, uDelta: this.delta.cur, uRate: imex.sweeps === 1 ? this.rate0 : this.rate1, uInvDt: 1 / dt }),
    );
    return { iterations, residual, converged };
  }

  /** δ ← δ + Δ (δ = 0 before the first sweep's Δ) and ξ* = ξⁿ + δ/2, from the same inputs. */
  private update(afterFirst: boolean): void {
    const { h } = this;
    const u = h.gu({ uXs: h.xs, uDelta: this.delta.cur, uCorr: this.corr.cur, uFirst: afterFirst ? 1 : 0 });
    h.ctx.run('imexStar', this.xiStar, u);
    h.ctx.run('imexUpdate', this.delta.next, u);
    this.delta.swap();
  }
}
