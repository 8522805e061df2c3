/**
 * What the page can show, as data: every quantity has an id, a label, a unit, a colormap, a
 * fixed default colour range (or none: auto) and how its values come from the fields a backend
 * reads (Backend.read(): ξ, c̃, ψ, ∂ξ/∂t and whatever else the scenario carries, e.g. the
 * additive ã) and from the scenario (the SEI/host props). The list is built per scenario and per
 * set of read fields: a field the backends start returning (a new species, w, stress) shows up
 * under its own key with an automatic range before anyone writes an entry for it here, so the
 * page needs no edit to show it. No three.js and no DOM here: it runs in the solver's worker.
 */
import type { ColormapName } from '../io/colormap.ts';
import { initialProps } from '../model/initial.ts';
import { atTemperature } from '../model/params.ts';
import { PROP_HOST, PROP_KD, PROP_KL, PROP_KS, PROPS_STRIDE } from '../model/props.ts';
import type { Scenario } from '../model/scenario.ts';
import { currentDensity } from './fields.ts';

/** The fields a backend read returns (f64 copies), by key. */
export type RawFields = Record<string, Float64Array>;

/** A quantity as the page sees it (plain data: it crosses from the worker). */
export interface QuantityInfo {
  id: string;
  label: string;
  unit: string;
  colormap: ColormapName;
  /** The colour range shown unless the user picks auto or a range of their own; null: auto. */
  defaultRange: [number, number] | null;
}

interface QuantityDef {
  info(s: Scenario): QuantityInfo;
  /** Needs these read fields (and the scenario switch, when given). */
  needs: string[];
  when?(s: Scenario): boolean;
  values(s: Scenario, f: RawFields, kf: number): Float64Array;
}

/** Current-density scale of a scenario, mA/cm²: the held current under galvanostatic control, else σ_l(T)·|ΔV|/L_x. */
export function currentScale(s: Scenario): number {
  const c = s.control;
  if (c?.mode === 'galvanostatic' && c.current !== undefined) return Math.abs(c.current) * 0.1;
  if (c?.schedule) {
    const amps = c.schedule.filter((g) => g.mode === 'galvanostatic').map((g) => Math.abs(g.current) * 0.1);
    if (amps.length) return Math.max(...amps);
  }
  const [lo, hi] = potentialRange(s);
  return ((atTemperature(s.parameters).sigmaL * (hi - lo)) / (s.grid.n[0] * s.grid.dx)) * 0.1;
}

/** The electrode potentials of a scenario (its Dirichlet φ values and the collector voltage, or control.vmin..vmax), V. */
export function potentialRange(s: Scenario): [number, number] {
  if (s.control) return [s.control.vmin, s.control.vmax];
  const vals = [s.voltage];
  for (const bc of Object.values(s.boundary.phi)) if (bc.type === 'dirichlet') vals.push(bc.value);
  const lo = Math.min(...vals),
    hi = Math.max(...vals);
  return hi > lo ? [lo, hi] : [lo - 0.05, hi + 0.05];
}

const propsCache = new WeakMap<Scenario, Float32Array | null>();
function props(s: Scenario): Float32Array | null {
  if (!propsCache.has(s)) propsCache.set(s, initialProps(s));
  return propsCache.get(s)!;
}
function propSlot(s: Scenario, slot: number): Float64Array {
  const p = props(s)!;
  const out = new Float64Array(p.length / PROPS_STRIDE);
  for (let q = 0; q < out.length; q++) out[q] = p[PROPS_STRIDE * q + slot];
  return out;
}

/** Known quantities, in the order the picker lists them. */
const DEFS: Record<string, QuantityDef> = {
  xi: {
    needs: ['xi'],
    info: () => ({ id: 'xi', label: 'ξ (phase field, 1 = Li metal)', unit: '', colormap: 'viridis', defaultRange: [0, 1] }),
    values: (_s, f) => f.xi,
  },
  c: {
    needs: ['c'],
    // bulk 1 in the middle of the scale: depletion reads dark, pile-up (c̃ > 2) saturates bright
    info: () => ({ id: 'c', label: 'c̃ = c/c0 (Li⁺ concentration)', unit: 'c/c0', colormap: 'cividis', defaultRange: [0, 2] }),
    values: (_s, f) => f.c,
  },
  phi: {
    needs: ['psi'],
    info: (s) => ({ id: 'phi', label: 'φ (potential)', unit: 'V', colormap: 'coolwarm', defaultRange: potentialRange(s) }),
    values: (_s, f, kf) => f.psi.map((v) => v / kf),
  },
  current: {
    needs: ['xi', 'psi'],
    // about the ohmic current across the cell at mid-scale: tips (several times more) saturate
    info: (s) => ({
      id: 'current',
      label: '|i| (current density)',
      unit: 'mA/cm²',
      colormap: 'viridis',
      defaultRange: [0, Number((4 * currentScale(s)).toPrecision(2))],
    }),
    values: (s, f, kf) =>
      currentDensity(
        s,
        f.xi,
        f.psi.map((v) => v / kf),
      ),
  },
  additive: {
    needs: ['additive'],
    when: (s) => s.additive !== undefined,
    info: () => ({ id: 'additive', label: 'ã = c_add/c_add,bulk (additive)', unit: 'c/c_bulk', colormap: 'cividis', defaultRange: [0, 2] }),
    values: (_s, f) => f.additive,
  },
  xidot: {
    needs: ['xidot'],
    info: () => ({ id: 'xidot', label: '∂ξ/∂t (growth rate, last step)', unit: '1/s', colormap: 'coolwarm', defaultRange: null }),
    values: (_s, f) => f.xidot,
  },
  sei_kS: {
    needs: [],
    when: (s) => s.sei !== undefined,
    info: () => ({ id: 'sei_kS', label: 'SEI σ ratio k_S (σ/σ_l)', unit: '', colormap: 'viridis', defaultRange: null }),
    values: (s) => propSlot(s, PROP_KS),
  },
  sei_kD: {
    needs: [],
    when: (s) => s.sei !== undefined,
    info: () => ({ id: 'sei_kD', label: 'SEI D ratio k_D (D/D_l)', unit: '', colormap: 'viridis', defaultRange: null }),
    values: (s) => propSlot(s, PROP_KD),
  },
  sei_kL: {
    needs: [],
    when: (s) => s.sei !== undefined,
    info: () => ({ id: 'sei_kL', label: 'SEI reaction ratio k_L (L_η/L_η,0)', unit: '', colormap: 'viridis', defaultRange: null }),
    values: (s) => propSlot(s, PROP_KL),
  },
  host: {
    needs: [],
    when: (s) => s.host !== undefined,
    info: () => ({ id: 'host', label: 'host scaffold (1 = host cell)', unit: '', colormap: 'cividis', defaultRange: [0, 1] }),
    values: (s) => propSlot(s, PROP_HOST),
  },
};

/** Read fields that are shown through a known quantity (ψ as φ) and so get no entry of their own. */
const COVERED = new Set(['xi', 'c', 'psi', 'additive', 'xidot']);

/** The quantities a scenario can show, given the keys of what its backend reads. */
export function quantityList(s: Scenario, readKeys: readonly string[]): QuantityInfo[] {
  const have = new Set(readKeys);
  const out: QuantityInfo[] = [];
  for (const d of Object.values(DEFS)) {
    if (d.when && !d.when(s)) continue;
    if (!d.needs.every((k) => have.has(k))) continue;
    out.push(d.info(s));
  }
  // a field nobody described yet: shown under its key, auto range
  for (const k of readKeys) if (!COVERED.has(k)) out.push({ id: k, label: k, unit: '', colormap: 'viridis', defaultRange: null });
  return out;
}

/** The values of quantity `id` on the grid (index i + nx*(j + ny*k)); kf converts ψ to φ (φ = ψ/kf). */
export function quantityValues(id: string, s: Scenario, f: RawFields, kf: number): Float64Array {
  const d = DEFS[id];
  if (d && (!d.when || d.when(s))) {
    const v = d.values(s, f, kf);
    if (v) return v;
  }
  const raw = f[id];
  if (raw) return raw;
  throw new Error(`no quantity "${id}" in this run`);
}
