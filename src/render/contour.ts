/**
 * Iso-lines of a 2D grid of point samples by marching squares (the 2D picture's ξ = 0.5 contour).
 * Saddle squares are resolved by the mean of the four corners, so the line separates the same
 * regions a bilinear interpolant would. Output: line segments, two (x, y) points each.
 */

export interface ContourGrid {
  /** Samples, index i + nx*j. */
  data: ArrayLike<number>;
  nx: number;
  ny: number;
  /** Distance between neighbouring samples. */
  spacing: number;
  /** Position of sample (0, 0); default (0, 0). */
  origin?: [number, number];
}

/** Segments of the line f = level: [x0, y0, x1, y1] per segment. */
export function contourSegments(g: ContourGrid, level: number): Float32Array {
  const { data, nx, ny } = g;
  if (!Number.isInteger(nx) || !Number.isInteger(ny) || nx < 1 || ny < 1) throw new Error(`contourSegments: bad grid ${nx}x${ny}`);
  if (data.length !== nx * ny) throw new Error(`contourSegments: data has ${data.length} samples, the grid ${nx * ny}`);
  const h = g.spacing;
  const [ox, oy] = g.origin ?? [0, 0];
  const out: number[] = [];
  const f = (i: number, j: number) => data[i + nx * j];
  // crossing point on the edge between sample a = (ia, ja) and b = (ib, jb)
  const cross = (ia: number, ja: number, ib: number, jb: number): [number, number] => {
    const va = f(ia, ja),
      vb = f(ib, jb);
    const t = va === vb ? 0.5 : (level - va) / (vb - va);
    return [ox + h * (ia + t * (ib - ia)), oy + h * (ja + t * (jb - ja))];
  };
  for (let j = 0; j + 1 < ny; j++) {
    for (let i = 0; i + 1 < nx; i++) {
      const v0 = f(i, j),
        v1 = f(i + 1, j),
        v2 = f(i + 1, j + 1),
        v3 = f(i, j + 1);
      if (![v0, v1, v2, v3].every(Number.isFinite)) continue;
      const c = (v0 > level ? 1 : 0) | (v1 > level ? 2 : 0) | (v2 > level ? 4 : 0) | (v3 > level ? 8 : 0);
      if (c === 0 || c === 15) continue;
      // edges: 0 bottom (0-1), 1 right (1-2), 2 top (3-2), 3 left (0-3)
      const e = [
        () => cross(i, j, i + 1, j),
        () => cross(i + 1, j, i + 1, j + 1),
        () => cross(i, j + 1, i + 1, j + 1),
        () => cross(i, j, i, j + 1),
      ];
      const seg = (a: number, b: number) => {
        out.push(...e[a](), ...e[b]());
      };
      switch (c) {
        case 1:
        case 14:
          seg(3, 0);
          break;
        case 2:
        case 13:
          seg(0, 1);
          break;
        case 3:
        case 12:
          seg(3, 1);
          break;
        case 4:
        case 11:
          seg(1, 2);
          break;
        case 6:
        case 9:
          seg(0, 2);
          break;
        case 7:
        case 8:
          seg(3, 2);
          break;
        case 5:
        case 10: {
          const centreAbove = (v0 + v1 + v2 + v3) / 4 > level;
          // 5: corners 0 and 2 above. Centre above joins them: cut off corners 1 and 3
          if ((c === 5) === centreAbove) {
            seg(0, 1);
            seg(2, 3);
          } else {
            seg(3, 0);
            seg(1, 2);
          }
          break;
        }
      }
    }
  }
  return Float32Array.from(out);
}
