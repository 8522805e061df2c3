/**
 * Reductions stage: the raw sums behind the metrics CSV. Sums are taken per row and then
 * pairwise over rows (order independent of threading); maxima/minima are exact anyway.
 * With material props (src/model/props.ts) host cells (props[4q+3] > 0.5) are left out of every
 * sum and extremum (metal and ion totals, ∂ξ/∂t, |∇ξ|, ranges) and of the tip; they still count
 * as non-finite when they are (a NaN anywhere is a failure). Neighbours of a host cell use its ξ in
 * their |∇ξ|. The transported species (src/model/species.ts), when given: each one's sum and
 * max over the same cells; a cell with a non-finite ã counts as one non-finite cell.
 */
import type { Layout } from '../layout.ts';
import type { Reductions } from '../backend.ts';
import type { Exec, Task } from './exec.ts';
import { pairwiseSum } from './pcg.ts';
import { sharedF64 } from './shared.ts';

/** Per-row partials of the reductions. */
export interface RowReductions {
  sXi: Float64Array;
  sC: Float64Array;
  sD: Float64Array;
  sG: Float64Array;
  /** The row's ξ = 0.5 crossing furthest along x (−∞ where there is none). */
  tip: Float64Array;
  cMax: Float64Array;
  cMin: Float64Array;
  xiMin: Float64Array;
  xiMax: Float64Array;
  nonFinite: Float64Array;
  /** Per transported species: Σã and max ã per row. */
  species: { sum: Float64Array; max: Float64Array }[];
}

export function makeRowReductions(rows: number, species = 0): RowReductions {
  return {
    sXi: sharedF64(rows),
    sC: sharedF64(rows),
    sD: sharedF64(rows),
    sG: sharedF64(rows),
    tip: sharedF64(rows),
    cMax: sharedF64(rows),
    cMin: sharedF64(rows),
    xiMin: sharedF64(rows),
    xiMax: sharedF64(rows),
    nonFinite: sharedF64(rows),
    species: Array.from({ length: species }, () => ({ sum: sharedF64(rows), max: sharedF64(rows) })),
  };
}

/** Rows: the partials of one row each. */
export function reduceK(
  a: {
    L: Layout;
    xi: Float64Array;
    c: Float64Array;
    xidot: Float64Array;
    out: RowReductions;
    props?: Float32Array | null;
    /** The species' fields (out.species has one entry each). */
    species?: Float64Array[];
  },
  _s: Float64Array,
  r0: number,
  r1: number,
): void {
  const { L, xi, c, xidot, out } = a;
  const props = a.props ?? null;
  const spf = a.species ?? [];
  const nsp = spf.length;
  const sSum = new Float64Array(nsp),
    sMax = new Float64Array(nsp);
  const isHost = (q: number) => props !== null && props[4 * q + 3] > 0.5;
  const { nx, ny, nz } = L;
  const sy = nx,
    sz = nx * ny;
  const inv2 = 0.5 / L.dx;
  for (let r = r0; r < r1; r++) {
    const j = r % ny,
      k = (r / ny) | 0;
    const b = nx * r;
    let sa = 0,
      sc = 0,
      sd = 0,
      g = 0;
    let cMax = -Infinity,
      cMin = Infinity,
      xiMin = Infinity,
      xiMax = -Infinity,
      nonFinite = 0;
    sSum.fill(0);
    sMax.fill(-Infinity);
    for (let i = 0; i < nx; i++) {
      const q = b + i;
      const x = xi[q],
        cc = c[q];
      if (!Number.isFinite(x) || !Number.isFinite(cc) || !Number.isFinite(xidot[q])) {
        nonFinite++;
        continue;
      }
      let bad = false;
      for (let m = 0; m < nsp; m++) if (!Number.isFinite(spf[m][q])) bad = true;
      if (bad) {
        nonFinite++;
        continue;
      }
      if (props !== null && props[4 * q + 3] > 0.5) continue; // host cell
      for (let m = 0; m < nsp; m++) {
        const av = spf[m][q];
        sSum[m] += av;
        if (av > sMax[m]) sMax[m] = av;
      }
      sa += x;
      sc += cc;
      sd += xidot[q];
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
    out.sXi[r] = sa;
    out.sC[r] = sc;
    out.sD[r] = sd;
    out.sG[r] = g;
    out.cMax[r] = cMax;
    out.cMin[r] = cMin;
    out.xiMin[r] = xiMin;
    out.xiMax[r] = xiMax;
    out.nonFinite[r] = nonFinite;
    for (let m = 0; m < nsp; m++) {
      out.species[m].sum[r] = sSum[m];
      out.species[m].max[r] = sMax[m];
    }
    // tip: the furthest ξ = 0.5 crossing along x in this row (host cells skipped; no
    // interpolation towards a host neighbour)
    let tip = -Infinity;
    for (let i = nx - 1; i >= 0; i--) {
      if (isHost(b + i)) continue;
      if (xi[b + i] >= 0.5) {
        let x = (i + 0.5) * L.dx;
        if (i < nx - 1 && !isHost(b + i + 1)) {
          const x0 = xi[b + i],
            x1 = xi[b + i + 1];
          x += (L.dx * (x0 - 0.5)) / (x0 - x1);
        }
        tip = x;
        break;
      }
    }
    out.tip[r] = tip;
  }
}

/** Combines the row partials: sums pairwise over rows, extrema in any order (they are exact). */
export function combineRows(p: RowReductions): Reductions {
  let tip = 0,
    cMax = -Infinity,
    cMin = Infinity,
    xiMin = Infinity,
    xiMax = -Infinity,
    nonFinite = 0;
  for (let r = 0; r < p.tip.length; r++) {
    if (p.tip[r] > tip) tip = p.tip[r];
    if (p.cMax[r] > cMax) cMax = p.cMax[r];
    if (p.cMin[r] < cMin) cMin = p.cMin[r];
    if (p.xiMax[r] > xiMax) xiMax = p.xiMax[r];
    if (p.xiMin[r] < xiMin) xiMin = p.xiMin[r];
    nonFinite += p.nonFinite[r];
  }
  return {
    sumXi: pairwiseSum(p.sXi),
    sumC: pairwiseSum(p.sC),
    sumXidot: pairwiseSum(p.sD),
    sumGrad: pairwiseSum(p.sG),
    tip,
    cMax,
    cMin,
    xiMin,
    xiMax,
    nonFinite,
    species: p.species.map((sp) => {
      let max = -Infinity;
      for (let r = 0; r < sp.max.length; r++) if (sp.max[r] > max) max = sp.max[r];
      return { sum: pairwiseSum(sp.sum), max };
    }),
  };
}

/** Serial reductions of the fields (host cells left out when props are given). */
export function reduceFields(
  L: Layout,
  xi: Float64Array,
  c: Float64Array,
  xidot: Float64Array,
  props: Float32Array | null = null,
  species: Float64Array[] = [],
): Reductions {
  const out = makeRowReductions(L.rows, species.length);
  reduceK({ L, xi, c, xidot, out, props, species }, new Float64Array(0), 0, L.rows);
  return combineRows(out);
}

/** The reductions of fixed fields as a task. */
export class Reducer {
  private out: RowReductions;
  private t: Task;
  constructor(
    private exec: Exec,
    L: Layout,
    xi: Float64Array,
    c: Float64Array,
    xidot: Float64Array,
    props: Float32Array | null = null,
    species: Float64Array[] = [],
  ) {
    this.out = makeRowReductions(L.rows, species.length);
    this.t = exec.task('reduce', { L, xi, c, xidot, out: this.out, props, species }, L.rows, L.N);
  }
  run(): Reductions {
    this.exec.run(this.t);
    return combineRows(this.out);
  }
}
