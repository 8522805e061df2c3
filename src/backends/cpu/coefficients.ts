/**
 * Cell and face coefficients shared by the transport and potential stages:
 * D(ξ) = D_s h + D_l (1−h), σ̂(ξ) = σ̂_s h + (1−h) with h = h(clamp(ξ, 0, 1)), faces by
 * harmonic mean, and the assembly of a face-weight operator with boundary conditions.
 * The clamp matters: h is a quintic that leaves [0, 1] outside it, so a ξ slightly below 0
 * would give σ̂ < 0 with σ̂_s ~ 1e7 (a non-positive-definite potential operator).
 */
import { hInterp } from '../../model/initial.ts';
import { BC_DIRICHLET, BC_PERIODIC, type FieldBC } from '../layout.ts';
import type { StencilOp } from './operator.ts';

export function harmonic(a: number, b: number): number {
  return a + b > 0 ? (2 * a * b) / (a + b) : 0;
}

/**
 * h(ξ) of ξ clamped to [0, 1], for the coefficients D(ξ) and σ̂(ξ) (so they stay between their
 * phase values); NaN stays NaN. Elsewhere (initial c̃ = 1 − h, reductions) h is not clamped.
 */
export function hCoef(x: number): number {
  return hInterp(x < 0 ? 0 : Math.min(x, 1));
}

/** Fills out[i] = hi·h(ξ_i) + lo·(1 − h(ξ_i)), h of ξ clamped to [0, 1] (hCoef), for cells [i0, i1). */
export function interpCoef(xi: Float64Array, hi: number, lo: number, out: Float64Array, i0 = 0, i1 = xi.length): void {
  for (let i = i0; i < i1; i++) {
    const h = hCoef(xi[i]);
    out[i] = hi * h + lo * (1 - h);
  }
}

/** Which coefficient a props-aware interpolation forms (the slot of props it reads). */
export const COEF_D = 1;
export const COEF_SIGMA = 2;

/**
 * The coefficients with material props (src/model/props.ts, docs/material-switches.md), h = hCoef(ξ),
 * host = props[4i+3] > 0.5:
 *   kind COEF_D:     D(ξ) = host ? 0   : hi·h + (lo·kD)·(1 − h)   (hi = D_s, lo = D_l, kD = props[4i+1])
 *   kind COEF_SIGMA: σ̂(ξ) = host ? hi : hi·h + (lo·kS)·(1 − h)   (hi = σ̂_s, lo = 1,  kS = props[4i+2])
 * With props = [1, 1, 1, 0] this is interpCoef bit for bit (lo·1 is exact).
 */
export function interpCoefProps(
  xi: Float64Array,
  hi: number,
  lo: number,
  props: Float32Array,
  kind: number,
  out: Float64Array,
  i0 = 0,
  i1 = xi.length,
): void {
  const hostValue = kind === COEF_SIGMA ? hi : 0;
  for (let i = i0; i < i1; i++) {
    if (props[4 * i + 3] > 0.5) {
      out[i] = hostValue;
      continue;
    }
    const h = hCoef(xi[i]);
    out[i] = hi * h + lo * props[4 * i + kind] * (1 - h);
  }
}

/** Kernel: interpCoef over rows (rows of nx cells); with props, interpCoefProps of the given kind. */
export function interpK(
  a: { nx: number; src: Float64Array; dst: Float64Array; hi: number; lo: number; props?: Float32Array | null; kind?: number },
  _s: Float64Array,
  r0: number,
  r1: number,
): void {
  if (a.props) interpCoefProps(a.src, a.hi, a.lo, a.props, a.kind ?? COEF_D, a.dst, a.nx * r0, a.nx * r1);
  else interpCoef(a.src, a.hi, a.lo, a.dst, a.nx * r0, a.nx * r1);
}

/** The operator geometry assemble() needs (a Layout has it). */
export interface Grid {
  dims: 2 | 3;
  nx: number;
  ny: number;
  nz: number;
}

/**
 * Assembles op = mass·I + scale·(−∇·(coef ∇)) with faces by harmonic mean, and adds the
 * Dirichlet boundary terms of bc to op.d and to rhs (face value g at distance dx/2:
 * weight 2·scale·coef_cell). Face weights on non-periodic boundaries are left at 0.
 */
export function assemble(L: Grid, coef: Float64Array, scale: number, mass: number, bc: FieldBC, op: StencilOp, rhs: Float64Array): void {
  assembleRows(L, coef, scale, mass, bc, op, rhs, 0, L.ny * L.nz);
}

/** assemble() over rows [r0, r1): writes op.d, op.w and adds to rhs for the cells of those rows only. */
export function assembleRows(
  L: Grid,
  coef: Float64Array,
  scale: number,
  mass: number,
  bc: FieldBC,
  op: StencilOp,
  rhs: Float64Array,
  r0: number,
  r1: number,
): void {
  const { nx, ny, nz } = L;
  const sy = nx,
    sz = nx * ny;
  const three = L.dims === 3;
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
      k = (r / ny) | 0;
    const base = nx * r;
    const y0 = j === 0 && dir2,
      y1 = j === ny - 1 && dir3;
    const z0 = three && k === 0 && dir4,
      z1 = three && k === nz - 1 && dir5;
    for (let i = 0; i < nx; i++) {
      const c = base + i;
      const kc = coef[c];
      d[c] = mass;
      w0[c] = i < nx - 1 ? scale * harmonic(kc, coef[c + 1]) : perX ? scale * harmonic(kc, coef[c - nx + 1]) : 0;
      w1[c] = j < ny - 1 ? scale * harmonic(kc, coef[c + sy]) : perY ? scale * harmonic(kc, coef[c - (ny - 1) * sy]) : 0;
      if (three) w2[c] = k < nz - 1 ? scale * harmonic(kc, coef[c + sz]) : perZ ? scale * harmonic(kc, coef[c - (nz - 1) * sz]) : 0;
      // Dirichlet faces in the order x0, x1, y0, y1, z0, z1
      const x0 = i === 0 && dir0,
        x1 = i === nx - 1 && dir1;
      if (x0 || x1 || y0 || y1 || z0 || z1) {
        const wb = 2 * scale * kc;
        if (x0) {
          d[c] += wb;
          rhs[c] += wb * v[0];
        }
        if (x1) {
          d[c] += wb;
          rhs[c] += wb * v[1];
        }
        if (y0) {
          d[c] += wb;
          rhs[c] += wb * v[2];
        }
        if (y1) {
          d[c] += wb;
          rhs[c] += wb * v[3];
        }
        if (z0) {
          d[c] += wb;
          rhs[c] += wb * v[4];
        }
        if (z1) {
          d[c] += wb;
          rhs[c] += wb * v[5];
        }
      }
    }
  }
}
