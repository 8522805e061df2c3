/**
 * Eshelby's misfitting inclusion (model.md §8, docs/mechanics.md): a disc (2D plane strain) or a
 * sphere (3D) of metal with the isotropic eigenstrain ε* = 0.01 in a matrix. The inclusion sits
 * at the corner of a quarter (octant) domain with symmetry (roller) faces at x0, y0 (z0); the far
 * faces carry the exact displacement as clamp data (mechanics-helpers.ts dataLoad), so the
 * finite box adds no image stress. Checked: the uniform stress inside and the r⁻² (2D) / r⁻³
 * (3D) decay of σ_rr outside, away from the interface (r > 1.25a; 1.5a past a staircase, whose
 * cell-scale corners perturb the stress a few cells out).
 * - equal moduli (Li in Li): a diffuse interface (tanh of width dx) has the same exterior field
 *   as a sharp inclusion of the same eigenstrain volume (a_eff from ∫h dV);
 * - Li in a ceramic (G = 60 GPa, ν = 0.26; 35× stiffer): a sharp, staircase inclusion (ξ = 0/1
 *   per cell; error O(dx/a)). A diffuse interface with the h-interpolated (Voigt) stiffness
 *   moves the effective misfit by O(w/a·μ_matrix/μ_inclusion) (docs/mechanics.md), so this
 *   check is made on the sharp inclusion.
 */
import { describe, expect, it } from 'vitest';
import { lame, LITHIUM } from '../../src/model/mechanics.ts';
import { centre, centreStress, dataLoad, eshelby, grid, mech, MECH_CLAMP, MECH_ROLLER, solver } from './mechanics-helpers.ts';

const CERAMIC = { G: 60e9, nu: 0.26 };
const E_STAR = 0.01;

interface Result {
  iterations: number;
  inside: number;
  outside: number;
  slope: number;
}

function run(
  dims: 2 | 3,
  n: number,
  dx: number,
  a: number,
  matrix: { E?: number; G?: number; nu: number },
  sharp: boolean,
  away: number,
): Result {
  const L = grid(dims, dims === 3 ? [n, n, n] : [n, n], dx);
  const xi = new Float64Array(L.N);
  const w = dx;
  const h = (x: number) => x * x * x * (x * (6 * x - 15) + 10);
  let vol = 0;
  for (let p = 0; p < L.N; p++) {
    const r = Math.hypot(...centre(L, p));
    xi[p] = sharp ? (r < a ? 1 : 0) : 0.5 * (1 - Math.tanh((r - a) / w));
    vol += h(xi[p]) * dx ** dims;
  }
  // the radius of the inclusion with the same eigenstrain volume (a quarter disc, an eighth sphere)
  const aEff = dims === 2 ? Math.sqrt((4 * vol) / Math.PI) : Math.cbrt((6 * vol) / Math.PI);
  const C = MECH_CLAMP,
    R = MECH_ROLLER;
  const S = solver(L, mech(LITHIUM, matrix, [R, C, R, C, R, C], { e0: [E_STAR, E_STAR, E_STAR] }), xi);
  const li = lame(LITHIUM),
    mt = lame(matrix);
  const sc = (x: { lambda: number; mu: number }) => ({ lambda: x.lambda / li.mu, mu: x.mu / li.mu });
  const ex = eshelby(dims, E_STAR, aEff, sc(li), sc(mt));
  S.extra = dataLoad(S, L, (c, pos) => {
    const r = Math.hypot(...pos);
    return r === 0 ? 0 : (ex.u(r) * pos[c]) / r;
  });
  const rep = S.solve();
  expect(rep.converged).toBe(true);
  const { sig, shear } = centreStress(S);
  let inside = 0,
    outside = 0;
  const pts: [number, number][] = [];
  const rMax = 0.9 * n * dx;
  for (let p = 0; p < L.N; p++) {
    const c = centre(L, p);
    const r = Math.hypot(...c);
    if (r < 0.75 * a) {
      // uniform: σ_xx = σ_yy (= σ_zz in 3D) = σ_rr(0)
      for (let k = 0; k < dims; k++) inside = Math.max(inside, Math.abs(sig[k * L.N + p] - ex.srr(0)) / Math.abs(ex.srr(0)));
    } else if (r > away * a && r < rMax) {
      const nrm = c.map((v) => v / r);
      let srr = 0;
      for (let k = 0; k < dims; k++) srr += sig[k * L.N + p] * nrm[k] * nrm[k];
      for (let k = 0; k < dims; k++) for (let l = k + 1; l < dims; l++) srr += 2 * shear(p, k, l) * nrm[k] * nrm[l];
      outside = Math.max(outside, Math.abs(srr - ex.srr(r)) / Math.abs(ex.srr(r)));
      pts.push([Math.log(r), Math.log(Math.abs(srr))]);
    }
  }
  const mx = pts.reduce((s, q) => s + q[0], 0) / pts.length,
    my = pts.reduce((s, q) => s + q[1], 0) / pts.length;
  const slope = pts.reduce((s, q) => s + (q[0] - mx) * (q[1] - my), 0) / pts.reduce((s, q) => s + (q[0] - mx) ** 2, 0);
  return { iterations: rep.iterations, inside, outside, slope };
}

function report(label: string, r: Result, dims: number, away: number): void {
  console.log(
    `Eshelby ${label}: ${r.iterations} CG iterations; inside max |σ − σ_E|/|σ_E| ${(100 * r.inside).toFixed(2)} %, outside (r > ${away}a) max |σ_rr − σ_rr,E|/|σ_rr,E| ${(100 * r.outside).toFixed(2)} %, decay exponent ${r.slope.toFixed(3)} (exact −${dims})`,
  );
}

describe('mechanics: Eshelby misfitting inclusion', () => {
  it('2D disc, equal moduli, diffuse interface (64², dx = 0.5 µm, a = 8 µm)', () => {
    const r = run(2, 64, 0.5, 8, LITHIUM, false, 1.25);
    report('2D disc Li in Li', r, 2, 1.25);
    expect(r.inside).toBeLessThan(0.005);
    expect(r.outside).toBeLessThan(0.01);
    expect(Math.abs(r.slope + 2)).toBeLessThan(0.01);
  });
  it('2D disc, Li in a 35× stiffer ceramic, sharp interface (128², dx = 0.25 µm, a = 8 µm), r > 1.5a', () => {
    const r = run(2, 128, 0.25, 8, CERAMIC, true, 1.5);
    report('2D disc Li in ceramic', r, 2, 1.5);
    expect(r.inside).toBeLessThan(0.02);
    expect(r.outside).toBeLessThan(0.05);
    expect(Math.abs(r.slope + 2)).toBeLessThan(0.03);
  });
  it('3D sphere, equal moduli, diffuse interface (32³, dx = 0.5 µm, a = 6 µm)', () => {
    const r = run(3, 32, 0.5, 6, LITHIUM, false, 1.25);
    report('3D sphere Li in Li', r, 3, 1.25);
    expect(r.inside).toBeLessThan(0.005);
    expect(r.outside).toBeLessThan(0.01);
    expect(Math.abs(r.slope + 3)).toBeLessThan(0.01);
  });
  it('3D sphere, Li in a 35× stiffer ceramic, sharp interface (48³, dx = 0.5 µm, a = 8 µm), r > 1.5a', () => {
    const r = run(3, 48, 0.5, 8, CERAMIC, true, 1.5);
    report('3D sphere Li in ceramic', r, 3, 1.5);
    expect(r.inside).toBeLessThan(0.02);
    expect(r.outside).toBeLessThan(0.05);
    expect(Math.abs(r.slope + 3)).toBeLessThan(0.03);
  });
});
