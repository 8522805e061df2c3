/**
 * A line profile of a 2D field: the values along a segment, sampled every half cell (nearest
 * cell, so every sample is a value the solver computed, not an interpolation), with the distance
 * from the segment's start. Pure data; the page plots it and exports it as CSV.
 */

export interface Profile {
  /** Distance from the start, µm. */
  s: Float64Array;
  /** Sample positions, µm from the map's lower-left corner. */
  x: Float64Array;
  y: Float64Array;
  v: Float64Array;
}

/** Samples `data` (index i + nx*j, cells of dxUm µm) along (x0, y0) → (x1, y1) in µm; points off the grid are left out. */
export function lineProfile(
  data: ArrayLike<number>,
  nx: number,
  ny: number,
  dxUm: number,
  seg: readonly [number, number, number, number],
): Profile {
  if (data.length !== nx * ny) throw new Error(`lineProfile: data has ${data.length} values, the grid ${nx * ny}`);
  const [x0, y0, x1, y1] = seg;
  const len = Math.hypot(x1 - x0, y1 - y0);
  const n = Math.max(2, Math.ceil((2 * len) / dxUm) + 1);
  const s: number[] = [],
    xs: number[] = [],
    ys: number[] = [],
    v: number[] = [];
  for (let k = 0; k < n; k++) {
    const t = k / (n - 1);
    const x = x0 + t * (x1 - x0),
      y = y0 + t * (y1 - y0);
    // the domain's far faces belong to the last cells (a line from edge to edge keeps both ends)
    if (x < 0 || y < 0 || x > nx * dxUm || y > ny * dxUm) continue;
    const i = Math.min(nx - 1, Math.floor(x / dxUm)),
      j = Math.min(ny - 1, Math.floor(y / dxUm));
    s.push(t * len);
    xs.push(x);
    ys.push(y);
    v.push(data[i + nx * j]);
  }
  return { s: Float64Array.from(s), x: Float64Array.from(xs), y: Float64Array.from(ys), v: Float64Array.from(v) };
}

/** CSV text of a profile: distance and position in µm, then the value under its column name. */
export function profileCsv(p: Profile, name: string): string {
  const lines = [`s_um,x_um,y_um,${name}`];
  for (let k = 0; k < p.s.length; k++) lines.push(`${p.s[k]},${p.x[k]},${p.y[k]},${p.v[k]}`);
  return lines.join('\n') + '\n';
}
