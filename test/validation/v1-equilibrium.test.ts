/**
 * V1 (model.md §5): equilibrium profile. From a sharp step, with the reaction off (L_η = 0)
 * and no noise, the phase stage must relax ξ to ½[1 − tanh((x − x0)/w)] with w = √(2κ0/W) =
 * 0.5 µm; its 10–90 % width is 2 atanh(0.8) w = 2.197 w and its interface energy
 * γ = √(κ0W)/(3√2) = 0.50 J/m². Both phase stages: the explicit one at its stable step, the
 * IMEX one (docs/imex-phase.md) at the step the adaptive policy gives it (helpers.ts, DtPolicy).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, interfaceEnergy, interfaceWidth } from '../../src/model/params.ts';
import { DtPolicy, advance, linearFit, rel, setup, stepper, timer } from './helpers.ts';

describe('V1 equilibrium interface profile', () => {
  it.each(['explicit', 'imex'] as const)('%s: relaxes a step to ½[1 − tanh(x/w)] with w = √(2κ0/W)', (scheme) => {
    const t = timer();
    const dx = 0.125; // µm (w/dx = 4)
    const nx = 64,
      ny = 4; // 8 µm × 0.5 µm, periodic in y: a 1D problem on the 2D solver
    const { L, bc, k: k0 } = setup({ grid: { dims: 2, n: [nx, ny], dx: `${dx} um` }, boundary: { lateral: 'periodic' } });
    const k = { ...k0, Leta: 0, noiseSigma: 0 };
    const wExp = interfaceWidth(DEFAULT_PARAMS) * 1e6; // 0.5 µm
    expect(wExp).toBeCloseTo(0.5, 12);

    // step: ξ = 1 on the left half (the interface on the face at x = 4 µm), ξ = 0 on the right
    const xi = new Float64Array(L.N);
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx / 2; i++) xi[i + nx * j] = 1;
    // (0 and 1 are fixed points of g′; the Laplacian moves the cells next to the step first)
    const ps = stepper(scheme, L, k, bc.xi, xi, new Float64Array(L.N).fill(1), new Float64Array(L.N));
    const tEnd = 3; // s; the slowest profile mode relaxes at ~L_σW = 15 /s, so 3 s is ≫ 1/15 s
    let steps = 0,
      dtText: string;
    if (scheme === 'explicit') {
      const dt = (0.8 * (dx * dx)) / (4 * k.mobKappa); // explicit limit dx²/(2d·L_σκ0), safety 0.8
      steps = Math.ceil(tEnd / dt);
      for (let s = 0; s < steps; s++) ps.step(dt);
      dtText = `dt = ${dt.toExponential(2)} s`;
    } else {
      const r = advance(ps, new DtPolicy(scheme, k, ps), 0, tEnd);
      steps = r.steps;
      dtText = `adaptive dt ${r.dtMin.toExponential(2)}…${r.dtMax.toExponential(2)} s`;
    }

    // fit: atanh(1 − 2ξ) = (x − x0)/w is exactly linear for the tanh profile; fit it over the
    // interface cells (0.01 < ξ < 0.99) of row 0 (rows are identical)
    const xs: number[] = [],
      ys: number[] = [];
    for (let i = 0; i < nx; i++) {
      const v = xi[i];
      if (v > 0.01 && v < 0.99) {
        xs.push((i + 0.5) * dx);
        ys.push(Math.atanh(1 - 2 * v));
      }
    }
    const fit = linearFit(xs, ys);
    const wFit = 1 / fit.slope;
    const x0 = -fit.intercept / fit.slope;
    // residual of the fitted profile over the whole row
    let maxDev = 0;
    for (let i = 0; i < nx; i++) maxDev = Math.max(maxDev, Math.abs(xi[i] - 0.5 * (1 - Math.tanh(((i + 0.5) * dx - x0) / wFit))));
    // all rows equal (the y direction must not do anything)
    let rowSpread = 0;
    for (let j = 1; j < ny; j++) for (let i = 0; i < nx; i++) rowSpread = Math.max(rowSpread, Math.abs(xi[i + nx * j] - xi[i]));

    // 10–90 % width: crossings of ξ = 0.9 and 0.1 interpolated linearly in atanh(1 − 2ξ)
    // (exact for a tanh profile, so the interpolation adds no error of its own)
    const crossing = (level: number): number => {
      const target = Math.atanh(1 - 2 * level);
      for (let i = 0; i < nx - 1; i++) {
        const a = xi[i],
          b = xi[i + 1];
        if (a >= level && b < level) {
          const ya = Math.atanh(1 - 2 * a),
            yb = Math.atanh(1 - 2 * b);
          return (i + 0.5 + (target - ya) / (yb - ya)) * dx;
        }
      }
      return NaN;
    };
    const w1090 = crossing(0.1) - crossing(0.9);
    const w1090Exp = 2 * Math.atanh(0.8) * wExp; // 2.197 w

    // interface energy per area γ = ∫ [W g(ξ) + ½κ0 ξ′²] dx, in SI (the bulk has g = 0, ξ′ = 0)
    const p = DEFAULT_PARAMS;
    const dxm = dx * 1e-6;
    let gamma = 0;
    for (let i = 0; i < nx; i++) gamma += p.W * xi[i] ** 2 * (1 - xi[i]) ** 2 * dxm;
    for (let i = 0; i < nx - 1; i++) gamma += 0.5 * p.kappa0 * ((xi[i + 1] - xi[i]) / dxm) ** 2 * dxm;
    const gammaExp = interfaceEnergy(p);

    console.log(
      `V1 equilibrium, ${scheme} (dx = ${dx} µm, ${steps} steps to t = ${tEnd} s, ${dtText}): ` +
        `w fit = ${wFit.toFixed(4)} µm vs √(2κ0/W) = ${wExp.toFixed(4)} µm (${(100 * (wFit / wExp - 1)).toFixed(2)} %), ` +
        `x0 = ${x0.toFixed(4)} µm (step at 4), max |ξ − fit| = ${maxDev.toExponential(2)}; ` +
        `10–90 % width = ${w1090.toFixed(4)} µm vs 2.197 w = ${w1090Exp.toFixed(4)} µm (${(100 * (w1090 / w1090Exp - 1)).toFixed(2)} %); ` +
        `γ = ${gamma.toFixed(4)} J/m² vs √(κ0W)/(3√2) = ${gammaExp.toFixed(4)} J/m² (${(100 * (gamma / gammaExp - 1)).toFixed(2)} %); ` +
        `runtime ${t()}`,
    );

    // Tolerances: the discrete equilibrium of the 3-point Laplacian differs from the continuum
    // tanh by O((dx/w)²/12) ≈ 0.5 % at w/dx = 4; 2 % leaves room for that and still catches any
    // real error in κ0, W, the stencil or the double-well derivative (a factor 2 in κ0/W moves w
    // by 41 %, a factor-2 error in a mobility moves it by the same).
    expect(rel(wFit, wExp)).toBeLessThan(0.02);
    expect(rel(w1090, w1090Exp)).toBeLessThan(0.02);
    expect(rel(gamma, gammaExp)).toBeLessThan(0.02);
    // symmetric double well: the interface stays where the step was (to ≪ dx)
    expect(Math.abs(x0 - 4)).toBeLessThan(1e-6);
    // the profile is a tanh everywhere, not only in the fitted band (1 % of the jump)
    expect(maxDev).toBeLessThan(0.01);
    // the explicit stencil treats every row alike bit for bit; the IMEX solve couples the rows
    // through the multigrid (coarse cells span rows, the coarsest solve is a dense Cholesky),
    // which leaves round-off differences
    if (scheme === 'explicit') expect(rowSpread).toBe(0);
    else expect(rowSpread).toBeLessThan(1e-12);
  });
});
