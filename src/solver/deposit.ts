/**
 * What the Simulation measures about the deposit beyond the backends' reductions: the mean ξ of
 * grown metal (docs/deposit-density.md) and contact with the counter electrode
 * (docs/short-circuit.md).
 */
import type { Coefficients } from '../model/derived.ts';
import { interfaceWidth } from '../model/params.ts';
import type { Scenario } from '../model/scenario.ts';

/** Contact of the metal with the counter electrode (docs/short-circuit.md). */
export interface ShortCircuitEvent {
  /** The checked step boundary where contact was first seen. */
  time: number;
  step: number;
  /** The outermost ξ = ½ crossing along x, µm, and the position it had to reach (L_x − w), µm. */
  tip: number;
  contactAt: number;
  /** Whether the run stops there (scenario stop.onShortCircuit, default true). */
  stops: boolean;
}

/**
 * The tip position (µm) that counts as contact with the counter electrode x = L_x: one interface
 * width w before it — or, on a grid coarser than w/1.5, the centre of the last cell but one: the
 * face value ξ = 0 there pulls the last cell below ½, so the ξ = ½ crossing (the tip) may never
 * pass L_x − w although the metal fills the cell next to the electrode's. Null when x = L_x is no
 * electrode (boundary.phi.x1 not dirichlet).
 */
export function contactPosition(s: Scenario, k: Pick<Coefficients, 'n' | 'dx'>): number | null {
  if (s.boundary.phi.x1.type !== 'dirichlet') return null;
  return k.n[0] * k.dx - Math.max(interfaceWidth(s.parameters) * 1e6, 1.5 * k.dx);
}

/** 1 where ξ < ½ (electrolyte), else 0. */
export function electrolyteMask(xi: Float64Array): Uint8Array {
  const m = new Uint8Array(xi.length);
  for (let q = 0; q < xi.length; q++) m[q] = xi[q] < 0.5 ? 1 : 0;
  return m;
}

/**
 * The mean ξ of grown metal: over the cells that were electrolyte initially (ref) and are metal
 * now (ξ ≥ ½); NaN while there are none (docs/deposit-density.md).
 */
export function grownMean(xi: Float64Array, ref: Uint8Array | null): number {
  if (!ref) return NaN;
  let s = 0,
    n = 0;
  for (let q = 0; q < xi.length; q++) {
    if (ref[q] === 1 && xi[q] >= 0.5) {
      s += xi[q];
      n++;
    }
  }
  return n > 0 ? s / n : NaN;
}
