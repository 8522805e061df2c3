/**
 * Iso-surface extraction by marching tetrahedra on a regular grid of point samples (the solver's
 * cell centres), for the lithium surface ξ = 0.5. Every cube of 8 neighbouring samples is split
 * into the 6 tetrahedra around its main diagonal (Kuhn triangulation); all cubes use the same
 * split, so neighbouring cubes cut their shared faces along the same diagonals and the surface
 * has no cracks (unlike marching cubes without its ambiguity tables). Vertices sit on grid edges
 * and are shared between triangles (indexed mesh), so the result is a watertight surface where
 * the level set does not leave the domain.
 *
 * Orientation: triangles wind counter-clockwise seen from outside the region where the field
 * is above the level (for ξ: from the electrolyte), and vertex normals are −∇f, interpolated
 * along the edge: smooth shading that points out of the metal.
 *
 * Pure data in, typed arrays out: no three.js objects, so it runs and is tested in Node.
 */
import { Vector3 } from 'three';

export interface IsoGrid {
  /** Samples, index i + nx*(j + ny*k). */
  data: ArrayLike<number>;
  /** Samples per axis. */
  n: [number, number, number];
  /** Distance between neighbouring samples (the same on every axis). */
  spacing: number;
  /** Position of sample (0, 0, 0); default (0, 0, 0). */
  origin?: [number, number, number];
}

export interface IsoOptions {
  /** The iso-value (0.5 for the ξ surface). */
  level: number;
  /**
   * Close the surface at the domain boundary: the grid is padded with one layer of samples of
   * value `outside` (default level − 1) half a spacing beyond the outermost samples, so metal
   * touching a face is capped by a lid lying on that face instead of being left open.
   */
  closed?: boolean;
  outside?: number;
  /** Scalar fields on the same grid to interpolate at every vertex (e.g. c̃ or φ for colouring). */
  attributes?: Record<string, ArrayLike<number>>;
}

export interface IsoSurface {
  /** xyz per vertex. */
  positions: Float32Array;
  /** Unit outward normal per vertex (−∇f direction). */
  normals: Float32Array;
  /** Three vertex indices per triangle. */
  indices: Uint32Array;
  /** Interpolated attribute values per vertex (same keys as IsoOptions.attributes). */
  attributes: Record<string, Float32Array>;
}

/** The 6 tetrahedra of a cube around the diagonal 0–7; corner bits: 1 = +x, 2 = +y, 4 = +z. */
const TETS: readonly (readonly [number, number, number, number])[] = [
  [0, 1, 3, 7],
  [0, 1, 5, 7],
  [0, 2, 3, 7],
  [0, 2, 6, 7],
  [0, 4, 5, 7],
  [0, 4, 6, 7],
];

/** Extracts the iso-surface f = level of a 3D grid of samples. */
export function extractIsosurface(grid: IsoGrid, opts: IsoOptions): IsoSurface {
  const [nx, ny, nz] = grid.n;
  if (![nx, ny, nz].every((v) => Number.isInteger(v) && v >= 1)) throw new Error(`extractIsosurface: bad grid ${grid.n.join('x')}`);
  const N = nx * ny * nz;
  if (grid.data.length !== N) throw new Error(`extractIsosurface: data has ${grid.data.length} samples, the grid ${N}`);
  if (!(grid.spacing > 0)) throw new Error(`extractIsosurface: spacing must be > 0 (got ${grid.spacing})`);
  if (!Number.isFinite(opts.level)) throw new Error(`extractIsosurface: level must be finite (got ${opts.level})`);
  const attrs = Object.entries(opts.attributes ?? {});
  for (const [name, a] of attrs)
    if (a.length !== N) throw new Error(`extractIsosurface: attribute ${name} has ${a.length} samples, the grid ${N}`);
  const closed = opts.closed ?? false;
  const outside = opts.outside ?? opts.level - 1;
  if (closed && !(outside < opts.level)) throw new Error('extractIsosurface: `outside` must be below the level');
  const level = opts.level;
  const h = grid.spacing;
  const [ox, oy, oz] = grid.origin ?? [0, 0, 0];
  const data = grid.data;
  // sample indices run over the padded range lo..hi[axis] (one ghost layer each side when closed)
  const lo = closed ? -1 : 0;
  const hi = closed ? [nx, ny, nz] : [nx - 1, ny - 1, nz - 1];

  const inGrid = (i: number, j: number, k: number) => i >= 0 && j >= 0 && k >= 0 && i < nx && j < ny && k < nz;
  const value = (i: number, j: number, k: number): number => (inGrid(i, j, k) ? data[i + nx * (j + ny * k)] : outside);
  const clampIdx = (i: number, j: number, k: number) =>
    Math.min(Math.max(i, 0), nx - 1) + nx * (Math.min(Math.max(j, 0), ny - 1) + ny * Math.min(Math.max(k, 0), nz - 1));
  // gradient by central differences (one-sided at the ends of the sampled range)
  const at = [0, 0, 0],
    am = [0, 0, 0],
    ap = [0, 0, 0];
  const grad = (p: readonly number[], out: Vector3): Vector3 => {
    const g = [0, 0, 0];
    for (let ax = 0; ax < 3; ax++) {
      at[0] = p[0];
      at[1] = p[1];
      at[2] = p[2];
      const m = at[ax] > lo ? at[ax] - 1 : at[ax];
      const q = at[ax] < hi[ax] ? at[ax] + 1 : at[ax];
      if (q === m) continue;
      am[0] = at[0];
      am[1] = at[1];
      am[2] = at[2];
      am[ax] = m;
      ap[0] = at[0];
      ap[1] = at[1];
      ap[2] = at[2];
      ap[ax] = q;
      g[ax] = (value(ap[0], ap[1], ap[2]) - value(am[0], am[1], am[2])) / ((q - m) * h);
    }
    return out.set(g[0], g[1], g[2]);
  };

  const pos: number[] = [];
  const nrm: number[] = [];
  const idx: number[] = [];
  const attrOut: number[][] = attrs.map(() => []);
  // one vertex per grid edge: key = padded index of the lower end * 7 + (offset code − 1)
  const px = nx + 2,
    py = ny + 2;
  const edgeVertex = new Map<number, number>();
  const ga = new Vector3(),
    gb = new Vector3();

  const vertexOn = (a: readonly number[], b: readonly number[], va: number, vb: number): number => {
    const code = (b[0] - a[0]) | ((b[1] - a[1]) << 1) | ((b[2] - a[2]) << 2);
    const key = (a[0] + 1 + px * (a[1] + 1 + py * (a[2] + 1))) * 7 + code - 1;
    const hit = edgeVertex.get(key);
    if (hit !== undefined) return hit;
    const t = va === vb ? 0.5 : (level - va) / (vb - va);
    const id = pos.length / 3;
    pos.push(ox + h * (a[0] + t * (b[0] - a[0])), oy + h * (a[1] + t * (b[1] - a[1])), oz + h * (a[2] + t * (b[2] - a[2])));
    grad(a, ga);
    grad(b, gb);
    ga.lerp(gb, t).negate();
    if (ga.lengthSq() > 0) ga.normalize();
    nrm.push(ga.x, ga.y, ga.z);
    const ia = clampIdx(a[0], a[1], a[2]),
      ib = clampIdx(b[0], b[1], b[2]);
    attrs.forEach(([, arr], q) => {
      attrOut[q].push(arr[ia] + t * (arr[ib] - arr[ia]));
    });
    edgeVertex.set(key, id);
    return id;
  };

  const corner: number[][] = Array.from({ length: 8 }, () => [0, 0, 0]);
  const cv = new Float64Array(8);
  // a tetrahedron edge's vertex (corners are ordered so the lower index is the lower end)
  const vert = (e: readonly [number, number]) => {
    const a = Math.min(e[0], e[1]),
      b = Math.max(e[0], e[1]);
    return vertexOn(corner[a], corner[b], cv[a], cv[b]);
  };
  const e1 = new Vector3(),
    e2 = new Vector3(),
    cr = new Vector3(),
    dir = new Vector3(),
    tmp = new Vector3();
  const mid = [new Vector3(), new Vector3(), new Vector3()];
  const setMid = (m: Vector3, e: readonly [number, number]) =>
    m.fromArray(corner[e[0]]).add(tmp.fromArray(corner[e[1]])).multiplyScalar(0.5);
  /**
   * One triangle with vertices on the tetrahedron edges ea, eb, ec, wound counter-clockwise seen
   * from outside: its normal must point from the tetrahedron's inside corners towards its
   * outside corners. The test uses the edge midpoints, not the interpolated vertices: those can
   * coincide (a sample exactly at the level) and give a degenerate triangle whose winding the
   * positions no longer decide; the midpoint triangle is never degenerate and is wound like the
   * real one for every interpolation weight in (0, 1].
   */
  const pushTri = (ea: [number, number], eb: [number, number], ec: [number, number], ins: number[], outs: number[]) => {
    setMid(mid[0], ea);
    setMid(mid[1], eb);
    setMid(mid[2], ec);
    cr.crossVectors(e1.subVectors(mid[1], mid[0]), e2.subVectors(mid[2], mid[0]));
    dir.set(0, 0, 0);
    for (const q of outs) dir.addScaledVector(tmp.fromArray(corner[q]), 1 / outs.length);
    for (const q of ins) dir.addScaledVector(tmp.fromArray(corner[q]), -1 / ins.length);
    const a = vert(ea),
      b = vert(eb),
      c = vert(ec);
    if (cr.dot(dir) > 0) idx.push(a, b, c);
    else idx.push(a, c, b);
  };

  for (let k = lo; k < hi[2]; k++) {
    for (let j = lo; j < hi[1]; j++) {
      for (let i = lo; i < hi[0]; i++) {
        let above = 0;
        for (let q = 0; q < 8; q++) {
          const c = corner[q];
          c[0] = i + (q & 1);
          c[1] = j + ((q >> 1) & 1);
          c[2] = k + ((q >> 2) & 1);
          cv[q] = value(c[0], c[1], c[2]);
          if (cv[q] > level) above++;
        }
        if (above === 0 || above === 8) continue;
        for (const tet of TETS) {
          const ins = tet.filter((q) => cv[q] > level);
          if (ins.length === 0 || ins.length === 4) continue;
          const outs = tet.filter((q) => !(cv[q] > level));
          if (ins.length === 1 || ins.length === 3) {
            const [s, o] = ins.length === 1 ? [ins[0], outs] : [outs[0], ins];
            pushTri([s, o[0]], [s, o[1]], [s, o[2]], ins, outs);
          } else {
            // two in, two out: the cut is the quadrilateral a0-b0, a0-b1, a1-b1, a1-b0
            const [a0, a1] = ins,
              [b0, b1] = outs;
            pushTri([a0, b0], [a0, b1], [a1, b1], ins, outs);
            pushTri([a0, b0], [a1, b1], [a1, b0], ins, outs);
          }
        }
      }
    }
  }
  const attributes: Record<string, Float32Array> = {};
  attrs.forEach(([name], q) => {
    attributes[name] = Float32Array.from(attrOut[q]);
  });
  return { positions: Float32Array.from(pos), normals: Float32Array.from(nrm), indices: Uint32Array.from(idx), attributes };
}

/** Total area of a surface (sum of its triangle areas). */
export function surfaceArea(s: Pick<IsoSurface, 'positions' | 'indices'>): number {
  const a = new Vector3(),
    b = new Vector3(),
    c = new Vector3();
  let area = 0;
  for (let t = 0; t < s.indices.length; t += 3) {
    a.fromArray(s.positions, 3 * s.indices[t]);
    b.fromArray(s.positions, 3 * s.indices[t + 1]).sub(a);
    c.fromArray(s.positions, 3 * s.indices[t + 2]).sub(a);
    area += 0.5 * b.cross(c).length();
  }
  return area;
}

/** Volume enclosed by a closed, outward-oriented surface (divergence theorem; negative if inward). */
export function enclosedVolume(s: Pick<IsoSurface, 'positions' | 'indices'>): number {
  const a = new Vector3(),
    b = new Vector3(),
    c = new Vector3();
  let v = 0;
  for (let t = 0; t < s.indices.length; t += 3) {
    a.fromArray(s.positions, 3 * s.indices[t]);
    b.fromArray(s.positions, 3 * s.indices[t + 1]);
    c.fromArray(s.positions, 3 * s.indices[t + 2]);
    v += a.dot(b.cross(c)) / 6;
  }
  return v;
}
