/**
 * The displacement solver (src/backends/cpu/elasticity.ts): CG preconditioned by one W-cycle of
 * aggregation multigrid per displacement component. Its iteration count must not grow with the
 * grid (a metal film with a hemispherical bump under eigenstrain, clamped collector, traction
 * face, symmetry sides; the same physical problem on finer grids), for a ceramic, a polymer and
 * a liquid electrolyte; and the worker threads must give the serial result bit for bit.
 */
import { describe, expect, it } from 'vitest';
import { ElasticitySolver } from '../../src/backends/cpu/elasticity.ts';
import { Pool } from '../../src/backends/cpu/pool.ts';
import { LITHIUM, LIQUID_STIFFNESS, lame } from '../../src/model/mechanics.ts';
import { bitDiffs } from '../reliability/helpers.ts';
import { centre, grid, mech, MECH_CLAMP, MECH_ROLLER, MECH_TRACTION, solver } from './mechanics-helpers.ts';

const C = MECH_CLAMP,
  R = MECH_ROLLER,
  T = MECH_TRACTION;
const li = lame(LITHIUM);
const ELECTROLYTES: Record<string, { E?: number; G?: number; nu: number }> = {
  ceramic: { G: 60e9, nu: 0.26 },
  polymer: { G: 0.3e9, nu: 0.45 },
  liquid: { G: li.mu * LIQUID_STIFFNESS, nu: LITHIUM.nu },
};

/** A 10 µm film with a 6 µm bump on a 40 µm (2D) / 20 µm (3D) box, interface width 2 cells. */
function film(dims: 2 | 3, n: number): { L: ReturnType<typeof grid>; xi: Float64Array } {
  const size = dims === 2 ? 40 : 20;
  const L = grid(dims, dims === 3 ? [n, n, n] : [n, n], size / n);
  const xi = new Float64Array(L.N);
  const film = dims === 2 ? 10 : 5,
    bump = dims === 2 ? 6 : 3;
  for (let p = 0; p < L.N; p++) {
    const [x, y, z] = centre(L, p);
    const r = Math.hypot(x - film, y - size / 2, dims === 3 ? z - size / 2 : 0);
    xi[p] = 0.5 * (1 - Math.tanh(Math.min(x - film, r - bump) / (2 * L.dx)));
  }
  return { L, xi };
}

function iterations(dims: 2 | 3, n: number, el: { E?: number; G?: number; nu: number }): number {
  const { L, xi } = film(dims, n);
  const S = solver(L, mech(LITHIUM, el, [C, T, R, R, R, R], { e0: [0.01, 0.01, 0.01], tol: 1e-8 }), xi);
  const r = S.solve();
  expect(r.converged).toBe(true);
  return r.iterations;
}

describe('mechanics solver: iteration count vs grid size', () => {
  for (const [name, el] of Object.entries(ELECTROLYTES)) {
    it(`2D, ${name} electrolyte: 32² … 256² (tol 1e-8, from zero)`, () => {
      const sizes = [32, 64, 128, 256];
      const its = sizes.map((n) => iterations(2, n, el));
      console.log(`mechanics PCG iterations 2D ${name}: ${sizes.map((n, k) => `${n}²: ${its[k]}`).join(', ')}`);
      // flat: the finest two within one iteration, the whole range within 15 %
      expect(Math.abs(its[3] - its[2])).toBeLessThanOrEqual(1);
      expect(Math.max(...its) / Math.min(...its)).toBeLessThanOrEqual(1.15);
    });
  }
  it('3D, ceramic electrolyte: 16³ … 48³', () => {
    const sizes = [16, 32, 48];
    const its = sizes.map((n) => iterations(3, n, ELECTROLYTES.ceramic));
    console.log(`mechanics PCG iterations 3D ceramic: ${sizes.map((n, k) => `${n}³: ${its[k]}`).join(', ')}`);
    expect(Math.abs(its[2] - its[1])).toBeLessThanOrEqual(1);
    expect(Math.max(...its) / Math.min(...its)).toBeLessThanOrEqual(1.15);
  });
});

describe('mechanics solver: threads', () => {
  it('2 threads give the serial displacement and coupling bit for bit (2D 96², 3D 24³)', async () => {
    for (const [dims, n] of [
      [2, 96],
      [3, 24],
    ] as const) {
      const { L, xi } = film(dims, n);
      const mc = mech(LITHIUM, ELECTROLYTES.polymer, [C, T, R, R, R, R], { e0: [0.01, 0.01, 0.01], tol: 1e-10, sFactor: 0.1 });
      const serial = solver(L, mc, xi);
      const rs = serial.solve();
      const pool = new Pool({ threads: 2, minParallelCells: 64 });
      try {
        await pool.ready();
        const threaded = new ElasticitySolver(pool, L, mc, Float64Array.from(xi));
        const rt = threaded.solve();
        expect(rt.iterations).toBe(rs.iterations);
        const du = bitDiffs(serial.u, threaded.u),
          dm = bitDiffs(serial.mech, threaded.mech);
        console.log(
          `mechanics ${dims}D threads 2 vs serial: ${rs.iterations} iterations both, ${du} displacement and ${dm} coupling values differ`,
        );
        expect(du).toBe(0);
        expect(dm).toBe(0);
      } finally {
        await pool.dispose();
      }
    }
  });
});
