/**
 * The discrete elasticity operator (docs/mechanics.md): the row kernels (gathered per unknown)
 * equal the gradient of the discrete energy written term by term (mechanics-helpers.ts), on
 * every combination of face types; the operator is symmetric positive definite; and the
 * preconditioner's diagonal blocks (face-weight operators) are exactly A's diagonal blocks.
 */
import { describe, expect, it } from 'vitest';
import { elasticForceK, elasticStressK, MODE_LINEAR } from '../../src/backends/cpu/elasticity-kernels.ts';
import { applyOp } from '../../src/backends/cpu/operator.ts';
import { LITHIUM } from '../../src/model/mechanics.ts';
import {
  energyGradient,
  grid,
  materialOf,
  mech,
  MECH_CLAMP,
  MECH_PERIODIC,
  MECH_ROLLER,
  MECH_TRACTION,
  solver,
} from './mechanics-helpers.ts';

const C = MECH_CLAMP,
  R = MECH_ROLLER,
  T = MECH_TRACTION,
  P = MECH_PERIODIC;
const CASES: { dims: 2 | 3; n: number[]; faces: number[] }[] = [
  { dims: 2, n: [6, 5], faces: [C, T, R, R, R, R] },
  { dims: 2, n: [6, 5], faces: [C, C, C, C, R, R] },
  { dims: 2, n: [6, 4], faces: [C, T, P, P, R, R] },
  { dims: 2, n: [5, 6], faces: [R, C, C, T, R, R] },
  { dims: 3, n: [4, 5, 3], faces: [C, T, R, R, P, P] },
  { dims: 3, n: [4, 3, 5], faces: [C, C, C, T, R, C] },
  { dims: 3, n: [5, 4, 4], faces: [C, T, P, P, P, P] },
];

function rng(seed: number) {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647 - 0.5;
  };
}

describe('mechanics operator', () => {
  for (const c of CASES) {
    it(`${c.dims}D ${c.n.join('×')} faces ${c.faces.join('')}: kernels = energy gradient, symmetric positive definite, blocks = diagonal blocks`, () => {
      const L = grid(c.dims, c.n, 0.7);
      const rnd = rng(7);
      const xi = Float64Array.from({ length: L.N }, () => rnd() + 0.5);
      const S = solver(L, mech(LITHIUM, { G: 60e9, nu: 0.26 }, c.faces), xi);
      const m = materialOf(S);
      const d = c.dims,
        N = L.N,
        M = d * N;
      const apply = (u: Float64Array) => {
        const sig = new Float64Array(d * N),
          tau = new Float64Array(3 * N),
          y = new Float64Array(M);
        const s = new Float64Array(4);
        elasticStressK({ g: S.g, m, e0: [0, 0, 0], mode: MODE_LINEAR, u, sig, tau }, s, 0, L.rows);
        elasticForceK({ g: S.g, m, mode: MODE_LINEAR, pressure: 0, u, sig, tau, y, part: null }, s, 0, L.rows);
        return y;
      };
      // kernels vs the term-by-term energy gradient
      const x = Float64Array.from({ length: M }, () => rnd());
      const y = apply(x);
      const ref = energyGradient(S.g, m, x, null, L);
      let diff = 0,
        scale = 0;
      for (let i = 0; i < M; i++) {
        diff = Math.max(diff, Math.abs(y[i] - ref[i]));
        scale = Math.max(scale, Math.abs(ref[i]));
      }
      expect(diff).toBeLessThan(1e-12 * scale);
      // dense A: symmetric, Cholesky succeeds
      const A: Float64Array[] = [];
      for (let j = 0; j < M; j++) {
        const e = new Float64Array(M);
        e[j] = 1;
        A.push(apply(e));
      }
      let asym = 0;
      for (let i = 0; i < M; i++) for (let j = 0; j < i; j++) asym = Math.max(asym, Math.abs(A[i][j] - A[j][i]));
      expect(asym).toBeLessThan(1e-13 * scale);
      const Lc = A.map((r) => Float64Array.from(r));
      let minPivot = Infinity;
      for (let j = 0; j < M; j++) {
        let s = Lc[j][j];
        for (let k = 0; k < j; k++) s -= Lc[j][k] ** 2;
        minPivot = Math.min(minPivot, s);
        expect(s).toBeGreaterThan(0);
        const l = Math.sqrt(s);
        Lc[j][j] = l;
        for (let i = j + 1; i < M; i++) {
          let t = Lc[i][j];
          for (let k = 0; k < j; k++) t -= Lc[i][k] * Lc[j][k];
          Lc[i][j] = t / l;
        }
      }
      // the preconditioner's blocks
      (S as unknown as { exec: { run(t: unknown): void }; t: { blocks: unknown } }).exec.run(
        (S as unknown as { t: { blocks: unknown } }).t.blocks,
      );
      const ops = (S as unknown as { ops: Parameters<typeof applyOp>[0][] }).ops;
      let bdiff = 0;
      for (let a = 0; a < d; a++) {
        for (let j = 0; j < N; j++) {
          const e = new Float64Array(N);
          e[j] = 1;
          const yb = new Float64Array(N);
          applyOp(ops[a], e, yb, 0, L.rows);
          for (let i = 0; i < N; i++) bdiff = Math.max(bdiff, Math.abs(yb[i] - A[a * N + j][a * N + i]));
        }
      }
      expect(bdiff).toBeLessThan(1e-13 * scale);
      console.log(
        `operator ${c.dims}D faces ${c.faces.join('')}: |kernel − energy gradient| ${diff.toExponential(1)}, asymmetry ${asym.toExponential(1)}, min pivot ${minPivot.toPrecision(3)}, |blocks − A_cc| ${bdiff.toExponential(1)}`,
      );
    });
  }
});
