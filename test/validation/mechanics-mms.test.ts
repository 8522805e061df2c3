/**
 * Manufactured solution for the heterogeneous elasticity operator (docs/mechanics.md) on the
 * CPU reference: smooth moduli λ(x), μ(x) and eigenstrain h(ξ(x))·ε⁰ from a smooth ξ(x) through
 * the engine's own interpolation, a displacement that is zero on the clamped faces x0, x1 and
 * symmetric (u_n = 0, shear-free) on the roller faces,
 *   2D: u_x = A sin(πx) cos(πy),            u_y = B sin(2πx) sin(πy)
 *   3D: u_x = A sin(πx) cos(πy) cos(πz),    u_y = B sin(2πx) sin(πy) cos(πz),
 *       u_z = C sin(2πx) cos(πy) sin(πz)       on the unit square / cube (µm),
 * and the body force f = −∇·σ(u) from mathjs derivatives (mechanics-known.ts), applied as the
 * solver's added load dx²·f at each displacement point. The L2 error of u over all stored
 * values must fall at order 2. The same check runs on the GPU backends in test/conformance.
 */
import { describe, expect, it } from 'vitest';
import { cpuSolver, manufactured, mmsCase } from './mechanics-known.ts';

describe('mechanics: manufactured solution, heterogeneous moduli', () => {
  for (const [dims, sizes] of [
    [2, [16, 32, 64, 128]],
    [3, [8, 16, 32]],
  ] as const) {
    it(`${dims}D: L2 error of u falls at order 2 (n = ${sizes.join(', ')})`, async () => {
      const m = manufactured(dims);
      const res: { L2: number; iterations: number }[] = [];
      for (const n of sizes) res.push(await mmsCase(dims, n, m, cpuSolver));
      const orders = res.slice(1).map((r, k) => Math.log2(res[k].L2 / r.L2));
      console.log(
        `MMS ${dims}D: L2 ${res.map((r) => r.L2.toExponential(3)).join(', ')}; orders ${orders.map((o) => o.toFixed(3)).join(', ')}; CG iterations ${res.map((r) => r.iterations).join(', ')}`,
      );
      const last = orders[orders.length - 1];
      expect(last).toBeGreaterThan(1.8);
      expect(last).toBeLessThan(2.2);
    });
  }
});
