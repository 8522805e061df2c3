/**
 * Cell and face coefficients shared by the transport and potential stages:
 * D(ξ) = D_s h + D_l (1−h), σ̂(ξ) = σ̂_s h + (1−h), faces by harmonic mean, and the
 * assembly of a face-weight operator with boundary conditions.
 */
import { hInterp } from '../../model/initial.ts';
import { BC_DIRICHLET, BC_PERIODIC, type FieldBC, type Layout } from '../layout.ts';
import type { StencilOp } from './operator.ts';

export function harmonic(a: number, b: number): number {
  return a + b > 0 ? (2 * a * b) / (a + b) : 0;
}

/** Fills cellCoef[i] = lo + (hi − lo)·h(ξ_i). */
export function interpCoef(xi: Float64Array, hi: number, lo: number, out: Float64Array): void {
  for (let i = 0; i < xi.length; i++) out[i] = hi * hInterp(xi[i]) + lo * (1 - hInterp(xi[i]));
}

/**
 * Assembles op = mass·I + scale·(−∇·(coef ∇)) with faces by harmonic mean, and adds the
 * Dirichlet boundary terms of bc to op.d and to rhs (face value g at distance dx/2:
 * weight 2·scale·coef_cell). Face weights on non-periodic boundaries are left at 0.
 */
export function assemble(L: Layout, coef: Float64Array, scale: number, mass: number, bc: FieldBC, op: StencilOp, rhs: Float64Array): void {
  const { nx, ny, nz } = L;
  const sy = nx, sz = nx * ny;
  op.d.fill(mass);
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    const c = i + nx * (j + ny * k);
    const kc = coef[c];
    op.w[0][c] = i < nx - 1 ? scale * harmonic(kc, coef[c + 1]) : bc.type[1] === BC_PERIODIC ? scale * harmonic(kc, coef[c - nx + 1]) : 0;
    op.w[1][c] = j < ny - 1 ? scale * harmonic(kc, coef[c + sy]) : bc.type[3] === BC_PERIODIC ? scale * harmonic(kc, coef[c - (ny - 1) * sy]) : 0;
    if (L.dims === 3) op.w[2][c] = k < nz - 1 ? scale * harmonic(kc, coef[c + sz]) : bc.type[5] === BC_PERIODIC ? scale * harmonic(kc, coef[c - (nz - 1) * sz]) : 0;
    const onFace = [i === 0, i === nx - 1, j === 0, j === ny - 1, L.dims === 3 && k === 0, L.dims === 3 && k === nz - 1];
    for (let q = 0; q < 6; q++) {
      if (onFace[q] && bc.type[q] === BC_DIRICHLET) {
        const wb = 2 * scale * kc;
        op.d[c] += wb;
        rhs[c] += wb * bc.value[q];
      }
    }
  }
}
