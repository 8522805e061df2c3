/**
 * The marching-tetrahedra iso-surface (src/render/isosurface.ts) and the marching-squares
 * contour (src/render/contour.ts) against shapes with known answers: planes (reproduced exactly
 * by linear interpolation), spheres (area, volume, radius, normals), the closed box, and the
 * topology (watertight, consistently oriented); and the field helpers the views draw with
 * (src/render/fields.ts: current density, slices, colour mapping).
 */
import { describe, expect, it } from 'vitest';
import { contourSegments } from '../../src/render/contour.ts';
import { enclosedVolume, extractIsosurface, surfaceArea, type IsoSurface } from '../../src/render/isosurface.ts';
import { colorize, currentDensity, slice } from '../../src/render/fields.ts';
import { colorAt } from '../../src/io/colormap.ts';
import { parseScenario } from '../../src/model/scenario.ts';

function sample(n: [number, number, number], h: number, f: (x: number, y: number, z: number) => number): Float64Array {
  const out = new Float64Array(n[0] * n[1] * n[2]);
  for (let k = 0; k < n[2]; k++)
    for (let j = 0; j < n[1]; j++) for (let i = 0; i < n[0]; i++) out[i + n[0] * (j + n[1] * k)] = f(i * h, j * h, k * h);
  return out;
}

/** Every directed edge once and its reverse once: a closed, consistently oriented surface. */
function edgeReport(s: IsoSurface): { boundaryEdges: number; misoriented: number } {
  const directed = new Map<string, number>();
  for (let t = 0; t < s.indices.length; t += 3) {
    for (let e = 0; e < 3; e++) {
      const a = s.indices[t + e],
        b = s.indices[t + ((e + 1) % 3)];
      const key = `${a},${b}`;
      directed.set(key, (directed.get(key) ?? 0) + 1);
    }
  }
  let boundaryEdges = 0,
    misoriented = 0;
  for (const [key, count] of directed) {
    const [a, b] = key.split(',');
    if (count > 1) misoriented++;
    if (!directed.has(`${b},${a}`)) boundaryEdges++;
  }
  return { boundaryEdges, misoriented };
}

describe('extractIsosurface (marching tetrahedra)', () => {
  it('a sphere: radius, area, volume, outward normals, watertight', () => {
    const n: [number, number, number] = [28, 28, 28];
    const h = 0.5,
      R = 5,
      c = 6.75;
    const data = sample(n, h, (x, y, z) => R - Math.hypot(x - c, y - c, z - c));
    const s = extractIsosurface({ data, n, spacing: h }, { level: 0 });
    const nv = s.positions.length / 3;
    expect(nv).toBeGreaterThan(500);
    let worstR = 0,
      worstN = 1;
    for (let v = 0; v < nv; v++) {
      const x = s.positions[3 * v] - c,
        y = s.positions[3 * v + 1] - c,
        z = s.positions[3 * v + 2] - c;
      const r = Math.hypot(x, y, z);
      worstR = Math.max(worstR, Math.abs(r - R));
      const dot = (x * s.normals[3 * v] + y * s.normals[3 * v + 1] + z * s.normals[3 * v + 2]) / r;
      worstN = Math.min(worstN, dot);
    }
    // linear interpolation of a distance function along an edge of length l: error <= l²/(8R)
    expect(worstR).toBeLessThan((3 * h * h) / (8 * R));
    expect(worstN).toBeGreaterThan(0.99);
    const area = surfaceArea(s),
      vol = enclosedVolume(s);
    expect(Math.abs(area / (4 * Math.PI * R * R) - 1)).toBeLessThan(0.02);
    // positive: triangles wind counter-clockwise seen from outside
    expect(Math.abs(vol / ((4 / 3) * Math.PI * R ** 3) - 1)).toBeLessThan(0.02);
    expect(edgeReport(s)).toEqual({ boundaryEdges: 0, misoriented: 0 });
  });

  it('a tilted plane is reproduced exactly and has the area of its cut through the box', () => {
    const n: [number, number, number] = [9, 7, 6];
    const h = 0.25;
    // ξ-like: above the level on the x < 1.1 side
    const data = sample(n, h, (x, y) => 1.1 - x + 0.2 * y);
    const s = extractIsosurface({ data, n, spacing: h, origin: [1, 2, 3] }, { level: 0, attributes: { x: sample(n, h, (x) => x + 1) } });
    for (let v = 0; v < s.positions.length / 3; v++) {
      const x = s.positions[3 * v] - 1,
        y = s.positions[3 * v + 1] - 2;
      expect(Math.abs(1.1 - x + 0.2 * y)).toBeLessThan(1e-5);
      // a linear attribute interpolates exactly too
      expect(Math.abs(s.attributes.x[v] - s.positions[3 * v])).toBeLessThan(1e-5);
      // outward = towards +x (decreasing field)
      expect(s.normals[3 * v]).toBeCloseTo(1 / Math.hypot(1, 0.2), 5);
    }
    // the plane x = 1.1 + 0.2y over y in [0, 1.5], z in [0, 1.25]
    const Ly = (n[1] - 1) * h,
      Lz = (n[2] - 1) * h;
    expect(surfaceArea(s)).toBeCloseTo(Lz * Ly * Math.hypot(1, 0.2), 4);
    // open where it meets the domain faces, but consistently oriented
    expect(edgeReport(s).misoriented).toBe(0);
    expect(edgeReport(s).boundaryEdges).toBeGreaterThan(0);
  });

  it('closed: metal filling the whole grid is capped on the domain faces (a closed box)', () => {
    const n: [number, number, number] = [5, 4, 3];
    const h = 1;
    const data = new Float64Array(60).fill(1);
    const open = extractIsosurface({ data, n, spacing: h }, { level: 0.5 });
    expect(open.indices.length).toBe(0);
    const s = extractIsosurface({ data, n, spacing: h, origin: [0.5, 0.5, 0.5] }, { level: 0.5, closed: true, outside: 0 });
    // the caps lie half a spacing outside the outermost samples: on the cell faces 0..n
    const lo = [Infinity, Infinity, Infinity],
      hi = [-Infinity, -Infinity, -Infinity];
    for (let v = 0; v < s.positions.length / 3; v++)
      for (let a = 0; a < 3; a++) {
        lo[a] = Math.min(lo[a], s.positions[3 * v + a]);
        hi[a] = Math.max(hi[a], s.positions[3 * v + a]);
      }
    expect(lo).toEqual([0, 0, 0]);
    expect(hi).toEqual([5, 4, 3]);
    expect(enclosedVolume(s)).toBeGreaterThan(0);
    expect(edgeReport(s)).toEqual({ boundaryEdges: 0, misoriented: 0 });
    // the cube's corners are chamfered (bilinear blend between two cap planes); the flat
    // parts of the faces: at least the inner face area
    expect(surfaceArea(s)).toBeLessThan(2 * (5 * 4 + 4 * 3 + 5 * 3));
    expect(surfaceArea(s)).toBeGreaterThan(2 * (4 * 3 + 3 * 2 + 4 * 2));
  });

  it('no crossing, no triangles; bad input is refused', () => {
    const n: [number, number, number] = [4, 4, 4];
    expect(extractIsosurface({ data: new Float64Array(64), n, spacing: 1 }, { level: 0.5 }).indices.length).toBe(0);
    expect(() => extractIsosurface({ data: new Float64Array(63), n, spacing: 1 }, { level: 0.5 })).toThrow(/63 samples/);
    expect(() => extractIsosurface({ data: new Float64Array(64), n, spacing: 0 }, { level: 0.5 })).toThrow(/spacing/);
    expect(() =>
      extractIsosurface({ data: new Float64Array(64), n, spacing: 1 }, { level: 0.5, attributes: { c: new Float64Array(3) } }),
    ).toThrow(/attribute c/);
  });

  it('two touching spheres stay one watertight surface (no cracks between cubes)', () => {
    const n: [number, number, number] = [24, 16, 16];
    const data = sample(n, 1, (x, y, z) => Math.max(4 - Math.hypot(x - 7, y - 7.5, z - 7.5), 4 - Math.hypot(x - 14, y - 7.5, z - 7.5)));
    const s = extractIsosurface({ data, n, spacing: 1 }, { level: 0 });
    expect(edgeReport(s)).toEqual({ boundaryEdges: 0, misoriented: 0 });
    expect(enclosedVolume(s)).toBeGreaterThan(0);
  });
});

describe('contourSegments (marching squares)', () => {
  it('a circle: every point on the radius, total length 2πR', () => {
    const nx = 40,
      ny = 40,
      h = 0.25,
      R = 3,
      c = 4.9;
    const data = new Float64Array(nx * ny);
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) data[i + nx * j] = R - Math.hypot(i * h - c, j * h - c);
    const seg = contourSegments({ data, nx, ny, spacing: h }, 0);
    let len = 0;
    for (let s = 0; s < seg.length; s += 4) {
      for (const p of [0, 2]) expect(Math.abs(Math.hypot(seg[s + p] - c, seg[s + p + 1] - c) - R)).toBeLessThan((2 * h * h) / (8 * R));
      len += Math.hypot(seg[s + 2] - seg[s], seg[s + 3] - seg[s + 1]);
    }
    expect(Math.abs(len / (2 * Math.PI * R) - 1)).toBeLessThan(0.01);
  });

  it('saddles follow the centre value; a straight front is exact', () => {
    // corners 0 and 2 above, centre above: one region, the below corners are cut off
    // samples (0,0) = 1, (1,0) = 0, (0,1) = 0, (1,1) = 1
    const saddle = contourSegments({ data: [1, 0, 0, 1], nx: 2, ny: 2, spacing: 1 }, 0.4);
    const want = [0.6, 0, 1, 0.4, 0.4, 1, 0, 0.6];
    expect(saddle.length).toBe(8);
    want.forEach((w, q) => {
      expect(saddle[q]).toBeCloseTo(w, 6);
    });
    // centre below (level above the mean): the above corners are cut off instead
    const other = contourSegments({ data: [1, 0, 0, 1], nx: 2, ny: 2, spacing: 1 }, 0.6);
    const want2 = [0, 0.4, 0.4, 0, 1, 0.6, 0.6, 1];
    want2.forEach((w, q) => {
      expect(other[q]).toBeCloseTo(w, 6);
    });
    const front = new Float64Array(6 * 3);
    for (let j = 0; j < 3; j++) for (let i = 0; i < 6; i++) front[i + 6 * j] = i < 2 ? 1 : 0;
    const seg = contourSegments({ data: front, nx: 6, ny: 3, spacing: 2, origin: [1, 1] }, 0.5);
    expect(seg.length).toBe(8);
    for (let s = 0; s < seg.length; s += 2) expect(seg[s]).toBe(4);
  });
});

describe('render field helpers', () => {
  const s = parseScenario({ name: 'cd', grid: { dims: 2, n: [10, 4], dx: '0.5 um' }, time: { end: 1, output: 1 }, voltage: -0.1 });
  const [nx, ny] = [10, 4];
  const { sigmaS, sigmaL } = s.parameters;

  it('current density: uniform in a series of metal and electrolyte carrying one current', () => {
    // metal in the left 4 columns; φ built so every x face carries I (A/m²) with the solver's
    // harmonic-mean face conductivity: |i| must be I in every cell, across the σ jump too
    const I = 250,
      dx = 0.5e-6;
    const xi = new Float64Array(nx * ny),
      phi = new Float64Array(nx * ny);
    const sig = (i: number) => (i < 4 ? sigmaS : sigmaL);
    for (let j = 0; j < ny; j++) {
      let p = 0;
      for (let i = 0; i < nx; i++) {
        xi[i + nx * j] = i < 4 ? 1 : 0;
        if (i > 0) p -= (I * dx) / ((2 * sig(i - 1) * sig(i)) / (sig(i - 1) + sig(i)));
        phi[i + nx * j] = p;
      }
    }
    const cd = currentDensity(s, xi, phi);
    for (const v of cd) expect(v / (0.1 * I)).toBeCloseTo(1, 9);
    // a uniform electrolyte with a linear potential: σ_l |∇φ|
    const lin = new Float64Array(nx * ny).map((_, q) => -2e3 * (q % nx) * dx);
    for (const v of currentDensity(s, new Float64Array(nx * ny), lin)) expect(v).toBeCloseTo(0.1 * sigmaL * 2e3, 9);
  });

  it('slices keep their axes; colorize uses the shared colour tables', () => {
    const n: [number, number, number] = [4, 3, 2];
    const data = Float64Array.from({ length: 24 }, (_, q) => q);
    expect(Array.from(slice(data, n, 'z', 1).data)).toEqual([12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
    expect(slice(data, n, 'y', 2)).toMatchObject({ nu: 4, nv: 2 });
    expect(Array.from(slice(data, n, 'y', 2).data)).toEqual([8, 9, 10, 11, 20, 21, 22, 23]);
    expect(Array.from(slice(data, n, 'x', 3).data)).toEqual([3, 7, 11, 15, 19, 23]);
    expect(() => slice(data, n, 'z', 2)).toThrow(/outside 0..1/);
    const px = colorize([0, 0.5, 1, NaN], 'viridis', [0, 1]);
    expect(Array.from(px.subarray(0, 4))).toEqual([...colorAt('viridis', 0), 255]);
    expect(Array.from(px.subarray(4, 8))).toEqual([...colorAt('viridis', 128 / 255), 255]);
    expect(Array.from(px.subarray(8, 12))).toEqual([...colorAt('viridis', 1), 255]);
    expect(Array.from(px.subarray(12, 16))).toEqual([255, 0, 255, 255]);
  });
});
