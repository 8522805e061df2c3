/**
 * Phase stage: one explicit Euler step of equation (1) in scaled units,
 *   ∂ξ/∂t = L_σκ0 ∇·J(∇ξ) − L_σW g′(ξ) − L_η h′(ξ)[e^{(1−α)ψ} − c̃ e^{−αψ}]  (+ noise)
 * J is the anisotropic gradient flux, evaluated at cell faces (the face-normal difference
 * and the transverse central differences averaged over the two cells):
 *   2D (Kobayashi): J = a²∇ξ + a a′ (−∂yξ, ∂xξ),  a = 1 + δ cos(ω(θ − θ0)), θ = atan2(∂yξ, ∂xξ)
 *   3D (cubic):     J = a²∇ξ + 16δ a |∇ξ| (n_i³ − n_i Σ n_k⁴),  a = 1 − δ(3 − 4 Σ n_k⁴)
 * Where |∇ξ| < 1e-9 /µm the direction is undefined and J = ∇ξ (the flux is ~0 there anyway).
 * Noise: ξ += σ_W √dt N(0,1) · 16ξ²(1−ξ)², N from the counter-based generator.
 * Material props (src/model/props.ts, docs/material-switches.md), when given: the reaction rate is
 * L_η·kL (kL = props[4q]); a host cell (props[4q+3] > 0.5) is frozen: no rate, no noise, and its
 * ξ is written back as exactly 1 or 0 (x > ½ ? 1 : 0), so the fixed host value cannot drift
 * through the transport limiter's tiny corrections. Without props: kL = 1, no host (base model,
 * the same floating-point operations as before the switch existed).
 * Transported species (src/model/species.ts; the shielding additive, docs/additive.md), when
 * their fields are given: the local reaction rate is screened where they have gathered above
 * their bulk values,
 *   L_η,eff = L_η·kL / (1 + Σ_m s_m·max(0, ã_m − 1)),   s_m = Coefficients.species[m].shielding,
 * from the ã the last transport stage left (without species: no division at all, the base model).
 * Mechanics (docs/mechanics.md), when its coupling field is given: per cell [s, q] from the last
 * displacement solve; the Butler–Volmer exponents use ψ + s (s = ΩΔP/RT, the mechanical work of
 * a mole of deposit) and the rate gains −L_σ μ_ref·h′(ξ)·q (q = ∂f_el/∂ξ / (h′ μ_ref)).
 */
import type { Coefficients } from '../../model/derived.ts';
import { cellNormal } from '../../model/noise.ts';
import type { Layout } from '../layout.ts';
import type { Padded } from './padded.ts';

export interface PhaseArgs {
  L: Layout;
  k: Coefficients;
  P: Padded;
  /** c̃ and ψ, unpadded. */
  c: Float64Array;
  psi: Float64Array;
  /** Output: ξ after the step (unpadded). */
  out: Float64Array;
  dt: number;
  /** Per-step noise key (stepKey(seed, step)). */
  key: number;
  /** Per-row maxima: |deterministic rate| and reaction stiffness (1/s). */
  rowMaxRate: Float64Array;
  rowStiff: Float64Array;
  /** Optional material props [kL, kD, kS, host] per cell (null/absent: the base model). */
  props?: Float32Array | null;
  /** The fields ã of Coefficients.species, in order (absent or empty: no screening). */
  species?: Float64Array[];
  /** Mechanics coupling [s, q] per cell (elasticCouplingK); absent/null: none (the same operations as without it). */
  mech?: Float64Array | null;
  /**
   * IMEX sweeps (phase-imex.ts, docs/imex-phase.md): when given, the kernel writes the
   * deterministic rate of the padded ξ into `rate` (and, when `stab` is given, the cell's slope
   * S = L_σW g″(ξ) + L_η,eff h″(ξ) B, imexStab) instead of stepping: no noise, `out` untouched; a
   * host cell gets rate 0 and S 0.
   */
  rate?: Float64Array | null;
  stab?: Float64Array | null;
  /** With `stab`: ∂rate/∂c̃ = L_η,eff h′(ξ) e^{−αψ} per cell (0 on host cells). */
  dRateDc?: Float64Array | null;
}

/** Phase task: PhaseArgs without the per-call dt and key (they are scalars s[0], s[1]). */
export type PhaseTaskArgs = Omit<PhaseArgs, 'dt' | 'key'>;

const GRAD_EPS2 = 1e-18;

// Face fluxes: each function returns one component of J(∇ξ) (the one normal to the face), with
// the same floating-point expression as the full vector. A face is shared by two cells and
// both compute it from the same numbers (the transverse sums are added in either order, which
// IEEE addition does not mind), so a row computes each face once and hands its + faces to the
// next row.

function flux2x(gx: number, gy: number, k: Coefficients): number {
  if (k.delta === 0) return gx;
  const g2 = gx * gx + gy * gy;
  if (g2 < GRAD_EPS2) return gx;
  const th = Math.atan2(gy, gx);
  const arg = k.omega * (th - k.theta0);
  const a = 1 + k.delta * Math.cos(arg);
  const ap = -k.delta * k.omega * Math.sin(arg);
  return a * a * gx - a * ap * gy;
}

function flux2y(gx: number, gy: number, k: Coefficients): number {
  if (k.delta === 0) return gy;
  const g2 = gx * gx + gy * gy;
  if (g2 < GRAD_EPS2) return gy;
  const th = Math.atan2(gy, gx);
  const arg = k.omega * (th - k.theta0);
  const a = 1 + k.delta * Math.cos(arg);
  const ap = -k.delta * k.omega * Math.sin(arg);
  return a * a * gy + a * ap * gx;
}

/** Component `axis` of the 3D cubic-anisotropy flux. */
function flux3(gx: number, gy: number, gz: number, k: Coefficients, axis: 0 | 1 | 2): number {
  const ga = axis === 0 ? gx : axis === 1 ? gy : gz;
  if (k.delta === 0) return ga;
  const g2 = gx * gx + gy * gy + gz * gz;
  if (g2 < GRAD_EPS2) return ga;
  const g = Math.sqrt(g2);
  const nx = gx / g,
    ny = gy / g,
    nz = gz / g;
  // powers by multiplication (x ** 4 is a libm pow call, ~50× slower; the results differ by round-off)
  const nx2 = nx * nx,
    ny2 = ny * ny,
    nz2 = nz * nz;
  const s4 = nx2 * nx2 + ny2 * ny2 + nz2 * nz2;
  const a = 1 - k.delta * (3 - 4 * s4);
  const t = 16 * k.delta * a * g;
  const na = axis === 0 ? nx : axis === 1 ? ny : nz;
  return a * a * ga + t * (na * na * na - na * s4);
}

/**
 * The IMEX stabilisation of one cell (docs/imex-phase.md): the local slope of the double-well
 * and reaction terms, ∂/∂ξ [L_σW g′(ξ) + L_η,eff h′(ξ) B] = L_σW g″(ξ) + L_η,eff h″(ξ) B, with
 * B = e^{(1−α)ψ} − c̃e^{−αψ} held at its value (ψ, c̃ are lagged). It may be negative (the
 * interface core); phase-imex.ts clamps it.
 */
export function imexStab(mobW: number, leta: number, x: number, bv: number): number {
  const g2 = 2 * (1 - 6 * x * (1 - x)); // g″ = 2(1 − 6ξ + 6ξ²)
  const h2 = 60 * x * (1 - x) * (1 - 2 * x); // h″
  return mobW * g2 + leta * h2 * bv;
}

// Per-thread scratch (each worker has its own module instance); valid within one call only.
let fxBuf = new Float64Array(0),
  nBuf = new Float64Array(0),
  sBuf = new Float64Array(0);
let upPlane = new Float64Array(0);
let upK = new Int32Array(0);

function scratch(nx: number, ny: number, three: boolean): void {
  if (fxBuf.length < nx + 1) {
    fxBuf = new Float64Array(nx + 1);
    nBuf = new Float64Array(nx);
    sBuf = new Float64Array(nx);
  }
  if (three && (upPlane.length < nx * ny || upK.length < ny)) {
    upPlane = new Float64Array(nx * ny);
    upK = new Int32Array(ny);
  }
  if (three) upK.fill(-2, 0, ny);
}

/** Updates rows [r0, r1): out = ξ + dt·rate + noise. */
export function phaseRows(a: PhaseArgs, r0: number, r1: number): void {
  phaseRowsAt(a, a.dt, a.key, r0, r1);
}

/** Kernel form: s[0] = dt, s[1] = noise key. */
export function phaseK(a: PhaseTaskArgs, s: Float64Array, r0: number, r1: number): void {
  phaseRowsAt(a, s[0], s[1], r0, r1);
}

function phaseRowsAt(a: PhaseTaskArgs, dt: number, key: number, r0: number, r1: number): void {
  const { L, k, P, c, psi, out } = a;
  const rateOut = a.rate ?? null,
    stabOut = a.stab ?? null,
    dcOut = a.dRateDc ?? null;
  const props = a.props ?? null;
  const spf = a.species ?? [];
  const mech = a.mech ?? null;
  const mobEl = k.mechanics?.mobEl ?? 0;
  const shield = k.species.map((sp) => sp.shielding);
  const nsp = spf.length;
  const d = P.data;
  const inv = 1 / L.dx;
  const ea = 1 - k.alpha,
    eb = k.alpha;
  const noiseAmp = k.noiseSigma * Math.sqrt(dt);
  const H2MAX = 5.7735; // max |h″(ξ)| on [0,1] = 10/√3
  const nx = L.nx,
    ny = L.ny;
  const sy = P.sy,
    sz = P.sz;
  const three = L.dims === 3;
  const h = 0.25 * inv;
  scratch(nx, ny, three);
  const fx = fxBuf;
  let fs = sBuf,
    fn = nBuf;
  let prev = -2;
  for (let r = r0; r < r1; r++) {
    const j = r % ny,
      kk = (r / ny) | 0;
    const base = nx * r;
    const pbase = P.off + sy * j + sz * kk;
    // the south faces of this row are the north faces of the previous one when it was (j−1, k)
    const haveSouth = r === prev + 1 && j > 0;
    if (!haveSouth) {
      for (let i = 0; i < nx; i++) {
        const p = pbase + i;
        if (three) {
          fs[i] = flux3(
            h * (d[p + 1] - d[p - 1] + (d[p + 1 - sy] - d[p - 1 - sy])),
            (d[p] - d[p - sy]) * inv,
            h * (d[p + sz] - d[p - sz] + (d[p - sy + sz] - d[p - sy - sz])),
            k,
            1,
          );
        } else {
          const cxC = d[p + 1] - d[p - 1],
            cxS = d[p + 1 - sy] - d[p - 1 - sy];
          fs[i] = flux2y(0.25 * (cxC + cxS) * inv, (d[p] - d[p - sy]) * inv, k);
        }
      }
    }
    // x faces: fx[f] is the face between cells f−1 and f
    for (let f = 0; f <= nx; f++) {
      const q = pbase + f - 1;
      if (three) {
        fx[f] = flux3(
          (d[q + 1] - d[q]) * inv,
          h * (d[q + sy] - d[q - sy] + (d[q + 1 + sy] - d[q + 1 - sy])),
          h * (d[q + sz] - d[q - sz] + (d[q + 1 + sz] - d[q + 1 - sz])),
          k,
          0,
        );
      } else {
        const cyq = d[q + sy] - d[q - sy],
          cyq1 = d[q + 1 + sy] - d[q + 1 - sy];
        fx[f] = flux2x((d[q + 1] - d[q]) * inv, 0.25 * (cyq + cyq1) * inv, k);
      }
    }
    let maxRate = 0,
      maxStiff = 0;
    for (let i = 0; i < nx; i++) {
      const p = pbase + i;
      const idx = base + i;
      const x = d[p];
      let div: number;
      if (three) {
        const dXp = d[p + 1] - d[p - 1],
          dYp = d[p + sy] - d[p - sy],
          dZp = d[p + sz] - d[p - sz];
        const jN = flux3(
          h * (dXp + (d[p + 1 + sy] - d[p - 1 + sy])),
          (d[p + sy] - x) * inv,
          h * (dZp + (d[p + sy + sz] - d[p + sy - sz])),
          k,
          1,
        );
        fn[i] = jN;
        const q = j * nx + i;
        const jD =
          upK[j] === kk - 1
            ? upPlane[q]
            : flux3(
                h * (dXp + (d[p - sz + 1] - d[p - sz - 1])),
                h * (dYp + (d[p - sz + sy] - d[p - sz - sy])),
                (x - d[p - sz]) * inv,
                k,
                2,
              );
        const jU = flux3(
          h * (dXp + (d[p + sz + 1] - d[p + sz - 1])),
          h * (dYp + (d[p + sz + sy] - d[p + sz - sy])),
          (d[p + sz] - x) * inv,
          k,
          2,
        );
        upPlane[q] = jU;
        div = (fx[i + 1] - fx[i] + jN - fs[i] + jU - jD) * inv;
      } else {
        const cxC = d[p + 1] - d[p - 1],
          cxN = d[p + 1 + sy] - d[p - 1 + sy];
        const jN = flux2y(0.25 * (cxC + cxN) * inv, (d[p + sy] - x) * inv, k);
        fn[i] = jN;
        div = (fx[i + 1] - fx[i] + jN - fs[i]) * inv;
      }
      // (the face fluxes above are computed for host cells too: the next row and plane reuse them)
      let leta = k.Leta;
      if (props !== null) {
        // host: frozen at its fixed value 1 (lithiophilic) or 0, ∂ξ/∂t = 0, no noise
        if (props[4 * idx + 3] > 0.5) {
          if (rateOut === null) out[idx] = x > 0.5 ? 1 : 0;
          else {
            rateOut[idx] = 0;
            if (stabOut !== null) stabOut[idx] = 0;
            if (dcOut !== null) dcOut[idx] = 0;
          }
          continue;
        }
        leta = k.Leta * props[4 * idx]; // L_η·kL
      }
      if (nsp > 0) {
        // screening by the species gathered above their bulk values (a NaN ã stays NaN: the
        // reductions and the stability check see it); one species: 1 + s·max(…), as always
        let den = 1;
        for (let m = 0; m < nsp; m++) {
          const ex = spf[m][idx] - 1;
          den += shield[m] * (ex > 0 ? ex : Math.max(ex, 0));
        }
        leta = leta / den;
      }
      const gp = 2 * x * (1 - x) * (1 - 2 * x);
      const hp = 30 * x * x * (1 - x) * (1 - x);
      let ps = psi[idx];
      let q = 0;
      if (mech !== null) {
        ps += mech[2 * idx];
        q = mech[2 * idx + 1];
      }
      const ox = Math.exp(ea * ps);
      const red = c[idx] * Math.exp(-eb * ps);
      const rate = k.mobKappa * div - k.mobW * gp - leta * hp * (ox - red) - (mech !== null ? mobEl * hp * q : 0);
      if (rateOut === null) {
        let xn = x + dt * rate;
        if (noiseAmp > 0) {
          const m = 16 * x * x * (1 - x) * (1 - x);
          if (m > 0) xn += noiseAmp * m * cellNormal(key, idx);
        }
        out[idx] = xn;
      } else {
        rateOut[idx] = rate;
        if (stabOut !== null) {
          // the elastic force's ξ-slope L_σμ_ref·h″·q joins the reaction's (imexStab)
          const h2 = 60 * x * (1 - x) * (1 - 2 * x);
          stabOut[idx] = imexStab(k.mobW, leta, x, ox - red) + (mech !== null ? mobEl * h2 * q : 0);
          // ∂rate/∂c̃ = L_η,eff h′(ξ) e^{−αψ} (the transport stage takes it implicitly)
          if (dcOut !== null) dcOut[idx] = leta * hp * Math.exp(-eb * ps);
        }
      }
      const ar = Math.abs(rate);
      if (ar > maxRate) maxRate = ar;
      // (the elastic term's stiffness |∂(h′q)/∂ξ| = |h″(ξ)·q| with the local h″: q can be large in a
      // soft phase far from the interface, where h″ is small)
      const st =
        leta * (ox + Math.abs(red)) * H2MAX + (mech !== null ? mobEl * Math.abs(mech[2 * idx + 1] * 60 * x * (1 - x) * (1 - 2 * x)) : 0);
      if (st > maxStiff) maxStiff = st;
    }
    if (three) upK[j] = kk;
    a.rowMaxRate[r] = maxRate;
    a.rowStiff[r] = maxStiff;
    const t = fs;
    fs = fn;
    fn = t;
    prev = r;
  }
}
