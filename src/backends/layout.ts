/**
 * Grid layout and boundary conditions in the numeric form every backend consumes.
 * Memory order: x fastest, then y, then z (index = i + nx·(j + ny·k)); 2D grids have nz = 1.
 */
import type { Scenario, FieldName, Face } from '../model/scenario.ts';
import { FACES } from '../model/scenario.ts';
import { fFactor, interfaceWidth } from '../model/params.ts';

export const BC_NOFLUX = 0;
export const BC_DIRICHLET = 1;
export const BC_PERIODIC = 2;
/**
 * Contact-angle (wetting) ghost for ξ only (docs/material-switches.md (contact angle)): value a = (2·dx/w)·cos θ and
 * ghost ξ_g = ξ_in + a·ξ_in·(1 − ξ_in), i.e. the inward normal derivative at the face is
 * −(2/w)·cos θ·ξ(1−ξ) (src/backends/cpu/padded.ts, shaders/ghosts.wgsl).
 */
export const BC_CONTACT = 3;

/** Per field: type and value (scaled units: ξ, c̃, ψ = fφ) for faces x0,x1,y0,y1,z0,z1. */
export interface FieldBC {
  type: Int32Array;
  value: Float64Array;
}
export type BCSet = Record<FieldName, FieldBC>;

export interface Layout {
  dims: 2 | 3;
  nx: number;
  ny: number;
  nz: number;
  /** Number of cells. */
  N: number;
  /** Number of x-rows (ny·nz): the unit of work split between threads. */
  rows: number;
  /** Grid spacing, µm. */
  dx: number;
  periodic: [boolean, boolean, boolean];
}

export function makeLayout(s: Scenario): Layout {
  const [nx, ny, nz] = s.grid.n;
  const b = s.boundary.xi;
  return {
    dims: s.grid.dims,
    nx,
    ny,
    nz,
    N: nx * ny * nz,
    rows: ny * nz,
    dx: s.grid.dx * 1e6,
    periodic: [b.x0.type === 'periodic', b.y0.type === 'periodic', s.grid.dims === 3 && b.z0.type === 'periodic'],
  };
}

export function makeBCs(s: Scenario): BCSet {
  const f = fFactor(s.parameters);
  const out = {} as BCSet;
  for (const field of ['xi', 'c', 'phi'] as FieldName[]) {
    const type = new Int32Array(6);
    const value = new Float64Array(6);
    FACES.forEach((face: Face, q) => {
      const bc = s.boundary[field][face];
      if (s.grid.dims === 2 && q >= 4) {
        type[q] = BC_NOFLUX;
        return;
      }
      if (bc.type === 'contact') {
        // the scenario only allows it for ξ (substrate.contactAngle → xi.x0)
        type[q] = BC_CONTACT;
        value[q] = ((2 * s.grid.dx) / interfaceWidth(s.parameters)) * Math.cos((bc.angle * Math.PI) / 180);
        return;
      }
      type[q] = bc.type === 'dirichlet' ? BC_DIRICHLET : bc.type === 'periodic' ? BC_PERIODIC : BC_NOFLUX;
      value[q] = bc.type === 'dirichlet' ? (field === 'phi' ? f * bc.value : bc.value) : 0;
    });
    out[field] = { type, value };
  }
  return out;
}
