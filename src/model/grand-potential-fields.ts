/**
 * Fields of the grand-potential form on the host side (initial condition, outputs): c̃, the site
 * fractions and the metal density from ξ and w (docs/grand-potential.md §1). The backends compute
 * the same expressions in their own kernels (src/backends/cpu/gp-transport.ts, shaders/gp_*).
 */
import {
  gpCoefficients,
  hClamped as hCoef,
  oneMinusHClamped,
  siteL,
  siteS,
  wOfConcentration,
  type GpCoefficients,
} from './grand-potential.ts';
import type { Scenario } from './scenario.ts';
import type { FieldDef, Fields } from './fields.ts';

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
  for (let i = 0; i < xi.length; i++) out[i] = host?.[i] ? 0 : g.K * siteL(g, w[i]) * oneMinusHClamped(xi[i]);
  return out;
}

/**
 * The form's entries of the field registry (src/model/fields.ts): w (solver state, checkpointed,
 * written), then what the host derives from ξ and w for the outputs only: the site fractions c_l,
 * c_s and the Li of the metal over c0, K·dv·h·c_s (the deposit density).
 */
export function gpFieldDefs(g: GpCoefficients): FieldDef[] {
  const site = (fn: (w: number) => number) => (f: Fields) => f.w!.map(fn);
  return [
    {
      key: 'w',
      label: 'w (diffusion potential of the grand-potential form)',
      state: true,
      checkpoint: true,
      output: { name: 'w', unit: '' },
    },
    {
      key: 'c_l',
      label: 'c_l (Li site fraction, electrolyte)',
      state: false,
      checkpoint: false,
      output: { name: 'c_l', unit: '' },
      derive: site((w) => siteL(g, w)),
    },
    {
      key: 'c_s',
      label: 'c_s (Li site fraction, metal)',
      state: false,
      checkpoint: false,
      output: { name: 'c_s', unit: '' },
      derive: site((w) => siteS(g, w)),
    },
    {
      key: 'li_metal',
      label: 'li_metal (Li of the metal / c0)',
      state: false,
      checkpoint: false,
      output: { name: 'li_metal', unit: 'c/c0' },
      derive: (f) => f.xi.map((x, i) => g.K * g.dv * hCoef(x) * siteS(g, f.w![i])),
    },
  ];
}
