/**
 * Boundary conditions of a transported species (src/model/species.ts), shared by every backend:
 * c̃'s face types (the counter-electrode reservoir, no flux on the collector, periodic sides as
 * set), every Dirichlet value 1 (ã = c/bulk = 1: the bulk electrolyte).
 */
import { BC_DIRICHLET, type FieldBC } from './layout.ts';

export function speciesBC(bcC: FieldBC): FieldBC {
  const value = new Float64Array(6);
  for (let q = 0; q < 6; q++) value[q] = bcC.type[q] === BC_DIRICHLET ? 1 : 0;
  return { type: Int32Array.from(bcC.type), value };
}
