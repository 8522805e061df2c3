/**
 * Bilayers under eigenstrain (docs/mechanics.md), against closed forms:
 * 1. Stacked along the growth direction x (metal on the clamped collector, electrolyte above,
 *    roller faces laterally, stack pressure p on x1): a 1D state with σ_xx = −p in every cell
 *    and, per cell, ε_xx = (−p + λ h tr ε⁰ + 2μ h ε⁰_x)/(λ + 2μ); σ_yy = λ tr ε_e + 2μ ε_e,yy.
 *    The scheme is exact here (to round-off), for a sharp and for a diffuse (tanh) interface,
 *    in 2D (plane strain) and 3D.
 * 2. Side by side across y (a metal strip with eigenstrain between two ceramic strips, symmetric
 *    about y = H/2 so no bending moment arises; clamped at x0, free at x1, rollers at y0, y1): far
 *    from both ends (Saint-Venant) the strips share a uniform ε_xx, carry no net axial force, keep
 *    ∫ε_yy dy = 0 and the same σ_yy. The three conditions give ε_xx and ε_yy of metal and
 *    ceramic; the cells halfway along x must match.
 */
import { describe, expect, it } from 'vitest';
import { lame, LITHIUM } from '../../src/model/mechanics.ts';
import { centre, grid, mech, MECH_CLAMP, MECH_ROLLER, MECH_TRACTION, solver } from './mechanics-helpers.ts';

const POLYMER = { G: 0.3e9, nu: 0.45 };
const CERAMIC = { G: 60e9, nu: 0.26 };
const hOf = (x: number) => x * x * x * (x * (6 * x - 15) + 10);

describe('mechanics: bilayer under eigenstrain', () => {
  for (const dims of [2, 3] as const) {
    for (const profile of ['sharp', 'diffuse'] as const) {
      it(`stacked along x with stack pressure, ${dims}D, ${profile} interface: σ_xx = −p and ε_xx per cell exact`, () => {
        const n = dims === 2 ? [40, 6] : [24, 4, 4];
        const dx = 0.5;
        const L = grid(dims, n, dx);
        const e0: [number, number, number] = [0.02, 0.01, 0.005];
        const li = lame(LITHIUM);
        const p = 5e6 / li.mu; // 5 MPa
        const C = MECH_CLAMP,
          R = MECH_ROLLER,
          T = MECH_TRACTION;
        const xi = new Float64Array(L.N);
        for (let q = 0; q < L.N; q++) {
          const x = centre(L, q)[0];
          xi[q] = profile === 'sharp' ? (x < 7 ? 1 : 0) : 0.5 * (1 - Math.tanh((x - 7) / 1));
        }
        const mc = mech(LITHIUM, POLYMER, [C, T, R, R, R, R], { e0, pressure: p, tol: 1e-13 });
        const S = solver(L, mc, xi);
        const rep = S.solve();
        expect(rep.converged).toBe(true);
        const { sig } = S.fullStress();
        let errXX = 0,
          errYY = 0,
          errU = 0;
        const N = L.N;
        for (let q = 0; q < N; q++) {
          const h = hOf(Math.min(1, Math.max(0, xi[q])));
          const lam = mc.lamE + h * (mc.lamM - mc.lamE),
            mu = mc.muE + h * (mc.muM - mc.muE);
          const trE0 = h * (e0[0] + e0[1] + e0[2]);
          const exx = (-p + lam * trE0 + 2 * mu * h * e0[0]) / (lam + 2 * mu);
          const tr = exx - trE0;
          const syy = lam * tr + 2 * mu * (-h * e0[1]);
          errXX = Math.max(errXX, Math.abs(sig[q] + p));
          errYY = Math.max(errYY, Math.abs(sig[N + q] - syy));
          // u_x at the upper x-face of q: the sum of ε_xx dx from the clamp
          const i = q % L.nx;
          const j0 = q - i;
          let ux = 0;
          for (let k = 0; k <= i; k++) {
            const hk = hOf(Math.min(1, Math.max(0, xi[j0 + k])));
            const lk = mc.lamE + hk * (mc.lamM - mc.lamE),
              mk = mc.muE + hk * (mc.muM - mc.muE);
            ux += ((-p + lk * hk * (e0[0] + e0[1] + e0[2]) + 2 * mk * hk * e0[0]) / (lk + 2 * mk)) * dx;
          }
          errU = Math.max(errU, Math.abs(S.u[q] - ux));
        }
        console.log(
          `bilayer stacked ${dims}D ${profile}: ${rep.iterations} iterations; max |σ_xx + p| ${(errXX * li.mu).toExponential(2)} Pa (p = 5 MPa), |σ_yy − exact| ${(errYY * li.mu).toExponential(2)} Pa, |u_x − Σε_xx dx| ${errU.toExponential(2)} µm`,
        );
        expect(errXX).toBeLessThan(1e-9 * p);
        expect(errYY).toBeLessThan(1e-9);
        expect(errU).toBeLessThan(1e-10);
      });
    }
  }

  it('side by side across y (ceramic | metal | ceramic), clamped at x0 and free at x1: the Saint-Venant state halfway', () => {
    const H = 8,
      b = 3,
      c0 = 2.5,
      dx = 0.25;
    const nx = 128,
      ny = H / dx;
    const L = grid(2, [nx, ny], dx);
    const e = 0.01;
    const C = MECH_CLAMP,
      R = MECH_ROLLER,
      T = MECH_TRACTION;
    const xi = new Float64Array(L.N);
    // the metal strip c0 < y < c0 + b, ceramic on both sides
    for (let q = 0; q < L.N; q++) xi[q] = Math.abs(centre(L, q)[1] - c0 - b / 2) < b / 2 ? 1 : 0;
    const mc = mech(LITHIUM, CERAMIC, [C, T, R, R, R, R], { e0: [e, e, e], tol: 1e-12 });
    const S = solver(L, mc, xi);
    const rep = S.solve();
    expect(rep.converged).toBe(true);
    // the 3×3 system for (ε_xx, ε_yy,metal, ε_yy,ceramic); plane strain, eigenstrain in the metal
    const lay = [
      { lam: mc.lamM, mu: mc.muM, h: 1, t: b },
      { lam: mc.lamE, mu: mc.muE, h: 0, t: H - b },
    ];
    // σ_xx,i = λ_i(E + ε_i − 3h_i e) + 2μ_i(E − h_i e); σ_yy,i = λ_i(E + ε_i − 3h_i e) + 2μ_i(ε_i − h_i e)
    const A = [
      [lay[0].lam - lay[1].lam, lay[0].lam + 2 * lay[0].mu, -(lay[1].lam + 2 * lay[1].mu)],
      [0, lay[0].t, lay[1].t],
      [lay[0].t * (lay[0].lam + 2 * lay[0].mu) + lay[1].t * (lay[1].lam + 2 * lay[1].mu), lay[0].t * lay[0].lam, lay[1].t * lay[1].lam],
    ];
    const s0 = (3 * lay[0].lam + 2 * lay[0].mu) * e; // the metal's eigenstress λ·3e + 2μe
    const rhs = [s0, 0, lay[0].t * s0];
    // Cramer's rule
    const det = (M: number[][]) =>
      M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1]) -
      M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0]) +
      M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0]);
    const D = det(A);
    const sol = [0, 1, 2].map((c) => det(A.map((row, r) => row.map((v, k) => (k === c ? rhs[r] : v)))) / D);
    const [E, e1, e2] = sol;
    const exact = lay.map((l, k) => {
      const ey = k === 0 ? e1 : e2;
      const tr = E + ey - 3 * l.h * e;
      return { sxx: l.lam * tr + 2 * l.mu * (E - l.h * e), syy: l.lam * tr + 2 * l.mu * (ey - l.h * e) };
    });
    const { sig } = S.fullStress();
    const i = nx / 2;
    let err = 0;
    const scale = Math.abs(exact[0].sxx);
    for (let j = 0; j < ny; j++) {
      const q = i + nx * j;
      const y = centre(L, q)[1];
      // one cell away from the interfaces (their edge μ mixes the strips)
      if (Math.abs(Math.abs(y - c0 - b / 2) - b / 2) < dx) continue;
      const ex = exact[Math.abs(y - c0 - b / 2) < b / 2 ? 0 : 1];
      err = Math.max(err, Math.abs(sig[q] - ex.sxx) / scale, Math.abs(sig[L.N + q] - ex.syy) / scale);
    }
    const li = lame(LITHIUM);
    console.log(
      `bilayer side by side: ${rep.iterations} iterations; ε_xx = ${E.toExponential(4)}, σ_xx metal ${(exact[0].sxx * li.mu * 1e-6).toFixed(2)} MPa, ceramic ${(exact[1].sxx * li.mu * 1e-6).toFixed(2)} MPa, σ_yy ${(exact[0].syy * li.mu * 1e-6).toFixed(2)} MPa; max error halfway ${(100 * err).toFixed(3)} % of |σ_xx,metal|`,
    );
    expect(err).toBeLessThan(0.002);
  });
});
