/**
 * Phase stage: one explicit Euler step of equation (1) in scaled units,
 *   ∂ξ/∂t = L_σκ0 ∇·J(∇ξ) − L_σW g′(ξ) − L_η h′(ξ)[e^{(1−α)ψ} − c̃ e^{−αψ}]  (+ noise)
 * J is the anisotropic gradient flux, evaluated at cell faces (the face-normal difference
 * and the transverse central differences averaged over the two cells):
 *   2D (Kobayashi): J = a²∇ξ + a a′ (−∂yξ, ∂xξ),  a = 1 + δ cos(ω(θ − θ0)), θ = atan2(∂yξ, ∂xξ)
 *   3D (cubic):     J = a²∇ξ + 16δ a |∇ξ| (n_i³ − n_i Σ n_k⁴),  a = 1 − δ(3 − 4 Σ n_k⁴)
 * Where |∇ξ| < 1e-9 /µm the direction is undefined and J = ∇ξ (the flux is ~0 there anyway).
 * Noise: ξ += σ_W √dt N(0,1) · 16ξ²(1−ξ)², N from the counter-based generator.
 */
import type { Coefficients } from '../../model/derived.ts';
import { cellNormal } from '../../model/noise.ts';
import type { Layout } from '../layout.ts';
import type { Padded } from './padded.ts';

export interface PhaseArgs {
  L: Layout; k: Coefficients; P: Padded;
  /** c̃ and ψ, unpadded. */
  c: Float64Array; psi: Float64Array;
  /** Output: ξ after the step (unpadded). */
  out: Float64Array;
  dt: number;
  /** Per-step noise key (stepKey(seed, step)). */
  key: number;
  /** Per-row maxima: |deterministic rate| and reaction stiffness (1/s). */
  rowMaxRate: Float64Array; rowStiff: Float64Array;
}

const GRAD_EPS2 = 1e-18;

function flux2(gx: number, gy: number, k: Coefficients): [number, number] {
  if (k.delta === 0) return [gx, gy];
  const g2 = gx * gx + gy * gy;
  if (g2 < GRAD_EPS2) return [gx, gy];
  const th = Math.atan2(gy, gx);
  const arg = k.omega * (th - k.theta0);
  const a = 1 + k.delta * Math.cos(arg);
  const ap = -k.delta * k.omega * Math.sin(arg);
  return [a * a * gx - a * ap * gy, a * a * gy + a * ap * gx];
}

function flux3(gx: number, gy: number, gz: number, k: Coefficients): [number, number, number] {
  if (k.delta === 0) return [gx, gy, gz];
  const g2 = gx * gx + gy * gy + gz * gz;
  if (g2 < GRAD_EPS2) return [gx, gy, gz];
  const g = Math.sqrt(g2);
  const nx = gx / g, ny = gy / g, nz = gz / g;
  const s4 = nx ** 4 + ny ** 4 + nz ** 4;
  const a = 1 - k.delta * (3 - 4 * s4);
  const t = 16 * k.delta * a * g;
  return [a * a * gx + t * (nx ** 3 - nx * s4), a * a * gy + t * (ny ** 3 - ny * s4), a * a * gz + t * (nz ** 3 - nz * s4)];
}

/** Divergence of J at padded index p (2D). */
function divJ2(d: Float64Array, p: number, sy: number, k: Coefficients, inv: number): number {
  const c = d[p];
  // central ∂y at the cell and its x neighbours, ∂x at the cell and its y neighbours
  const cyC = d[p + sy] - d[p - sy], cyE = d[p + 1 + sy] - d[p + 1 - sy], cyW = d[p - 1 + sy] - d[p - 1 - sy];
  const cxC = d[p + 1] - d[p - 1], cxN = d[p + 1 + sy] - d[p - 1 + sy], cxS = d[p + 1 - sy] - d[p - 1 - sy];
  const jE = flux2((d[p + 1] - c) * inv, 0.25 * (cyC + cyE) * inv, k)[0];
  const jW = flux2((c - d[p - 1]) * inv, 0.25 * (cyC + cyW) * inv, k)[0];
  const jN = flux2(0.25 * (cxC + cxN) * inv, (d[p + sy] - c) * inv, k)[1];
  const jS = flux2(0.25 * (cxC + cxS) * inv, (c - d[p - sy]) * inv, k)[1];
  return (jE - jW + jN - jS) * inv;
}

/** Divergence of J at padded index p (3D). */
function divJ3(d: Float64Array, p: number, sy: number, sz: number, k: Coefficients, inv: number): number {
  const c = d[p];
  const dY = (q: number) => d[q + sy] - d[q - sy];
  const dZ = (q: number) => d[q + sz] - d[q - sz];
  const dX = (q: number) => d[q + 1] - d[q - 1];
  const h = 0.25 * inv;
  const jE = flux3((d[p + 1] - c) * inv, h * (dY(p) + dY(p + 1)), h * (dZ(p) + dZ(p + 1)), k)[0];
  const jW = flux3((c - d[p - 1]) * inv, h * (dY(p) + dY(p - 1)), h * (dZ(p) + dZ(p - 1)), k)[0];
  const jN = flux3(h * (dX(p) + dX(p + sy)), (d[p + sy] - c) * inv, h * (dZ(p) + dZ(p + sy)), k)[1];
  const jS = flux3(h * (dX(p) + dX(p - sy)), (c - d[p - sy]) * inv, h * (dZ(p) + dZ(p - sy)), k)[1];
  const jU = flux3(h * (dX(p) + dX(p + sz)), h * (dY(p) + dY(p + sz)), (d[p + sz] - c) * inv, k)[2];
  const jD = flux3(h * (dX(p) + dX(p - sz)), h * (dY(p) + dY(p - sz)), (c - d[p - sz]) * inv, k)[2];
  return (jE - jW + jN - jS + jU - jD) * inv;
}

/** Updates rows [r0, r1): out = ξ + dt·rate + noise. */
export function phaseRows(a: PhaseArgs, r0: number, r1: number): void {
  const { L, k, P, c, psi, out, dt } = a;
  const d = P.data;
  const inv = 1 / L.dx;
  const ea = 1 - k.alpha, eb = k.alpha;
  const noiseAmp = k.noiseSigma * Math.sqrt(dt);
  const H2MAX = 5.7735; // max |h″(ξ)| on [0,1] = 10/√3
  for (let r = r0; r < r1; r++) {
    const j = r % L.ny, kk = (r / L.ny) | 0;
    const base = L.nx * r;
    const pbase = P.off + P.sy * j + P.sz * kk;
    let maxRate = 0, maxStiff = 0;
    for (let i = 0; i < L.nx; i++) {
      const p = pbase + i;
      const idx = base + i;
      const x = d[p];
      const div = L.dims === 3 ? divJ3(d, p, P.sy, P.sz, k, inv) : divJ2(d, p, P.sy, k, inv);
      const gp = 2 * x * (1 - x) * (1 - 2 * x);
      const hp = 30 * x * x * (1 - x) * (1 - x);
      const ox = Math.exp(ea * psi[idx]);
      const red = c[idx] * Math.exp(-eb * psi[idx]);
      const rate = k.mobKappa * div - k.mobW * gp - k.Leta * hp * (ox - red);
      let xn = x + dt * rate;
      if (noiseAmp > 0) {
        const m = 16 * x * x * (1 - x) * (1 - x);
        if (m > 0) xn += noiseAmp * m * cellNormal(a.key, idx);
      }
      out[idx] = xn;
      const ar = Math.abs(rate);
      if (ar > maxRate) maxRate = ar;
      const st = k.Leta * (ox + Math.abs(red)) * H2MAX;
      if (st > maxStiff) maxStiff = st;
    }
    a.rowMaxRate[r] = maxRate;
    a.rowStiff[r] = maxStiff;
  }
}
