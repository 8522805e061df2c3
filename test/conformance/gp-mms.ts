/**
 * A manufactured solution of (2′), the w transport of the grand-potential form
 * (docs/grand-potential.md §5), for the PFHub-style order-of-accuracy check on every backend.
 *
 * Domain x ∈ [0, Lx] (growth axis: no-flux collector at x = 0, reservoir w = 0 at x = Lx),
 * y ∈ [0, Ly] periodic. The interface is frozen (grandPotential L = 0, Ls = 0: ∂ξ/∂t = 0 exactly)
 * at a smooth ξ(x, y) ∈ [0.1, 0.5], and σ is uniform (S1 = S2), so the potential solve gives the
 * exact linear ψ = AA·V·(1 − x/Lx). The solution
 *   w = AA·V·(x − Lx)/Lx + A(t)·cos(πx/(2Lx))·(1 + 0.3 sin(2πy/Ly)),   A(t) = 0.5 + t,
 * vanishes at x = Lx (the reservoir) and has w_x = −ψ_x at x = 0, so the total flux D(∇w + ∇ψ)
 * through the collector is zero as the no-flux face requires. The source
 *   S = ∂ρ(ξ, w)/∂t − ∇·[D(ξ, w)(∇w + ∇ψ)],  ρ = (1−h)c_l + h·dv·c_s,  D = M0(1−h)²c_l
 * is derived symbolically by mathjs from these definitions (never transcribed by hand) and
 * compiled to plain JS (test/validation/helpers.ts toJs). It exercises every term of (2′) but the
 * ξ̇ coupling (f_t, which the conservation check covers): the capacity χ(ξ, w), the nonlinear D,
 * the migration with its Scharfetter–Gummel face average, the Dirichlet and no-flux faces.
 */
import { derivative, parse } from 'mathjs';
import { GP_DEFAULTS } from '../../src/model/grand-potential.ts';
import { fFactor, DEFAULT_PARAMS } from '../../src/model/params.ts';
import type { ScenarioInput } from '../../src/model/scenario.ts';
import { toJs } from '../validation/helpers.ts';

export const MMS = { Lx: 8, Ly: 4, V: 0.05, tEnd: 0.25 } as const;

/** The scenario of grid nx × nx/2 (dx = Lx/nx µm). */
export function mmsScenario(nx: number): ScenarioInput {
  return {
    name: `gp-mms-${nx}`,
    model: 'grand-potential',
    grid: { dims: 2, n: [nx, nx / 2], dx: `${MMS.Lx / nx} um` },
    time: { end: MMS.tEnd, output: MMS.tEnd },
    voltage: MMS.V,
    boundary: { lateral: 'periodic' },
    grandPotential: { L: 0, Ls: 0, S1: GP_DEFAULTS.S2, S2: GP_DEFAULTS.S2 },
  };
}

export interface Manufactured {
  xi: (x: number, y: number) => number;
  w: (x: number, y: number, t: number) => number;
  S: (x: number, y: number, t: number) => number;
}

/** ξ, w and S as plain JS functions of (x, y[, t]) in µm and s. */
export function manufactured(): Manufactured {
  const g = GP_DEFAULTS;
  const AA = fFactor(DEFAULT_PARAMS);
  const { Lx, Ly, V } = MMS;
  const pi = Math.PI;
  const xiS = `(0.3 + 0.2*cos(${pi}*X/${Lx})*cos(${2 * pi}*Y/${Ly}))`;
  const wS = `(${AA * V}*(X - ${Lx})/${Lx} + (0.5 + t)*cos(${pi}*X/${2 * Lx})*(1 + 0.3*sin(${2 * pi}*Y/${Ly})))`;
  const psiS = `(${AA * V}*(1 - X/${Lx}))`;
  const h = `(${xiS}^3*(6*${xiS}^2 - 15*${xiS} + 10))`;
  const cl = `(1/(1 + exp(-(${wS} - ${g.el}))))`;
  const cs = `(1/(1 + exp(-(${wS} - ${g.es}))))`;
  const rho = parse(`(1 - ${h})*${cl} + ${h}*${g.dv}*${cs}`);
  const D = `(${g.M0}*(1 - ${h})^2*${cl})`;
  const mu = parse(`${wS} + ${psiS}`);
  const fluxX = parse(`${D}*(${derivative(mu, 'X').toString()})`);
  const fluxY = parse(`${D}*(${derivative(mu, 'Y').toString()})`);
  const S = parse(`(${derivative(rho, 't').toString()}) - (${derivative(fluxX, 'X').toString()}) - (${derivative(fluxY, 'Y').toString()})`);
  return {
    xi: toJs(parse(xiS), ['X', 'Y']) as (x: number, y: number) => number,
    w: toJs(parse(wS), ['X', 'Y', 't']),
    S: toJs(S, ['X', 'Y', 't']),
  };
}
