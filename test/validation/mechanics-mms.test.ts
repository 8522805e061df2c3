/**
 * Manufactured solution for the heterogeneous elasticity operator (docs/mechanics.md): smooth
 * moduli λ(x), μ(x) and eigenstrain h(ξ(x))·ε⁰ from a smooth ξ(x) through the engine's own
 * interpolation, a displacement that is zero on the clamped faces x0, x1 and symmetric
 * (u_n = 0, shear-free) on the roller faces,
 *   2D: u_x = A sin(πx) cos(πy),            u_y = B sin(2πx) sin(πy)
 *   3D: u_x = A sin(πx) cos(πy) cos(πz),    u_y = B sin(2πx) sin(πy) cos(πz),
 *       u_z = C sin(2πx) cos(πy) sin(πz)       on the unit square / cube (µm),
 * and the body force f = −∇·σ(u): every factor (h, ε_ab) and its derivatives by mathjs, the
 * product rule of ∂_b σ_ab applied numerically (no formula transcribed by hand); applied
 * as the solver's extra load dx²·f at each displacement point. The L2 error of u over all
 * stored values must fall at order 2.
 */
import { derivative, parse, type MathNode } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { LITHIUM } from '../../src/model/mechanics.ts';
import { toJs } from './helpers.ts';
import { centre, facePoint, grid, mech, MECH_CLAMP, MECH_ROLLER, solver } from './mechanics-helpers.ts';

const E0 = [0.01, 0.02, 0.005];
const MC = mech(LITHIUM, { G: 0.3e9, nu: 0.45 }, [MECH_CLAMP, MECH_CLAMP, MECH_ROLLER, MECH_ROLLER, MECH_ROLLER, MECH_ROLLER], {
  e0: [E0[0], E0[1], E0[2]],
  tol: 1e-12,
});

function manufactured(dims: 2 | 3) {
  const vars = dims === 3 ? ['x', 'y', 'z'] : ['x', 'y'];
  const xiS = dims === 3 ? '0.5 + 0.3*sin(2*pi*x)*cos(pi*y)*cos(pi*z)' : '0.5 + 0.3*sin(2*pi*x)*cos(pi*y)';
  const uS =
    dims === 3
      ? ['0.02*sin(pi*x)*cos(pi*y)*cos(pi*z)', '0.015*sin(2*pi*x)*sin(pi*y)*cos(pi*z)', '0.01*sin(2*pi*x)*cos(pi*y)*sin(pi*z)']
      : ['0.02*sin(pi*x)*cos(pi*y)', '0.015*sin(2*pi*x)*sin(pi*y)'];
  // every factor and its derivatives by mathjs; the products are formed numerically below
  // (one expression for the whole of ∇·σ grows too large to differentiate quickly)
  const xiN = parse(xiS);
  const hN = parse(`(${xiS})^3*(6*(${xiS})^2 - 15*(${xiS}) + 10)`);
  const fn = (n: MathNode) => toJs(n, vars);
  const d = (n: MathNode, v: string) => derivative(n, v);
  const h = fn(hN);
  const dh = vars.map((v) => fn(d(hN, v)));
  const u = uS.map((s) => parse(s));
  // ε_ab and ∂_c ε_ab
  const epsN = (a: number, b: number) => parse(`0.5*((${d(u[a], vars[b]).toString()}) + (${d(u[b], vars[a]).toString()}))`);
  const eps = vars.map((_, a) => vars.map((_, b) => fn(epsN(a, b))));
  const deps = vars.map((_, a) => vars.map((_, b) => vars.map((v) => fn(d(epsN(a, b), v)))));
  const trE0 = E0[0] + E0[1] + E0[2];
  const f = vars.map((_, a) => (...x: number[]) => {
    const hv = h(...x);
    const lam = MC.lamE + hv * (MC.lamM - MC.lamE),
      mu = MC.muE + hv * (MC.muM - MC.muE);
    let tr = -hv * trE0;
    for (let c = 0; c < dims; c++) tr += eps[c][c](...x);
    let div = 0;
    for (let b = 0; b < dims; b++) {
      const dhb = dh[b](...x);
      const dlam = dhb * (MC.lamM - MC.lamE),
        dmu = dhb * (MC.muM - MC.muE);
      let dtr = -dhb * trE0;
      for (let c = 0; c < dims; c++) dtr += deps[c][c][b](...x);
      // ∂_b σ_ab, σ_ab = δ_ab λ tr ε_e + 2μ(ε_ab − δ_ab h ε⁰_a)
      const diag = a === b ? 1 : 0;
      div += diag * (dlam * tr + lam * dtr);
      div += 2 * dmu * (eps[a][b](...x) - diag * hv * E0[a]) + 2 * mu * (deps[a][b][b](...x) - diag * dhb * E0[a]);
    }
    return -div;
  });
  return { u: u.map(fn), f, xi: fn(xiN) };
}

function run(dims: 2 | 3, n: number, m: ReturnType<typeof manufactured>) {
  const dx = 1 / n;
  const L = grid(dims, dims === 3 ? [n, n, n] : [n, n], dx);
  const xi = Float64Array.from({ length: L.N }, (_, p) => m.xi(...centre(L, p)));
  const S = solver(L, MC, xi);
  const extra = new Float64Array(dims * L.N);
  for (let a = 0; a < dims; a++)
    for (let p = 0; p < L.N; p++) {
      const held = p % L.nx === L.nx - 1 && a === 0; // u_x on the clamped face x1
      const onRoller = a > 0 && Math.floor(p / (a === 1 ? L.nx : L.nx * L.ny)) % (a === 1 ? L.ny : L.nz) === (a === 1 ? L.ny : L.nz) - 1;
      if (held || onRoller) continue;
      extra[a * L.N + p] = dx * dx * m.f[a](...facePoint(L, p, a));
    }
  S.extra = extra;
  const rep = S.solve();
  expect(rep.converged).toBe(true);
  let s = 0;
  for (let a = 0; a < dims; a++) for (let p = 0; p < L.N; p++) s += (S.u[a * L.N + p] - m.u[a](...facePoint(L, p, a))) ** 2;
  return { L2: Math.sqrt(s * dx ** dims), iterations: rep.iterations };
}

describe('mechanics: manufactured solution, heterogeneous moduli', () => {
  for (const [dims, sizes] of [
    [2, [16, 32, 64, 128]],
    [3, [8, 16, 32]],
  ] as const) {
    it(`${dims}D: L2 error of u falls at order 2 (n = ${sizes.join(', ')})`, () => {
      const m = manufactured(dims);
      const res = sizes.map((n) => run(dims, n, m));
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
