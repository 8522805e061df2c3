/**
 * Padded copies of fields with one ghost layer per side. Stencil kernels then index
 * neighbours directly; the ghosts encode the boundary conditions:
 *   periodic → the opposite interior cell; no-flux → the mirrored cell (zero gradient);
 *   Dirichlet g → 2g − u (the face value is exactly g);
 *   contact a (ξ only, a = (2·dx/w)·cos θ) → u + a·u·(1 − u): the one-sided difference
 *     (u − ghost)/dx equals the inward normal derivative −(2/w)·cos θ·ξ(1−ξ) of the wetting
 *     condition (model.md §6), with ξ at the face taken as the inner cell's value.
 * Axes are filled in order x, y, z over the already padded extent, so edge and corner
 * ghosts are consistent compositions (needed by the anisotropic cross terms).
 */
import { sharedF64 } from './shared.ts';
import { BC_CONTACT, BC_DIRICHLET, BC_PERIODIC, type FieldBC, type Layout } from '../layout.ts';

export interface Padded {
  px: number;
  py: number;
  pz: number;
  data: Float64Array;
  off: number;
  sx: number;
  sy: number;
  sz: number;
}

export function makePadded(L: Layout): Padded {
  const px = L.nx + 2,
    py = L.ny + 2,
    pz = L.dims === 3 ? L.nz + 2 : 1;
  const sx = 1,
    sy = px,
    sz = px * py;
  const off = L.dims === 3 ? sz + sy + 1 : sy + 1;
  return { px, py, pz, data: sharedF64(px * py * pz), off, sx, sy, sz };
}

/** Index of interior cell (i, j, k) in the padded array. */
export function pidx(P: Padded, i: number, j: number, k: number): number {
  return P.off + i + P.sy * j + P.sz * k;
}

function ghost(type: number, value: number, inner: number, across: number): number {
  if (type === BC_DIRICHLET) return 2 * value - inner;
  if (type === BC_PERIODIC) return across;
  // contact: ξ_g = ξ_in + a·ξ_in·(1 − ξ_in), a = (2·dx/w)·cos θ (θ < 90°: ξ_g > ξ_in, the metal spreads)
  if (type === BC_CONTACT) return inner + value * inner * (1 - inner);
  return inner;
}

/** x-padded value at (i, j, k), i ∈ [−1, nx], j and k interior. */
function xval(u: Float64Array, L: Layout, bc: FieldBC, i: number, j: number, k: number): number {
  const src = L.nx * (j + L.ny * k);
  if (i < 0) return ghost(bc.type[0], bc.value[0], u[src], u[src + L.nx - 1]);
  if (i >= L.nx) return ghost(bc.type[1], bc.value[1], u[src + L.nx - 1], u[src]);
  return u[src + i];
}

/** xy-padded value at (i, j, k), j ∈ [−1, ny], k interior. */
function yval(u: Float64Array, L: Layout, bc: FieldBC, i: number, j: number, k: number): number {
  if (j < 0) return ghost(bc.type[2], bc.value[2], xval(u, L, bc, i, 0, k), xval(u, L, bc, i, L.ny - 1, k));
  if (j >= L.ny) return ghost(bc.type[3], bc.value[3], xval(u, L, bc, i, L.ny - 1, k), xval(u, L, bc, i, 0, k));
  return xval(u, L, bc, i, j, k);
}

/** Fully padded value at (i, j, k), k ∈ [−1, nz] (3D). */
function zval(u: Float64Array, L: Layout, bc: FieldBC, i: number, j: number, k: number): number {
  if (k < 0) return ghost(bc.type[4], bc.value[4], yval(u, L, bc, i, j, 0), yval(u, L, bc, i, j, L.nz - 1));
  if (k >= L.nz) return ghost(bc.type[5], bc.value[5], yval(u, L, bc, i, j, L.nz - 1), yval(u, L, bc, i, j, 0));
  return yval(u, L, bc, i, j, k);
}

/**
 * Fills padded rows [pr0, pr1) of P from u (a padded row = all padded i for one padded (j, k);
 * there are py·pz of them). Every value is computed from u alone, so rows are independent
 * (the threaded path splits them); the ghosts are the same compositions as filling the axes in
 * order x, y, z over the already padded extent.
 */
export function fillPaddedRows(P: Padded, u: Float64Array, L: Layout, bc: FieldBC, pr0: number, pr1: number): void {
  const { nx, ny, nz } = L;
  const d = P.data;
  const k3 = L.dims === 3;
  for (let pr = pr0; pr < pr1; pr++) {
    const pj = pr % P.py,
      pk = (pr / P.py) | 0;
    const j = pj - 1,
      k = k3 ? pk - 1 : 0;
    const dst = pj * P.sy + pk * P.sz;
    if (j >= 0 && j < ny && k >= 0 && k < nz) {
      const src = nx * (j + ny * k);
      for (let i = 0; i < nx; i++) d[dst + 1 + i] = u[src + i];
      d[dst] = ghost(bc.type[0], bc.value[0], u[src], u[src + nx - 1]);
      d[dst + nx + 1] = ghost(bc.type[1], bc.value[1], u[src + nx - 1], u[src]);
    } else if (k3) {
      for (let i = -1; i <= nx; i++) d[dst + 1 + i] = zval(u, L, bc, i, j, k);
    } else {
      for (let i = -1; i <= nx; i++) d[dst + 1 + i] = yval(u, L, bc, i, j, k);
    }
  }
}

/** Copies u (unpadded) into P and fills the ghosts for boundary conditions bc. */
export function fillPadded(P: Padded, u: Float64Array, L: Layout, bc: FieldBC): void {
  fillPaddedRows(P, u, L, bc, 0, P.py * P.pz);
}

/** Kernel: fills padded rows of several fields of the same layout. */
export function fillPaddedK(
  a: { L: Layout; items: { P: Padded; u: Float64Array; bc: FieldBC }[] },
  _s: Float64Array,
  r0: number,
  r1: number,
): void {
  for (const it of a.items) fillPaddedRows(it.P, it.u, a.L, it.bc, r0, r1);
}
