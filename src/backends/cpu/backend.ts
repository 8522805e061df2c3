/**
 * The CPU reference backend (f64). It is the oracle the GPU backends are tested against.
 *
 * Threads: with threads > 1 (default: os.availableParallelism()) the row kernels run on a pool
 * of worker threads over shared memory (pool.ts); threads = 1 runs everything on the calling
 * thread. Both give bit-identical fields and metrics: every kernel writes only its own rows,
 * and every sum is per-row partials added on the main thread in a fixed (pairwise) order.
 */
import type { Coefficients } from '../../model/derived.ts';
import type { Fields } from '../../model/initial.ts';
import { stepKey } from '../../model/noise.ts';
import type { Backend, PotentialReport, Reductions, SolveReport, StepStats, TransportReport } from '../backend.ts';
import { BC_DIRICHLET, type BCSet, type FieldBC, type Layout } from '../layout.ts';
import { canThread, resolveThreads, SerialExec, type Exec, type ExecOptions, type Task } from './exec.ts';
import { makePadded, type Padded } from './padded.ts';
import { Pool } from './pool.ts';
import { ElasticitySolver } from './elasticity.ts';
import { getDisplacement, setDisplacement } from '../../model/mechanics-fields.ts';
import { ImexPhase } from './phase-imex.ts';
import type { PhaseTaskArgs } from './phase.ts';
import { threadsUnavailable } from './threads.ts';
import { PotentialSolver } from './potential.ts';
import { Reducer } from './reductions.ts';
import { sharedF32, sharedF64 } from './shared.ts';
import { speciesBC } from '../species.ts';
import { speciesTransport, TransportSolver } from './transport.ts';
import { GpTransportSolver } from './gp-transport.ts';

export interface CpuOptions extends ExecOptions {
  /**
   * Material props [kL, kD, kS, host] per cell (src/model/props.ts, docs/material-switches.md), fixed for
   * the backend's life; null/absent: the base model (no props field is read at all).
   */
  props?: Float32Array | null;
}

export class CpuBackend implements Backend {
  readonly name = 'cpu' as const;
  private deviceText: string;
  /** Remarks for the selection log (createBackend prints them), e.g. why there is one thread only. */
  readonly notes: string[] = [];
  private threadCount: number;
  private exec: Exec;
  private xi: Float64Array;
  private c: Float64Array;
  private psi: Float64Array;
  private xiNew: Float64Array;
  private xidot: Float64Array;
  private xiSolve: Float64Array;
  private P: Padded;
  private rowMaxRate: Float64Array;
  private rowStiff: Float64Array;
  private rowDxi: Float64Array;
  private pot: PotentialSolver;
  /** Li⁺ transport: the concentration form's SG solver, or the grand-potential form's w solver (k.gp). */
  private tr: TransportSolver | null = null;
  private gpTr: GpTransportSolver | null = null;
  /** w of the grand-potential form (docs/grand-potential.md); null in the concentration form. */
  private w: Float64Array | null = null;
  private red: Reducer;
  /** The transported species (Coefficients.species, in order): each one's field and its transport. */
  private species: { name: string; field: Float64Array; tr: TransportSolver }[] = [];
  /** The mechanics stage (docs/mechanics.md); null without it. */
  private mech: ElasticitySolver | null = null;
  private tPad: Task;
  private tPhase: Task;
  private tMark: Task;
  /** The semi-implicit phase stage (numerics.phase = "imex"); null: explicit. */
  private imex: ImexPhase | null = null;
  private migrationRate = 0;

  /** The φ conditions the kernels read, on shared memory so setVoltage() reaches the worker threads. */
  private bcPhi: FieldBC;

  constructor(
    private L: Layout,
    private k: Coefficients,
    bc: BCSet,
    options: CpuOptions = {},
  ) {
    const { props: propsIn, ...opts } = options;
    const threads = resolveThreads(opts.threads);
    this.threadCount = threads;
    this.exec = threads > 1 && canThread() ? new Pool({ ...opts, threads }) : new SerialExec();
    this.deviceText = threads > 1 ? `CPU (f64, ${threads} threads)` : 'CPU (f64, serial)';
    // a browser page without cross-origin isolation (or a solver on the page's main thread) gets one thread: say why
    const why = opts.threads === 1 ? null : threadsUnavailable();
    if (why) this.notes.push(`one thread only: ${why}`);
    const { N, rows, nx } = L;
    const exec = this.exec;
    this.xi = sharedF64(N);
    this.c = sharedF64(N);
    this.psi = sharedF64(N);
    this.xiNew = sharedF64(N);
    this.xidot = sharedF64(N);
    this.xiSolve = sharedF64(N);
    this.P = makePadded(L);
    this.rowMaxRate = sharedF64(rows);
    this.rowStiff = sharedF64(rows);
    this.rowDxi = sharedF64(rows);
    const { xi, c, psi, xiNew, xidot, xiSolve, rowDxi } = this;
    // the props field on shared memory (the worker threads read it), uploaded once
    let props: Float32Array | null = null;
    if (propsIn) {
      if (propsIn.length !== 4 * N) throw new Error(`CPU backend: props has ${propsIn.length} values, the grid needs 4 × ${N}`);
      props = sharedF32(4 * N);
      props.set(propsIn);
    }
    // task arguments are posted to the workers once (structured clone): a plain Float64Array of
    // φ values would be a frozen copy there, a shared one is the same memory (setVoltage)
    this.bcPhi = { type: bc.phi.type, value: sharedF64(6) };
    this.bcPhi.value.set(bc.phi.value);
    this.pot = new PotentialSolver(exec, L, k, this.bcPhi, { xi, xidot, psi, xiSolve, rowDxi, props });
    // the IMEX phase stage hands the transport its ∂(∂ξ/∂t)/∂c̃ (docs/imex-phase.md); the
    // grand-potential form runs the explicit phase stage only (scenario.ts refuses "imex" with it)
    const reactC = k.imex ? sharedF64(N) : null;
    if (k.gp) {
      const w = (this.w = sharedF64(N));
      this.gpTr = new GpTransportSolver(exec, L, k, bc.c, this.bcPhi, { w, c, psi, xi, xiNew, xidot, xiSolve, rowDxi, props });
    } else this.tr = new TransportSolver(exec, L, k, bc.c, this.bcPhi, { c, psi, xi, xiNew, xidot, xiSolve, rowDxi, props, reactC });
    // each species: the same solver with its own parameters, field and boundary values; they run
    // after c̃'s step (ξ is then committed: D_a(1 − h(ξⁿ⁺¹))), in list order, and never touch ξ
    const bcS = speciesBC(bc.c);
    this.species = k.species.map((sp) => {
      const field = sharedF64(N);
      const f = { c: field, psi, xi, xiNew, xidot, xiSolve, rowDxi, props };
      return { name: sp.name, field, tr: new TransportSolver(exec, L, k, bcS, this.bcPhi, f, speciesTransport(sp)) };
    });
    const spf = this.species.map((sp) => sp.field);
    this.red = new Reducer(exec, L, xi, c, xidot, props, spf);
    if (k.mechanics) this.mech = new ElasticitySolver(exec, L, k.mechanics, xi);
    this.tPad = exec.task('fillPadded', { L, items: [{ P: this.P, u: xi, bc: bc.xi }] }, this.P.py * this.P.pz, N);
    const phaseArgs: PhaseTaskArgs = {
      L,
      k,
      P: this.P,
      c,
      psi,
      out: xiNew,
      rowMaxRate: this.rowMaxRate,
      rowStiff: this.rowStiff,
      props,
      species: spf,
      mech: this.mech?.mech ?? null,
    };
    this.tPhase = exec.task('phase', phaseArgs, rows, N);
    if (k.imex) {
      this.imex = new ImexPhase(
        exec,
        L,
        k,
        bc.xi,
        { xi, P: this.P, out: xiNew, rowMaxRate: this.rowMaxRate, props, dRateDc: reactC },
        phaseArgs,
        this.tPad,
      );
    }
    this.tMark = exec.task('markSolve', { nx, xi, xiSolve, rowDxi }, rows, N);
  }

  /** Human-readable device description (threads). */
  get device(): string {
    return this.deviceText;
  }

  /** Threads working on large tasks (1 = serial). */
  get threads(): number {
    return this.threadCount;
  }

  async init(f: Fields): Promise<void> {
    try {
      await this.exec.ready();
    } catch (e) {
      // the pool's main thread claims every chunk itself when no worker is up: carry on serially
      const why = e instanceof Error ? e.message : String(e);
      console.warn(`lidendrite: ${why}; the CPU backend continues on the main thread only`);
      this.threadCount = 1;
      this.deviceText = `CPU (f64, serial: ${why})`;
    }
    this.xi.set(f.xi);
    this.c.set(f.c);
    this.psi.set(f.psi);
    for (const sp of this.species) {
      const a = f[sp.name];
      if (!a) throw new Error(`CPU backend init: the scenario has the species ${sp.name} but the fields have no ${sp.name} field`);
      sp.field.set(a);
    }
    if (this.mech) {
      setDisplacement(this.L, this.mech.u, f);
      // the material and the phase coupling of the uploaded ξ and u
      this.mech.refresh();
    }
    if (this.w) {
      if (!f.w) throw new Error('CPU backend init: the scenario has model "grand-potential" but the fields have no w');
      this.w.set(f.w);
    }
    this.xidot.fill(0);
    this.exec.run(this.tMark);
  }

  async mechanics(tol: number, maxIter: number): Promise<SolveReport> {
    if (!this.mech) throw new Error('CPU backend: the scenario has no mechanics section');
    return this.mech.solve(tol, maxIter);
  }

  async mechanicsLoad(f: Float64Array | null): Promise<void> {
    if (!this.mech) throw new Error('CPU backend: the scenario has no mechanics section');
    if (f && f.length !== this.mech.u.length) throw new Error(`mechanics load: ${f.length} values, the grid needs ${this.mech.u.length}`);
    this.mech.extra = f ? Float64Array.from(f) : null;
  }

  async potential(tol: number, maxIter: number): Promise<PotentialReport> {
    return this.pot.solve(tol, maxIter);
  }

  async phase(dt: number, step: number): Promise<SolveReport | null> {
    if (this.imex) return this.imex.step(dt, step);
    this.exec.run(this.tPad);
    this.exec.run(this.tPhase, dt, stepKey(this.k.seed, step));
    return null;
  }

  async transport(dt: number, tol: number, maxIter: number): Promise<TransportReport> {
    const r = this.gpTr ? this.gpTr.step(dt, tol, maxIter) : this.tr!.step(dt, tol, maxIter);
    this.migrationRate = r.migrationRate;
    const species = this.species.map((sp) => {
      const a = sp.tr.step(dt, tol, maxIter);
      return { iterations: a.iterations, residual: a.residual, converged: a.converged, influx: a.influx };
    });
    return {
      iterations: r.iterations,
      residual: r.residual,
      converged: r.converged,
      limited: r.limited,
      influx: r.influx,
      deposited: r.deposited,
      species,
      ...('newton' in r ? { newton: r.newton as number } : {}),
    };
  }

  /** φ on the collector face x0 (src/solver/control.ts): read by the next potential solve and transport step. */
  async setVoltage(volts: number): Promise<void> {
    if (!Number.isFinite(volts)) throw new Error(`CpuBackend.setVoltage: voltage must be finite (got ${volts})`);
    if (this.bcPhi.type[0] !== BC_DIRICHLET) throw new Error('CpuBackend.setVoltage: boundary.phi.x0 is not a dirichlet face');
    this.bcPhi.value[0] = this.k.f * volts;
  }

  async stepStats(): Promise<StepStats> {
    let maxRate = 0,
      stiffness = 0,
      dxi = 0;
    for (let r = 0; r < this.L.rows; r++) {
      maxRate = Math.max(maxRate, this.rowMaxRate[r]);
      stiffness = Math.max(stiffness, this.rowStiff[r]);
      dxi = Math.max(dxi, this.rowDxi[r]);
    }
    return { maxRate, stiffness, migrationRate: this.migrationRate, dxiSinceSolve: dxi };
  }

  async reductions(): Promise<Reductions> {
    const r = this.red.run();
    return this.gpTr ? { ...r, sumMetal: this.gpTr.metal() } : r;
  }

  async setTransportSource(s: Float64Array | null): Promise<void> {
    if (!this.gpTr) throw new Error('CpuBackend.setTransportSource: only the grand-potential form takes a transport source');
    this.gpTr.setSource(s);
  }

  async read(): Promise<Fields & { xidot: Float64Array }> {
    const f: Fields & { xidot: Float64Array } = {
      xi: this.xi.slice(),
      c: this.c.slice(),
      psi: this.psi.slice(),
      xidot: this.xidot.slice(),
    };
    for (const sp of this.species) f[sp.name] = sp.field.slice();
    if (this.mech) getDisplacement(this.L, this.mech.u, f);
    if (this.w) f.w = this.w.slice();
    return f;
  }

  /** Pool statistics (chunks of parallel tasks, and how many of them worker threads ran); null when serial. */
  threadStats(): { chunks: number; workerChunks: number; tasks: number } | null {
    return this.exec instanceof Pool ? this.exec.stats() : null;
  }

  /** Stops the worker threads (a no-op in serial mode). */
  async dispose(): Promise<void> {
    await this.exec.dispose();
  }
}
