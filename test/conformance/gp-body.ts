/**
 * Known answers of the grand-potential form (docs/grand-potential.md), ONE body per check run over
 * every backend through the Backend interface (test/conformance/gp-known-answers.test.ts in Node:
 * cpu, webgpu; test/browser/backends.test.ts in headless Chromium: webgl, webgpu):
 *  - conservation: Δ(ions + metal) = reservoir influx to the Newton tolerance, in a coupled run
 *    with a nucleus, noise and anisotropy;
 *  - Nernst: a flat front at AA·φ = ln(½·K·c_l(w)) does not move, ±20 mV off it moves at
 *    v = 3w·Ls·[½·c̃_l·e^{−α·AA·φ} − e^{(1−α)·AA·φ}];
 *  - migration-limited front: the reservoir supplies J = M0·AA·|∇φ| (c0 units, c̃ = 1) and the front
 *    advances as L_e² = L_e(0)² − 2K·t with K = M0·AA·|V|/(ρ_dep − 1), ρ_dep = K·dv·c_s the Li
 *    density of the deposit;
 *  - manufactured solution of (2′) (gp-mms.ts): the L2 error of w falls at order 2 under dx → dx/2,
 *    dt → dt/4.
 * Each prints what it measured; tolerances per precision (f64 CPU, f32 GPUs) say why they are what
 * they are.
 */
import { expect } from 'vitest';
import type { Backend } from '../../src/backends/backend.ts';
import { makeBCs, makeLayout } from '../../src/backends/layout.ts';
import { coefficients } from '../../src/model/derived.ts';
import { equilibriumPotential, migrationFrontK, siteL, wOfConcentration } from '../../src/model/grand-potential.ts';
import { initialFields, initialProps } from '../../src/model/initial.ts';
import { interfaceWidth } from '../../src/model/params.ts';
import { parseScenario, type Scenario, type ScenarioInput } from '../../src/model/scenario.ts';
import { Simulation } from '../../src/solver/simulation.ts';
import type { Case, Subject } from './body.ts';
import { manufactured, MMS, mmsScenario } from './gp-mms.ts';

const f32 = (s: Subject) => !s.name.startsWith('cpu');

async function build(subject: Subject, s: Scenario): Promise<Backend> {
  return subject.make(makeLayout(s), coefficients(s), makeBCs(s), initialProps(s));
}

/**
 * Conformance cases of the grand-potential form for the shared body (body.ts conformance()):
 * the published set-up reduced (a layer, a nucleus, noise 0.04, −0.45 V, full conductivity
 * contrast of the input, 1e6/1.19), and a 3D one with a patchy SEI and the contrast capped.
 */
export const GP_CASES: Case[] = [
  {
    label: '2D grand-potential form, input parameters, −0.45 V, noise 0.04',
    steps: 16,
    dt: 2e-3,
    input: {
      name: 'conformance-gp',
      model: 'grand-potential',
      grid: { dims: 2, n: [64, 32], dx: '0.25 um' },
      time: { end: 1, output: 1 },
      voltage: '-450 mV',
      initial: { layer: '4 um', nuclei: [{ center: ['4 um', '4 um'], radius: '2 um' }] },
      noise: { amplitude: 0.04, seed: 3 },
      numerics: { potentialTol: 1e-12, transportTol: 1e-10, resolveMaxSteps: 4 },
    },
  },
  {
    label: '3D 16³ grand-potential form, patchy SEI, 330 K, contrast capped at 1e4',
    steps: 10,
    // L_η ×2.98 at 330 K and the small nucleus: maxDxiPerStep/max|∂ξ/∂t| ≈ 1.4e-3 s
    dt: 1e-3,
    input: {
      name: 'conformance-gp-3d',
      model: 'grand-potential',
      grid: { dims: 3, n: [16, 16, 16], dx: '0.5 um' },
      time: { end: 1, output: 1 },
      voltage: '-300 mV',
      initial: { layer: '2 um', nuclei: [{ center: ['2 um', '3 um', '3 um'], radius: '2 um' }] },
      noise: { amplitude: 0.04, seed: 5 },
      parameters: { T: 330, activation: { Dl: '15 kJ/mol', Leta: '30 kJ/mol', sigmaL: '12 kJ/mol' } },
      sei: {
        thickness: '1 um',
        conductivity: 0.2,
        diffusivity: 0.3,
        reactionRate: 0.5,
        pattern: { patchy: { fraction: 0.3, size: '1 um', seed: 7 } },
      },
      numerics: { sigmaContrastCap: 1e4, potentialTol: 1e-12, transportTol: 1e-10, resolveMaxSteps: 4 },
    },
  },
];

/** Lithium conservation in a coupled run: |ΔLi − influx| / deposit. */
export async function gpConservation(subject: Subject): Promise<void> {
  const s = parseScenario({
    name: 'gp-conservation',
    model: 'grand-potential',
    grid: { dims: 2, n: [64, 32], dx: '0.25 um' },
    time: { end: 1, output: 1 },
    voltage: '-0.45 V',
    anisotropy: { delta: 0.04 },
    boundary: { lateral: 'periodic' },
    initial: { layer: '3 um', nuclei: [{ center: ['3 um', '4 um'], radius: '1.5 um' }] },
    noise: { amplitude: 0.04, seed: 3 },
    numerics: { sigmaContrastCap: 1e4 },
  } satisfies ScenarioInput);
  const backend = await build(subject, s);
  try {
    const sim = new Simulation(s, backend);
    await sim.start();
    const m0 = await sim.metrics();
    await sim.runTo(0.1);
    const m1 = await sim.metrics();
    const dLi = m1.li_total_mol_per_m - m0.li_total_mol_per_m;
    const dep = m1.li_metal_mol_per_m - m0.li_metal_mol_per_m;
    const err = Math.abs(dLi - m1.li_influx_mol_per_m) / Math.abs(dep);
    console.log(
      `[${subject.name}] grand-potential conservation: ${sim.step} steps to 0.1 s, ΔLi = ${dLi.toExponential(6)}, influx = ${m1.li_influx_mol_per_m.toExponential(6)}, metal +${dep.toExponential(4)} mol/m, relative error ${err.toExponential(2)}; limited ${m1.limited_mol_per_m}`,
    );
    expect(dep).toBeGreaterThan(0);
    expect(m1.limited_mol_per_m).toBe(0);
    // f64: the Newton target is 1e-9 of each step's first residual, and the defect is the sum of
    // the last residuals (measured ~2e-11); f32: ρ is summed over 2048 cells of O(1)–O(5) per
    // step in f32 (u ≈ 6e-8) and the residual floors at that
    expect(err).toBeLessThan(f32(subject) ? 2e-3 : 1e-8);
  } finally {
    await backend.dispose();
  }
}

/** The Nernst condition of (1′): the front stands at φ_eq(w) and moves at the predicted speed off it. */
export async function gpNernst(subject: Subject): Promise<void> {
  const cRes = 0.5;
  const Ls = 0.1;
  const base = (phi: number): ScenarioInput => ({
    name: 'gp-nernst',
    model: 'grand-potential',
    grid: { dims: 2, n: [96, 4], dx: '0.125 um' },
    time: { end: 1, output: 1 },
    voltage: phi,
    // M0 ×300: the Li the moving front draws or returns reaches the reservoir at once, so the interface
    // sees the reservoir's w (with the input's M0 the front at ±20 mV changes c̃ there by ~25 %)
    grandPotential: { Ls, M0: 1e5 },
    boundary: { c: { x1: { type: 'dirichlet', value: cRes } }, phi: { x1: { type: 'dirichlet', value: phi } } },
    initial: { layer: '4 um' },
  });
  const s0 = parseScenario(base(0));
  const k = coefficients(s0);
  const g = k.gp!;
  const w0 = wOfConcentration(g, cRes);
  const phiEq = equilibriumPotential(g, k.f, w0);
  const wInt = interfaceWidth(s0.parameters) * 1e6;
  const T = 0.5;
  const run = async (phi: number) => {
    const s = parseScenario(base(phi));
    const backend = await build(subject, s);
    try {
      const sim = new Simulation(s, backend);
      await sim.start();
      const m0 = await sim.metrics();
      await sim.runTo(T);
      const m1 = await sim.metrics();
      return { shift: m1.front_mean_um - m0.front_mean_um, steps: sim.step };
    } finally {
      await backend.dispose();
    }
  };
  const rows: string[] = [];
  const eq = await run(phiEq);
  rows.push(`φ_eq = ${(phiEq * 1e3).toFixed(3)} mV: shift ${eq.shift.toExponential(3)} µm in ${T} s (${eq.steps} steps)`);
  const ratios: number[] = [];
  for (const dphi of [-0.02, 0.02]) {
    const phi = phiEq + dphi;
    const psi = k.f * phi;
    const v = 3 * wInt * Ls * (0.5 * g.K * siteL(g, w0) * Math.exp(-k.alpha * psi) - Math.exp((1 - k.alpha) * psi));
    const r = await run(phi);
    ratios.push(r.shift / (v * T));
    rows.push(
      `φ_eq ${dphi > 0 ? '+' : '−'} 20 mV: shift ${r.shift.toExponential(4)} µm vs 3w·A·t = ${(v * T).toExponential(4)} (ratio ${(r.shift / (v * T)).toFixed(4)})`,
    );
  }
  console.log(`[${subject.name}] grand-potential Nernst (c̃_res = ${cRes}, w = ${w0.toFixed(4)}, Ls = ${Ls}):\n  ${rows.join('\n  ')}`);
  // At φ_eq the front does not move: 1e-3 of the 20 mV displacement (the profile's first
  // relaxation under the antisymmetric reaction term is the rest). Off it the sharp-interface speed
  // 3w·A holds to the V3 accuracy at A ≪ L·B (0.99 at dx = w/4) plus the ~0.5 % by which the
  // interface w falls below the reservoir's while Li is drawn; 3 %.
  const dRef = Math.abs(ratios[0]) > 0 ? Math.abs(3 * wInt * Ls * 0.1 * T) : 1;
  expect(Math.abs(eq.shift)).toBeLessThan(1e-3 * Math.max(dRef, 1e-2));
  for (const r of ratios) expect(Math.abs(r - 1)).toBeLessThan(0.03);
}

/** The migration-limited flat front at −0.45 V: the reservoir flux and L_e² = L_e(0)² − 2K·t. */
export async function gpMigrationFront(subject: Subject): Promise<void> {
  const nx = 200,
    ny = 4,
    dx = 0.25;
  const V = -0.45;
  const s = parseScenario({
    name: 'gp-migration-front',
    model: 'grand-potential',
    grid: { dims: 2, n: [nx, ny], dx: `${dx} um` },
    time: { end: 2, output: 2 },
    voltage: V,
    initial: { layer: '10 um' },
  } satisfies ScenarioInput);
  const k = coefficients(s);
  const g = k.gp!;
  const backend = await build(subject, s);
  try {
    const sim = new Simulation(s, backend);
    await sim.start();
    const Lx = nx * dx,
      Ly = ny * dx;
    const sample = async () => {
      const f = await backend.read();
      const m = await sim.metrics();
      // the potential drop sits between the front and the reservoir: its length from the bulk field
      let xf = 0;
      for (let i = 0; i < nx - 1; i++)
        if (f.xi[i] >= 0.5 && f.xi[i + 1] < 0.5) xf = (i + 0.5) * dx + (dx * (f.xi[i] - 0.5)) / (f.xi[i] - f.xi[i + 1]);
      const ia = Math.round((xf + 6) / dx),
        ib = nx - Math.round(6 / dx);
      const grad = (f.psi[ib] - f.psi[ia]) / ((ib - ia) * dx) / k.f; // V/µm
      // amounts per µm² of collector (c0·µm): mol/m ÷ (c0·Ly)
      const per = (mol: number) => (mol / (s.parameters.c0 * Ly * 1e-6)) * 1e6;
      return { t: sim.time, xf, grad, Le: Math.abs(V) / grad, influx: per(m.li_influx_mol_per_m), metal: per(m.li_metal_mol_per_m) };
    };
    await sim.runTo(0.5);
    const a = await sample();
    await sim.runTo(1.0);
    const b = await sample();
    await sim.runTo(1.5);
    const c = await sample();
    // reservoir flux over [a, c] against M0·AA·|∇φ| at the middle sample (c̃ = 1 in the bulk)
    const J = (c.influx - a.influx) / (c.t - a.t);
    const Jm = g.M0 * k.f * b.grad;
    // the deposit's Li density (c0 units) from the metal grown over [a, c]
    const rhoDep = (c.metal - a.metal) / (c.xf - a.xf);
    const Kth = (g.M0 * k.f * Math.abs(V)) / (rhoDep - 1);
    const Kmeas = -(c.Le * c.Le - a.Le * a.Le) / (2 * (c.t - a.t));
    console.log(
      `[${subject.name}] grand-potential migration-limited front (L = ${Lx} µm, layer 10 µm, −0.45 V): front ${a.xf.toFixed(4)} → ${c.xf.toFixed(4)} µm, ` +
        `L_e (from the bulk field) ${a.Le.toFixed(3)} → ${c.Le.toFixed(3)} µm (L − x_f = ${(Lx - c.xf).toFixed(3)}); reservoir flux ${J.toFixed(3)} vs M0·AA·|∇φ| = ${Jm.toFixed(3)} c0·µm/s (${((J / Jm - 1) * 100).toFixed(2)} %); ` +
        `deposit density ${rhoDep.toFixed(3)} c0 (c_s = ${(rhoDep / (g.K * g.dv)).toFixed(4)}); K = ${Kmeas.toFixed(3)} µm²/s vs M0·AA|V|/(ρ_dep − 1) = ${Kth.toFixed(3)} (${((Kmeas / Kth - 1) * 100).toFixed(2)} %); ` +
        `dense-metal bound M0·AA|V|/(K·dv − 1) = ${migrationFrontK(g, k.f, V).toFixed(3)}`,
    );
    // migration-limited: the flux is the bulk migration flux (diffusion adds < 0.1 % at c̃ ≈ 1)
    // to the sampling error of a flux averaged over an interval in which |∇φ| grows by ~3 %
    expect(Math.abs(J / Jm - 1)).toBeLessThan(0.01);
    // and the front obeys L_e² = L_e(0)² − 2K·t with this deposit density (2 %: the same sampling,
    // squared lengths)
    expect(Math.abs(Kmeas / Kth - 1)).toBeLessThan(0.02);
    // the deposit is metal: its density lies between the electrolyte's and the full site density
    expect(rhoDep).toBeGreaterThan(0.5 * g.K * g.dv);
    expect(rhoDep).toBeLessThanOrEqual(g.K * g.dv);
  } finally {
    await backend.dispose();
  }
}

/** PFHub-style order of accuracy of the w transport on the manufactured solution of gp-mms.ts. */
export async function gpMms(subject: Subject, grids = [16, 32, 64]): Promise<void> {
  const m = manufactured();
  const out: { nx: number; L2: number; steps: number }[] = [];
  for (const nx of grids) {
    const s = parseScenario(mmsScenario(nx));
    const L = makeLayout(s);
    const backend = await build(subject, s);
    try {
      const dx = MMS.Lx / nx;
      // dt ∝ dx²: backward Euler's O(dt) error is then O(dx²) like the spatial one
      const steps = Math.round((MMS.tEnd / 0.01) * (nx / 16) ** 2);
      const dt = MMS.tEnd / steps;
      const f0 = initialFields(s);
      const xi = new Float64Array(L.N),
        w = new Float64Array(L.N),
        src = new Float64Array(L.N);
      const at = (q: number): [number, number] => [((q % L.nx) + 0.5) * dx, (Math.floor(q / L.nx) + 0.5) * dx];
      for (let q = 0; q < L.N; q++) {
        const [x, y] = at(q);
        xi[q] = m.xi(x, y);
        w[q] = m.w(x, y, 0);
      }
      await backend.init({ ...f0, xi, w });
      const pot = await backend.potential(1e-12, 500);
      expect(pot.converged).toBe(true);
      for (let n = 0; n < steps; n++) {
        const t1 = (n + 1) * dt;
        for (let q = 0; q < L.N; q++) src[q] = m.S(...at(q), t1);
        await backend.setTransportSource!(src);
        await backend.phase(dt, n);
        const r = await backend.transport(dt, 1e-10, 500);
        expect(r.converged, `transport converged at step ${n} of the ${nx}-cell grid`).toBe(true);
      }
      const f = await backend.read();
      let e2 = 0;
      for (let q = 0; q < L.N; q++) e2 += (f.w![q] - m.w(...at(q), MMS.tEnd)) ** 2 * dx * dx;
      // the interface stayed where it was (L = Ls = 0)
      let dXi = 0;
      for (let q = 0; q < L.N; q++) dXi = Math.max(dXi, Math.abs(f.xi[q] - xi[q]));
      expect(dXi).toBeLessThan(f32(subject) ? 1e-6 : 1e-15);
      out.push({ nx, L2: Math.sqrt(e2), steps });
    } finally {
      await backend.dispose();
    }
  }
  const orders = out.slice(1).map((x, i) => Math.log(out[i].L2 / x.L2) / Math.log(x.nx / out[i].nx));
  console.log(
    `[${subject.name}] grand-potential MMS of (2′) to t = ${MMS.tEnd} s: ${out.map((x) => `${x.nx}×${x.nx / 2} (${x.steps} steps) L2 = ${x.L2.toExponential(4)}`).join('; ')}; orders ${orders.map((o) => o.toFixed(3)).join(', ')}`,
  );
  // second order in space (and in time through dt ∝ dx²): PFHub's 2.0 ± 0.2 on the finest pair
  expect(Math.abs(orders[orders.length - 1] - 2)).toBeLessThan(0.2);
  for (const o of orders) expect(o).toBeGreaterThan(1.7);
}
