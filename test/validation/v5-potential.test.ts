/**
 * V5 (model.md §5): the potential solver.
 * (a) Two-layer 1D conductor through the PotentialStage: metal (σ_s) on 0 < x < a, electrolyte
 *     (σ_l) on a < x < L, φ(0) = V, φ(L) = 0, no source. The current is uniform,
 *     q = σ∂φ/∂x = −V/(a/σ_s + (L−a)/σ_l). The cell-centred scheme with harmonic face means and
 *     Dirichlet faces at dx/2 is a chain of exact series resistors when the interface lies on a
 *     face, so q is reproduced to solver tolerance.
 * (b) MG-preconditioned CG on ∇·(σ∇u) = f with σ jumping by 1e3, 1e5, 1e7 across a realistic
 *     metal/electrolyte geometry (layer + nucleus + a detached particle, tanh interfaces, 2D and
 *     3D): the iteration count must not collapse with the contrast. And a smooth-σ manufactured
 *     solution (f derived symbolically with mathjs) converges at second order under refinement.
 */
import { derivative, parse } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { PotentialStage } from '../../src/backends/cpu/potential.ts';
import { assemble, harmonic, interpCoef } from '../../src/backends/cpu/coefficients.ts';
import { applyOp, makeOp } from '../../src/backends/cpu/operator.ts';
import { Pcg, pcg } from '../../src/backends/cpu/pcg.ts';
import { SerialExec } from '../../src/backends/cpu/exec.ts';
import { sharedF64 } from '../../src/backends/cpu/shared.ts';
import { smoothingOmega } from '../../src/backends/smoother.ts';
import { hInterp } from '../../src/model/initial.ts';
import { BC_DIRICHLET, BC_NOFLUX, fieldBC, layout, setup, timer, toJs } from './helpers.ts';
import type { Layout } from '../../src/backends/layout.ts';

describe('V5a two-layer conductor', () => {
  it('uniform current q = −V/(a/σ_s + (L−a)/σ_l) to 1e-6', () => {
    const t = timer();
    const lines: string[] = [];
    const checks: { what: string; err: number }[] = [];
    for (const dims of [2, 3] as const) {
      const nx = 64,
        dx = 0.25; // 16 µm; metal on the first m cells (interface on a face)
      const m = 20;
      const grid = dims === 2 ? { dims, n: [nx, 4], dx: `${dx} um` } : { dims, n: [nx, 4, 4], dx: `${dx} um` };
      const V = -0.45;
      const { L, bc, k: k0 } = setup({ grid: grid as never, voltage: V, boundary: { lateral: 'periodic' } });
      for (const sigmaS of [10, k0.sigmaS]) {
        const k = { ...k0, sigmaS };
        const xi = new Float64Array(L.N);
        for (let r = 0; r < L.rows; r++) for (let i = 0; i < m; i++) xi[i + nx * r] = 1;
        const a = m * dx,
          Lx = nx * dx;
        const psiV = k.f * V;
        const qExp = -psiV / (a / sigmaS + (Lx - a)); // scaled: σ̂ ∂ψ/∂x, σ̂ = σ/σ_l
        const area = L.rows * (dims === 3 ? dx * dx : dx);
        const sig = (x: number) => sigmaS * hInterp(x) + (1 - hInterp(x));
        // Tolerance 1e-15 on ‖r‖/‖b‖: ‖b‖ is dominated by the collector's Dirichlet term
        // 2σ̂_sψ_V, so the relative residual is loose in the electrolyte by a factor ~σ̂_s; and
        // inside the metal q is σ̂_s times a potential difference ~1e-9 of ψ, so f64 round-off
        // alone is ~1e-7 of q there at σ_s/σ_l = 8.4e6.
        const psi = new Float64Array(L.N);
        const res = new PotentialStage(L, k, bc.phi).solve(xi, new Float64Array(L.N), psi, 1e-15, 500);
        expect(res.converged).toBe(true);
        // face currents at every interior x face and at both electrodes, every row
        let worst = 0;
        for (let r = 0; r < L.rows; r++) {
          const b = nx * r;
          worst = Math.max(worst, Math.abs((sig(xi[b]) * (psi[b] - psiV) * 2) / dx / qExp - 1));
          for (let i = 0; i < nx - 1; i++) {
            const q = (harmonic(sig(xi[b + i]), sig(xi[b + i + 1])) * (psi[b + i + 1] - psi[b + i])) / dx;
            worst = Math.max(worst, Math.abs(q / qExp - 1));
          }
          worst = Math.max(worst, Math.abs((sig(xi[b + nx - 1]) * (0 - psi[b + nx - 1]) * 2) / dx / qExp - 1));
        }
        const relX1 = Math.abs(res.fluxX1 / (qExp * area) - 1),
          relX0 = Math.abs(res.fluxX0 / (qExp * area) - 1);
        checks.push(
          { what: `${dims}D σ̂_s = ${sigmaS} faces`, err: worst },
          { what: 'x0 flux', err: relX0 },
          { what: 'x1 flux', err: relX1 },
        );
        // for the record: the engine's default potentialTol (1e-9) from a cold start
        const psiD = new Float64Array(L.N);
        const resD = new PotentialStage(L, k, bc.phi).solve(xi, new Float64Array(L.N), psiD, 1e-9, 500);
        const relD = Math.abs(resD.fluxX1 / (qExp * area) - 1);
        const qSI = (1.19 * qExp) / k.f / 1e-6; // σ_l·(q̂/f)/(1 µm), A/m²
        lines.push(
          `${dims}D σ_s/σ_l = ${sigmaS.toExponential(2)}: q = ${qSI.toFixed(4)} A/m² (scaled ${qExp.toExponential(6)}); ` +
            `worst |q_face/q − 1| over all faces = ${worst.toExponential(2)}, electrode fluxes x0 ${relX0.toExponential(2)}, x1 ${relX1.toExponential(2)} ` +
            `(${res.iterations} PCG its at tol 1e-15; at the default tol 1e-9: ${resD.iterations} its, x1 flux off by ${relD.toExponential(1)})`,
        );
      }
    }
    console.log(`V5a two-layer conductor (64 cells × 0.25 µm along x, metal 0–5 µm, V = −0.45 V): ${lines.join('; ')}; runtime ${t()}`);
    // 1e-6 relative (brief): the discrete solution is exact here (series resistors), so only
    // solver tolerance and round-off remain; an arithmetic face mean at the interface would
    // change the resistance by ≈ dx/2 of electrolyte (≈ 1 % here), and a Dirichlet face placed
    // at dx instead of dx/2 by the same
    for (const c of checks) expect(c.err, c.what).toBeLessThan(1e-6);
  }, 60_000);
});

/** ξ of a metal layer + a hemispherical nucleus on it + a detached particle (tanh interfaces). */
function dendriteXi(L: Layout): Float64Array {
  const { nx, ny, nz, dx } = L;
  const w = 0.5;
  const Ly = ny * dx,
    Lz = L.dims === 3 ? nz * dx : 0;
  const xi = new Float64Array(L.N);
  const prof = (d: number) => 0.5 * (1 - Math.tanh(d / w));
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const x = (i + 0.5) * dx,
          y = (j + 0.5) * dx,
          z = L.dims === 3 ? (k + 0.5) * dx : 0;
        const layer = prof(x - 2);
        const nuc = Math.hypot(x - 2, y - Ly / 2, L.dims === 3 ? z - Lz / 2 : 0) - 0.3 * nx * dx;
        const part = Math.hypot(x - 0.55 * nx * dx, y - Ly / 4, L.dims === 3 ? z - Lz / 4 : 0) - 0.08 * nx * dx;
        xi[i + nx * (j + ny * k)] = Math.max(layer, prof(nuc), prof(part));
      }
  return xi;
}

/** Seeded uniform (-1, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

describe('V5b MG-PCG robustness to the conductivity contrast', () => {
  for (const dims of [2, 3] as const) {
    it(`${dims}D: iterations at contrast 1e7 ≤ 1.5 × those at 1e3`, () => {
      const t = timer();
      const n: [number, number, number] = dims === 2 ? [128, 128, 1] : [32, 32, 32];
      const L = layout(dims, n, 0.25, [false, false, false]);
      const xi = dendriteXi(L);
      const psiV = -0.45 * 38.68; // Dirichlet at x0, 0 at x1, no-flux elsewhere (the default set-up)
      const bc = fieldBC([BC_DIRICHLET, BC_DIRICHLET, BC_NOFLUX, BC_NOFLUX, BC_NOFLUX, BC_NOFLUX], [psiV, 0, 0, 0, 0, 0]);
      const its: Record<string, { phys: number; manu: number; err: number }> = {};
      for (const contrast of [1e3, 1e5, 1e7]) {
        const sigma = new Float64Array(L.N);
        interpCoef(xi, contrast, 1, sigma);
        const op = makeOp(dims, n, L.periodic);
        // physical problem: electrodes at ±V, no source; from a zero guess, tol 1e-9 (the default)
        const rhs = new Float64Array(L.N);
        assemble(L, sigma, 1, 0, bc, op, rhs);
        const u = new Float64Array(L.N);
        const phys = pcg(op, rhs, u, { tol: 1e-9, maxIter: 1000 });
        expect(phys.converged).toBe(true);
        // discrete manufactured solution: x* = smooth + random, b = A x*, solve back to 1e-10
        const r = rng(12345);
        const xs = new Float64Array(L.N);
        for (let q = 0; q < L.N; q++) {
          const i = q % n[0];
          xs[q] = Math.cos((Math.PI * i) / n[0]) + 0.1 * r();
        }
        const b = new Float64Array(L.N);
        applyOp(op, xs, b, 0, L.rows);
        const x = new Float64Array(L.N);
        const manu = pcg(op, b, x, { tol: 1e-10, maxIter: 1000 });
        expect(manu.converged).toBe(true);
        let e2 = 0,
          s2 = 0;
        for (let q = 0; q < L.N; q++) {
          e2 += (x[q] - xs[q]) ** 2;
          s2 += xs[q] ** 2;
        }
        its[contrast.toExponential(0)] = { phys: phys.iterations, manu: manu.iterations, err: Math.sqrt(e2 / s2) };
      }
      const rows = Object.entries(its).map(
        ([c, v]) =>
          `contrast ${c}: ${v.phys} its (electrodes, tol 1e-9), ${v.manu} its (A x* = b, tol 1e-10, ‖x − x*‖/‖x*‖ = ${v.err.toExponential(1)})`,
      );
      console.log(`V5b ${dims}D ${n.slice(0, dims).join('×')} layer + nucleus + detached particle: ${rows.join('; ')}; runtime ${t()}`);
      const lo = its['1e+3'],
        hi = its['1e+7'];
      // "does not collapse": at most 1.5× the iterations of the 1e3 case (brief), and an absolute
      // cap of 60, about 3× the counts measured at every contrast (15–23); a preconditioner whose
      // coarse grids lose the high-conductivity islands grows with the contrast instead
      expect(hi.phys).toBeLessThanOrEqual(1.5 * lo.phys);
      expect(hi.manu).toBeLessThanOrEqual(1.5 * lo.manu);
      expect(Math.max(hi.phys, hi.manu)).toBeLessThanOrEqual(60);
    }, 60_000);
  }
});

describe('V5b second-order convergence, smooth σ (manufactured)', () => {
  for (const dims of [2, 3] as const) {
    it(`${dims}D: error ∝ dx²`, () => {
      const t = timer();
      // on the unit square/cube: u = V(1 − x) + sin(πx)cos(πy)[cos(πz)] meets u(0) = V, u(1) = 0
      // and ∂u/∂n = 0 on the other faces; σ = 1 + ½ sin(2πx)cos(πy)[cos(πz)] > 0
      const V = 2;
      const tr = dims === 3 ? ' * cos(pi*z)' : '';
      const uS = `${V} * (1 - x) + sin(pi*x)*cos(pi*y)${tr}`;
      const sS = `1 + 0.5 * sin(2*pi*x)*cos(pi*y)${tr}`;
      const vars = dims === 3 ? ['x', 'y', 'z'] : ['x', 'y'];
      // f = ∇·(σ∇u) = Σ_a ∂_a(σ ∂_a u), derived symbolically
      const u = parse(uS),
        sg = parse(sS);
      const fluxes = vars.map((a) => parse(`(${sS}) * (${derivative(u, a).toString()})`));
      const divTerms = vars.map((a, q) => derivative(fluxes[q], a));
      const f = toJs(parse(divTerms.map((d) => `(${d.toString()})`).join(' + ')), vars);
      const uF = toJs(u, vars),
        sF = toJs(sg, vars);
      const ns = dims === 2 ? [16, 32, 64, 128] : [8, 16, 32, 48];
      const errs: number[] = [];
      for (const n of ns) {
        const dx = 1 / n;
        const L = layout(dims, [n, n, dims === 3 ? n : 1], dx, [false, false, false]);
        const bc = fieldBC([BC_DIRICHLET, BC_DIRICHLET, BC_NOFLUX, BC_NOFLUX, BC_NOFLUX, BC_NOFLUX], [V, 0, 0, 0, 0, 0]);
        const sigma = new Float64Array(L.N),
          rhs = new Float64Array(L.N),
          ex = new Float64Array(L.N);
        for (let q = 0; q < L.N; q++) {
          const i = q % n,
            j = Math.floor(q / n) % n,
            k = Math.floor(q / (n * n));
          const c = [(i + 0.5) * dx, (j + 0.5) * dx, (k + 0.5) * dx];
          sigma[q] = sF(...c);
          rhs[q] = -dx * dx * f(...c); // A = −dx²∇·σ∇
          ex[q] = uF(...c);
        }
        const op = makeOp(dims, L.dims === 3 ? [n, n, n] : [n, n, 1], L.periodic);
        assemble(L, sigma, 1, 0, bc, op, rhs);
        const sol = new Float64Array(L.N);
        const st = pcg(op, rhs, sol, { tol: 1e-12, maxIter: 500 });
        expect(st.converged).toBe(true);
        let e2 = 0;
        for (let q = 0; q < L.N; q++) e2 += (sol[q] - ex[q]) ** 2 * dx ** dims;
        errs.push(Math.sqrt(e2));
      }
      const orders = errs.slice(1).map((e, q) => Math.log(errs[q] / e) / Math.log(ns[q + 1] / ns[q]));
      console.log(
        `V5b ${dims}D manufactured smooth σ: n = ${ns.join(', ')}: L2 error ${errs.map((e) => e.toExponential(3)).join(', ')}; ` +
          `observed orders ${orders.map((o) => o.toFixed(3)).join(', ')} (expected 2); runtime ${t()}`,
      );
      // the finest pair must show 2 ± 0.2: second order is the claim of the cell-centred scheme
      // with harmonic face means and dx/2 Dirichlet faces; a first-order boundary or face rule
      // would give ≈ 1
      expect(Math.abs(orders[orders.length - 1] - 2)).toBeLessThan(0.2);
      for (const o of orders) expect(o).toBeGreaterThan(1.7);
    }, 60_000);
  }
});

describe('V5c the V-cycle smoother weight in 3D (src/backends/smoother.ts)', () => {
  it('3D: ω = 6/7 takes at least 3 fewer iterations than 2/3 to the same tolerances, to the same accuracy', () => {
    const t = timer();
    const n: [number, number, number] = [32, 32, 32];
    const L = layout(3, n, 0.25, [false, false, false]);
    const xi = dendriteXi(L);
    const psiV = -0.45 * 38.68;
    const bc = fieldBC([BC_DIRICHLET, BC_DIRICHLET, BC_NOFLUX, BC_NOFLUX, BC_NOFLUX, BC_NOFLUX], [psiV, 0, 0, 0, 0, 0]);
    const sigma = new Float64Array(L.N);
    interpCoef(xi, 8.4e6, 1, sigma);
    const op = makeOp(3, n, L.periodic);
    const rhs = new Float64Array(L.N);
    assemble(L, sigma, 1, 0, bc, op, rhs);
    const r = rng(777);
    const xs = new Float64Array(L.N);
    for (let q = 0; q < L.N; q++) xs[q] = Math.cos((Math.PI * (q % n[0])) / n[0]) + 0.1 * r();
    const b = new Float64Array(L.N);
    applyOp(op, xs, b, 0, L.rows);
    const run = (omega?: number) => {
      const solve = (f: Float64Array, tol: number) => {
        const x = sharedF64(L.N);
        const bb = sharedF64(L.N);
        bb.set(f);
        const q = new Pcg(new SerialExec(), op, bb, x, omega === undefined ? {} : { omega });
        return { st: q.solve({ tol, maxIter: 500 }), x, omega: q.mg.omega };
      };
      const phys = solve(rhs, 1e-12);
      const manu = solve(b, 1e-10);
      let e2 = 0,
        s2 = 0;
      for (let q = 0; q < L.N; q++) {
        e2 += (manu.x[q] - xs[q]) ** 2;
        s2 += xs[q] ** 2;
      }
      expect(phys.st.converged && manu.st.converged).toBe(true);
      return { omega: phys.omega, phys: phys.st.iterations, manu: manu.st.iterations, err: Math.sqrt(e2 / s2) };
    };
    const dflt = run(),
      old = run(2 / 3);
    console.log(
      `V5c 3D 32³ layer + nucleus + particle, contrast 8.4e6: default ω = ${dflt.omega.toFixed(4)}: ${dflt.phys} its (electrodes, tol 1e-12), ${dflt.manu} its (A x* = b, tol 1e-10, ‖x − x*‖/‖x*‖ = ${dflt.err.toExponential(1)}); ω = 2/3: ${old.phys}, ${old.manu} (${old.err.toExponential(1)}); runtime ${t()}`,
    );
    expect(dflt.omega).toBe(smoothingOmega(3));
    expect(smoothingOmega(3)).toBe(6 / 7);
    expect(smoothingOmega(2)).toBe(2 / 3);
    expect(dflt.phys).toBeLessThanOrEqual(old.phys - 3);
    expect(dflt.manu).toBeLessThanOrEqual(old.manu - 3);
    // the same accuracy: within 3× of ω = 2/3's error at the same tolerance
    expect(dflt.err).toBeLessThanOrEqual(3 * old.err);
  }, 60_000);
});
