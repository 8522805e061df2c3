/**
 * Fields of the grand-potential form on the host side (initial condition, outputs): c̃, the site
 * fractions and the metal density from ξ and w (docs/grand-potential.md §1). The backends compute
 * the same expressions in their own kernels (src/backends/cpu/gp-transport.ts, shaders/gp_*).
 */
import { gpCoefficients, hClamped as hCoef, siteL, siteS, wOfConcentration, type GpCoefficients } from './grand-potential.ts';
import type { Scenario } from './scenario.ts';

function coef(s: Scenario): GpCoefficients {
  if (!s.grandPotential) throw new Error('grand-potential fields: the scenario has model "concentration"');
  return gpCoefficients(s.grandPotential, s.grandPotential.M0);
}

/** The initial (uniform) w: that of the reservoir concentration boundary.c.x1 when it is Dirichlet, else 0 (c̃ = 1). */
export function gpInitialW(s: Scenario): number {
  const x1 = s.boundary.c.x1;
  return x1.type === 'dirichlet' ? wOfConcentration(coef(s), x1.value) : 0;
}

/** c̃ = K·c_l(w)·(1 − h(ξ)) into `out` (h of ξ clamped to [0, 1]; 0 where `host` is set). */
export function gpConcentration(s: Scenario, xi: Float64Array, w: Float64Array, host: Uint8Array | null, out: Float64Array): Float64Array {
  const g = coef(s);
  for (let i = 0; i < xi.length; i++) out[i] = host?.[i] ? 0 : g.K * siteL(g, w[i]) * (1 - hCoef(xi[i]));
  return out;
}

/** The output fields of the form: w, the site fractions c_l and c_s, and the Li of the metal over c0, K·dv·h·c_s. */
export function gpOutputFields(s: Scenario, xi: Float64Array, w: Float64Array): { name: string; data: Float64Array }[] {
  const g = coef(s);
  const cl = w.map((v) => siteL(g, v));
  const cs = w.map((v) => siteS(g, v));
  const metal = xi.map((x, i) => g.K * g.dv * hCoef(x) * cs[i]);
  return [
    { name: 'w', data: w },
    { name: 'c_l', data: cl },
    { name: 'c_s', data: cs },
    { name: 'li_metal', data: metal },
  ];
}
