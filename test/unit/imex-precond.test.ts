/**
 * The IMEX phase solves' preconditioner (numerics.phasePreconditioner, docs/imex-phase.md §6):
 * - the rule: ρ = d·dtMax·L_σκ0·K/dx² from the scenario, "auto" → jacobi while ρ ≤ 8, the forced
 *   values kept, a bad value refused naming the field;
 * - the CPU reference's "jacobi" (Multigrid jacobiOnly: two damped Jacobi sweeps from zero) is a
 *   symmetric positive-definite preconditioner, so CG keeps its guarantees;
 * - PCG with it solves an IMEX-like system to the same tolerance as with the V-cycle, the two
 *   solutions agree to that tolerance, and it needs more iterations (each one far cheaper).
 */
import { describe, expect, it } from 'vitest';
import { SerialExec } from '../../src/backends/cpu/exec.ts';
import { Multigrid } from '../../src/backends/cpu/multigrid.ts';
import { applyOp, makeOp, type StencilOp } from '../../src/backends/cpu/operator.ts';
import { Pcg } from '../../src/backends/cpu/pcg.ts';
import { sharedF64 } from '../../src/backends/cpu/shared.ts';
import { coefficients, IMEX_JACOBI_MAX_RHO, imexPreconditioner } from '../../src/model/derived.ts';
import { parseScenario, ScenarioError } from '../../src/model/scenario.ts';
import { mulberry32 } from '../rng.ts';

const base = { name: 'precond', grid: { dims: 2, n: [64, 32], dx: '0.25 um' }, time: { end: 1, output: 1 }, voltage: '-450 mV' };

describe('the IMEX preconditioner rule', () => {
  it('derives ρ from dtMax, L_σκ0, K and dx, and auto picks jacobi only while ρ ≤ 8', () => {
    const s = parseScenario({ ...base, anisotropy: { delta: 0.04, omega: 4 } });
    const { rho, precond } = imexPreconditioner(s);
    // hong2018's numbers (model.md §2): 2 · 0.05 s · 1.875 µm²/s · K / (0.25 µm)², K = 1.04² + 0.04·16·1.04
    const K = 1.04 ** 2 + 0.04 * 16 * 1.04;
    expect(rho).toBeCloseTo((2 * 0.05 * 1.875 * K) / 0.0625, 10);
    expect(precond).toBe('jacobi');
    expect(coefficients(s).imex?.precond).toBe('jacobi');
    // half the spacing: ρ × 4 = 21 > 8
    const fine = parseScenario({ ...base, grid: { ...base.grid, dx: '0.125 um' }, anisotropy: { delta: 0.04, omega: 4 } });
    expect(imexPreconditioner(fine).rho).toBeGreaterThan(IMEX_JACOBI_MAX_RHO);
    expect(coefficients(fine).imex?.precond).toBe('multigrid');
    // a smaller dtMax brings it back under the bound
    const short = parseScenario({ ...base, grid: { ...base.grid, dx: '0.125 um' }, numerics: { dtMax: 0.01 } });
    expect(coefficients(short).imex?.precond).toBe('jacobi');
  });

  it('keeps a forced choice and refuses an unknown one by name', () => {
    const forced = parseScenario({ ...base, numerics: { phasePreconditioner: 'multigrid' } });
    expect(coefficients(forced).imex?.precond).toBe('multigrid');
    const fine = parseScenario({ ...base, grid: { ...base.grid, dx: '0.0625 um' }, numerics: { phasePreconditioner: 'jacobi' } });
    expect(coefficients(fine).imex?.precond).toBe('jacobi');
    expect(() => parseScenario({ ...base, numerics: { phasePreconditioner: 'ilu' } })).toThrow(ScenarioError);
    expect(() => parseScenario({ ...base, numerics: { phasePreconditioner: 'ilu' } })).toThrow(/numerics\.phasePreconditioner/);
  });
});

/** I + h(diag(S) + c(−Δ)) on nx × ny (no-flux), S with a negative dip like the double well's at the front. */
function imexLikeOp(nx: number, ny: number, c: number): StencilOp {
  const op = makeOp(2, [nx, ny, 1], [false, false, false]);
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++) {
      const q = i + nx * j;
      const front = Math.exp(-(((i - nx / 3) / 2) ** 2));
      op.d[q] = 1 + 0.5 - 1.4 * front; // 1 + hS ≥ 0.1 (DIAG_FLOOR)
      op.w[0][q] = i < nx - 1 ? c : 0;
      op.w[1][q] = j < ny - 1 ? c : 0;
    }
  return op;
}

function solve(op: StencilOp, b: Float64Array, jacobiOnly: boolean) {
  const N = b.length;
  const bs = sharedF64(N),
    x = sharedF64(N);
  bs.set(b);
  const st = new Pcg(new SerialExec(), op, bs, x, { jacobiOnly }).solve({ tol: 1e-8, maxIter: 400 });
  return { st, x: Float64Array.from(x) };
}

describe('the CPU reference jacobi preconditioner', () => {
  it('is symmetric and positive definite (two sweeps from zero)', () => {
    const op = imexLikeOp(24, 12, 1.3);
    const N = 24 * 12;
    const rnd = mulberry32(7);
    const M = (v: Float64Array) => {
      const r = sharedF64(N),
        z = sharedF64(N),
        rz = sharedF64(12);
      const mg = new Multigrid(new SerialExec(), op, r, z, rz, { jacobiOnly: true });
      expect(mg.levels.length).toBe(1);
      // no dense coarsest factor: the fine level is the last one (hong2018 800² would need 3.3 TB)
      expect(mg.chol.length).toBe(0);
      mg.build();
      r.set(v);
      mg.vcycle();
      return { z: Float64Array.from(z), rz: rz.reduce((a, b) => a + b, 0) };
    };
    const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);
    for (let t = 0; t < 5; t++) {
      const u = Float64Array.from({ length: N }, () => rnd() - 0.5);
      const v = Float64Array.from({ length: N }, () => rnd() - 0.5);
      const Mu = M(u),
        Mv = M(v);
      expect(Math.abs(dot(u, Mv.z) - dot(v, Mu.z))).toBeLessThan(1e-12 * Math.sqrt(dot(u, u) * dot(v, v)));
      expect(Mu.rz).toBeGreaterThan(0);
      expect(Mu.rz).toBeCloseTo(dot(u, Mu.z), 12);
      // the expressions of the two sweeps: z = x1 + ω(u − A x1)/diag, x1 = ω u/diag
      // (the diagonal: d plus the cell's four face weights)
      const diag = op.d.map((d, q) => d + op.w[0][q] + (q % 24 > 0 ? op.w[0][q - 1] : 0) + op.w[1][q] + (q >= 24 ? op.w[1][q - 24] : 0));
      const x1 = u.map((v2, q) => ((2 / 3) * v2) / diag[q]);
      const Ax1 = new Float64Array(N);
      applyOp(op, x1, Ax1, 0, 12);
      const want = x1.map((v2, q) => v2 + ((2 / 3) * (u[q] - Ax1[q])) / diag[q]);
      for (let q = 0; q < N; q++) expect(Mu.z[q]).toBeCloseTo(want[q], 12);
    }
  });

  it('solves an IMEX-like system to the same answer as the V-cycle, in more (cheaper) iterations', () => {
    const nx = 96,
      ny = 48;
    const op = imexLikeOp(nx, ny, 1.3);
    const rnd = mulberry32(11);
    const b = Float64Array.from({ length: nx * ny }, () => rnd() - 0.5);
    const mg = solve(op, b, false);
    const jac = solve(op, b, true);
    expect(mg.st.converged).toBe(true);
    expect(jac.st.converged).toBe(true);
    const Ax = new Float64Array(nx * ny);
    applyOp(op, jac.x, Ax, 0, ny);
    const bn = Math.sqrt(b.reduce((s, v) => s + v * v, 0));
    const rn = Math.sqrt(Ax.reduce((s, v, q) => s + (v - b[q]) ** 2, 0));
    expect(rn / bn).toBeLessThan(1e-8);
    let d = 0;
    for (let q = 0; q < b.length; q++) d = Math.max(d, Math.abs(jac.x[q] - mg.x[q]));
    expect(d).toBeLessThan(1e-7);
    expect(jac.st.iterations).toBeGreaterThan(mg.st.iterations);
    // a well-conditioned system: a few times the V-cycle's count, not hundreds
    expect(jac.st.iterations).toBeLessThan(5 * mg.st.iterations + 10);
  });
});
