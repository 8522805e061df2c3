/**
 * The derived groups `lidendrite check` prints for the grand-potential form (model.md §7,
 * docs/grand-potential.md): the input's own normalised numbers, what they mean in SI, and the
 * known answers of this form (equilibrium potential, migration-limited front).
 */
import type { Coefficients, DerivedGroup } from './derived.ts';
import {
  energyScale,
  equilibriumPotential,
  logisticSlope,
  migrationFrontK,
  siteL,
  siteS,
  wOfConcentration,
  type GpCoefficients,
} from './grand-potential.ts';
import { FARADAY, interfaceEnergy, interfaceWidth, type PhysicalParams } from './params.ts';
import type { Scenario } from './scenario.ts';

export function gpGroups(s: Scenario, p: PhysicalParams, k: Coefficients, g: GpCoefficients): DerivedGroup[] {
  const w = interfaceWidth(p);
  const V = Math.abs(s.voltage);
  const x1 = s.boundary.c.x1;
  const wBulk = x1.type === 'dirichlet' ? wOfConcentration(g, x1.value) : 0;
  const csCharge = p.cs / p.c0;
  const metal = g.K * g.dv * siteS(g, wBulk);
  const i0 = p.n * FARADAY * p.cs * 3 * w * k.Leta * (0.5 * g.K * siteL(g, wBulk)) ** (1 - k.alpha);
  return [
    { symbol: 'AA = nF/RT', value: k.f, unit: '1/V', meaning: 'inverse thermal voltage (the input rounds it to 38.69)' },
    { symbol: 'c0RT', value: energyScale(p), unit: 'J/m³', meaning: 'energy unit of B and kappa' },
    { symbol: 'w', value: w * 1e6, unit: 'µm', meaning: 'interface width √(2κ/B)' },
    { symbol: 'w/dx', value: w / s.grid.dx, unit: '', meaning: 'cells per interface width (≥ 2 needed)' },
    { symbol: 'γ', value: interfaceEnergy(p), unit: 'J/m²', meaning: 'interface energy √(κB)/(3√2)·c0RT·µm' },
    { symbol: 'L·B', value: k.mobW, unit: '1/s', meaning: 'interface relaxation rate' },
    { symbol: 'L·κ', value: k.mobKappa, unit: 'µm²/s', meaning: 'interface diffusivity' },
    { symbol: 'Ls', value: k.Leta, unit: '1/s', meaning: 'reaction rate constant' },
    { symbol: 'M0', value: g.M0, unit: 'µm²/s', meaning: 'Li⁺ diffusivity in the electrolyte (at T)' },
    {
      symbol: 'K = 1 + e^el',
      value: g.K,
      unit: '',
      meaning: 'electrolyte site density over c0 (c/c0 = K·c_l·(1 − h); the input writes 14.89)',
    },
    { symbol: 'c_l(w_bulk)', value: siteL(g, wBulk), unit: '', meaning: 'electrolyte site fraction of the reservoir' },
    { symbol: 'w_bulk', value: wBulk, unit: '', meaning: 'diffusion potential of the reservoir (initial w)' },
    { symbol: 'K·dv·c_s', value: metal, unit: '', meaning: 'Li in the metal over c0 (the mass balance of (2′))' },
    { symbol: 'c_s,charge/c0', value: csCharge, unit: '', meaning: 'ft2·1e12/(nF c0): Li per metal volume in the charge source of (3′)' },
    {
      symbol: 'mass/charge',
      value: metal / csCharge,
      unit: '',
      meaning: 'metal density of (2′) over that of (3′) (the input: 81.9/76.7 = 1.07; model.md §7)',
    },
    {
      symbol: 'χ_l, χ_s',
      value: logisticSlope(wBulk - g.el),
      unit: '',
      meaning: `capacity ∂ρ/∂w of the electrolyte (metal: ${(g.dv * logisticSlope(wBulk - g.es)).toExponential(3)})`,
    },
    { symbol: 'σ_s/σ_l', value: k.sigmaS, unit: '', meaning: 'S1/S2 used (after any cap)' },
    { symbol: 'ft2·AA/S2', value: k.beta, unit: 's', meaning: 'scaled charge source β of (3′)' },
    {
      symbol: 'φ_eq(w_bulk)',
      value: equilibriumPotential(g, k.f, wBulk) * 1e3,
      unit: 'mV',
      meaning: 'zero net current of (1′): AA·φ = ln(½·K·c_l) (the ½ is the (1−h) weight)',
    },
    { symbol: 'exp(α·AA|V|)', value: Math.exp(k.alpha * k.f * V), unit: '', meaning: 'Butler–Volmer amplification at the applied voltage' },
    { symbol: 'i0', value: i0, unit: 'A/m²', meaning: 'exchange current nFc_s·3w·Ls·(½K c_l)^(1−α) at the reservoir w' },
    {
      symbol: 'K_front',
      value: migrationFrontK(g, k.f, s.voltage, wBulk),
      unit: 'µm²/s',
      meaning: 'migration-limited flat front L_e² = L_e(0)² − 2K_front·t: M0·AA|V|/(K·dv·c_s − 1)',
    },
    { symbol: 'L·B/Ls', value: k.Leta > 0 ? k.mobW / k.Leta : Infinity, unit: '', meaning: 'interface relaxation over reaction rate' },
  ];
}
