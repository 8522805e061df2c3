/**
 * Padded copies of fields with one ghost layer per side. Stencil kernels then index
 * neighbours directly; the ghosts encode the boundary conditions:
 *   periodic → the opposite interior cell; no-flux → the mirrored cell (zero gradient);
 *   Dirichlet g → 2g − u (the face value is exactly g).
 * Axes are filled in order x, y, z over the already padded extent, so edge and corner
 * ghosts are consistent compositions (needed by the anisotropic cross terms).
 */
import { BC_DIRICHLET, BC_PERIODIC, type FieldBC, type Layout } from '../layout.ts';

export interface Padded { px: number; py: number; pz: number; data: Float64Array; off: number; sx: number; sy: number; sz: number }

export function makePadded(L: Layout): Padded {
  const px = L.nx + 2, py = L.ny + 2, pz = L.dims === 3 ? L.nz + 2 : 1;
  const sx = 1, sy = px, sz = px * py;
  const off = L.dims === 3 ? sz + sy + 1 : sy + 1;
  return { px, py, pz, data: new Float64Array(px * py * pz), off, sx, sy, sz };
}

/** Index of interior cell (i, j, k) in the padded array. */
export function pidx(P: Padded, i: number, j: number, k: number): number {
  return P.off + i + P.sy * j + P.sz * k;
}

function ghost(type: number, value: number, inner: number, across: number): number {
  if (type === BC_DIRICHLET) return 2 * value - inner;
  if (type === BC_PERIODIC) return across;
  return inner;
}

/** Copies u (unpadded) into P and fills the ghosts for boundary conditions bc. */
export function fillPadded(P: Padded, u: Float64Array, L: Layout, bc: FieldBC): void {
  const { nx, ny, nz } = L;
  const d = P.data;
  const k3 = L.dims === 3;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      const src = nx * (j + ny * k);
      const dst = pidx(P, 0, j, k);
      for (let i = 0; i < nx; i++) d[dst + i] = u[src + i];
      d[dst - 1] = ghost(bc.type[0], bc.value[0], d[dst], d[dst + nx - 1]);
      d[dst + nx] = ghost(bc.type[1], bc.value[1], d[dst + nx - 1], d[dst]);
    }
  }
  // y ghosts over the x-padded extent
  for (let k = 0; k < nz; k++) {
    for (let i = -1; i <= nx; i++) {
      const lo = pidx(P, i, 0, k), hi = pidx(P, i, ny - 1, k);
      d[lo - P.sy] = ghost(bc.type[2], bc.value[2], d[lo], d[hi]);
      d[hi + P.sy] = ghost(bc.type[3], bc.value[3], d[hi], d[lo]);
    }
  }
  if (!k3) return;
  for (let j = -1; j <= ny; j++) {
    for (let i = -1; i <= nx; i++) {
      const lo = pidx(P, i, j, 0), hi = pidx(P, i, j, nz - 1);
      d[lo - P.sz] = ghost(bc.type[4], bc.value[4], d[lo], d[hi]);
      d[hi + P.sz] = ghost(bc.type[5], bc.value[5], d[hi], d[lo]);
    }
  }
}
