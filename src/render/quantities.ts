/**
 * What the page can show, as data. The list starts from the run's field registry
 * (src/model/fields.ts: fieldDefs(k), the fields a run writes — ξ, c̃, φ, every transported
 * species, every derived field a model adds, e.g. w or a stress), so a field that enters the
 * registry appears in the page's picker with its name, unit and colormap without a page edit;
 * the page then adds what only it shows (the current density |i|, ∂ξ/∂t, the SEI/host props) and
 * any field a backend reads that nothing describes (under its own key, auto range). Each
 * quantity has a fixed default colour range where one makes sense (ξ: 0–1, c̃: 0–2, φ: the
 * electrode potentials, |i|: four times the cell's ohmic current scale) and none (auto)
 * elsewhere. No three.js and no DOM here: it runs in the solver's worker.
 */
import type { ColormapName } from '../io/colormap.ts';
import { coefficients, type Coefficients } from '../model/derived.ts';
import { fieldDefs, type Fields } from '../model/fields.ts';
import { initialProps } from '../model/initial.ts';
import { atTemperature } from '../model/params.ts';
import { PROP_HOST, PROP_KD, PROP_KL, PROP_KS, PROPS_STRIDE } from '../model/props.ts';
import type { Scenario } from '../model/scenario.ts';
import { currentDensity } from './fields.ts';

/** A quantity as the page sees it (plain data: it crosses from the worker). */
export interface QuantityInfo {
  id: string;
  label: string;
  unit: string;
  colormap: ColormapName;
  /** The colour range shown unless the user picks auto or a range of their own; null: auto. */
  defaultRange: [number, number] | null;
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

/** The page's labels and ranges for registry fields it knows better than a generic entry (by output name). */
const PAGE_INFO: Record<string, (s: Scenario) => Partial<QuantityInfo>> = {
  xi: () => ({ label: 'ξ (phase field, 1 = Li metal)', unit: '', defaultRange: [0, 1] }),
  // bulk 1 in the middle of the scale: depletion reads dark, pile-up (c̃ > 2) saturates bright
  c: () => ({ label: 'c̃ = c/c0 (Li⁺ concentration)', defaultRange: [0, 2] }),
  phi: (s) => ({ label: 'φ (potential)', defaultRange: potentialRange(s) }),
};

/** A species' field (c/bulk) is shown like c̃: bulk in the middle of the scale. */
const SPECIES_RANGE: [number, number] = [0, 2];

interface PageQuantity {
  info(s: Scenario): QuantityInfo;
  when?(s: Scenario): boolean;
  values(s: Scenario, f: Fields, k: Coefficients): Float64Array;
}

/** What only the page shows, after the registry's fields. */
const PAGE_ONLY: Record<string, PageQuantity> = {
  current: {
    // about the ohmic current across the cell at mid-scale: tips (several times more) saturate
    info: (s) => ({
      id: 'current',
      label: '|i| (current density)',
      unit: 'mA/cm²',
      colormap: 'viridis',
      defaultRange: [0, Number((4 * currentScale(s)).toPrecision(2))],
    }),
    values: (s, f, k) =>
      currentDensity(
        s,
        f.xi,
        f.psi.map((v) => v / k.f),
      ),
  },
  xidot: {
    info: () => ({ id: 'xidot', label: '∂ξ/∂t (growth rate, last step)', unit: '1/s', colormap: 'coolwarm', defaultRange: null }),
    values: (_s, f) => f.xidot ?? new Float64Array(f.xi.length),
  },
  sei_kS: {
    when: (s) => s.sei !== undefined,
    info: () => ({ id: 'sei_kS', label: 'SEI σ ratio k_S (σ/σ_l)', unit: '', colormap: 'viridis', defaultRange: null }),
    values: (s) => propSlot(s, PROP_KS),
  },
  sei_kD: {
    when: (s) => s.sei !== undefined,
    info: () => ({ id: 'sei_kD', label: 'SEI D ratio k_D (D/D_l)', unit: '', colormap: 'viridis', defaultRange: null }),
    values: (s) => propSlot(s, PROP_KD),
  },
  sei_kL: {
    when: (s) => s.sei !== undefined,
    info: () => ({ id: 'sei_kL', label: 'SEI reaction ratio k_L (L_η/L_η,0)', unit: '', colormap: 'viridis', defaultRange: null }),
    values: (s) => propSlot(s, PROP_KL),
  },
  host: {
    when: (s) => s.host !== undefined,
    info: () => ({ id: 'host', label: 'host scaffold (1 = host cell)', unit: '', colormap: 'cividis', defaultRange: [0, 1] }),
    values: (s) => propSlot(s, PROP_HOST),
  },
};

/** The registry's output fields of a run, as quantities (id = output name). */
function registryQuantities(s: Scenario, k: Coefficients): QuantityInfo[] {
  const species = new Set(k.species.map((sp) => sp.name));
  return fieldDefs(k)
    .filter((d) => d.output)
    .map((d) => {
      const o = d.output!;
      const base: QuantityInfo = {
        id: o.name,
        label: d.label,
        unit: o.unit === '-' ? '' : o.unit,
        colormap: o.png?.colormap ?? (species.has(d.key) ? 'cividis' : 'viridis'),
        defaultRange: o.png?.range ?? (species.has(d.key) ? SPECIES_RANGE : null),
      };
      return { ...base, ...(PAGE_INFO[o.name]?.(s) ?? {}) };
    });
}

/** The quantities a scenario can show, given the keys of what its backend reads (registry fields first). */
export function quantityList(s: Scenario, readKeys: readonly string[]): QuantityInfo[] {
  const k = coefficients(s);
  const out = registryQuantities(s, k);
  for (const d of Object.values(PAGE_ONLY)) if (!d.when || d.when(s)) out.push(d.info(s));
  // a field a backend reads that neither the registry nor the page describes: shown under its key
  const known = new Set([...fieldDefs(k).map((d) => d.key), ...out.map((q) => q.id)]);
  for (const key of readKeys) if (!known.has(key)) out.push({ id: key, label: key, unit: '', colormap: 'viridis', defaultRange: null });
  return out;
}

/** The values of quantity `id` on the grid (index i + nx*(j + ny*k)), physical units, from read() fields. */
export function quantityValues(id: string, s: Scenario, f: Fields, k: Coefficients = coefficients(s)): Float64Array {
  for (const d of fieldDefs(k)) {
    const o = d.output;
    if (!o || o.name !== id) continue;
    const v = d.derive ? d.derive(f, k) : f[d.key];
    if (!v) throw new Error(`quantity "${id}": field ${d.label} is missing`);
    return o.divisor === undefined ? v : v.map((x) => x / o.divisor!);
  }
  const p = PAGE_ONLY[id];
  if (p && (!p.when || p.when(s))) return p.values(s, f, k);
  const raw = f[id];
  if (raw) return raw;
  throw new Error(`no quantity "${id}" in this run`);
}
