/**
 * Morphology metrics of a deposit, from the phase field ξ (1 = lithium) on a grid whose
 * electrode is the x = 0 face and whose deposit grows along +x (the set-up of every scenario).
 * Lengths in µm. Used by the trend tests (test/trends) and the figures.
 *
 *   height profile h(y)      outermost ξ = ½ crossing along x in each lateral column (linear
 *                            interpolation between cell centres); 0 where no cell reaches ½
 *   tip over mean            max h − mean h: how far the leading tip runs ahead of the front
 *   roughness                RMS of h − mean h
 *   interface length / width length of the ξ = ½ contour (marching squares over cell centres,
 *                            2D) divided by the lateral width: 1 for a flat front, larger for a
 *                            wavy or branched one (it also counts side branches and islands,
 *                            which h(y) cannot see)
 */

export interface Grid2D {
  /** Cells along x (growth direction) and y (lateral). */
  nx: number;
  ny: number;
  /** Cell size in µm. */
  dx: number;
}

export interface Morphology {
  /** h per lateral column (µm). */
  profile: Float64Array;
  meanFront: number;
  tip: number;
  tipOverMean: number;
  roughness: number;
  /** 2D: contour length / lateral width (dimensionless); NaN when not computed (3D). */
  lengthPerWidth: number;
}

/**
 * Outermost crossing of `level` along x for each of the `rows` lateral columns (row r holds
 * cells r·nx … r·nx + nx − 1, x fastest; 3D fields have rows = ny·nz). Cell centres sit at
 * (i + ½)dx.
 */
export function heightProfile(xi: ArrayLike<number>, nx: number, rows: number, dx: number, level = 0.5): Float64Array {
  if (xi.length !== nx * rows) throw new Error(`heightProfile: field has ${xi.length} values, grid needs ${nx * rows}`);
  const h = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * nx;
    let i = nx - 1;
    while (i >= 0 && !(xi[o + i] >= level)) i--;
    if (i < 0) {
      h[r] = 0;
      continue;
    }
    if (i === nx - 1) {
      h[r] = nx * dx;
      continue;
    }
    const a = xi[o + i],
      b = xi[o + i + 1];
    const t = a === b ? 0 : (a - level) / (a - b);
    h[r] = (i + 0.5 + t) * dx;
  }
  return h;
}

/** Length (µm) of the `level` contour of a 2D cell field (marching squares over cell centres). */
export function contourLength(xi: ArrayLike<number>, g: Grid2D, level = 0.5): number {
  const { nx, ny, dx } = g;
  if (xi.length !== nx * ny) throw new Error(`contourLength: field has ${xi.length} values, grid needs ${nx * ny}`);
  let len = 0;
  const cross = (a: number, b: number) => (level - a) / (b - a);
  for (let j = 0; j + 1 < ny; j++) {
    for (let i = 0; i + 1 < nx; i++) {
      // corners: 0 (i,j) 1 (i+1,j) 2 (i+1,j+1) 3 (i,j+1); coordinates in cells
      const v0 = xi[i + nx * j],
        v1 = xi[i + 1 + nx * j],
        v2 = xi[i + 1 + nx * (j + 1)],
        v3 = xi[i + nx * (j + 1)];
      const pts: [number, number][] = [];
      // edges in order 0-1 (bottom), 1-2 (right), 2-3 (top), 3-0 (left)
      if (v0 >= level !== v1 >= level) pts.push([cross(v0, v1), 0]);
      if (v1 >= level !== v2 >= level) pts.push([1, cross(v1, v2)]);
      if (v2 >= level !== v3 >= level) pts.push([1 - cross(v2, v3), 1]);
      if (v3 >= level !== v0 >= level) pts.push([0, 1 - cross(v3, v0)]);
      const seg = (p: [number, number], q: [number, number]) => Math.hypot(p[0] - q[0], p[1] - q[1]);
      if (pts.length === 2) len += seg(pts[0], pts[1]);
      else if (pts.length === 4) {
        // saddle: join by the centre value (either pairing has nearly the same length)
        const centreIn = (v0 + v1 + v2 + v3) / 4 >= level;
        const in0 = v0 >= level;
        if (centreIn === in0) len += seg(pts[0], pts[1]) + seg(pts[2], pts[3]);
        else len += seg(pts[0], pts[3]) + seg(pts[1], pts[2]);
      }
    }
  }
  return len * dx;
}

/** Mean and RMS deviation of a profile. */
function stats(h: Float64Array): { mean: number; rms: number; max: number } {
  let s = 0,
    m = -Infinity;
  for (const v of h) {
    s += v;
    if (v > m) m = v;
  }
  const mean = s / h.length;
  let q = 0;
  for (const v of h) q += (v - mean) ** 2;
  return { mean, rms: Math.sqrt(q / h.length), max: m };
}

/** Every metric of a 2D ξ field (index i + nx·j). */
export function morphology2D(xi: ArrayLike<number>, g: Grid2D, level = 0.5): Morphology {
  const profile = heightProfile(xi, g.nx, g.ny, g.dx, level);
  const st = stats(profile);
  // contour length over the lateral extent spanned by the cell centres ((ny − 1)·dx)
  const width = (g.ny - 1) * g.dx;
  return {
    profile,
    meanFront: st.mean,
    tip: st.max,
    tipOverMean: st.max - st.mean,
    roughness: st.rms,
    lengthPerWidth: contourLength(xi, g, level) / width,
  };
}

/** Metrics of a 3D ξ field (index i + nx(j + ny k)); the contour length is not defined (NaN). */
export function morphology3D(xi: ArrayLike<number>, n: [number, number, number], dx: number, level = 0.5): Morphology {
  const profile = heightProfile(xi, n[0], n[1] * n[2], dx, level);
  const st = stats(profile);
  return { profile, meanFront: st.mean, tip: st.max, tipOverMean: st.max - st.mean, roughness: st.rms, lengthPerWidth: NaN };
}

/**
 * morphology2D or morphology3D by the grid's dimension. `exclude` (1 = leave out, e.g. the
 * cells of a 3D host, which hold ξ = 1 when lithiophilic but are not deposit) counts those
 * cells as electrolyte.
 */
export function morphology(
  xi: ArrayLike<number>,
  n: [number, number, number],
  dx: number,
  dims: 2 | 3,
  exclude?: Uint8Array | null,
): Morphology {
  let f: ArrayLike<number> = xi;
  if (exclude) {
    if (exclude.length !== xi.length) throw new Error(`morphology: mask has ${exclude.length} cells, field ${xi.length}`);
    const g = Float64Array.from(xi);
    for (let q = 0; q < g.length; q++) if (exclude[q]) g[q] = 0;
    f = g;
  }
  return dims === 2 ? morphology2D(f, { nx: n[0], ny: n[1], dx }) : morphology3D(f, n, dx);
}
