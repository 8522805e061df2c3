/**
 * Unit tests of the morphology metrics (src/analysis/morphology.ts) on fields with known
 * answers: a flat tanh front, a sinusoidal front (height, RMS and arc length known in closed
 * form), a detached island (seen by the contour length, not by the height profile) and a host
 * mask.
 */
import { describe, expect, it } from 'vitest';
import { contourLength, heightProfile, morphology, morphology2D } from '../../src/analysis/morphology.ts';

const w = 0.5; // µm, interface width

/** ξ of a front at x = h(y) (tanh profile), nx × ny cells of dx µm. */
function front(nx: number, ny: number, dx: number, h: (y: number) => number): Float64Array {
  const xi = new Float64Array(nx * ny);
  for (let j = 0; j < ny; j++) {
    const y = (j + 0.5) * dx,
      hy = h(y);
    for (let i = 0; i < nx; i++) xi[i + nx * j] = 0.5 * (1 - Math.tanh(((i + 0.5) * dx - hy) / w));
  }
  return xi;
}

describe('morphology metrics', () => {
  it('a flat front: h = x0 in every column, tip − mean = roughness = 0, contour/width = 1', () => {
    const dx = 0.25,
      nx = 64,
      ny = 32;
    const xi = front(nx, ny, dx, () => 5.1);
    const m = morphology2D(xi, { nx, ny, dx });
    // linear interpolation of the tanh across one cell: error ≤ 1e-3 µm at w/dx = 2
    for (const h of m.profile) expect(Math.abs(h - 5.1)).toBeLessThan(2e-3);
    expect(m.tipOverMean).toBeLessThan(1e-9);
    expect(m.roughness).toBeLessThan(1e-9);
    expect(Math.abs(m.lengthPerWidth - 1)).toBeLessThan(1e-9);
  });

  it('a sinusoidal front h = a + b sin(2πy/λ): tip − mean = b, RMS = b/√2, arc length per width from the integral', () => {
    const dx = 0.125,
      nx = 160,
      ny = 128; // 16 µm wide: two wavelengths of 8 µm
    const a = 8,
      b = 1.5,
      lam = 8;
    const xi = front(nx, ny, dx, (y) => a + b * Math.sin((2 * Math.PI * y) / lam));
    const m = morphology2D(xi, { nx, ny, dx });
    // exact arc length per unit width: (1/λ)∫₀^λ √(1 + (2πb/λ cos(2πy/λ))²) dy, by the midpoint rule
    let arc = 0;
    const K = 100000;
    for (let k = 0; k < K; k++) {
      const y = ((k + 0.5) / K) * lam;
      arc += Math.sqrt(1 + (((2 * Math.PI * b) / lam) * Math.cos((2 * Math.PI * y) / lam)) ** 2);
    }
    arc /= K;
    console.log(
      `sine front: tip − mean ${m.tipOverMean.toFixed(4)} (b = ${b}, sampled max ${(b * Math.max(...Array.from({ length: ny }, (_, j) => Math.sin((2 * Math.PI * (j + 0.5) * dx) / lam)))).toFixed(4)}), ` +
        `RMS ${m.roughness.toFixed(4)} (b/√2 = ${(b / Math.SQRT2).toFixed(4)}), contour/width ${m.lengthPerWidth.toFixed(4)} (exact ${arc.toFixed(4)})`,
    );
    expect(Math.abs(m.tipOverMean - b)).toBeLessThan(0.01);
    expect(Math.abs(m.roughness - b / Math.SQRT2)).toBeLessThan(0.01);
    // marching squares on cell centres spans (ny − 1)·dx of the width: compare per unit width, 1 %
    expect(Math.abs(m.lengthPerWidth / arc - 1)).toBeLessThan(0.01);
  });

  it('a detached island adds its perimeter to the contour length but not to the height profile', () => {
    const dx = 0.25,
      nx = 64,
      ny = 64;
    const xi = front(nx, ny, dx, () => 4);
    const R = 2,
      cx = 10,
      cy = 8;
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const r = Math.hypot((i + 0.5) * dx - cx, (j + 0.5) * dx - cy);
        xi[i + nx * j] = Math.max(xi[i + nx * j], 0.5 * (1 - Math.tanh((r - R) / w)));
      }
    const flat = contourLength(
      front(nx, ny, dx, () => 4),
      { nx, ny, dx },
    );
    const withIsland = contourLength(xi, { nx, ny, dx });
    expect(Math.abs(withIsland - flat - 2 * Math.PI * R) / (2 * Math.PI * R)).toBeLessThan(0.02);
    // the profile takes the outermost crossing: columns through the island read its far edge
    const h = heightProfile(xi, nx, ny, dx);
    expect(Math.max(...h)).toBeGreaterThan(cx + R - 0.05);
  });

  it('excluded cells (a host) count as electrolyte', () => {
    const dx = 0.25,
      nx = 32,
      ny = 8;
    const xi = front(nx, ny, dx, () => 2);
    const mask = new Uint8Array(nx * ny);
    for (let i = 0; i < 24; i++) {
      xi[i + nx * 3] = 1;
      mask[i + nx * 3] = 1;
    } // a 6 µm rib of ξ = 1 in row 3
    expect(morphology(xi, [nx, ny, 1], dx, 2).tip).toBeGreaterThan(5.9);
    const m = morphology(xi, [nx, ny, 1], dx, 2, mask);
    expect(m.tip).toBeLessThan(2.1);
    expect(m.profile[3]).toBe(0);
  });
});
