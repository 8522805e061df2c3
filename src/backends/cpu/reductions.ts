/**
 * Reductions stage: the raw sums behind the metrics CSV. Sums are taken per row and then
 * pairwise over rows (order independent of threading); maxima/minima are exact anyway.
 */
import type { Layout } from '../layout.ts';
import type { Reductions } from '../backend.ts';
import { pairwiseSum } from './pcg.ts';

export function reduceFields(L: Layout, xi: Float64Array, c: Float64Array, xidot: Float64Array): Reductions {
  const { nx, ny, nz } = L;
  const sXi = new Float64Array(L.rows), sC = new Float64Array(L.rows), sD = new Float64Array(L.rows), sG = new Float64Array(L.rows);
  let tip = 0, cMax = -Infinity, cMin = Infinity, xiMin = Infinity, xiMax = -Infinity, nonFinite = 0;
  const sy = nx, sz = nx * ny;
  const inv2 = 0.5 / L.dx;
  for (let r = 0; r < L.rows; r++) {
    const j = r % ny, k = (r / ny) | 0;
    const b = nx * r;
    let a = 0, bc = 0, d = 0, g = 0;
    for (let i = 0; i < nx; i++) {
      const q = b + i;
      const x = xi[q], cc = c[q];
      if (!Number.isFinite(x) || !Number.isFinite(cc) || !Number.isFinite(xidot[q])) { nonFinite++; continue; }
      a += x; bc += cc; d += xidot[q];
      if (cc > cMax) cMax = cc;
      if (cc < cMin) cMin = cc;
      if (x > xiMax) xiMax = x;
      if (x < xiMin) xiMin = x;
      // |∇ξ| by central differences (one-sided at the walls)
      const gx = (xi[i < nx - 1 ? q + 1 : q] - xi[i > 0 ? q - 1 : q]) * (i > 0 && i < nx - 1 ? inv2 : 2 * inv2);
      const gy = (xi[j < ny - 1 ? q + sy : q] - xi[j > 0 ? q - sy : q]) * (j > 0 && j < ny - 1 ? inv2 : 2 * inv2);
      const gz = L.dims === 3 ? (xi[k < nz - 1 ? q + sz : q] - xi[k > 0 ? q - sz : q]) * (k > 0 && k < nz - 1 ? inv2 : 2 * inv2) : 0;
      g += Math.sqrt(gx * gx + gy * gy + gz * gz);
    }
    sXi[r] = a; sC[r] = bc; sD[r] = d; sG[r] = g;
    // tip: the furthest ξ = 0.5 crossing along x in this row
    for (let i = nx - 1; i >= 0; i--) {
      if (xi[b + i] >= 0.5) {
        let x = (i + 0.5) * L.dx;
        if (i < nx - 1) { const x0 = xi[b + i], x1 = xi[b + i + 1]; x += (L.dx * (x0 - 0.5)) / (x0 - x1); }
        if (x > tip) tip = x;
        break;
      }
    }
  }
  return { sumXi: pairwiseSum(sXi), sumC: pairwiseSum(sC), sumXidot: pairwiseSum(sD), sumGrad: pairwiseSum(sG), tip, cMax, cMin, xiMin, xiMax, nonFinite };
}
