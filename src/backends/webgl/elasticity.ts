/**
 * The mechanics stage in WebGL passes (f32), the twin of src/backends/cpu/elasticity.ts and
 * src/backends/webgpu/elasticity.ts (docs/mechanics.md): the displacement is one vector texture
 * (u_x, u_y, u_z, 0) per cell; CG (pcg.ts GlCg on vector fields) on the staggered-grid operator
 * applied matrix-free (elastic_stress.frag: normal and shear stresses, elastic_force.frag),
 * preconditioned by one W-cycle of aggregation multigrid (multigrid.ts) per component on the
 * diagonal blocks (elastic_blocks.frag), the components split from and joined into the CG
 * vectors by elastic_split.frag. After a solve elastic_coupling.frag writes (s, q) per cell,
 * which the phase stage reads (ψ + s in the Butler–Volmer exponents, the rate −L_σμ_ref·h′·q).
 */
import type { SolveReport } from '../backend.ts';
import type { Layout } from '../layout.ts';
import type { MechCoefficients } from '../../model/mechanics.ts';
import type { GlContext, Target, Uniforms } from './context.ts';
import { fromAtlas, gridUniforms, toAtlas, type GridShape } from './grid.ts';
import { GlMultigrid } from './multigrid.ts';
import { GlCg, PingPong } from './pcg.ts';
import type { Reducer } from './reduce.ts';
import { glUniform } from './uniforms.ts';

const LINEAR = 0,
  SOURCE = 1;

export class GlElasticity {
  /** The displacement (u_x, u_y, u_z, 0), µm; warm start of every solve. */
  readonly u: PingPong;
  /** (s, q, 0, 0) per cell for the phase stage. */
  readonly mech: Target;
  private mat: Target;
  private sig: Target;
  private tau: Target;
  private extra: Target;
  private z: Target;
  private parts: Target[] = [];
  private mgs: GlMultigrid[] = [];
  private cg: GlCg;
  private base: Uniforms;

  constructor(
    private ctx: GlContext,
    private L: Layout,
    private g: GridShape,
    private mc: MechCoefficients,
    reducer: Reducer,
  ) {
    const T = () => ctx.target(g.w, g.h);
    this.u = new PingPong(T(), T());
    this.mech = T();
    this.mat = T();
    this.sig = T();
    this.tau = T();
    this.extra = T();
    this.z = T();
    const d = L.dims;
    for (let a = 0; a < d; a++) {
      this.parts.push(T());
      this.mgs.push(new GlMultigrid(ctx, g, 'W'));
    }
    const f = mc.faces;
    this.base = {
      ...gridUniforms(g),
      uFaces: [f[0], f[1], f[2], f[3]],
      uFaces2: [f[4], f[5]],
      uEl: glUniform('uEl', { dx: L.dx, pressure: mc.pressure, sFactor: mc.sFactor, hydro: mc.hydro }),
      uMatT: this.mat,
      uE0: [...mc.e0],
    };
    this.cg = new GlCg(ctx, g, reducer, true);
    this.cg.op = {
      build: () => {
        this.mgs.forEach((mg, a) => {
          ctx.run('elasticBlocks', mg.op, this.eu({ uU: this.u.cur, uComp: a }));
          mg.build();
        });
      },
      prepare: () => {
        for (const mg of this.mgs) mg.factorCoarsest();
      },
      apply: (p, q) => this.force(LINEAR, p, p, q, false),
      residual: (x, b, out) => this.force(LINEAR, x, b, out, true),
      precondition: (r) => {
        this.mgs.forEach((mg, a) => {
          ctx.run('elasticSplit', this.parts[a], this.eu({ uA: r, uX0: r, uX1: r, uX2: r, uComp: a }));
          mg.cycle(this.parts[a]);
        });
        const zs = this.mgs.map((mg) => mg.z);
        ctx.run('elasticJoin', this.z, this.eu({ uA: r, uX0: zs[0], uX1: zs[1], uX2: zs[2] ?? zs[1], uComp: 0 }));
        return this.z;
      },
    };
  }

  private eu(extra: Uniforms): Uniforms {
    return { ...this.base, ...extra };
  }

  /** Stresses of x (mode), then out = F(x) or bin − F(x). */
  private force(mode: number, x: Target, bin: Target, out: Target, resid: boolean): void {
    const u = { uU: x, uMode: mode };
    this.ctx.run('elasticSig', this.sig, this.eu(u));
    this.ctx.run('elasticTau', this.tau, this.eu(u));
    this.ctx.run('elasticForce', out, this.eu({ ...u, uSig: this.sig, uTau: this.tau, uBin: bin, uResid: resid ? 1 : 0 }));
  }

  /** λ, μ, h from ξ (channel r of xi). */
  material(xi: Target): void {
    const m = this.mc;
    this.ctx.run('elasticMaterial', this.mat, {
      ...gridUniforms(this.g),
      uXi: xi,
      uMatC: glUniform('uMatC', { lamM: m.lamM, muM: m.muM, lamE: m.lamE, muE: m.muE }),
    });
  }

  /** The phase coupling (s, q) from the current displacement and material. */
  couple(): void {
    const m = this.mc;
    this.ctx.run('elasticTau', this.tau, this.eu({ uU: this.u.cur, uMode: LINEAR }));
    this.ctx.run(
      'elasticCoupling',
      this.mech,
      this.eu({ uU: this.u.cur, uTau: this.tau, uDLame: glUniform('uDLame', { dLam: m.lamM - m.lamE, dMu: m.muM - m.muE }) }),
    );
  }

  /** Solves for the displacement (warm start) with the material of ξ, and refreshes the coupling. */
  solve(xi: Target, tol: number, maxIter: number): SolveReport {
    const r = this.cg.solve(this.u, tol, maxIter, () => {
      this.material(xi);
      this.force(SOURCE, this.u.cur, this.extra, this.cg.rhs, true);
    });
    this.couple();
    return r;
  }

  /** Uploads the displacement components (d arrays of N) and refreshes material and coupling from ξ. */
  upload(components: Float64Array[], xi: Target): void {
    this.ctx.upload(this.u.cur, toAtlas(this.g, [components[0], components[1], components[2] ?? null, null]));
    this.material(xi);
    this.couple();
  }

  /** The displacement components (d arrays of N, f64 copies). */
  download(): Float64Array[] {
    const rgba = this.ctx.readTarget(this.u.cur);
    return Array.from({ length: this.L.dims }, (_, a) => fromAtlas(this.g, rgba, a));
  }

  /** The added load (d·N values, component-major; null: none). */
  setLoad(f: Float64Array | null): void {
    const N = this.L.N,
      d = this.L.dims;
    if (f && f.length !== d * N) throw new Error(`mechanics load: ${f.length} values, the grid needs ${d * N}`);
    const part = (a: number) => (f && a < d ? f.subarray(a * N, (a + 1) * N) : null);
    this.ctx.upload(this.extra, toAtlas(this.g, [part(0), part(1), part(2), null]));
  }
}
