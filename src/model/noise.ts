/**
 * Counter-based random numbers: a pure function of (seed, step, cell), so every backend
 * (CPU threads, WGSL, GLSL) draws the same numbers in any order. Only 32-bit integer
 * multiply, xor and shifts are used, which WGSL u32 arithmetic reproduces bit for bit.
 * shaders/common/noise.wgsl is the WGSL twin of this file.
 */

/** "lowbias32" integer hash (C. Wellons): good avalanche, two multiplies. */
export function hash32(x: number): number {
  x >>>= 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Per-step key: mixes the seed and the step number once per step. */
export function stepKey(seed: number, step: number): number {
  return hash32((hash32(seed >>> 0) + (step >>> 0)) >>> 0);
}

/**
 * Uniform in (0,1): (2m+1)/2^24 with m the top 23 bits of h. Every value has at most 24
 * significant bits, so it is exactly representable in f32 and GPU and CPU agree exactly.
 */
export function uniform24(h: number): number {
  return ((h >>> 9) + 0.5) * (1 / 8388608);
}

/** Standard normal for one cell at one step (Box–Muller on two hashed uniforms). */
export function cellNormal(key: number, cell: number): number {
  const h1 = hash32((key ^ hash32(cell >>> 0)) >>> 0);
  const h2 = hash32((h1 + 0x9e3779b9) >>> 0);
  const u1 = uniform24(h1);
  const u2 = uniform24(h2);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
