/**
 * The mechanics known answers as functions of a displacement solver (docs/mechanics.md), so the
 * same checks run on the CPU solver directly (mechanics-eshelby/-mms tests) and through any
 * backend's mechanics stage (test/conformance/body.ts: WebGPU under Dawn, WebGL in Chromium):
 * - Eshelby's misfitting disc / sphere: quarter (octant) domain, symmetry faces at x0, y0 (z0),
 *   the exact displacement as clamp data on the far faces (dataLoad);
 * - a manufactured solution with heterogeneous moduli and eigenstrain (body force derived by
 *   mathjs), whose L2 error must fall at order 2.
 * A solver gets the grid, the coefficients, ξ and the load and returns the displacement; the
 * stresses are then taken on the host in f64 from that displacement (centreStress).
 */
import { derivative, parse, type MathNode } from 'mathjs';
import type { Layout } from '../../src/backends/layout.ts';
import { lame, LITHIUM, type MechCoefficients } from '../../src/model/mechanics.ts';
import { toJs } from './helpers.ts';
import { centre, centreStress, dataLoad, eshelby, facePoint, grid, mech, MECH_CLAMP, MECH_ROLLER, solver } from './mechanics-helpers.ts';

/** Solves for the displacement (d·N, component-major) with the added load; reports its CG iterations. */
export type DisplacementSolver = (
  L: Layout,
  mc: MechCoefficients,
  xi: Float64Array,
  load: Float64Array,
) => Promise<{ u: Float64Array; iterations: number; converged: boolean }>;

/** The CPU reference solver (f64, serial). */
export const cpuSolver: DisplacementSolver = async (L, mc, xi, load) => {
  const S = solver(L, mc, xi);
  S.extra = load;
  const r = S.solve();
  return { u: S.u.slice(), iterations: r.iterations, converged: r.converged };
};

export const CERAMIC = { G: 60e9, nu: 0.26 };
const E_STAR = 0.01;

export interface EshelbyResult {
  iterations: number;
  inside: number;
  outside: number;
  slope: number;
}

/** The Eshelby case: relative stress errors inside (r < 0.75a) and of σ_rr outside (r > away·a), the decay exponent. */
export async function eshelbyCase(
  dims: 2 | 3,
  n: number,
  dx: number,
  a: number,
  matrix: { E?: number; G?: number; nu: number },
  sharp: boolean,
  away: number,
  solve: DisplacementSolver,
): Promise<EshelbyResult> {
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
  const mc = mech(LITHIUM, matrix, [R, C, R, C, R, C], { e0: [E_STAR, E_STAR, E_STAR] });
  const S = solver(L, mc, xi);
  const li = lame(LITHIUM),
    mt = lame(matrix);
  const sc = (x: { lambda: number; mu: number }) => ({ lambda: x.lambda / li.mu, mu: x.mu / li.mu });
  const ex = eshelby(dims, E_STAR, aEff, sc(li), sc(mt));
  const load = dataLoad(S, L, (c, pos) => {
    const r = Math.hypot(...pos);
    return r === 0 ? 0 : (ex.u(r) * pos[c]) / r;
  });
  const rep = await solve(L, mc, xi, load);
  if (!rep.converged) throw new Error('Eshelby: the displacement solve did not converge');
  S.u.set(rep.u);
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

export function eshelbyReport(label: string, r: EshelbyResult, dims: number, away: number): string {
  return `Eshelby ${label}: ${r.iterations} CG iterations; inside max |σ − σ_E|/|σ_E| ${(100 * r.inside).toFixed(2)} %, outside (r > ${away}a) max |σ_rr − σ_rr,E|/|σ_rr,E| ${(100 * r.outside).toFixed(2)} %, decay exponent ${r.slope.toFixed(3)} (exact −${dims})`;
}

// ---------------------------------------------------------------------------------------------
// Manufactured solution

const E0 = [0.01, 0.02, 0.005];
export const MMS_MECH = mech(
  LITHIUM,
  { G: 0.3e9, nu: 0.45 },
  [MECH_CLAMP, MECH_CLAMP, MECH_ROLLER, MECH_ROLLER, MECH_ROLLER, MECH_ROLLER],
  {
    e0: [E0[0], E0[1], E0[2]],
    tol: 1e-12,
  },
);

/**
 * u (zero on the clamped faces x0, x1, symmetric on the rollers), ξ (smooth, in [0.2, 0.8]) and the
 * body force f = −∇·σ(u): every factor (h, ε_ab) and its derivatives by mathjs, the product rule of
 * ∂_b σ_ab applied numerically (one expression for all of ∇·σ grows too large to differentiate).
 */
export function manufactured(dims: 2 | 3, MC: MechCoefficients = MMS_MECH) {
  const vars = dims === 3 ? ['x', 'y', 'z'] : ['x', 'y'];
  const xiS = dims === 3 ? '0.5 + 0.3*sin(2*pi*x)*cos(pi*y)*cos(pi*z)' : '0.5 + 0.3*sin(2*pi*x)*cos(pi*y)';
  const uS =
    dims === 3
      ? ['0.02*sin(pi*x)*cos(pi*y)*cos(pi*z)', '0.015*sin(2*pi*x)*sin(pi*y)*cos(pi*z)', '0.01*sin(2*pi*x)*cos(pi*y)*sin(pi*z)']
      : ['0.02*sin(pi*x)*cos(pi*y)', '0.015*sin(2*pi*x)*sin(pi*y)'];
  const xiN = parse(xiS);
  const hN = parse(`(${xiS})^3*(6*(${xiS})^2 - 15*(${xiS}) + 10)`);
  const fn = (n: MathNode) => toJs(n, vars);
  const d = (n: MathNode, v: string) => derivative(n, v);
  const h = fn(hN);
  const dh = vars.map((v) => fn(d(hN, v)));
  const u = uS.map((s) => parse(s));
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

/** The MMS on an n-cell unit square / cube: the L2 error of u over every stored value. */
export async function mmsCase(dims: 2 | 3, n: number, m: ReturnType<typeof manufactured>, solve: DisplacementSolver, MC = MMS_MECH) {
  const dx = 1 / n;
  const L = grid(dims, dims === 3 ? [n, n, n] : [n, n], dx);
  const xi = Float64Array.from({ length: L.N }, (_, p) => m.xi(...centre(L, p)));
  const load = new Float64Array(dims * L.N);
  const size = [L.nx, L.ny, L.nz];
  const stride = [1, L.nx, L.nx * L.ny];
  for (let a = 0; a < dims; a++)
    for (let p = 0; p < L.N; p++) {
      // the values on the upper faces are held (clamp x1, rollers)
      if (Math.floor(p / stride[a]) % size[a] === size[a] - 1) continue;
      load[a * L.N + p] = dx * dx * m.f[a](...facePoint(L, p, a));
    }
  const rep = await solve(L, MC, xi, load);
  if (!rep.converged) throw new Error('MMS: the displacement solve did not converge');
  let s = 0;
  for (let a = 0; a < dims; a++) for (let p = 0; p < L.N; p++) s += (rep.u[a * L.N + p] - m.u[a](...facePoint(L, p, a))) ** 2;
  return { L2: Math.sqrt(s * dx ** dims), iterations: rep.iterations };
}
