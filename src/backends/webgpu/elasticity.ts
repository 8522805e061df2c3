/**
 * The mechanics stage on the GPU (f32), the twin of src/backends/cpu/elasticity.ts
 * (docs/mechanics.md): CG (elastic-cg.ts GpuCg, host-driven) on the staggered-grid elasticity operator
 * (shaders/elastic_stress.wgsl + elastic_force.wgsl, applied matrix-free from the per-cell
 * (λ, μ, h)), preconditioned by one W-cycle of aggregation multigrid (elastic-multigrid.ts) per
 * displacement component on the diagonal blocks A_cc (elastic_blocks.wgsl); the components move
 * between the CG vectors (component-major, d·N) and their multigrid buffers through
 * elastic_split.wgsl. After a solve, elastic_coupling.wgsl writes the phase stage's inputs:
 * ψ + s into psiEff and q into lane y of the phase props view.
 */
import type { SolveReport } from '../backend.ts';
import type { Layout } from '../layout.ts';
import { MECH_PERIODIC, type MechCoefficients } from '../../model/mechanics.ts';
import { gridData, kernel, type GpuContext, type Kernel } from './context.ts';
import { GpuMultigrid } from './elastic-multigrid.ts';
import { GpuCg } from './elastic-cg.ts';
import { packUniform } from './uniforms.ts';

/** The phase stage's inputs the coupling writes (owned by the backend). */
export interface ElasticTargets {
  xi: GPUBuffer;
  psi: GPUBuffer;
  /** ψ + s per cell (the phase stage binds it instead of ψ). */
  psiEff: GPUBuffer;
  /** The phase props view (vec4 per cell); lane y gets q. */
  view: GPUBuffer;
}

/** The uniform of the elastic kernels from the scaled coefficients. */
export function elasticParams(L: Layout, m: MechCoefficients): ArrayBuffer {
  let faces = 0;
  for (let f = 0; f < 6; f++) faces |= (m.faces[f] & 15) << (4 * f);
  return packUniform('ElasticParams', {
    dx: L.dx,
    pressure: m.pressure,
    e0x: m.e0[0],
    e0y: m.e0[1],
    e0z: m.e0[2],
    faces,
    lamM: m.lamM,
    muM: m.muM,
    lamE: m.lamE,
    muE: m.muE,
    sFactor: m.sFactor,
    dLam: m.lamM - m.lamE,
    dMu: m.muM - m.muE,
    hydro: m.hydro,
  });
}

/** Device memory of the mechanics stage, bytes (gridNeeds). */
export function mechanicsBytes(L: Layout): number {
  const N = L.N,
    d = L.dims;
  // u, extra, σ (d·N each), τ, (λ, μ, h) 4N, the CG vectors 5·d·N, per component its operator
  // (4N), cycle buffers (2N) and its levels (< 1/3 of that in 2D)
  const level = (4 + 2 + 3) * N;
  return 4 * ((3 + 5) * d * N + (d === 3 ? 3 : 1) * N + 4 * N + d * level * (d === 3 ? 8 / 7 : 4 / 3));
}

export class GpuElasticity {
  /** The displacement (d·N, component-major), µm; warm start of every solve. */
  readonly u: GPUBuffer;
  readonly mat: GPUBuffer;
  /** An added load (d·N; tests: body forces and boundary data); zero unless setLoad() filled it. */
  readonly extra: GPUBuffer;
  readonly cg: GpuCg;
  readonly mgs: GpuMultigrid[] = [];
  private N: number;
  private d: number;
  private k: Record<string, Kernel> = {};
  private blocks: Kernel[] = [];
  private split: Kernel[] = [];
  private join: Kernel[] = [];

  constructor(
    private ctx: GpuContext,
    L: Layout,
    mc: MechCoefficients,
    t: ElasticTargets,
    partials: GPUBuffer,
  ) {
    const N = (this.N = L.N);
    const d = (this.d = L.dims);
    // periodic axes from the faces (the layout's agree for a scenario; tests may set faces freely)
    const periodic = [0, 1, 2].map((a) => a < d && mc.faces[2 * a] === MECH_PERIODIC) as [boolean, boolean, boolean];
    const shape = { dims: d, n: [L.nx, L.ny, L.nz] as [number, number, number], periodic };
    const grid = ctx.uniform(gridData(shape.n, periodic, d), 'mech.grid');
    const ep = ctx.uniform(elasticParams(L, mc), 'mech.params');
    this.u = ctx.storage(d * N, 'mech.u');
    this.mat = ctx.storage(4 * N, 'mech.mat');
    this.extra = ctx.storage(d * N, 'mech.extra');
    const sig = ctx.storage(d * N, 'mech.sig');
    const tau = ctx.storage((d === 3 ? 3 : 1) * N, 'mech.tau');
    this.cg = new GpuCg(ctx, d * N, partials, 'mech');
    const { rhs, r, z, p, q } = this.cg.v;
    const { mat, u, extra } = this;
    const K = this.k;
    K.material = kernel(ctx, 'elasticMaterial', [grid, ep, t.xi, mat]);
    const stress = (mode: number, x: GPUBuffer) => kernel(ctx, 'elasticStress', [grid, ep, mat, x, sig, tau], { MODE: mode });
    const force = (mode: number, x: GPUBuffer, bin: GPUBuffer, out: GPUBuffer, resid: boolean) =>
      kernel(ctx, 'elasticForce', [grid, ep, mat, x, sig, tau, bin, out], { MODE: mode, RESID: resid ? 1 : 0 });
    K.stressSrc = stress(1, u);
    K.forceSrc = force(1, u, extra, rhs, true);
    K.stressU = stress(0, u);
    K.forceU = force(0, u, rhs, r, true);
    K.stressP = stress(0, p);
    K.forceP = force(0, p, rhs, q, false);
    K.coupling = kernel(ctx, 'elasticCoupling', [grid, ep, mat, u, tau, t.psi, t.psiEff, t.view]);
    for (let a = 0; a < d; a++) {
      const op = ctx.storage(4 * N, `mech.op${a}`);
      const b = ctx.storage(N, `mech.mgB${a}`);
      const x = ctx.storage(N, `mech.mgX${a}`);
      this.blocks.push(kernel(ctx, 'elasticBlocks', [grid, ep, mat, op], { COMP: a }));
      this.mgs.push(new GpuMultigrid(ctx, shape, { op, b, xo: x }, `mech.mg${a}`, 'W'));
      const sp = ctx.uniform(packUniform('SplitParams', { off: a * N, n: N }), `mech.split${a}`);
      this.split.push(kernel(ctx, 'elasticSplit', [sp, r, b], { JOIN: 0 }));
      this.join.push(kernel(ctx, 'elasticSplit', [sp, x, z], { JOIN: 1 }));
    }
    const mgs = this.mgs;
    const perCycle = mgs[0].dispatchesPerCycle;
    this.cg.op = {
      encodeBuild: (pass) => {
        for (const mg of mgs) mg.encodeBuild(pass);
      },
      encodeAfterBuild: (enc) => {
        for (const mg of mgs) mg.encodeCoarseCopy(enc);
      },
      prepare: async () => {
        for (const mg of mgs) await mg.factorCoarsest();
      },
      encodeApply: (pass) => {
        ctx.run(pass, K.stressP, N);
        ctx.run(pass, K.forceP, N);
      },
      encodePrecondition: (pass) => {
        for (let a = 0; a < d; a++) {
          ctx.run(pass, this.split[a], N);
          mgs[a].encodeCycle(pass);
          ctx.run(pass, this.join[a], N);
        }
      },
      dispatchesApply: 2,
      dispatchesPrecondition: d * (2 + perCycle),
    };
    this.cg.addSystem('u', u, (pass) => {
      ctx.run(pass, K.stressU, N);
      ctx.run(pass, K.forceU, N);
    });
  }

  /** Solves for the displacement (warm start) and refreshes the phase coupling. */
  async solve(tol: number, maxIter: number): Promise<SolveReport> {
    const { ctx, N, k: K } = this;
    const r = await this.cg.solve('u', tol, maxIter, (pass) => {
      ctx.run(pass, K.material, N);
      for (const b of this.blocks) ctx.run(pass, b, N);
      ctx.run(pass, K.stressSrc, N);
      ctx.run(pass, K.forceSrc, N);
    });
    this.couple(false);
    return r;
  }

  /** Recomputes the coupling fields from u (and, with material, λ, μ, h from ξ first). */
  couple(material: boolean): void {
    const { ctx, N, k: K } = this;
    const enc = ctx.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    if (material) ctx.run(pass, K.material, N);
    ctx.run(pass, K.stressU, N);
    ctx.run(pass, K.coupling, N);
    pass.end();
    ctx.submit([enc.finish()]);
  }

  /** Sets the added load (d·N values; null: none). */
  setLoad(f: Float64Array | null): void {
    const n = this.d * this.N;
    if (f && f.length !== n) throw new Error(`mechanics load: ${f.length} values, the grid needs ${n}`);
    this.ctx.write(this.extra, f ? Float32Array.from(f) : new Float32Array(n));
  }
}
