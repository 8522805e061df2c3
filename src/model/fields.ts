/**
 * The per-cell fields of a run, declared once (docs/fields-and-species.md). Each entry says what
 * the field is called and where it goes: Backend.read() and init() (solver state, restored by
 * rollbacks and restarts), the checkpoint payload, the output files (VTI cell data, PNG maps).
 * The solver (rollback copies, the stability check's messages), checkpoints (src/io/checkpoint.ts)
 * and the run writer (src/io/run-output.ts) loop over fieldDefs(k) and name no field themselves;
 * a new field is an entry here plus the backends that compute it.
 */
import type { ColormapName } from '../io/colormap.ts';
import type { Coefficients } from './derived.ts';
import { mechanicsFieldDefs } from './mechanics-fields.ts';
import { gpFieldDefs } from './grand-potential-fields.ts';

/**
 * Fields by key in the solver's scaled units: ξ, c̃ and ψ always, then the others of
 * fieldDefs(k) (the transported species by name, e.g. `additive`), as Backend.read() returns
 * them and Backend.init() takes them.
 */
export interface Fields {
  xi: Float64Array;
  c: Float64Array;
  /** ψ = fφ, dimensionless. */
  psi: Float64Array;
  [key: string]: Float64Array | undefined;
}

/** How a field is written at each output time. */
export interface FieldOutput {
  /** VTI cell-data name and PNG file prefix. */
  name: string;
  /** Physical unit of the written values ('' for a ratio). */
  unit: string;
  /** Written value = solver value / divisor (φ = ψ/f); absent: as is. */
  divisor?: number;
  /** A PNG map too (2D; the z mid-plane in 3D): its title word, colormap and fixed range (absent: the data's). */
  png?: { title: string; colormap: ColormapName; range?: [number, number] };
}

export interface FieldDef {
  /** Key in Fields (read(), init()) and name in the checkpoint payload. */
  key: string;
  /** For messages: the key and what the field is. */
  label: string;
  /** Solver state: init() needs it; rollback copies and restarts restore it. */
  state: boolean;
  /** Stored in checkpoints (in list order). */
  checkpoint: boolean;
  /** Written at output times; absent: never. */
  output?: FieldOutput;
  /**
   * An output-only field the host computes from the read() fields (never read back, restored
   * or checkpointed), e.g. a concentration from a diffusion potential or a stress.
   */
  derive?: (f: Fields, k: Coefficients) => Float64Array;
}

/** The fields every run has, in read() / checkpoint / output order. */
const BASE: FieldDef[] = [
  {
    key: 'xi',
    label: 'xi (ξ)',
    state: true,
    checkpoint: true,
    output: { name: 'xi', unit: '-', png: { title: 'xi', colormap: 'viridis', range: [0, 1] } },
  },
  {
    key: 'c',
    label: 'c (c̃ = c/c0)',
    state: true,
    checkpoint: true,
    output: { name: 'c', unit: 'c/c0', png: { title: 'c/c0', colormap: 'cividis' } },
  },
  {
    key: 'psi',
    label: 'psi (ψ = fφ)',
    state: true,
    checkpoint: true,
    output: { name: 'phi', unit: 'V', png: { title: 'phi', colormap: 'coolwarm' } },
  },
  // the last step's ∂ξ/∂t: checkpointed (the format has always held it), not restored (init() sets 0)
  { key: 'xidot', label: 'xidot (∂ξ/∂t)', state: false, checkpoint: true },
];

/** What the field list depends on (a Coefficients object has it all). */
export type FieldsOf = Pick<Coefficients, 'f' | 'species'> & Partial<Pick<Coefficients, 'dims' | 'mechanics' | 'gp'>>;

/**
 * The fields of a run with coefficients k: the base four, then one per transported species, then
 * the grand-potential form's w and its derived outputs (docs/grand-potential.md), then the
 * mechanics stage's displacement and stresses (docs/mechanics.md).
 */
export function fieldDefs(k: FieldsOf): FieldDef[] {
  const out = BASE.map((d) => (d.key === 'psi' ? { ...d, output: { ...d.output!, divisor: k.f } } : d));
  for (const sp of k.species)
    out.push({ key: sp.name, label: sp.label, state: true, checkpoint: true, output: { name: sp.name, unit: '' } });
  if (k.gp) out.push(...gpFieldDefs(k.gp));
  if (k.mechanics && k.dims) out.push(...mechanicsFieldDefs({ dims: k.dims, mechanics: k.mechanics }));
  return out;
}

/** The solver state of `f` (the fields init() needs), by reference. */
export function stateFields(k: FieldsOf, f: Fields): Fields {
  const out: Fields = { xi: f.xi, c: f.c, psi: f.psi };
  for (const d of fieldDefs(k)) if (d.state && !d.derive) out[d.key] = f[d.key];
  return out;
}

/**
 * Checks that `f` holds every state field of `k` with N cells; returns the problems (field
 * label and what is wrong), empty when it does.
 */
export function missingState(k: FieldsOf, f: Fields, N: number): string[] {
  const out: string[] = [];
  for (const d of fieldDefs(k)) {
    if (!d.state || d.derive) continue;
    const a = f[d.key];
    if (!a) out.push(`${d.label}: missing`);
    else if (a.length !== N) out.push(`${d.label}: ${a.length} cells, the grid has ${N}`);
  }
  return out;
}

/** The output fields (physical values) of read() fields `f`, in output order. */
export function outputFields(k: Coefficients, f: Fields): { name: string; data: Float64Array; def: FieldDef }[] {
  const out: { name: string; data: Float64Array; def: FieldDef }[] = [];
  for (const d of fieldDefs(k)) {
    const o = d.output;
    if (!o) continue;
    const v = d.derive ? d.derive(f, k) : f[d.key];
    if (!v) throw new Error(`output: field ${d.label} is missing`);
    const div = o.divisor;
    out.push({ name: o.name, data: div === undefined ? v : v.map((x) => x / div), def: d });
  }
  return out;
}
