/**
 * Grids as textures: a 3D grid (nx, ny, nz) is an atlas of its z slices in one 2D texture,
 * T slices per texture row (slice k in tile (k mod T, ⌊k/T⌋)), one RGBA texel per cell; a 2D grid
 * is one tile (shaders/glsl/common.glsl has the same mapping). T is chosen near-square within
 * MAX_TEXTURE_SIZE. Multigrid levels, row textures (one texel per x-row: ny × nz) and the
 * coarse factor use the same helpers.
 */
import type { Uniforms } from './context.ts';

export interface GridShape {
  dims: 2 | 3;
  n: [number, number, number];
  periodic: [boolean, boolean, boolean];
  /** Slices per texture row. */
  tiles: number;
  /** Texture size. */
  w: number;
  h: number;
  N: number;
}

export function gridShape(dims: 2 | 3, n: [number, number, number], periodic: [boolean, boolean, boolean], maxTexture: number): GridShape {
  const [nx, ny, nz] = n;
  let T = Math.max(1, Math.min(nz, Math.round(Math.sqrt((nz * ny) / nx))));
  while (T > 1 && nx * T > maxTexture) T--;
  while (ny * Math.ceil(nz / T) > maxTexture && T < nz && nx * (T + 1) <= maxTexture) T++;
  const w = nx * T,
    h = ny * Math.ceil(nz / T);
  if (w > maxTexture || h > maxTexture) {
    throw new Error(
      `WebGL backend: the ${nx}×${ny}${dims === 3 ? `×${nz}` : ''} grid does not fit a texture of at most ${maxTexture}×${maxTexture} texels (needs ${w}×${h})`,
    );
  }
  return { dims, n, periodic, tiles: T, w, h, N: nx * ny * nz };
}

/** The grid uniforms of common.glsl: uGrid, uTex, uPer. */
export function gridUniforms(g: GridShape): Uniforms {
  return {
    uGrid: [g.n[0], g.n[1], g.n[2], g.tiles],
    uTex: [g.w, g.h],
    uPer: [g.periodic[0] ? 1 : 0, g.periodic[1] ? 1 : 0, g.periodic[2] ? 1 : 0, g.dims],
  };
}

/** Texel offset (in texels) of cell index c = i + nx·(j + ny·k). */
export function texelOf(g: GridShape, c: number): number {
  const [nx, ny] = g.n;
  const i = c % nx,
    j = Math.floor(c / nx) % ny,
    k = Math.floor(c / (nx * ny));
  const tx = k % g.tiles,
    ty = Math.floor(k / g.tiles);
  return i + nx * tx + g.w * (j + ny * ty);
}

/** RGBA texture data from up to four per-cell channels (missing channels 0). */
export function toAtlas(g: GridShape, channels: (ArrayLike<number> | null)[]): Float32Array {
  const out = new Float32Array(4 * g.w * g.h);
  for (let c = 0; c < g.N; c++) {
    const t = 4 * texelOf(g, c);
    for (let ch = 0; ch < 4; ch++) {
      const a = channels[ch];
      if (a) out[t + ch] = a[c];
    }
  }
  return out;
}

/** One channel of read-back RGBA texture data, per cell (f64 copy). */
export function fromAtlas(g: GridShape, rgba: Float32Array, ch: number): Float64Array {
  const out = new Float64Array(g.N);
  for (let c = 0; c < g.N; c++) out[c] = rgba[4 * texelOf(g, c) + ch];
  return out;
}
