/**
 * The WebGL backend (regl on WebGL1, f32): the same model, stages and step order as the CPU
 * reference (src/backends/cpu) and the WebGPU backend, one fragment shader per kernel in
 * shaders/glsl/ (programs.ts), run in a browser page (headless Chromium in the tests; the page
 * side of src/browser/backend-host.ts).
 *
 * Storage: every field is an RGBA float texture, 3D grids as an atlas of z slices (grid.ts).
 * Packing (4 channels per texel): the ξ state (ξ, Δξ of the last step, ∂ξ/∂t, ions returned by
 * the limiter), the phase output (ξⁿ⁺¹, Δξ, |rate|, stiffness), the operator (d, w+x, w+y, w+z),
 * the transport right-hand side (rhs, Σw_b, Σw_b u_b, M = e^{−(ψ−ψ_ref)}); c̃, ψ, u and the CG
 * vectors use the R channel. A pass renders one target, so what a pass both reads and writes is a
 * ping-pong pair (ψ, u, the CG vectors).
 * Read-backs (each one a pipeline sync): the CG scalars after each batch of iterations and the
 * coarsest multigrid operator once per solve (pcg.ts), one 1×1 statistics texel per stage, the
 * reductions, read(). Boundary conditions: a ghosts pass renders padded copies of ξ (before the
 * phase stage) and ψ (before the transport assembly), like the WebGPU backend; the stencil
 * kernels then read neighbours with plain fetches (computing the ghosts inside them was ~4×
 * slower on SwiftShader).
 *
 * f32: as the WebGPU backend (src/backends/webgpu/backend.ts has the notes): O(1) scaled
 * fields, Δξ kept beside ξ, the h(1 − ξ) form of the coefficients near the metal, the Bernoulli
 * series, and the collector current from the discrete balance.
 *
 * Switches (README: physics switches; docs/material-switches.md): the transport scalars
 * migration/sink, the material props texture (SEI, host), the contact-angle ghost of ξ,
 * setVoltage(), and the transported species of Coefficients.species (src/model/species.ts; the
 * shielding additive, docs/additive.md): each through the same transport kernels and PCG after
 * c̃'s step, then a species_screen pass adds its term to the screening denominator the phase
 * stage divides the reaction rate by.
 */
import type { Coefficients } from '../../model/derived.ts';
import type { Fields } from '../../model/initial.ts';
import { stepKey } from '../../model/noise.ts';
import type { Backend, PotentialReport, Reductions, SolveReport, SpeciesReport, StepStats, TransportReport } from '../backend.ts';
import { speciesBC } from '../species.ts';
import { GlElasticity } from './elasticity.ts';
import { displacementKeys, setDisplacement } from '../../model/mechanics-fields.ts';
import { BC_DIRICHLET, type BCSet, type FieldBC, type Layout } from '../layout.ts';
import { GlContext, type Target, type Uniforms } from './context.ts';
import { fromAtlas, gridShape, gridUniforms, toAtlas, type GridShape } from './grid.ts';
import { GlPcg, PingPong } from './pcg.ts';
import { GlImexPhase } from './phase-imex.ts';
import type { GlslReader } from './programs.ts';
import { Reducer, Term } from './reduce.ts';
import { GlGpTransport } from './gp-transport.ts';
import { glKey, glUniform } from './uniforms.ts';

export interface WebGlOptions {
  /** Accept a software renderer such as SwiftShader (default true; `auto` selection passes false). */
  allowSoftware?: boolean;
  /** Canvas to create the WebGL context on (default: a new, detached one). */
  canvas?: HTMLCanvasElement | OffscreenCanvas;
  /** Shader file reader (default: the Vite-bundled shaders of src/browser/shader-files.ts). */
  reader?: GlslReader;
  /** CG iterations between two convergence read-backs after the first batch (default 4). */
  checkEvery?: number;
  /**
   * Material props [kL, kD, kS, host] per cell (src/model/props.ts, docs/material-switches.md), uploaded
   * once; null/absent: a uniform (1, 1, 1, 0) field (the base model).
   */
  props?: Float32Array | null;
}

const BIG = 3.4028234663852886e38;

function bcUniforms(b: FieldBC, prefix: 'uBc' | 'uCb'): Uniforms {
  const t = Array.from(b.type),
    v = Array.from(b.value);
  return {
    [`${prefix}T0`]: t.slice(0, 4),
    [`${prefix}T1`]: [t[4], t[5], 0, 0],
    [`${prefix}V0`]: v.slice(0, 4),
    [`${prefix}V1`]: [v[4], v[5], 0, 0],
  };
}

export class WebGlBackend implements Backend {
  readonly name = 'webgl' as const;
  readonly device: string;
  private g: GridShape;
  private rows: GridShape;
  private xs: Target;
  private c: Target;
  private ph: Target;
  private xiSolve: Target;
  /** Material props (kL, kD, kS, host) per cell, fixed for the backend's life. */
  private props: Target;
  private psi: PingPong;
  private u: PingPong;
  private term: Target;
  private rowT: Target;
  /** Padded copies (ghosts) of ξ (phase) and ψ (transport), on the padded grid gp. */
  private gp: GridShape;
  private padXi: Target;
  private padPsi: Target;
  private st: Record<'phase' | 'psiMax' | 'tr' | 'flux' | 'dxi' | 'sum' | 'max' | 'count' | 'tip', Target>;
  private pcg: GlPcg;
  private red: Reducer;
  private cache: StepStats = { maxRate: 0, stiffness: 0, migrationRate: 0, dxiSinceSolve: 0 };
  private cacheFresh = true;
  private phiValues: Float64Array;
  /** The transported species (Coefficients.species, in order): field, Slotboom unknown, 1×1 statistics texels. */
  private species: {
    name: string;
    D: number;
    migration: number;
    shield: number;
    field: Target;
    u: PingPong;
    stTr: Target;
    stRed: Target;
  }[];
  /** The screening denominator 1 + Σ s·max(0, ã − 1) (species_screen.frag.glsl); null without species. */
  private screen: PingPong | null = null;
  /** The mechanics stage (docs/mechanics.md); null without it. */
  private mech: GlElasticity | null = null;
  /** The grand-potential form's transport (docs/grand-potential.md); null in the concentration form. */
  private gpT: GlGpTransport | null = null;
  /** The IMEX phase stage (numerics.phase = "imex", docs/imex-phase.md); null: explicit. */
  private imex: GlImexPhase | null = null;

  /** Creates the WebGL context, checks what the backend needs, allocates the textures. */
  static async create(L: Layout, k: Coefficients, bc: BCSet, opts: WebGlOptions = {}): Promise<WebGlBackend> {
    const reader = opts.reader ?? (await import('../../browser/shader-files.ts')).browserShader;
    const ctx = new GlContext(reader, { MAX_NX: L.nx }, { allowSoftware: opts.allowSoftware, canvas: opts.canvas });
    try {
      const b = new WebGlBackend(ctx, L, k, bc, opts.props ?? null);
      if (opts.checkEvery) b.pcg.checkEvery = Math.max(1, Math.floor(opts.checkEvery));
      return b;
    } catch (e) {
      ctx.dispose();
      throw e;
    }
  }

  private constructor(
    private ctx: GlContext,
    private L: Layout,
    private kc: Coefficients,
    private bc: BCSet,
    propsIn: Float32Array | null,
  ) {
    this.device = `WebGL (${ctx.renderer}; f32, regl)`;
    const g = (this.g = gridShape(L.dims, [L.nx, L.ny, L.nz], L.periodic, ctx.maxTexture));
    this.rows = gridShape(2, [L.ny, L.nz, 1], [false, false, false], ctx.maxTexture);
    const T = () => ctx.target(g.w, g.h);
    this.xs = T();
    this.c = T();
    this.ph = T();
    this.xiSolve = T();
    if (propsIn && propsIn.length !== 4 * L.N)
      throw new Error(`WebGL backend: props has ${propsIn.length} values, the grid needs 4 × ${L.N}`);
    const ch = (q: number) =>
      propsIn ? Float32Array.from({ length: L.N }, (_, c) => propsIn[4 * c + q]) : new Float32Array(L.N).fill(q === 3 ? 0 : 1);
    this.props = T();
    ctx.upload(this.props, toAtlas(g, [ch(0), ch(1), ch(2), ch(3)]));
    this.psi = new PingPong(T(), T());
    this.u = new PingPong(T(), T());
    this.term = T();
    this.gp = gridShape(L.dims, [L.nx + 2, L.ny + 2, L.dims === 3 ? L.nz + 2 : 1], [false, false, false], ctx.maxTexture);
    this.padXi = ctx.target(this.gp.w, this.gp.h);
    this.padPsi = ctx.target(this.gp.w, this.gp.h);
    this.rowT = ctx.target(this.rows.w, this.rows.h);
    const one = () => ctx.target(1, 1);
    this.st = {
      phase: one(),
      psiMax: one(),
      tr: one(),
      flux: one(),
      dxi: one(),
      sum: one(),
      max: one(),
      count: one(),
      tip: one(),
    };
    this.species = kc.species.map((sp) => ({
      name: sp.name,
      D: sp.D,
      migration: sp.migration,
      shield: sp.shielding,
      field: T(),
      u: new PingPong(T(), T()),
      stTr: one(),
      stRed: one(),
    }));
    if (this.species.length) this.screen = new PingPong(T(), T());
    this.red = new Reducer(ctx, g);
    this.pcg = new GlPcg(ctx, g, this.red);
    if (kc.mechanics) this.mech = new GlElasticity(ctx, L, g, kc.mechanics, this.red);
    this.phiValues = Float64Array.from(bc.phi.value);
    if (kc.gp) this.gpT = new GlGpTransport({ ctx, L, kc, bc, g, pcg: this.pcg, red: this.red, gu: (e) => this.gu(e), T, one });
    if (kc.imex) {
      this.imex = new GlImexPhase(
        {
          ctx,
          pcg: this.pcg,
          gu: (extra) => this.gu(extra),
          ghosts: (src, b, out) => this.ghosts(src, b, out),
          xs: this.xs,
          c: this.c,
          psi: () => this.psi.cur,
          padXi: this.padXi,
          ph: this.ph,
          bcXi: bc.xi,
          bcUniforms: bcUniforms(bc.xi, 'uBc'),
          target: T,
        },
        L,
        kc,
      );
    }
  }

  private gu(extra: Uniforms): Uniforms {
    const p = gridUniforms(this.gp);
    return {
      ...gridUniforms(this.g),
      uGridP: p.uGrid,
      uTexP: p.uTex,
      uProps: this.props,
      uScreen: this.screen?.cur ?? this.c,
      uHasScreen: this.screen ? 1 : 0,
      uMech: this.mech?.mech ?? this.c,
      uHasMech: this.mech ? 1 : 0,
      uMobEl: this.kc.mechanics?.mobEl ?? 0,
      uSpecies: this.c,
      // the transport's implicit c̃ coupling (the IMEX stage sets both where it applies)
      uGk: this.c,
      uReact: 0,
      ...extra,
    };
  }

  /** The screening denominator from the species' fields (species_screen.frag.glsl), in list order. */
  private screenPasses(): void {
    const scr = this.screen;
    if (!scr) return;
    this.species.forEach((sp, m) => {
      this.ctx.run(
        'speciesScreen',
        scr.next,
        this.gu({ uA: sp.field, uPrev: scr.cur, uS: glUniform('uS', { shield: sp.shield, first: m === 0 ? 1 : 0 }) }),
      );
      scr.swap();
    });
  }

  /** out = the padded copy of src with the ghosts of boundary conditions b. */
  private ghosts(src: Target, b: FieldBC, out: Target): void {
    this.ctx.run('ghosts', out, this.gu({ ...bcUniforms(b, 'uBc'), uSrc: src }));
  }

  /** Builds every program now (a GLSL error names its program); returns their names. */
  compilePrograms(): string[] {
    return this.ctx.compileAll();
  }

  async init(f: Fields): Promise<void> {
    this.ctx.check();
    const N = this.L.N;
    for (const [name, a] of Object.entries(f)) {
      if (a && a.length !== N) throw new Error(`WebGL backend init: field ${name} has ${a.length} values, the grid has ${N} cells`);
    }
    const { ctx, g } = this;
    ctx.upload(this.xs, toAtlas(g, [f.xi, null, null, null]));
    ctx.upload(this.xiSolve, toAtlas(g, [f.xi, null, null, null]));
    ctx.upload(this.ph, toAtlas(g, [f.xi, null, null, null]));
    ctx.upload(this.c, toAtlas(g, [f.c, null, null, null]));
    ctx.upload(this.psi.cur, toAtlas(g, [f.psi, null, null, null]));
    for (const sp of this.species) {
      const a = f[sp.name];
      if (!a) throw new Error(`WebGL backend init: the scenario has the species ${sp.name} but the fields have no ${sp.name} field`);
      ctx.upload(sp.field, toAtlas(g, [a, null, null, null]));
    }
    if (this.gpT) {
      if (!f.w) throw new Error('WebGL backend init: the scenario has model "grand-potential" but the fields have no w');
      this.gpT.upload(f.w);
    }
    this.screenPasses();
    if (this.mech) {
      const u = new Float64Array(this.L.dims * N);
      setDisplacement(this.L, u, f);
      this.mech.upload(
        Array.from({ length: this.L.dims }, (_, a) => u.subarray(a * N, (a + 1) * N)),
        this.xs,
      );
    }
    this.cache = { maxRate: 0, stiffness: 0, migrationRate: 0, dxiSinceSolve: 0 };
    this.cacheFresh = true;
  }

  private phiBc(): FieldBC {
    return { type: this.bc.phi.type, value: this.phiValues };
  }

  async mechanics(tol: number, maxIter: number): Promise<SolveReport> {
    if (!this.mech) throw new Error('WebGL backend: the scenario has no mechanics section');
    this.ctx.check();
    return this.mech.solve(this.xs, tol, maxIter);
  }

  async mechanicsLoad(f: Float64Array | null): Promise<void> {
    if (!this.mech) throw new Error('WebGL backend: the scenario has no mechanics section');
    this.mech.setLoad(f);
  }

  async potential(tol: number, maxIter: number): Promise<PotentialReport> {
    const { ctx, kc, L } = this;
    ctx.check();
    const dx = L.dx;
    const uK = glUniform('uK', { sigmaS: kc.sigmaS, sigmaL: 1, srcScale: -dx * dx * kc.beta });
    const bcPhi = bcUniforms(this.phiBc(), 'uBc');
    const r = this.pcg.solve(this.psi, tol, maxIter, () => {
      ctx.run('potOp', this.pcg.op, this.gu({ ...bcPhi, uXs: this.xs, uK }));
      ctx.run('potRhs', this.pcg.rhs, this.gu({ ...bcPhi, uXs: this.xs, uK }));
    });
    const area = L.dims === 3 ? dx * dx : dx;
    ctx.run(
      'potFlux',
      this.rowT,
      this.gu({ ...bcPhi, uXs: this.xs, uPsi: this.psi.cur, uK, uF: glUniform('uF', { dx, area, beta: kc.beta }) }),
    );
    this.red.run(this.rowT, { max: false }, this.st.flux);
    ctx.run('copy', this.xiSolve, this.gu({ uA: this.xs }));
    const s = ctx.readTarget(this.st.flux);
    this.cache.dxiSinceSolve = 0;
    return {
      iterations: r.iterations,
      residual: r.residual,
      converged: r.converged,
      fluxX1: s[0],
      fluxX0: this.collectorFlux(s),
      source: s[2],
    };
  }

  /**
   * Current through the x0 (collector) face: like the WebGPU backend, from the discrete balance
   * fluxX1 − source when x0 and x1 are the only Dirichlet faces of φ (f32 cannot resolve
   * σ̂_s(ψ − g0)·2/dx next to the collector; src/backends/webgpu/backend.ts collectorFlux).
   */
  private collectorFlux(s: Float32Array): number {
    const t = this.bc.phi.type;
    const lateral = [2, 3, 4, 5].some((q) => t[q] === BC_DIRICHLET);
    if (t[0] === BC_DIRICHLET && !lateral) return s[0] - s[2];
    return s[1];
  }

  async phase(dt: number, step: number): Promise<SolveReport | null> {
    const { ctx, kc, L } = this;
    ctx.check();
    if (this.imex) {
      const r = this.imex.step(dt, step);
      this.red.run(this.ph, { max: true, grid: this.g }, this.st.phase);
      this.cacheFresh = false;
      return r;
    }
    const key = stepKey(kc.seed, step);
    const w = kc.omega * kc.theta0;
    this.ghosts(this.xs, this.bc.xi, this.padXi);
    ctx.run(
      'phase',
      this.ph,
      this.gu({
        uXi: this.xs,
        uXiPad: this.padXi,
        uC: this.c,
        uPsi: this.psi.cur,
        uP0: glUniform('uP0', { dt, invDx: 1 / L.dx, mobKappa: kc.mobKappa, mobW: kc.mobW }),
        uP1: glUniform('uP1', { leta: kc.Leta, ea: 1 - kc.alpha, eb: kc.alpha, noiseAmp: kc.noiseSigma * Math.sqrt(dt) }),
        uP2: glUniform('uP2', { delta: kc.delta, omega: kc.omega, cosW0: Math.cos(w), sinW0: Math.sin(w) }),
        uKey: glKey(key),
      }),
    );
    this.red.run(this.ph, { max: true, grid: this.g }, this.st.phase);
    this.cacheFresh = false;
    return null;
  }

  async transport(dt: number, tol: number, maxIter: number): Promise<TransportReport> {
    const { ctx, kc, L, g } = this;
    ctx.check();
    let bcMax = -BIG;
    const phi = this.phiBc();
    for (let q = 0; q < 6; q++) if (phi.type[q] === BC_DIRICHLET && phi.value[q] > bcMax) bcMax = phi.value[q];
    // ψ_ref = max(max ψ, Dirichlet values of φ); then the SG assembly and MG-PCG on u
    this.red.run(this.psi.cur, { max: true, grid: g }, this.st.psiMax);
    this.ghosts(this.psi.cur, phi, this.padPsi);
    if (this.gpT) return this.transportGp(dt, tol, maxIter, bcMax);
    const au = this.gu({
      ...bcUniforms(this.bc.c, 'uCb'),
      uPh: this.ph,
      uXiD: this.ph,
      uC: this.c,
      uPsiPad: this.padPsi,
      uPsiMax: this.st.psiMax,
      uT: glUniform('uT', { scale: dt / (L.dx * L.dx), csSink: kc.csRatio * kc.sink, bcMax, migration: kc.migration }),
      uD: glUniform('uD', { Ds: kc.Ds, Dl: kc.Dl }),
      ...this.react(),
    });
    const r = this.pcg.solve(this.u, tol, maxIter, () => {
      ctx.run('trOp', this.pcg.op, au);
      ctx.run('trRhs', this.pcg.rhs, au);
      ctx.run('trU', this.u.cur, au);
    });
    const vol = L.dims === 3 ? L.dx ** 3 : L.dx ** 2;
    const fu = this.gu({
      uU: this.u.cur,
      uRhs: this.pcg.rhs,
      uPh: this.ph,
      uXs: this.xs,
      uXiSolve: this.xiSolve,
      uL: glUniform('uL', { csSink: kc.csRatio * kc.sink, vol, invDt: 1 / dt }),
      uC: this.c,
      ...this.react(),
    });
    // the ξ state first: with the IMEX stage it reads c̃ⁿ (uC) for the implicit part of the deposit
    ctx.run('trXs', this.xs, fu);
    // (uC is not read by this variant; bind no texture that the pass renders to)
    ctx.run('trC', this.c, { ...fu, uC: this.u.cur });
    ctx.run('trStats', this.term, fu);
    this.red.run(this.term, { max: [false, false, true, false], grid: g }, this.st.tr);
    const s = ctx.readTarget(this.st.tr);
    const p = ctx.readTarget(this.st.phase);
    this.cache = { maxRate: p[2], stiffness: p[3], migrationRate: 0, dxiSinceSolve: s[2] };
    this.cacheFresh = true;
    const species = this.species.map((sp) => this.speciesStep(sp, dt, tol, maxIter, bcMax));
    this.screenPasses();
    return {
      iterations: r.iterations,
      residual: r.residual,
      converged: r.converged,
      limited: s[1],
      influx: s[0],
      deposited: s[3] * vol,
      species,
    };
  }

  /** The transport's implicit c̃ coupling with the IMEX stage (its g texture), none otherwise. */
  private react(): Uniforms {
    return this.imex ? { uGk: this.imex.gTexture, uReact: 1 } : {};
  }

  /**
   * The grand-potential form's transport (gp-transport.ts): w and c̃, then ξ ← ξⁿ⁺¹ with ∂ξ/∂t (no
   * limiter in this form) and the step's statistics.
   */
  private transportGp(dt: number, tol: number, maxIter: number, bcMax: number): TransportReport {
    const { ctx, L, g } = this;
    const r = this.gpT!.step(dt, tol, maxIter, {
      xs: this.xs,
      ph: this.ph,
      c: this.c,
      padPsi: this.padPsi,
      psiMax: this.st.psiMax,
      bcMax,
    });
    const fu = this.gu({ uPh: this.ph, uXs: this.xs, uXiSolve: this.xiSolve, uGp1: glUniform('uGp1', { K: 0, dt, scale: 0, vol: 0 }) });
    ctx.run('gpXs', this.xs, fu);
    ctx.run('gpStats', this.term, { ...fu, uXs: this.xs });
    this.red.run(this.term, { max: [false, false, true, false], grid: g }, this.st.tr);
    const s = ctx.readTarget(this.st.tr);
    const p = ctx.readTarget(this.st.phase);
    this.cache = { maxRate: p[2], stiffness: p[3], migrationRate: 0, dxiSinceSolve: s[2] };
    this.cacheFresh = true;
    const vol = L.dims === 3 ? L.dx ** 3 : L.dx ** 2;
    return {
      iterations: r.iterations,
      residual: r.residual,
      converged: r.converged,
      limited: 0,
      influx: r.influx,
      deposited: s[3] * vol,
      species: [],
      newton: r.newton,
    };
  }

  /** The manufactured-solution source of (2′) (grand-potential form; tests). */
  async setTransportSource(src: Float64Array | null): Promise<void> {
    this.ctx.check();
    if (!this.gpT) throw new Error('WebGlBackend.setTransportSource: only the grand-potential form takes a transport source');
    this.gpT.setSource(src);
  }

  /**
   * A transported species' step after c̃'s (src/backends/cpu/backend.ts): the same assembly and
   * PCG with D = D_a(1 − h(ξ committed)), its drift factor, no sink, Dirichlet values 1 on c̃'s
   * Dirichlet faces (speciesBC), then ã = M u without a limiter, and its boundary influx.
   */
  private speciesStep(sp: WebGlBackend['species'][number], dt: number, tol: number, maxIter: number, bcMax: number): SpeciesReport {
    const { ctx, L, g } = this;
    const au = this.gu({
      ...bcUniforms(speciesBC(this.bc.c), 'uCb'),
      uPh: this.ph,
      uXiD: this.xs,
      uC: sp.field,
      uPsiPad: this.padPsi,
      uPsiMax: this.st.psiMax,
      uT: glUniform('uT', { scale: dt / (L.dx * L.dx), csSink: 0, bcMax, migration: sp.migration }),
      uD: glUniform('uD', { Ds: 0, Dl: sp.D }),
    });
    const r = this.pcg.solve(sp.u, tol, maxIter, () => {
      ctx.run('trOp', this.pcg.op, au);
      ctx.run('trRhs', this.pcg.rhs, au);
      ctx.run('trU', sp.u.cur, au);
    });
    const vol = L.dims === 3 ? L.dx ** 3 : L.dx ** 2;
    const fu = this.gu({
      uU: sp.u.cur,
      uRhs: this.pcg.rhs,
      uPh: this.ph,
      uXs: this.xs,
      uXiSolve: this.xiSolve,
      uL: glUniform('uL', { csSink: 1, vol, invDt: 1 / dt }),
    });
    ctx.run('trPassive', sp.field, fu);
    ctx.run('trStats', this.term, fu);
    this.red.run(this.term, { max: [false, false, true, false], grid: g }, sp.stTr);
    const s = ctx.readTarget(sp.stTr);
    return { iterations: r.iterations, residual: r.residual, converged: r.converged, influx: s[0] };
  }

  /**
   * φ on the collector face x0 (src/solver/control.ts): the φ boundary values the potential assembly,
   * the face currents, the ghosts of ψ and ψ_ref read; the next potential solve uses it.
   */
  async setVoltage(volts: number): Promise<void> {
    this.ctx.check();
    if (!Number.isFinite(volts)) throw new Error(`WebGlBackend.setVoltage: voltage must be finite (got ${volts})`);
    if (this.bc.phi.type[0] !== BC_DIRICHLET) throw new Error('WebGlBackend.setVoltage: boundary.phi.x0 is not a dirichlet face');
    this.phiValues[0] = this.kc.f * volts;
  }

  async stepStats(): Promise<StepStats> {
    this.ctx.check();
    if (!this.cacheFresh) {
      this.red.run(this.xs, { max: true, term: Term.AbsDiff, b: this.xiSolve, grid: this.g }, this.st.dxi);
      const d = this.ctx.readTarget(this.st.dxi);
      const p = this.ctx.readTarget(this.st.phase);
      this.cache = { maxRate: p[2], stiffness: p[3], migrationRate: 0, dxiSinceSolve: d[0] };
      this.cacheFresh = true;
    }
    return { ...this.cache };
  }

  async reductions(): Promise<Reductions> {
    const { ctx, g, L } = this;
    ctx.check();
    const fu = this.gu({ uXs: this.xs, uC: this.c, uInv2: 0.5 / L.dx, uDx: L.dx });
    ctx.run('fieldsSum', this.term, fu);
    this.red.run(this.term, { max: false, grid: g }, this.st.sum);
    ctx.run('fieldsMax', this.term, fu);
    this.red.run(this.term, { max: true, grid: g }, this.st.max);
    ctx.run('fieldsCount', this.term, fu);
    this.red.run(this.term, { max: false, grid: g }, this.st.count);
    ctx.run('tip', this.rowT, fu);
    this.red.run(this.rowT, { max: true }, this.st.tip);
    for (const sp of this.species) {
      ctx.run('fieldsSpecies', this.term, { ...fu, uSpecies: sp.field });
      this.red.run(this.term, { max: [false, true, false, false], grid: g }, sp.stRed);
    }
    const s = ctx.readTarget(this.st.sum),
      m = ctx.readTarget(this.st.max);
    const n = ctx.readTarget(this.st.count),
      t = ctx.readTarget(this.st.tip);
    const inf = (x: number) => (x >= BIG ? Infinity : x <= -BIG ? -Infinity : x);
    return {
      sumXi: s[0],
      sumC: s[1],
      sumXidot: s[2],
      sumGrad: s[3],
      tip: t[0],
      cMax: inf(m[0]),
      cMin: inf(-m[1]),
      xiMin: inf(-m[2]),
      xiMax: inf(m[3]),
      nonFinite: n[0],
      species: this.species.map((sp) => {
        const a = ctx.readTarget(sp.stRed);
        return { sum: a[0], max: inf(a[1]) };
      }),
      ...(this.gpT ? { sumMetal: this.gpT.metal(this.xs, this.term) } : {}),
    };
  }

  async read(): Promise<Fields & { xidot: Float64Array }> {
    const { ctx, g } = this;
    ctx.check();
    const xs = ctx.readTarget(this.xs);
    const f: Fields & { xidot: Float64Array } = {
      xi: fromAtlas(g, xs, 0),
      c: fromAtlas(g, ctx.readTarget(this.c), 0),
      psi: fromAtlas(g, ctx.readTarget(this.psi.cur), 0),
      xidot: fromAtlas(g, xs, 2),
    };
    for (const sp of this.species) f[sp.name] = fromAtlas(g, ctx.readTarget(sp.field), 0);
    if (this.mech) {
      const u = this.mech.download();
      displacementKeys(this.L.dims).forEach((key, a) => {
        f[key] = u[a];
      });
    }
    if (this.gpT) f.w = fromAtlas(g, ctx.readTarget(this.gpT.w.cur), 0);
    return f;
  }

  /**
   * Test probe of the GLSL noise (shaders/glsl/noise_probe.frag): per cell q, the limbs
   * (hi, lo) of hash32(q), h1 >> 9 with h1 = hash32(key ^ hash32(q)), and cellNormal(key, q).
   */
  async noiseProbe(key: number): Promise<{ hashHi: Float64Array; hashLo: Float64Array; u1: Float64Array; normal: Float64Array }> {
    const { ctx, g } = this;
    ctx.run('noiseProbe', this.term, this.gu({ uKey: glKey(key) }));
    const v = ctx.readTarget(this.term);
    return { hashHi: fromAtlas(g, v, 0), hashLo: fromAtlas(g, v, 1), u1: fromAtlas(g, v, 2), normal: fromAtlas(g, v, 3) };
  }

  /**
   * Tests and tools only: loses the WebGL context (as a GPU reset would); every later stage then
   * rejects with "the WebGL context was lost" (test/browser/backends.test.ts).
   */
  async loseContext(): Promise<void> {
    this.ctx.loseContext();
  }

  async dispose(): Promise<void> {
    this.ctx.dispose();
  }
}
