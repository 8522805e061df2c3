/**
 * Boundary conditions of the grand-potential transport (docs/grand-potential.md §2), shared by
 * every backend. The scenario gives the transported species' faces as c̃ (boundary.c: the bulk
 * reservoir c̃ = 1 on the counter electrode, no flux elsewhere); w takes their types and, on a
 * Dirichlet face, the w of that concentration (c̃ = 1 ↔ w = 0). The mobility D is padded
 * mirrored on every non-periodic face, so that the harmonic face mean towards a Dirichlet ghost
 * is the cell's own D (the half-cell distance of the face value is the ghost's factor 2).
 */
import { wOfConcentration, type GpCoefficients } from '../model/grand-potential.ts';
import { BC_DIRICHLET, BC_NOFLUX, BC_PERIODIC, type FieldBC } from './layout.ts';

export function gpBCs(bcC: FieldBC, g: GpCoefficients): { w: FieldBC; D: FieldBC } {
  const w: FieldBC = { type: Int32Array.from(bcC.type), value: new Float64Array(6) };
  const D: FieldBC = { type: new Int32Array(6), value: new Float64Array(6) };
  for (let q = 0; q < 6; q++) {
    if (bcC.type[q] === BC_DIRICHLET) w.value[q] = wOfConcentration(g, bcC.value[q]);
    D.type[q] = bcC.type[q] === BC_PERIODIC ? BC_PERIODIC : BC_NOFLUX;
  }
  return { w, D };
}
