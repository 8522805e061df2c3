/**
 * The CPU reference backend (f64). It is the oracle the GPU backends are tested against.
 */
import type { Coefficients } from '../../model/derived.ts';
import type { Fields } from '../../model/initial.ts';
import { stepKey } from '../../model/noise.ts';
import type { Backend, PotentialReport, Reductions, StepStats, TransportReport } from '../backend.ts';
import type { BCSet, Layout } from '../layout.ts';
import { fillPadded, makePadded, type Padded } from './padded.ts';
import { phaseRows } from './phase.ts';
import { PotentialStage } from './potential.ts';
import { reduceFields } from './reductions.ts';
import { TransportStage } from './transport.ts';

export class CpuBackend implements Backend {
  readonly name = 'cpu' as const;
  readonly device: string;
  private xi: Float64Array; private c: Float64Array; private psi: Float64Array;
  private xiNew: Float64Array; private xidot: Float64Array; private xiSolve: Float64Array;
  private P: Padded;
  private rowMaxRate: Float64Array; private rowStiff: Float64Array;
  private pot: PotentialStage; private tr: TransportStage;
  private migrationRate = 0;

  constructor(private L: Layout, private k: Coefficients, private bc: BCSet) {
    this.device = 'CPU (f64, serial)';
    const N = L.N;
    this.xi = new Float64Array(N); this.c = new Float64Array(N); this.psi = new Float64Array(N);
    this.xiNew = new Float64Array(N); this.xidot = new Float64Array(N); this.xiSolve = new Float64Array(N);
    this.P = makePadded(L);
    this.rowMaxRate = new Float64Array(L.rows); this.rowStiff = new Float64Array(L.rows);
    this.pot = new PotentialStage(L, k, bc.phi);
    this.tr = new TransportStage(L, k, bc.c, bc.phi);
  }

  async init(f: Fields): Promise<void> {
    this.xi.set(f.xi); this.c.set(f.c); this.psi.set(f.psi);
    this.xidot.fill(0);
    this.xiSolve.set(f.xi);
  }

  async potential(tol: number, maxIter: number): Promise<PotentialReport> {
    const r = this.pot.solve(this.xi, this.xidot, this.psi, tol, maxIter);
    this.xiSolve.set(this.xi);
    return r;
  }

  async phase(dt: number, step: number): Promise<void> {
    fillPadded(this.P, this.xi, this.L, this.bc.xi);
    phaseRows({ L: this.L, k: this.k, P: this.P, c: this.c, psi: this.psi, out: this.xiNew, dt,
      key: stepKey(this.k.seed, step), rowMaxRate: this.rowMaxRate, rowStiff: this.rowStiff }, 0, this.L.rows);
  }

  async transport(dt: number, tol: number, maxIter: number): Promise<TransportReport> {
    const r = this.tr.step(this.c, this.psi, this.xi, this.xiNew, dt, tol, maxIter);
    this.migrationRate = r.migrationRate;
    const { xi, xiNew, xidot } = this;
    for (let i = 0; i < xi.length; i++) { xidot[i] = (xiNew[i] - xi[i]) / dt; xi[i] = xiNew[i]; }
    return r;
  }

  async stepStats(): Promise<StepStats> {
    let maxRate = 0, stiffness = 0, dxi = 0;
    for (let r = 0; r < this.L.rows; r++) {
      maxRate = Math.max(maxRate, this.rowMaxRate[r]);
      stiffness = Math.max(stiffness, this.rowStiff[r]);
    }
    for (let i = 0; i < this.xi.length; i++) dxi = Math.max(dxi, Math.abs(this.xi[i] - this.xiSolve[i]));
    return { maxRate, stiffness, migrationRate: this.migrationRate, dxiSinceSolve: dxi };
  }

  async reductions(): Promise<Reductions> {
    return reduceFields(this.L, this.xi, this.c, this.xidot);
  }

  async read() {
    return { xi: this.xi.slice(), c: this.c.slice(), psi: this.psi.slice(), xidot: this.xidot.slice() };
  }

  async dispose(): Promise<void> {}
}
