/**
 * Transport stage: equation (2) in scaled units,
 *   ∂c̃/∂t = ∇·[D(ξ)(∇c̃ + c̃∇ψ)] − (c_s/c0) ∂ξ/∂t,
 * fully implicit in c̃ (backward Euler) with ψ lagged (from the last potential solve), using
 * the Scharfetter–Gummel flux between cells i and j (Δ = ψ_j − ψ_i):
 *   J_ij = (D_f/dx) [B(Δ) c̃_i − B(−Δ) c̃_j],   B(Δ) = Δ/(e^Δ − 1),
 * which is exact for a constant flux between the cell centres, upwinds itself where drift
 * dominates and needs no migration CFL (migrationRate is always 0). In the Slotboom variable
 * u = c̃ e^{ψ−ψ_ref} the flux is J_ij = (D_f/dx) w_ij (u_i − u_j) with the symmetric weight
 *   w_ij = e^{−(max(ψ_i,ψ_j)−ψ_ref)}·|Δ|/(1 − e^{−|Δ|})   (sgWeight),
 * D_f = harmonic(D_i, D_j), so the step is the SPD system
 *   [diag(M) + (dt/dx²) A_w] u = c̃ⁿ − (c_s/c0)(ξⁿ⁺¹ − ξⁿ) + Dirichlet terms,   M = e^{−(ψ−ψ_ref)},
 * solved by the same MG-PCG as the potential, warm-started from u = c̃ⁿ e^{ψ−ψ_ref}; then
 * c̃ⁿ⁺¹ = M u. ψ_ref = max of ψ over the cells and the Dirichlet values of φ keeps every
 * exponent ≤ 0 in the weights. A Dirichlet face of c̃ (value g) uses ψ at the face (the mean of
 * the cell and its ghost) at distance dx/2: weight w_b = 2·(dt/dx²)·D_cell·sgWeight(ψ_i, ψ_face),
 * u_b = g e^{ψ_face−ψ_ref}; the boundary influx is Σ_faces w_b (u_b − u_i)·cellVolume.
 *
 * Conservative sink: where c̃ⁿ⁺¹ < 0 the step consumed more ions than the cell held; the
 * deficit is returned by un-depositing metal in that cell (ξ −= |c̃|/(sink·c_s/c0), c̃ = 0), so
 * c0 c̃ + sink·c_s ξ is unchanged — no lithium is created by clamping (model.md §4).
 *
 * Transport scalars (README: physics switches (binary electrolyte), Coefficients.migration and .sink): the drift enters as
 * a = migration·(ψ − ψ_ref) everywhere above (migration = 0: plain diffusion of the salt, the
 * binary-electrolyte mode, where every weight is D_f and M = 1), and the sink as
 * sink·(c_s/c0)Δξ (sink = t_a = 1 − t₊ in binary mode). Lithium balance per step, in c0·µm^d:
 *   Δ(Σc̃ dV) + (c_s/c0)Δ(Σξ dV) = influx + (1 − sink)·(c_s/c0)·deposited,
 * deposited = Σ(ξⁿ⁺¹ − ξⁿ)dV after the limiter: the last term is the t₊ share of the deposit
 * that migrates in from the counter electrode (0 in the base model). The limiter's exchange
 * rate sink·(c_s/c0) keeps this exact (an undone Δξ would have taken sink·(c_s/c0)Δξ ions from
 * the cell). Both factors are 1 in the base model, where every expression is the old one bit
 * for bit (x·1 = x).
 *
 * Species (TransportSpecies): the same solver advances each transported species ã = c/bulk
 * (src/model/species.ts; the shielding additive, docs/additive.md) with D = D_a(1 − h) (hi = 0:
 * none in the metal; props kD and host as for c̃), its own drift factor (a minority cation
 * migrates in the field whatever the electrolyte model), no sink and `deposits: false`: no
 * limiter (with no sink the right-hand side is ãⁿ + Σ w_b u_b ≥ 0 and the operator is an
 * M-matrix, so ã ≥ 0 up to the solver tolerance) and no ξ commit. Its balance per step:
 * Δ(Σã dV) = influx.
 *
 * Kernels: D(ξⁿ⁺¹); the padded copy of ψ; the row maxima of ψ (ψ_ref is their maximum, taken
 * on the main thread: a max is exact, so the split does not matter); the assembly (M, the
 * operator, the right-hand side with its Dirichlet terms, the warm start); the CG solve; and
 * the finish pass (boundary influx, c̃ = M u with the limiter, then ξ̇ = (ξⁿ⁺¹ − ξⁿ)/dt,
 * ξ ← ξⁿ⁺¹ and the per-row distance from ξ at the last potential solve). Every kernel works on
 * whole rows, so any thread count gives the serial bits (test/unit/transport-sg.test.ts).
 */
import type { Coefficients } from '../../model/derived.ts';
import type { Species } from '../../model/species.ts';
import { BC_DIRICHLET, BC_PERIODIC, type FieldBC, type Layout } from '../layout.ts';
import { COEF_D, harmonic } from './coefficients.ts';
import { SerialExec, type Exec, type Task } from './exec.ts';
import { makeOp, type StencilOp } from './operator.ts';
import { makePadded, type Padded } from './padded.ts';
import { Pcg, pairwiseSum, type SolveStats } from './pcg.ts';
import { sharedF64 } from './shared.ts';
import { StateError } from '../errors.ts';

export interface TransportResult extends SolveStats {
  /** Ions given back by the conservative limiter (Σ|c̃| dV, scaled: c0·µm^d). */
  limited: number;
  /** Ions that entered through the boundary (Dirichlet) faces this step (scaled: c0·µm^d). */
  influx: number;
  /** Kept for the step statistics; the implicit Scharfetter–Gummel scheme has no migration limit (always 0). */
  migrationRate: number;
  /** Σ(ξⁿ⁺¹ − ξⁿ)·dV after the limiter (scaled µm^d). */
  deposited: number;
}

/** Symmetric Scharfetter–Gummel weight for cells with shifted potentials a, b (both ≤ 0 … small). */
export function sgWeight(a: number, b: number): number {
  const m = Math.max(a, b);
  const d = Math.abs(b - a);
  const bern = d < 1e-10 ? 1 + 0.5 * d : d / -Math.expm1(-d);
  return Math.exp(-m) * bern;
}

/**
 * Rows: out[r] = max over the row of u (−∞ for an empty or all-NaN row; the first of equal values);
 * with outMin, also outMin[r] = min over the row (NaN when the row holds a non-finite value).
 */
export function rowMaxK(
  a: { nx: number; u: Float64Array; out: Float64Array; outMin?: Float64Array | null },
  _s: Float64Array,
  r0: number,
  r1: number,
): void {
  const { nx, u, out } = a;
  const outMin = a.outMin ?? null;
  for (let r = r0; r < r1; r++) {
    let m = -Infinity;
    for (let i = nx * r, e = i + nx; i < e; i++) if (u[i] > m) m = u[i];
    out[r] = m;
    if (outMin !== null) {
      let lo = Infinity;
      for (let i = nx * r, e = i + nx; i < e; i++) {
        const v = u[i];
        if (!Number.isFinite(v)) {
          lo = NaN;
          break;
        }
        if (v < lo) lo = v;
      }
      outMin[r] = lo;
    }
  }
}

/**
 * The largest exponent ψ_ref − ψ the Slotboom form may meet: M = e^{ψ_ref−ψ} sits on the
 * operator's diagonal and the coarsest level's Cholesky squares such entries, so e^{2·limit}
 * must stay finite in f64 (≈ 354.9, a potential spread of ≈ 9.2 V at 300 K).
 */
export const SLOTBOOM_MAX_EXPONENT = Math.log(Number.MAX_VALUE) / 2;

export interface TransportAssembleArgs {
  L: Layout;
  csRatio: number;
  bc: FieldBC;
  /** Transport scalars (Coefficients): drift factor and sink factor. */
  migration: number;
  sink: number;
  /** ψ padded with its own boundary conditions (the ghosts give the face potentials). */
  Pp: Padded;
  c: Float64Array;
  D: Float64Array;
  xiOld: Float64Array;
  xiNew: Float64Array;
  /** Out: M = e^{−(ψ−ψ_ref)}, the right-hand side, the warm start u and the operator. */
  M: Float64Array;
  rhs: Float64Array;
  u: Float64Array;
  op: StencilOp;
  /** The IMEX phase stage's ∂(∂ξ/∂t)/∂c̃ per cell (1/s; null: none, the explicit coupling). */
  reactC?: Float64Array | null;
}

/**
 * Rows (dt = s[0], ψ_ref = s[1]): M, the SG operator diag(M) + (dt/dx²)A_w with its Dirichlet
 * terms, rhs = c̃ⁿ − (c_s/c0)(ξⁿ⁺¹ − ξⁿ) + Σ w_b u_b, and the warm start u = c̃ⁿ e^{ψ−ψ_ref}.
 */
export function transportAssembleK(a: TransportAssembleArgs, s: Float64Array, r0: number, r1: number): void {
  const dt = s[0],
    ref = s[1];
  const { L, bc, c, D, xiOld, xiNew, M, rhs, u, op } = a;
  const reactC = a.reactC ?? null;
  const P = a.Pp,
    p = P.data;
  const { nx, ny, nz } = L;
  const three = L.dims === 3;
  const sc = dt / (L.dx * L.dx);
  const cs = a.csRatio * a.sink;
  const mg = a.migration;
  const sy = nx,
    sz = nx * ny;
  const psy = P.sy,
    psz = P.sz;
  const d = op.d,
    w0 = op.w[0],
    w1 = op.w[1],
    w2 = op.w[2];
  const t = bc.type,
    v = bc.value;
  const perX = t[1] === BC_PERIODIC,
    perY = t[3] === BC_PERIODIC,
    perZ = t[5] === BC_PERIODIC;
  const dir0 = t[0] === BC_DIRICHLET,
    dir1 = t[1] === BC_DIRICHLET,
    dir2 = t[2] === BC_DIRICHLET;
  const dir3 = t[3] === BC_DIRICHLET,
    dir4 = t[4] === BC_DIRICHLET,
    dir5 = t[5] === BC_DIRICHLET;
  for (let r = r0; r < r1; r++) {
    const j = r % ny,
      kk = (r / ny) | 0;
    const base = nx * r;
    const pbase = P.off + psy * j + psz * kk;
    const y0 = j === 0 && dir2,
      y1 = j === ny - 1 && dir3;
    const z0 = three && kk === 0 && dir4,
      z1 = three && kk === nz - 1 && dir5;
    for (let i = 0; i < nx; i++) {
      const c0 = base + i;
      const q = pbase + i;
      const aa = (p[q] - ref) * mg;
      const m = Math.exp(-aa);
      M[c0] = m;
      d[c0] = m;
      rhs[c0] = c[c0] - cs * (xiNew[c0] - xiOld[c0]);
      if (reactC !== null) {
        // the deposit's c̃-dependence implicit (docs/imex-phase.md): Δξ = Δξ_phase + g(c̃ⁿ⁺¹ − c̃ⁿ),
        // g = dt·∂(∂ξ/∂t)/∂c̃ ≥ 0, so the sink's g·c̃ⁿ⁺¹ = g·M·u joins the (positive) diagonal
        const g = dt * reactC[c0];
        d[c0] = m * (1 + cs * g);
        rhs[c0] += cs * g * c[c0];
      }
      u[c0] = c[c0] * Math.exp(aa);
      // + faces (the − face of a cell is the + face of its neighbour)
      const Dc = D[c0];
      w0[c0] =
        i < nx - 1
          ? sc * harmonic(Dc, D[c0 + 1]) * sgWeight(aa, (p[q + 1] - ref) * mg)
          : perX
            ? sc * harmonic(Dc, D[c0 - nx + 1]) * sgWeight(aa, (p[q + 1] - ref) * mg)
            : 0;
      w1[c0] =
        j < ny - 1
          ? sc * harmonic(Dc, D[c0 + sy]) * sgWeight(aa, (p[q + psy] - ref) * mg)
          : perY
            ? sc * harmonic(Dc, D[c0 - (ny - 1) * sy]) * sgWeight(aa, (p[q + psy] - ref) * mg)
            : 0;
      if (three) {
        w2[c0] =
          kk < nz - 1
            ? sc * harmonic(Dc, D[c0 + sz]) * sgWeight(aa, (p[q + psz] - ref) * mg)
            : perZ
              ? sc * harmonic(Dc, D[c0 - (nz - 1) * sz]) * sgWeight(aa, (p[q + psz] - ref) * mg)
              : 0;
      }
      // Dirichlet faces of c̃ in the order x0, x1, y0, y1, z0, z1: half-cell SG flux to the
      // face value g, u_face = g e^{ψ_face − ψ_ref}
      const x0 = i === 0 && dir0,
        x1 = i === nx - 1 && dir1;
      if (x0 || x1 || y0 || y1 || z0 || z1) {
        if (x0) addDirichlet(a, c0, 2 * sc * Dc, aa, (0.5 * (p[q] + p[q - 1]) - ref) * mg, v[0]);
        if (x1) addDirichlet(a, c0, 2 * sc * Dc, aa, (0.5 * (p[q] + p[q + 1]) - ref) * mg, v[1]);
        if (y0) addDirichlet(a, c0, 2 * sc * Dc, aa, (0.5 * (p[q] + p[q - psy]) - ref) * mg, v[2]);
        if (y1) addDirichlet(a, c0, 2 * sc * Dc, aa, (0.5 * (p[q] + p[q + psy]) - ref) * mg, v[3]);
        if (z0) addDirichlet(a, c0, 2 * sc * Dc, aa, (0.5 * (p[q] + p[q - psz]) - ref) * mg, v[4]);
        if (z1) addDirichlet(a, c0, 2 * sc * Dc, aa, (0.5 * (p[q] + p[q + psz]) - ref) * mg, v[5]);
      }
    }
  }
}

/** One Dirichlet face of cell c0: w_b = s2D·sgWeight(a, af) (s2D = 2·dt/dx²·D_cell), u_b = g e^{af}. */
function addDirichlet(a: TransportAssembleArgs, c0: number, s2D: number, aa: number, af: number, g: number): void {
  const wb = s2D * sgWeight(aa, af); // distance dx/2 → factor 2
  const ub = g * Math.exp(af);
  a.op.d[c0] += wb;
  a.rhs[c0] += wb * ub;
}

export interface TransportFinishArgs {
  L: Layout;
  bc: FieldBC;
  csRatio: number;
  vol: number;
  /**
   * true (c̃): the conservative limiter, then ξ ← ξⁿ⁺¹ with ξ̇ and rowDxi; false (a passive
   * species, the additive): c = M u only (host cells 0), ξ and its companions untouched.
   */
  deposits?: boolean;
  /** Transport scalars (Coefficients): drift factor and sink factor. */
  migration: number;
  sink: number;
  Pp: Padded;
  D: Float64Array;
  u: Float64Array;
  M: Float64Array;
  c: Float64Array;
  xi: Float64Array;
  xiNew: Float64Array;
  xidot: Float64Array;
  xiSolve: Float64Array;
  rowDxi: Float64Array;
  part: Float64Array;
  inPart: Float64Array;
  /** Out: per row Σ(ξⁿ⁺¹ − ξⁿ) after the limiter. */
  depPart: Float64Array;
  /** Optional material props (src/model/props.ts): host cells get c̃ = 0 and no limiter. */
  props?: Float32Array | null;
  /** The IMEX phase stage's ∂(∂ξ/∂t)/∂c̃ (transportAssembleK): ξⁿ⁺¹ += dt·reactC·(c̃ⁿ⁺¹ − c̃ⁿ) before the limiter. */
  reactC?: Float64Array | null;
}

/**
 * Rows (dt = s[0], ψ_ref = s[1]): the boundary influx Σ w_b (u_b − u_i)·vol over the row's
 * Dirichlet faces (w_b, u_b recomputed exactly as the assembly made them; cells in order, faces
 * x0, x1, y0, y1, z0, z1 within a cell), then c̃ = M u with the conservative limiter on c̃ and
 * ξⁿ⁺¹ (row partials of the ions given back × vol), then ξ̇ = (ξⁿ⁺¹ − ξ)/dt, ξ = ξⁿ⁺¹ and
 * rowDxi[r] = max |ξ − xiSolve| over the row.
 */
export function transportFinishK(a: TransportFinishArgs, s: Float64Array, r0: number, r1: number): void {
  const dt = s[0],
    ref = s[1];
  const { L, bc, vol, D, u, M, c, xi, xiNew, xidot, xiSolve, rowDxi, part, inPart, depPart } = a;
  const props = a.props ?? null;
  const reactC = a.reactC ?? null;
  // the limiter gives back metal at the sink's exchange rate (1/(c_s/c0) per ion in the base model)
  const csRatio = a.csRatio * a.sink;
  const mg = a.migration;
  const P = a.Pp,
    p = P.data;
  const { nx, ny, nz } = L;
  const three = L.dims === 3;
  const sc = dt / (L.dx * L.dx);
  const psy = P.sy,
    psz = P.sz;
  const t = bc.type,
    v = bc.value;
  const dir0 = t[0] === BC_DIRICHLET,
    dir1 = t[1] === BC_DIRICHLET,
    dir2 = t[2] === BC_DIRICHLET;
  const dir3 = t[3] === BC_DIRICHLET,
    dir4 = t[4] === BC_DIRICHLET,
    dir5 = t[5] === BC_DIRICHLET;
  const ghost = [-1, 1, -psy, psy, -psz, psz];
  const on = [false, false, false, false, false, false];
  for (let r = r0; r < r1; r++) {
    const j = r % ny,
      kk = (r / ny) | 0;
    const i0 = nx * r,
      i1 = i0 + nx;
    const pbase = P.off + psy * j + psz * kk;
    on[2] = j === 0 && dir2;
    on[3] = j === ny - 1 && dir3;
    on[4] = three && kk === 0 && dir4;
    on[5] = three && kk === nz - 1 && dir5;
    const whole = on[2] || on[3] || on[4] || on[5];
    // boundary influx
    let fin = 0;
    for (let i = 0; i < nx; i++) {
      // without a y or z Dirichlet face only the two end cells of the row can have one
      if (!whole && i > 0 && i < nx - 1) {
        i = nx - 2;
        continue;
      }
      on[0] = i === 0 && dir0;
      on[1] = i === nx - 1 && dir1;
      const c0 = i0 + i,
        q = pbase + i;
      const aa = (p[q] - ref) * mg;
      for (let f = 0; f < 6; f++) {
        if (!on[f]) continue;
        const af = (0.5 * (p[q] + p[q + ghost[f]]) - ref) * mg;
        const wb = 2 * sc * D[c0] * sgWeight(aa, af);
        const ub = v[f] * Math.exp(af);
        fin += wb * (ub - u[c0]) * vol;
      }
    }
    inPart[r] = fin;
    if (a.deposits === false) {
      // a passive species: no sink, so no limiter (see the header), and ξ is not its to commit
      for (let i = i0; i < i1; i++) c[i] = props !== null && props[4 * i + 3] > 0.5 ? 0 : u[i] * M[i];
      part[r] = 0;
      depPart[r] = 0;
      continue;
    }
    // c̃ = M u and the limiter
    let lim = 0;
    for (let i = i0; i < i1; i++) {
      // a host cell (material props, docs/material-switches.md) holds c̃ = 0: D = 0 isolates it, and the
      // solver's round-off there (amplified by M in the metal's potential) is not ions
      if (props !== null && props[4 * i + 3] > 0.5) {
        c[i] = 0;
        continue;
      }
      const cn = u[i] * M[i];
      // the implicit part of the deposit (c[i] still holds c̃ⁿ)
      if (reactC !== null) xiNew[i] += dt * reactC[i] * (cn - c[i]);
      if (cn < 0) {
        lim -= cn;
        xiNew[i] += cn / csRatio;
        c[i] = 0;
      } else c[i] = cn;
    }
    part[r] = lim * vol;
    let m = 0,
      dep = 0;
    for (let i = i0; i < i1; i++) {
      const dd = xiNew[i] - xi[i];
      dep += dd;
      xidot[i] = dd / dt;
      xi[i] = xiNew[i];
      m = Math.max(m, Math.abs(xi[i] - xiSolve[i]));
    }
    rowDxi[r] = m;
    depPart[r] = dep * vol;
  }
}

export interface TransportFields {
  c: Float64Array;
  psi: Float64Array;
  /** ξ before the phase stage (updated to ξⁿ⁺¹ by step()) and after it. */
  xi: Float64Array;
  xiNew: Float64Array;
  xidot: Float64Array;
  xiSolve: Float64Array;
  rowDxi: Float64Array;
  /** Optional material props [kL, kD, kS, host] per cell (src/model/props.ts): D uses kD and host. */
  props?: Float32Array | null;
  /**
   * The IMEX phase stage's ∂(∂ξ/∂t)/∂c̃ per cell (1/s), written by its first rate evaluation: the
   * deposit's dependence on c̃ is then taken implicitly (docs/imex-phase.md). Null/absent: the
   * explicit stage's coupling (c̃ⁿ in the rate). Only a depositing species uses it.
   */
  reactC?: Float64Array | null;
}

/**
 * What the transport solver advances: D(ξ) = Dhi·h + Dlo·(1 − h) (props: Dlo·kD, host 0), the
 * drift factor, the sink factor and whether the species deposits (limiter + ξ commit).
 */
export interface TransportSpecies {
  Dhi: number;
  Dlo: number;
  migration: number;
  sink: number;
  deposits: boolean;
}

/** Li⁺ (c̃): the species of equation (2) with the transport scalars of README: physics switches (binary electrolyte). */
export function lithiumSpecies(k: Coefficients): TransportSpecies {
  return { Dhi: k.Ds, Dlo: k.Dl, migration: k.migration, sink: k.sink, deposits: true };
}

/** A transported species (src/model/species.ts): D(1 − h), its drift factor, no sink, no deposit. */
export function speciesTransport(sp: Species): TransportSpecies {
  return { Dhi: 0, Dlo: sp.D, migration: sp.migration, sink: 0, deposits: false };
}

/** The transport step over fixed (shared) fields, run by an executor (serial or pool). */
export class TransportSolver {
  private op: StencilOp;
  private rhs: Float64Array;
  private u: Float64Array;
  private M: Float64Array;
  private D: Float64Array;
  private Pp: Padded;
  private rowMax: Float64Array;
  private rowMin: Float64Array;
  private migration: number;
  private part: Float64Array;
  private inPart: Float64Array;
  private depPart: Float64Array;
  private pcg: Pcg;
  private tInterp: Task;
  private tPad: Task;
  private tMax: Task;
  private tAssemble: Task;
  private tFinish: Task;
  /** φ boundary conditions (their Dirichlet values bound ψ_ref from below; x0 changes with setVoltage). */
  private bcPsi: FieldBC;

  /** `species` defaults to Li⁺ (lithiumSpecies); a transported species passes speciesTransport(sp) and its own field as f.c. */
  constructor(
    private exec: Exec,
    L: Layout,
    k: Coefficients,
    bcC: FieldBC,
    bcPsi: FieldBC,
    f: TransportFields,
    species: TransportSpecies = lithiumSpecies(k),
  ) {
    const sp = species;
    const { N, rows, nx } = L;
    this.op = makeOp(L.dims, [L.nx, L.ny, L.nz], L.periodic);
    this.rhs = sharedF64(N);
    this.u = sharedF64(N);
    this.M = sharedF64(N);
    this.D = sharedF64(N);
    this.Pp = makePadded(L);
    this.rowMax = sharedF64(rows);
    this.part = sharedF64(rows);
    this.inPart = sharedF64(rows);
    this.depPart = sharedF64(rows);
    this.bcPsi = bcPsi;
    this.tInterp = exec.task(
      'interp',
      { nx, src: f.xiNew, dst: this.D, hi: sp.Dhi, lo: sp.Dlo, props: f.props ?? null, kind: COEF_D },
      rows,
      N,
    );
    this.tPad = exec.task('fillPadded', { L, items: [{ P: this.Pp, u: f.psi, bc: bcPsi }] }, this.Pp.py * this.Pp.pz, N);
    this.rowMin = sharedF64(rows);
    this.migration = sp.migration;
    this.tMax = exec.task('rowMax', { nx, u: f.psi, out: this.rowMax, outMin: this.rowMin }, rows, N);
    this.tAssemble = exec.task(
      'transportAssemble',
      {
        L,
        csRatio: k.csRatio,
        migration: sp.migration,
        sink: sp.sink,
        bc: bcC,
        Pp: this.Pp,
        c: f.c,
        D: this.D,
        xiOld: f.xi,
        xiNew: f.xiNew,
        M: this.M,
        rhs: this.rhs,
        u: this.u,
        op: this.op,
        reactC: sp.deposits ? (f.reactC ?? null) : null,
      },
      rows,
      N,
    );
    const vol = L.dims === 3 ? L.dx ** 3 : L.dx ** 2;
    this.tFinish = exec.task(
      'transportFinish',
      {
        L,
        bc: bcC,
        csRatio: k.csRatio,
        migration: sp.migration,
        sink: sp.sink,
        deposits: sp.deposits,
        vol,
        Pp: this.Pp,
        D: this.D,
        u: this.u,
        M: this.M,
        c: f.c,
        xi: f.xi,
        xiNew: f.xiNew,
        xidot: f.xidot,
        xiSolve: f.xiSolve,
        rowDxi: f.rowDxi,
        part: this.part,
        inPart: this.inPart,
        depPart: this.depPart,
        props: f.props ?? null,
        reactC: sp.deposits ? (f.reactC ?? null) : null,
      },
      rows,
      N,
    );
    this.pcg = new Pcg(exec, this.op, this.rhs, this.u);
  }

  /**
   * Refuses a ψ the Slotboom form cannot represent (SLOTBOOM_MAX_EXPONENT) or that is not finite,
   * before anything is assembled: M = e^{ψ_ref−ψ} would overflow to ∞, ∞·0 makes NaN operator
   * entries, and the multigrid would fail with a NaN pivot. The potential is an input of the
   * step (the last solve's), so no step length can help: a StateError.
   */
  private checkPotentialRange(ref: number): void {
    if (this.migration === 0) return;
    let lo = Infinity;
    const rm = this.rowMin;
    for (let r = 0; r < rm.length; r++) lo = Number.isNaN(rm[r]) || Number.isNaN(lo) ? NaN : Math.min(lo, rm[r]);
    const spread = (ref - lo) * this.migration;
    if (spread <= SLOTBOOM_MAX_EXPONENT) return;
    const what = Number.isNaN(spread)
      ? 'the potential ψ holds a non-finite value'
      : `the potential spans ψ ∈ [${lo.toPrecision(6)}, ${ref.toPrecision(6)}] (fφ), so the Slotboom factor e^{ψ_ref−ψ} of the implicit transport reaches e^${spread.toPrecision(4)}, beyond the e^${SLOTBOOM_MAX_EXPONENT.toPrecision(4)} f64 can carry through the solve`;
    throw new StateError(
      `transport: ${what}; this ψ is the last potential solve's, which balanced the previous step's deposition rate (a runaway ∂ξ/∂t makes a deep potential well), and no step length can change it`,
    );
  }

  /**
   * Advances c̃ in place and commits ξ ← ξⁿ⁺¹ (after the limiter, which may reduce ξⁿ⁺¹),
   * with ξ̇ = (ξⁿ⁺¹ − ξⁿ)/dt. Returns solver stats.
   */
  step(dt: number, tol: number, maxIter: number): TransportResult {
    const { exec } = this;
    exec.run(this.tInterp);
    exec.run(this.tPad);
    exec.run(this.tMax);
    // ψ_ref: the largest ψ over the cells (rows in order, first of equal values, as one pass
    // over the cells would take it), then the Dirichlet values of φ
    let ref = -Infinity;
    const rm = this.rowMax;
    for (let r = 0; r < rm.length; r++) if (rm[r] > ref) ref = rm[r];
    const bp = this.bcPsi;
    for (let q = 0; q < 6; q++) if (bp.type[q] === BC_DIRICHLET && bp.value[q] > ref) ref = bp.value[q];
    this.checkPotentialRange(ref);
    exec.run(this.tAssemble, dt, ref);
    const st = this.pcg.solve({ tol, maxIter });
    exec.run(this.tFinish, dt, ref);
    return {
      ...st,
      limited: pairwiseSum(this.part),
      influx: pairwiseSum(this.inPart),
      migrationRate: 0,
      deposited: pairwiseSum(this.depPart),
    };
  }
}

/**
 * The transport stage on caller-owned arrays, serially (tests, tools):
 * new TransportStage(L, k, bcC, bcPsi).step(c, psi, xiOld, xiNew, dt, tol, maxIter) advances c
 * in place; xiNew may be reduced by the limiter.
 */
export class TransportStage {
  private f: TransportFields;
  private solver: TransportSolver;
  constructor(
    L: Layout,
    k: Coefficients,
    bcC: FieldBC,
    bcPsi: FieldBC,
    exec: Exec = new SerialExec(),
    species: TransportSpecies = lithiumSpecies(k),
  ) {
    const N = L.N;
    this.f = {
      c: sharedF64(N),
      psi: sharedF64(N),
      xi: sharedF64(N),
      xiNew: sharedF64(N),
      xidot: sharedF64(N),
      xiSolve: sharedF64(N),
      rowDxi: sharedF64(L.rows),
    };
    this.solver = new TransportSolver(exec, L, k, bcC, bcPsi, this.f, species);
  }

  step(
    c: Float64Array,
    psi: Float64Array,
    xiOld: Float64Array,
    xiNew: Float64Array,
    dt: number,
    tol: number,
    maxIter: number,
  ): TransportResult {
    const f = this.f;
    f.c.set(c);
    f.psi.set(psi);
    f.xi.set(xiOld);
    f.xiNew.set(xiNew);
    const r = this.solver.step(dt, tol, maxIter);
    c.set(f.c);
    xiNew.set(f.xiNew);
    return r;
  }
}
