/**
 * Transport stage: equation (2) in scaled units,
 *   ∂c̃/∂t = ∇·[D(ξ)(∇c̃ + c̃∇ψ)] − (c_s/c0) ∂ξ/∂t,
 * fully implicit in c̃ (backward Euler) with ψ lagged (from the last potential solve), using
 * the Scharfetter–Gummel flux between cells i and j (Δ = ψ_j − ψ_i):
 *   J_ij = (D_f/dx) [B(Δ) c̃_i − B(−Δ) c̃_j],   B(Δ) = Δ/(e^Δ − 1),
 * which is exact for a constant flux between the cell centres, upwinds itself where drift
 * dominates and needs no migration CFL. In the Slotboom variable u = c̃ e^{ψ−ψ_ref} the flux is
 * J_ij = (D_f/dx) w_ij (u_i − u_j) with the symmetric weight w_ij = e^{−(max(ψ_i,ψ_j)−ψ_ref)}·|Δ|/(1 − e^{−|Δ|}),
 * so the step is the SPD system
 *   [diag(e^{−(ψ−ψ_ref)}) + (dt/dx²) A_w] u = c̃ⁿ − (c_s/c0)(ξⁿ⁺¹ − ξⁿ) + Dirichlet terms,
 * solved by the same MG-PCG as the potential (ψ_ref = max ψ keeps every exponent ≤ 0 … e^{f|V|}).
 * A Dirichlet face of c̃ uses ψ at the face (the mean of the cell and its ghost) at distance dx/2.
 *
 * Conservative sink: where c̃ⁿ⁺¹ < 0 the step consumed more ions than the cell held; the
 * deficit is returned by un-depositing metal in that cell (ξ −= |c̃|/(c_s/c0), c̃ = 0), so
 * c0 c̃ + c_s ξ is unchanged — no lithium is created by clamping (model.md §4).
 */
import type { Coefficients } from '../../model/derived.ts';
import { BC_DIRICHLET, BC_PERIODIC, type FieldBC, type Layout } from '../layout.ts';
import { harmonic, interpCoef } from './coefficients.ts';
import { makeOp } from './operator.ts';
import { makePadded, fillPadded, type Padded } from './padded.ts';
import { pcg, pairwiseSum, type SolveStats } from './pcg.ts';

export interface TransportResult extends SolveStats {
  /** Ions given back by the conservative limiter (Σ|c̃| dV, scaled: c0·µm^d). */
  limited: number;
  /** Ions that entered through the boundary faces this step (scaled: c0·µm^d). */
  influx: number;
  /** Kept for the step statistics; the implicit scheme has no migration limit. */
  migrationRate: number;
}

/** Symmetric Scharfetter–Gummel weight for cells with shifted potentials a, b (both ≤ 0 … small). */
export function sgWeight(a: number, b: number): number {
  const m = a > b ? a : b;
  const d = Math.abs(b - a);
  const bern = d < 1e-10 ? 1 - 0.5 * d : d / -Math.expm1(-d);
  return Math.exp(-m) * bern;
}

export class TransportStage {
  private op;
  private rhs: Float64Array;
  private u: Float64Array;
  private D: Float64Array;
  private M: Float64Array;
  private Pp: Padded;
  /** Dirichlet boundary faces of this step: cell, row, weight, face value of u. */
  private bnd: { cell: number; row: number; w: number; ub: number }[] = [];
  constructor(private L: Layout, private k: Coefficients, private bcC: FieldBC, private bcPsi: FieldBC) {
    this.op = makeOp(L.dims, [L.nx, L.ny, L.nz], L.periodic);
    this.rhs = new Float64Array(L.N);
    this.u = new Float64Array(L.N);
    this.D = new Float64Array(L.N);
    this.M = new Float64Array(L.N);
    this.Pp = makePadded(L);
  }

  /** Advances c̃ in place; xiNew may be reduced by the limiter. xiOld/xiNew: ξ before/after the phase stage. */
  step(c: Float64Array, psi: Float64Array, xiOld: Float64Array, xiNew: Float64Array, dt: number, tol: number, maxIter: number): TransportResult {
    const { L, k, op, rhs, u, D, M, bcC } = this;
    this.bnd.length = 0;
    const { nx, ny, nz } = L;
    interpCoef(xiNew, k.Ds, k.Dl, D);
    fillPadded(this.Pp, psi, L, this.bcPsi);
    const P = this.Pp, p = P.data;
    let ref = -Infinity;
    for (let i = 0; i < L.N; i++) if (psi[i] > ref) ref = psi[i];
    for (let q = 0; q < 6; q++) if (this.bcPsi.type[q] === BC_DIRICHLET && this.bcPsi.value[q] > ref) ref = this.bcPsi.value[q];
    const s = dt / (L.dx * L.dx);
    const sy = nx, sz = nx * ny;
    const influx = new Float64Array(L.rows);
    for (let kk = 0; kk < nz; kk++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
      const c0 = i + nx * (j + ny * kk);
      const q = P.off + i + P.sy * j + P.sz * kk;
      const a = p[q] - ref;
      M[c0] = Math.exp(-a);
      op.d[c0] = M[c0];
      rhs[c0] = c[c0] - k.csRatio * (xiNew[c0] - xiOld[c0]);
      u[c0] = c[c0] * Math.exp(a);
      // + faces (the − face of a cell is the + face of its neighbour)
      op.w[0][c0] = i < nx - 1 ? s * harmonic(D[c0], D[c0 + 1]) * sgWeight(a, p[q + 1] - ref)
        : bcC.type[1] === BC_PERIODIC ? s * harmonic(D[c0], D[c0 - nx + 1]) * sgWeight(a, p[q + 1] - ref) : 0;
      op.w[1][c0] = j < ny - 1 ? s * harmonic(D[c0], D[c0 + sy]) * sgWeight(a, p[q + P.sy] - ref)
        : bcC.type[3] === BC_PERIODIC ? s * harmonic(D[c0], D[c0 - (ny - 1) * sy]) * sgWeight(a, p[q + P.sy] - ref) : 0;
      if (L.dims === 3) {
        op.w[2][c0] = kk < nz - 1 ? s * harmonic(D[c0], D[c0 + sz]) * sgWeight(a, p[q + P.sz] - ref)
          : bcC.type[5] === BC_PERIODIC ? s * harmonic(D[c0], D[c0 - (nz - 1) * sz]) * sgWeight(a, p[q + P.sz] - ref) : 0;
      }
      // Dirichlet faces of c̃: half-cell SG flux to the face value g, u_face = g e^{ψ_face − ψ_ref}
      const onFace = [i === 0, i === nx - 1, j === 0, j === ny - 1, L.dims === 3 && kk === 0, L.dims === 3 && kk === nz - 1];
      const ghostOff = [-1, 1, -P.sy, P.sy, -P.sz, P.sz];
      for (let f = 0; f < 6; f++) {
        if (!onFace[f] || bcC.type[f] !== BC_DIRICHLET) continue;
        const af = 0.5 * (p[q] + p[q + ghostOff[f]]) - ref;
        const wb = 2 * s * D[c0] * sgWeight(a, af); // distance dx/2 → factor 2
        const ub = bcC.value[f] * Math.exp(af);
        op.d[c0] += wb;
        rhs[c0] += wb * ub;
        this.bnd.push({ cell: c0, row: j + ny * kk, w: wb, ub });
      }
    }
    const st = pcg(op, rhs, u, { tol, maxIter });
    const vol = L.dims === 3 ? L.dx ** 3 : L.dx ** 2;
    const part = new Float64Array(L.rows);
    for (let r = 0; r < L.rows; r++) {
      let lim = 0;
      for (let i = L.nx * r, e = i + L.nx; i < e; i++) {
        const cn = u[i] * M[i];
        if (cn < 0) { lim -= cn; xiNew[i] += cn / k.csRatio; c[i] = 0; } else c[i] = cn;
      }
      part[r] = lim * vol;
    }
    for (let r = 0; r < L.rows; r++) influx[r] = 0;
    for (const b of this.bnd) influx[b.row] += b.w * (b.ub - u[b.cell]) * vol;
    return { ...st, limited: pairwiseSum(part), influx: pairwiseSum(influx), migrationRate: 0 };
  }
}
