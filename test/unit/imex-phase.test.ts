/**
 * The IMEX phase stage's own properties (docs/imex-phase.md), on the CPU reference:
 * - consistency: its increment is dt·F + O(dt²) with the explicit stage's F, so the two steps
 *   from one state differ by O(dt²) (halving dt divides the difference by ~4);
 * - stability without the dx² bound: a rough interface (every cell perturbed by ±0.02) at 40× the
 *   explicit bound stays bounded and its grid-scale content decays, where the explicit stage at 2×
 *   its bound blows up;
 * - host cells (3D scaffold) stay exactly 0 or 1;
 * - a phase solve that does not converge is a retryable instability: rollback, halved dt, and
 *   after numerics.maxRetries a SolverError naming the IMEX phase solver.
 */
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/backends/cpu/backend.ts';
import { makeBCs, makeLayout } from '../../src/backends/layout.ts';
import { coefficients, stabilityLimits } from '../../src/model/derived.ts';
import { initialFields, initialProps } from '../../src/model/initial.ts';
import { parseScenario } from '../../src/model/scenario.ts';
import { Simulation, SolverError } from '../../src/solver/simulation.ts';
import { ImexStepper, PhaseStepper, setup } from '../validation/helpers.ts';

/** A flat interface at x = 4 µm on 48×8 cells (dx = 0.125 µm), δ = 0.04, driven at A ≈ 1 /s. */
function state(seed: number) {
  const { L, bc, k } = setup({
    grid: { dims: 2, n: [48, 8], dx: '0.125 um' },
    boundary: { lateral: 'periodic' },
    anisotropy: { delta: 0.04 },
  });
  const xi = new Float64Array(L.N);
  let r = seed;
  const rand = () => ((r = (1103515245 * r + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 2;
  for (let j = 0; j < L.ny; j++)
    for (let i = 0; i < L.nx; i++) xi[i + L.nx * j] = 0.5 * (1 - Math.tanh(((i + 0.5) * 0.125 - 4) / 0.5)) + 0.02 * rand();
  const psi = new Float64Array(L.N).fill(-2 * Math.asinh(1 / (2 * k.Leta)));
  return { L, bc, k: { ...k, noiseSigma: 0 }, xi, c: new Float64Array(L.N).fill(1), psi };
}

function roughness(xi: Float64Array, nx: number): number {
  // the grid-scale content: RMS of the second difference along x
  let s = 0;
  for (let q = 1; q < xi.length - 1; q++) if (q % nx !== 0 && q % nx !== nx - 1) s += (xi[q + 1] - 2 * xi[q] + xi[q - 1]) ** 2;
  return Math.sqrt(s / xi.length);
}

describe('IMEX phase stage', () => {
  it('is consistent with the explicit stage: one step from the same state differs by O(dt²)', () => {
    const diffs: number[] = [];
    for (const dt of [2e-4, 1e-4, 5e-5]) {
      const a = state(7),
        b = state(7);
      new PhaseStepper(a.L, a.k, a.bc.xi, a.xi, a.c, a.psi).step(dt);
      const im = new ImexStepper(b.L, b.k, b.bc.xi, b.xi, b.c, b.psi);
      im.step(dt);
      let m = 0;
      for (let q = 0; q < a.xi.length; q++) m = Math.max(m, Math.abs(a.xi[q] - b.xi[q]));
      diffs.push(m);
    }
    const ratios = [diffs[0] / diffs[1], diffs[1] / diffs[2]];
    console.log(
      `IMEX − explicit after one step: ${diffs.map((d) => d.toExponential(2)).join(', ')} at dt = 2e-4, 1e-4, 5e-5 s; ratios ${ratios.map((r) => r.toFixed(2)).join(', ')}`,
    );
    // second order in dt (a wrong F would leave an O(dt) difference: ratio 2)
    for (const r of ratios) expect(r).toBeGreaterThan(3.5);
    expect(diffs[0]).toBeGreaterThan(0);
  });

  it('has no dx² bound: a rough interface at 40× the explicit bound stays bounded and decays; explicit at 2× blows up', () => {
    const s0 = state(11);
    // the explicit stage's bound (the scenario default is IMEX, whose coefficients have none)
    const dtEx = stabilityLimits({ ...s0.k, imex: undefined }).phase;
    const a = state(11),
      b = state(11);
    const r0 = roughness(a.xi, a.L.nx);
    const ex = new PhaseStepper(a.L, a.k, a.bc.xi, a.xi, a.c, a.psi);
    for (let s = 0; s < 40; s++) ex.step(2 * dtEx);
    const im = new ImexStepper(b.L, b.k, b.bc.xi, b.xi, b.c, b.psi);
    for (let s = 0; s < 40; s++) im.step(40 * dtEx);
    const rEx = roughness(a.xi, a.L.nx),
      rIm = roughness(b.xi, b.L.nx);
    const finite = (x: Float64Array) => x.every((v) => Number.isFinite(v) && v > -0.5 && v < 1.5);
    console.log(
      `explicit bound ${dtEx.toExponential(2)} s; grid-scale roughness ${r0.toExponential(2)} → explicit at 2×: ${rEx.toExponential(2)}, IMEX at 40×: ${rIm.toExponential(2)}`,
    );
    // bounded (ξ stays within [−0.05, 1.05]) and the grid-scale content decays (the midpoint rule
    // damps the stiffest modes slowly, |G| → 1 as dt·λ grows, but never amplifies them)
    expect(finite(b.xi)).toBe(true);
    expect(b.xi.every((v) => v > -0.05 && v < 1.05)).toBe(true);
    expect(rIm).toBeLessThan(0.5 * r0);
    expect(!finite(a.xi) || rEx > 10 * r0).toBe(true);
  });

  it('keeps host cells exactly 0 or 1 in coupled steps', async () => {
    const s = parseScenario({
      name: 'imex-host',
      grid: { dims: 2, n: [48, 24], dx: '0.25 um' },
      time: { end: 0.05, output: 0.05 },
      voltage: -0.45,
      initial: { layer: '1 um' },
      noise: { amplitude: 0.04, seed: 3 },
      host: { geometry: { pillars: { width: '1 um', height: '4 um', spacing: '3 um' } }, lithiophilic: true },
    });
    expect(s.numerics.phase).toBe('imex');
    const props = initialProps(s)!;
    const b = new CpuBackend(makeLayout(s), coefficients(s), makeBCs(s), { threads: 1, props });
    try {
      const sim = new Simulation(s, b);
      await sim.runTo(0.05);
      const f = await b.read();
      let hosts = 0,
        bad = 0;
      for (let q = 0; q < f.xi.length; q++) {
        if (props[4 * q + 3] <= 0.5) continue;
        hosts++;
        if (f.xi[q] !== 0 && f.xi[q] !== 1) bad++;
      }
      console.log(`IMEX with a pillar host: ${hosts} host cells after ${sim.step} steps, ${bad} not exactly 0 or 1`);
      expect(hosts).toBeGreaterThan(20);
      expect(bad).toBe(0);
    } finally {
      await b.dispose();
    }
  });

  it('a phase solve that does not converge rolls back, halves dt, and stops naming the IMEX phase solver', async () => {
    const s = parseScenario({
      name: 'imex-fail',
      grid: { dims: 2, n: [32, 16], dx: '0.25 um' },
      time: { end: 0.01, output: 0.01 },
      voltage: -0.45,
      initial: { layer: '2 um' },
      noise: { amplitude: 0.04, seed: 1 },
      numerics: { maxRetries: 2 },
    });
    const k = coefficients(s);
    // one CG iteration at an unreachable tolerance: every phase solve fails
    const b = new CpuBackend(makeLayout(s), { ...k, imex: { ...k.imex!, tol: 1e-14, maxIter: 1 } }, makeBCs(s), { threads: 1 });
    try {
      const sim = new Simulation(s, b);
      await sim.start(initialFields(s));
      let err: unknown = null;
      try {
        await sim.runTo(0.01);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SolverError);
      expect((err as Error).message).toMatch(/IMEX phase solver did not converge/);
      expect(sim.events).toHaveLength(2);
      expect(sim.events[1].dtRetry).toBeCloseTo(sim.events[0].dtRetry / 2, 15);
    } finally {
      await b.dispose();
    }
  });
});
