/**
 * Transport stage: equation (2) in scaled units, backward Euler on the variable-coefficient
 * diffusion with the migration term lagged (explicit, first-order upwind, conservative):
 *   (1 − dt ∇·D∇) c̃ⁿ⁺¹ = c̃ⁿ + dt ∇·(D c̃ⁿ ∇ψ) − (c_s/c0)(ξⁿ⁺¹ − ξⁿ)
 * The implicit system is SPD and is solved by the same MG-PCG as the potential.
 *
 * Conservative sink: where c̃ⁿ⁺¹ < 0 the step consumed more ions than the cell held; the
 * deficit is returned by un-depositing metal in that cell (ξ −= |c̃|/(c_s/c0), c̃ = 0), so
 * c0 c̃ + c_s ξ is unchanged — no lithium is created by clamping (model.md §4).
 */
import type { Coefficients } from '../../model/derived.ts';
import { BC_DIRICHLET, BC_PERIODIC, type FieldBC, type Layout } from '../layout.ts';
import { assemble, harmonic, interpCoef } from './coefficients.ts';
import { makeOp } from './operator.ts';
import { makePadded, fillPadded, type Padded } from './padded.ts';
import { pcg, pairwiseSum, type SolveStats } from './pcg.ts';

export interface TransportResult extends SolveStats {
  /** Ions given back by the conservative limiter (Σ|c̃| dV, scaled: c0·µm^d). */
  limited: number;
  /** Largest explicit migration outflow rate, 1/s (dt·rate ≤ 1 keeps the explicit part positive). */
  migrationRate: number;
}

export class TransportStage {
  private op;
  private rhs: Float64Array;
  private D: Float64Array;
  private Pc: Padded; private Pp: Padded; private PD: Padded;
  constructor(private L: Layout, private k: Coefficients, private bcC: FieldBC, private bcPsi: FieldBC) {
    this.op = makeOp(L.dims, [L.nx, L.ny, L.nz], L.periodic);
    this.rhs = new Float64Array(L.N);
    this.D = new Float64Array(L.N);
    this.Pc = makePadded(L); this.Pp = makePadded(L); this.PD = makePadded(L);
  }

  /**
   * Advances c̃ in place; xiNew may be reduced by the limiter. Returns solver stats.
   * xiOld/xiNew: ξ before and after the phase stage.
   */
  step(c: Float64Array, psi: Float64Array, xiOld: Float64Array, xiNew: Float64Array, dt: number, tol: number, maxIter: number): TransportResult {
    const { L, k } = this;
    interpCoef(xiNew, k.Ds, k.Dl, this.D);
    fillPadded(this.Pc, c, L, this.bcC);
    fillPadded(this.Pp, psi, L, this.bcPsi);
    // D's ghosts: the cell's own value (boundary faces use D_cell), wrapped when periodic
    const bcD: FieldBC = { type: this.bcC.type.map((t) => (t === BC_PERIODIC ? BC_PERIODIC : 0)) as Int32Array, value: new Float64Array(6) };
    fillPadded(this.PD, this.D, L, bcD);
    const migRate = this.migration(dt);
    for (let i = 0; i < L.N; i++) this.rhs[i] = c[i] + this.rhs[i] - k.csRatio * (xiNew[i] - xiOld[i]);
    assemble(L, this.D, dt / (L.dx * L.dx), 1, this.bcC, this.op, this.rhs);
    const st = pcg(this.op, this.rhs, c, { tol, maxIter });
    // conservative limiter
    const vol = L.dims === 3 ? L.dx ** 3 : L.dx ** 2;
    const part = new Float64Array(L.rows);
    for (let r = 0; r < L.rows; r++) {
      let s = 0;
      for (let i = L.nx * r, e = i + L.nx; i < e; i++) {
        if (c[i] < 0) { s -= c[i]; xiNew[i] += c[i] / k.csRatio; c[i] = 0; }
      }
      part[r] = s * vol;
    }
    return { ...st, limited: pairwiseSum(part), migrationRate: migRate };
  }

  /** rhs ← dt·∇·(D c̃ ∇ψ) (upwind); returns the largest outflow rate. */
  private migration(dt: number): number {
    const { L } = this;
    const c = this.Pc.data, p = this.Pp.data, D = this.PD.data;
    const P = this.Pc;
    const inv2 = 1 / (L.dx * L.dx);
    const offs = L.dims === 3 ? [1, -1, P.sy, -P.sy, P.sz, -P.sz] : [1, -1, P.sy, -P.sy];
    // faces in offs order +x, −x, +y, −y, +z, −z are the boundary faces x1, x0, y1, y0, z1, z0
    const bfaceOf = [1, 0, 3, 2, 5, 4];
    let maxOut = 0;
    for (let kk = 0; kk < L.nz; kk++) for (let j = 0; j < L.ny; j++) for (let i = 0; i < L.nx; i++) {
      const q = P.off + i + P.sy * j + P.sz * kk;
      const idx = i + L.nx * (j + L.ny * kk);
      const onFace = [i === 0, i === L.nx - 1, j === 0, j === L.ny - 1, kk === 0, kk === L.nz - 1];
      let acc = 0, out = 0;
      for (let f = 0; f < offs.length; f++) {
        const bq = bfaceOf[f];
        // a face on a no-flux boundary of c̃ carries no migration flux either
        if (onFace[bq] && this.bcC.type[bq] !== BC_DIRICHLET && this.bcC.type[bq] !== BC_PERIODIC) continue;
        const nb = q + offs[f];
        const dpsi = p[nb] - p[q];
        const Df = onFace[bq] && this.bcC.type[bq] === BC_DIRICHLET ? D[q] : harmonic(D[q], D[nb]);
        const cu = dpsi < 0 ? c[q] : c[nb];
        acc += Df * cu * dpsi;
        if (dpsi < 0) out -= Df * dpsi;
      }
      this.rhs[idx] = dt * acc * inv2;
      if (out * inv2 > maxOut) maxOut = out * inv2;
    }
    return maxOut;
  }
}
