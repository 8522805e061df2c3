/**
 * Scenario files: the JSON a user writes, its schema (zod), and the resolved form in SI that
 * the engine runs. Everything a run needs is here; nothing in a scenario is evaluated as code.
 */
import { z } from 'zod';
import { DEFAULT_PARAMS, anisotropyLimit, type PhysicalParams } from './params.ts';
import { qty } from './quantity.ts';
import { checkMechanics, mechanicsSchema } from './mechanics.ts';
import { grandPotentialSchema, resolveGrandPotential, type GrandPotentialSpec } from './grand-potential.ts';
import { registeredSections } from './species.ts';
import type { Dimension } from './units.ts';

const num = (min: number, max: number) => z.number().finite().min(min).max(max);
const posInt = (max: number) => z.number().int().min(1).max(max);

const bcSchema = z.union([
  z.object({ type: z.literal('dirichlet'), value: z.number().finite().min(-1e3).max(1e3) }).strict(),
  z.object({ type: z.literal('noflux') }).strict(),
  z.object({ type: z.literal('periodic') }).strict(),
]);
/**
 * Contact-angle (wetting) condition for ξ (docs/material-switches.md (contact angle), model.md §6), set by `substrate`
 * on the collector face x0: n·∇ξ = −cos θ·(2/w)·ξ(1−ξ), n the inward normal, θ in degrees
 * through the metal (θ < 90°: lithiophilic, the metal spreads). Not accepted in `boundary`.
 */
export interface ContactBC {
  type: 'contact';
  angle: number;
}
export type BoundaryCondition = z.infer<typeof bcSchema> | ContactBC;
export const FACES = ['x0', 'x1', 'y0', 'y1', 'z0', 'z1'] as const;
export type Face = (typeof FACES)[number];
export const FIELDS = ['xi', 'c', 'phi'] as const;
export type FieldName = (typeof FIELDS)[number];

const faceMap = z
  .object({
    x0: bcSchema.optional(),
    x1: bcSchema.optional(),
    y0: bcSchema.optional(),
    y1: bcSchema.optional(),
    z0: bcSchema.optional(),
    z1: bcSchema.optional(),
  })
  .strict();

/**
 * Arrhenius temperature dependence (model.md §6): X(T) = X_ref·exp(−E_a/R·(1/T − 1/T_ref)) for
 * D_l, L_η and σ_l; the parameter values (the table of model.md §2) hold at T_ref. Energies in
 * J/mol or with a unit ("25 kJ/mol", "0.3 eV"); 0 = no temperature dependence.
 */
const activationSchema = z
  .object({
    Dl: qty('molarEnergy', { min: 0, max: 3e5 }).default(0),
    Leta: qty('molarEnergy', { min: 0, max: 3e5 }).default(0),
    sigmaL: qty('molarEnergy', { min: 0, max: 3e5 }).default(0),
    Tref: qty('temperature', { min: 200, max: 400 }).default(300),
  })
  .strict();

const paramsSchema = z
  .object({
    T: qty('temperature', { min: 200, max: 400 }),
    n: z.number().int().min(1).max(3),
    alpha: num(0.05, 0.95),
    Lsigma: z.number().finite().positive().max(1),
    Leta: qty('rate', { gt: 0, max: 1e6 }),
    kappa0: z.number().finite().positive().max(1),
    W: z.number().finite().positive().max(1e12),
    Dl: z.number().finite().positive().max(1e-6),
    /** 0 allowed: no Li mobility in the metal (the grand-potential form's value). */
    Ds: z.number().finite().min(0).max(1e-6),
    sigmaS: z.number().finite().positive().max(1e10),
    sigmaL: z.number().finite().positive().max(1e4),
    cs: qty('concentration', { gt: 0, max: 1e6 }),
    c0: qty('concentration', { gt: 0, max: 1e5 }),
    activation: activationSchema,
  })
  .partial()
  .strict();

/**
 * Electrolyte model (README: physics switches (binary electrolyte)). 'chen': the base model (t₊ = 1 behaviour, migration in
 * the Li⁺ flux). 'binary': a binary salt with Li⁺ transference number t₊ ∈ [0, 1): ambipolar
 * diffusion with D_l as the salt diffusivity and the sink t_a·(c_s/c0)∂ξ/∂t, t_a = 1 − t₊.
 */
const electrolyteSchema = z
  .object({
    model: z.enum(['chen', 'binary']).default('chen'),
    transference: z
      .number()
      .finite()
      .min(0, 'allowed 0 <= t+ < 1')
      .lt(1, 'allowed 0 <= t+ < 1 (t+ = 1 is the base model: use model "chen")')
      .optional(),
  })
  .strict();

/** One segment of a drive schedule: a held voltage or a held current density for `duration`. */
const segmentSchema = z.discriminatedUnion('mode', [
  z
    .object({ mode: z.literal('potentiostatic'), voltage: qty('voltage', { min: -2, max: 2 }), duration: qty('time', { gt: 0, max: 1e7 }) })
    .strict(),
  z
    .object({
      mode: z.literal('galvanostatic'),
      current: qty('currentDensity', { min: -1e6, max: 1e6 }),
      duration: qty('time', { gt: 0, max: 1e7 }),
    })
    .strict(),
]);

/**
 * Drive control (src/solver/control.ts). Without it the run is potentiostatic at `voltage`.
 * mode 'galvanostatic' + current: hold that Faradaic current density (positive = plating,
 * negative = stripping) by adjusting the collector voltage every step, starting from `voltage`.
 * schedule: segments run in order (and again from the first when `repeat`), e.g. plate/strip.
 * vmin/vmax bound the voltage, maxStep bounds its change per correction, response is the
 * sample-and-hold time (0: the current of every step is measured and corrected; T > 0: the
 * voltage is held for blocks of at least T and the block's mean current is corrected, for runs
 * with Langevin noise), tolerance the relative current error below which the voltage is left
 * alone (no extra potential solve), dtMax the longest time step while a galvanostatic segment is
 * in force (the controller corrects once per step; src/solver/control.ts, "Step length").
 */
const controlSchema = z
  .object({
    mode: z.enum(['potentiostatic', 'galvanostatic']).optional(),
    current: qty('currentDensity', { min: -1e6, max: 1e6 }).optional(),
    schedule: z.array(segmentSchema).min(1).max(1000).optional(),
    repeat: z.boolean().default(true),
    vmin: qty('voltage', { min: -2, max: 2 }).default(-1),
    vmax: qty('voltage', { min: -2, max: 2 }).default(1),
    maxStep: qty('voltage', { gt: 0, max: 1 }).default(0.01),
    response: qty('time', { min: 0, max: 1e4 }).default(0),
    tolerance: num(0, 0.5).default(1e-3),
    dtMax: qty('time', { gt: 0, max: 1e3 }).default(0.005),
  })
  .strict();
export type ControlSpec = z.output<typeof controlSchema>;
export type ScheduleSegment = z.output<typeof segmentSchema>;
export type ActivationSpec = z.output<typeof activationSchema>;
/** The additive section with its defaults filled in (SI). */
export type AdditiveSpec = z.output<typeof additiveSchema>;

const vec = (dim: Dimension) => z.array(qty(dim)).min(2).max(3);

const nucleusSchema = z
  .object({
    center: vec('length'),
    radius: qty('length', { gt: 0, max: 1 }),
  })
  .strict();

/** A dimensionless ratio (SEI properties relative to the electrolyte / L_η). */
const ratio = (def: number) => z.number().finite().min(1e-6).max(1e3).default(def);
const seedSchema = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1)
  .default(1);

/**
 * SEI (src/model/props.ts): a static layer on the initial metal surface, electrolyte side.
 * conductivity, diffusivity, reactionRate: ratios σ_SEI/σ_l, D_SEI/D_l, L_η,SEI/L_η (1 = no change).
 * pattern 'uniform', or patchy: a seeded set of weak spots (a fraction `fraction` of the lateral
 * tiles of edge `size`) whose three ratios are multiplied by `contrast`.
 */
const seiSchema = z
  .object({
    thickness: qty('length', { gt: 0, max: 1e-4 }),
    conductivity: ratio(1),
    diffusivity: ratio(1),
    reactionRate: ratio(1),
    pattern: z
      .union([
        z.literal('uniform'),
        z
          .object({
            patchy: z
              .object({
                fraction: num(0, 1),
                size: qty('length', { gt: 0, max: 1e-3 }),
                seed: seedSchema,
                contrast: num(1, 1e6).default(10),
              })
              .strict(),
          })
          .strict(),
      ])
      .default('uniform'),
  })
  .strict();

/** 3D host / scaffold geometry on the collector (x = 0); lengths in m (or unit strings). */
const hostGeometrySchema = z.union([
  z
    .object({
      pillars: z
        .object({
          width: qty('length', { gt: 0, max: 1e-3 }),
          height: qty('length', { gt: 0, max: 1e-3 }),
          spacing: qty('length', { gt: 0, max: 1e-3 }),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      mesh: z
        .object({
          wire: qty('length', { gt: 0, max: 1e-3 }),
          spacing: qty('length', { gt: 0, max: 1e-3 }),
          thickness: qty('length', { gt: 0, max: 1e-3 }),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      porous: z
        .object({
          porosity: num(0.05, 0.95),
          poreSize: qty('length', { gt: 0, max: 1e-3 }),
          thickness: qty('length', { gt: 0, max: 1e-3 }),
          seed: seedSchema,
        })
        .strict(),
    })
    .strict(),
]);

const hostSchema = z
  .object({
    geometry: hostGeometrySchema,
    /** true: host cells hold ξ = 1 (metal wets and grows from the host); false: ξ = 0. */
    lithiophilic: z.boolean().default(false),
  })
  .strict();

/** Substrate wetting: contact angle (degrees, through the metal) on the collector face x0. */
const substrateSchema = z
  .object({
    contactAngle: num(0, 180),
  })
  .strict();

/**
 * Electrostatic-shielding additive (model.md §6; Ding et al., JACS 135 (2013) 4450): a second,
 * non-depositing cation (e.g. Cs⁺ at 0.05 M, whose reduction potential lies below Li⁺'s) that
 * migrates in the field, gathers at the tips and screens them. It is transported as
 * ã = c_add/concentration (src/backends/cpu/transport.ts with the additive's parameters) and
 * lowers the local Li reaction rate: L_η,eff = L_η·kL/(1 + shielding·max(0, ã − 1))
 * (src/backends/cpu/phase.ts; docs/additive.md). Every key has a default, so `"additive": {}`
 * is 0.05 M with D_a = D_l (default parameter set) and shielding 1.
 */
export const additiveSchema = z
  .object({
    /** Bulk concentration (the counter-electrode reservoir value), mol/m³ or "0.05 M". */
    concentration: qty('concentration', { gt: 0, max: 1e4 }).default(50),
    /** Diffusivity in the electrolyte, m²/s (none in the metal and in host cells); not Arrhenius-scaled. */
    diffusivity: qty('diffusivity', { gt: 0, max: 1e-6 }).default(3.197e-10),
    /** Strength s of the screening law 1/(1 + s·max(0, ã − 1)); 0 = a passive tracer. */
    shielding: num(0, 1e6).default(1),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only')
      // the default run directory is runs/<name>: "." and ".." would be runs/ or the working directory
      .refine((n) => n !== '.' && n !== '..', 'must not be "." or ".." (the run directory is runs/<name>)'),
    description: z.string().max(2000).optional(),
    grid: z
      .object({
        dims: z.union([z.literal(2), z.literal(3)]),
        n: z.array(posInt(16384)).min(2).max(3),
        dx: qty('length', { gt: 1e-10, max: 1e-3 }),
      })
      .strict(),
    time: z
      .object({
        end: qty('time', { gt: 0, max: 1e7 }),
        output: qty('time', { gt: 0, max: 1e7 }),
      })
      .strict(),
    voltage: qty('voltage', { min: -2, max: 2 }),
    /**
     * Which form of the model: 'concentration' (equations (1)–(3), Chen et al. 2015; the default)
     * or 'grand-potential' (Hong & Viswanathan 2018, model.md §7, docs/grand-potential.md).
     * Absent means 'concentration' and stays absent in the resolved scenario (so the resolved form
     * of every earlier scenario, which checkpoints store and compare, is unchanged).
     */
    model: z.enum(['concentration', 'grand-potential']).optional(),
    /** Parameters of the grand-potential form in the MOOSE input's normalised units (src/model/grand-potential.ts). */
    grandPotential: grandPotentialSchema.optional(),
    /** Drive control: galvanostatic, plate/strip schedules (absent: potentiostatic at `voltage`). */
    control: controlSchema.optional(),
    /** Electrolyte model: 'chen' (default) or 'binary' with a transference number. */
    electrolyte: electrolyteSchema.optional(),
    parameters: paramsSchema.default({}),
    anisotropy: z
      .object({
        delta: num(0, 1).default(0),
        omega: z.number().int().min(2).max(12).default(4),
        theta0: num(-10, 10).default(0),
      })
      .strict()
      .default({}),
    boundary: z
      .object({
        lateral: z.enum(['noflux', 'periodic']).default('noflux'),
        xi: faceMap.default({}),
        c: faceMap.default({}),
        phi: faceMap.default({}),
      })
      .strict()
      .default({}),
    initial: z
      .object({
        layer: qty('length', { min: 0, max: 1 }).default(0),
        nuclei: z.array(nucleusSchema).max(10000).default([]),
        rough: z
          .object({
            amplitude: qty('length', { min: 0, max: 1 }),
            wavelength: qty('length', { gt: 0, max: 1 }),
            seed: z
              .number()
              .int()
              .min(0)
              .max(2 ** 32 - 1)
              .default(1),
          })
          .strict()
          .optional(),
        concentration: z.enum(['electrolyte', 'uniform']).default('electrolyte'),
      })
      .strict()
      .default({}),
    noise: z
      .object({
        amplitude: qty('rate', { min: 0, max: 100 }).default(0),
        seed: z
          .number()
          .int()
          .min(0)
          .max(2 ** 32 - 1)
          .default(1),
        dtRef: qty('time', { gt: 0, max: 10 }).default(0.02),
      })
      .strict()
      .default({}),
    numerics: z
      .object({
        sigmaContrastCap: z.number().finite().min(10).max(1e12).nullable().default(null),
        potentialTol: num(1e-15, 1e-2).default(1e-12),
        potentialMaxIter: posInt(10000).default(500),
        transportTol: num(1e-14, 1e-2).default(1e-9),
        resolveXiTol: num(0, 1).default(0.02),
        resolveMaxSteps: posInt(100000).default(10),
        dtMax: qty('time', { gt: 0, max: 1e3 }).default(0.05),
        dtInitial: qty('time', { gt: 0, max: 1e3 }).default(1e-4),
        maxDxiPerStep: num(1e-4, 0.5).default(0.05),
        /**
         * Phase stage: "imex" (semi-implicit, docs/imex-phase.md; dt free of the dx² limit) or
         * "explicit" (forward Euler, dt ≤ dx²/(2d·L_σκ0·stiffness)).
         */
        phase: z.enum(['explicit', 'imex'], { message: 'numerics.phase must be "explicit" or "imex"' }).optional(),
        /** IMEX: defect-correction sweeps per step (1: the plain linearly implicit step). */
        imexSweeps: z.number().int().min(1).max(8).default(2),
        /** IMEX: relative tolerance of each sweep's PCG solve. */
        phaseTol: num(1e-14, 1e-2).default(1e-6),
        /**
         * IMEX: the preconditioner of the sweeps' solves (docs/imex-phase.md §6): "multigrid" (one
         * V-cycle), "jacobi" (two damped Jacobi sweeps, the multigrid's fine-level pre-smoothing) or
         * "auto" (jacobi while the operator's gradient part at dtMax is at most 8 times its identity,
         * derived.ts IMEX_JACOBI_MAX_RHO; multigrid above).
         */
        phasePreconditioner: z
          .enum(['auto', 'multigrid', 'jacobi'], { message: 'numerics.phasePreconditioner must be "auto", "multigrid" or "jacobi"' })
          .default('auto'),
        safety: num(0.05, 1).default(0.8),
        maxSteps: posInt(1e9).default(5e7),
        /** Steps between stability checks (NaN/Inf, ξ and c̃ ranges) and in-memory rollback copies; null: 1 on the CPU, 10 on GPUs. */
        checkEvery: posInt(1e6).nullable().default(null),
        /** Retries with dt halved after an instability or a solver failure before the run stops. */
        maxRetries: z.number().int().min(0).max(20).default(3),
      })
      .strict()
      .default({}),
    output: z
      .object({
        vti: z.boolean().default(true),
        png: z.boolean().default(true),
        /** Simulated time between checkpoints (checkpoint/ in the run directory); default: time.output. */
        checkpointEvery: qty('time', { gt: 0, max: 1e7 }).optional(),
      })
      .strict()
      .default({}),
    /** Material switches (docs/material-switches.md): SEI layer, 3D host, substrate wetting. */
    sei: seiSchema.optional(),
    host: hostSchema.optional(),
    substrate: substrateSchema.optional(),
    /** Electrostatic-shielding additive (a non-depositing cation, e.g. Cs⁺): docs/additive.md. */
    additive: additiveSchema.optional(),
    /** Mechanics: elasticity, solid electrolytes, stack pressure (docs/mechanics.md). */
    mechanics: mechanicsSchema.optional(),
    /**
     * Events that end a run early (docs/short-circuit.md). `onShortCircuit` (default true when
     * there is a counter electrode, boundary.phi.x1 dirichlet): stop when metal comes within an
     * interface width of it; false records the time and carries on.
     */
    stop: z.object({ onShortCircuit: z.boolean().optional() }).strict().optional(),
  })
  .strict();

export type ScenarioInput = z.input<typeof scenarioSchema>;
type Parsed = z.output<typeof scenarioSchema>;

/** A validated scenario in SI, with every default filled in. */
export interface Scenario extends Omit<Parsed, 'parameters' | 'grid' | 'boundary' | 'initial' | 'grandPotential' | 'numerics'> {
  parameters: PhysicalParams;
  /**
   * numerics.phase defaults by model: "imex" in the concentration form, "explicit" in the
   * grand-potential form (the only stage it has: docs/grand-potential.md §6).
   */
  numerics: Omit<Parsed['numerics'], 'phase'> & { phase: 'explicit' | 'imex' };
  /** The grand-potential parameters with their defaults (model "grand-potential" only; the SI `parameters` are derived from them). */
  grandPotential?: GrandPotentialSpec;
  grid: { dims: 2 | 3; n: [number, number, number]; dx: number };
  boundary: Record<FieldName, Record<Face, BoundaryCondition>>;
  initial: Omit<Parsed['initial'], 'nuclei'> & { nuclei: { center: [number, number, number]; radius: number }[] };
}

/** Raised for a scenario that cannot run; `issues` name the field, the value and what is allowed. */
export class ScenarioError extends Error {
  constructor(public readonly issues: string[]) {
    super(`invalid scenario:\n  - ${issues.join('\n  - ')}`);
    this.name = 'ScenarioError';
  }
}

/** The value at `path` in parsed JSON (undefined where it leaves the objects): what a validation issue points at. */
export function valueAt(obj: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = obj;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** A value converted to SI for a message: 12 significant digits, so "19 um" reads 0.000019 m, not 0.000018999999999999998 m. */
export function si(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(12))) : String(v);
}

/** A value for an error message: JSON, at most 60 characters ('missing' for undefined). */
export function show(v: unknown): string {
  if (v === undefined) return 'missing';
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    // too deep (or cyclic) for JSON.stringify: String() of a nested array recurses as well
    try {
      s = String(v);
    } catch {
      s = Array.isArray(v) ? '[...]' : '{...}';
    }
  }
  if (typeof v === 'number' && !Number.isFinite(v)) s = String(v);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}

/** Default boundary conditions: the Hong & Viswanathan set-up (electrode at x = 0). */
function defaultBoundary(voltage: number, lateral: 'noflux' | 'periodic'): Record<FieldName, Record<Face, BoundaryCondition>> {
  const lat: BoundaryCondition = { type: lateral };
  const sides = { y0: lat, y1: lat, z0: lat, z1: lat };
  return {
    xi: { x0: { type: 'dirichlet', value: 1 }, x1: { type: 'dirichlet', value: 0 }, ...sides },
    c: { x0: { type: 'noflux' }, x1: { type: 'dirichlet', value: 1 }, ...sides },
    phi: { x0: { type: 'dirichlet', value: voltage }, x1: { type: 'dirichlet', value: 0 }, ...sides },
  };
}

/**
 * Validates raw JSON (already parsed) and returns the resolved scenario, or throws
 * ScenarioError listing every problem found.
 */
export function parseScenario(raw: unknown): Scenario {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ScenarioError([`scenario: must be a JSON object (got ${show(raw)})`]);
  }
  // species kinds registered at run time (src/model/species.ts) bring their own sections
  const extra = registeredSections();
  const schema = (Object.keys(extra).length ? scenarioSchema.extend(extra) : scenarioSchema) as typeof scenarioSchema;
  const res = schema.safeParse(raw);
  // (the registered sections pass through resolve() untyped; speciesList reads them by name)
  if (!res.success) {
    const issues = res.error.issues.map((i) => {
      const where = i.path.length ? i.path.join('.') : 'scenario';
      const got = i.code === 'unrecognized_keys' ? '' : ` (got ${show(valueAt(raw, i.path))})`;
      return `${where}: ${i.message}${got}`;
    });
    throw new ScenarioError(issues);
  }
  return resolve(res.data);
}

function resolve(s: Parsed): Scenario {
  const issues: string[] = [];
  const dims = s.grid.dims;
  if (s.grid.n.length !== dims) issues.push(`grid.n: needs ${dims} entries for a ${dims}D grid (got ${s.grid.n.length})`);
  const n: [number, number, number] = [s.grid.n[0], s.grid.n[1], dims === 3 ? (s.grid.n[2] ?? 1) : 1];
  const minN = dims === 3 ? 4 : 4;
  n.slice(0, dims).forEach((v, a) => {
    if (v < minN) issues.push(`grid.n[${a}]: at least ${minN} cells (got ${v})`);
  });
  const cells = n[0] * n[1] * n[2];
  if (cells > 2 ** 28) issues.push(`grid.n: ${cells} cells is more than the 268435456 (2^28) this engine allows`);

  let params: PhysicalParams = { ...DEFAULT_PARAMS, ...(s.parameters as Partial<PhysicalParams>) };
  const lim = anisotropyLimit(s.anisotropy.omega);
  if (s.anisotropy.delta >= lim) {
    issues.push(
      `anisotropy.delta: ${s.anisotropy.delta} makes the interface stiffness negative (ill-posed); allowed 0 <= delta < 1/(omega^2-1) = ${lim.toPrecision(4)} for omega = ${s.anisotropy.omega}`,
    );
  }
  if (s.time.output > s.time.end) issues.push(`time.output: ${si(s.time.output)} s is longer than time.end = ${si(s.time.end)} s`);
  if (s.numerics.dtInitial > s.numerics.dtMax)
    issues.push(`numerics.dtInitial: ${si(s.numerics.dtInitial)} s exceeds numerics.dtMax = ${si(s.numerics.dtMax)} s`);

  const boundary = defaultBoundary(s.voltage, s.boundary.lateral);
  for (const f of ['xi', 'c', 'phi'] as const) {
    // a face given as `undefined` (possible from JS callers, not from JSON) keeps its default
    for (const [face, bc] of Object.entries(s.boundary[f])) if (bc !== undefined) boundary[f][face as Face] = bc;
  }
  const axes = dims === 3 ? ['x', 'y', 'z'] : ['x', 'y'];
  for (const f of FIELDS) {
    for (const a of axes) {
      const lo = boundary[f][`${a}0` as Face].type === 'periodic';
      const hi = boundary[f][`${a}1` as Face].type === 'periodic';
      if (lo !== hi) issues.push(`boundary.${f}.${a}0/${a}1: periodic must be set on both faces of an axis`);
    }
    for (const a of axes) {
      const p = boundary[f][`${a}0` as Face].type === 'periodic';
      for (const g of FIELDS) {
        if ((boundary[g][`${a}0` as Face].type === 'periodic') !== p) {
          issues.push(`boundary.${g}.${a}0: periodicity of axis ${a} must be the same for xi, c and phi`);
        }
      }
    }
  }
  if (s.substrate) {
    if (s.boundary.xi.x0 !== undefined) issues.push('substrate: sets the xi condition on x0 (contact angle); remove boundary.xi.x0');
    else boundary.xi.x0 = { type: 'contact', angle: s.substrate.contactAngle };
  }
  const hasDirichlet = (f: FieldName) => axes.some((a) => ['0', '1'].some((e) => boundary[f][`${a}${e}` as Face].type === 'dirichlet'));
  if (!hasDirichlet('phi')) issues.push('boundary.phi: the potential needs at least one dirichlet face (an electrode)');

  const L = n.map((v) => v * s.grid.dx);
  const nuclei = s.initial.nuclei.map((nu, k) => {
    if (nu.center.length !== dims) issues.push(`initial.nuclei.${k}.center: needs ${dims} coordinates (got ${nu.center.length})`);
    nu.center.forEach((c, a) => {
      if (a < dims && (c < 0 || c > L[a]))
        issues.push(`initial.nuclei.${k}.center[${a}]: ${si(c)} m is outside the domain [0, ${L[a].toPrecision(4)}] m`);
    });
    return { center: [nu.center[0], nu.center[1], nu.center[2] ?? 0] as [number, number, number], radius: nu.radius };
  });
  if (s.initial.layer > L[0]) issues.push(`initial.layer: ${si(s.initial.layer)} m is thicker than the domain (${L[0].toPrecision(4)} m)`);
  checkMaterials(s, L, dims, issues);
  checkSolverSwitches(s, boundary, issues);
  if (s.mechanics) checkMechanics(s.mechanics, { host: s.host !== undefined, periodicX: boundary.xi.x0.type === 'periodic' }, issues);
  // the grand-potential form: its own parameter section, from which the SI set is derived
  const gp = resolveGrandPotential(
    {
      model: s.model ?? 'concentration',
      grandPotential: s.grandPotential,
      given: s.parameters as Partial<Record<keyof PhysicalParams, unknown>>,
      electrolyte: s.electrolyte,
      additive: s.additive,
      initialConcentration: s.initial.concentration,
      boundaryC: boundary.c as Record<string, { type: string; value?: number }>,
    },
    { ...DEFAULT_PARAMS, ...pick(s.parameters, ['T', 'n', 'alpha', 'c0', 'activation']) },
    issues,
  );
  if (gp) params = gp.params;
  // the IMEX phase stage takes the reaction's dependence on c̃ implicitly inside the concentration
  // transport (docs/imex-phase.md §2); the w transport has no such coupling, and with c̃ lagged the
  // IMEX step sizes are beyond the deposit/depletion loop's stability (dt_c ≈ 4 ms in this case)
  // the mechanics coupling (its Butler–Volmer shift on ψ = fφ, the elastic force at L_σ) is derived
  // for the concentration form's scaled units; the grand-potential form's are its own
  if (gp && s.mechanics) {
    issues.push(
      'mechanics: not available with model "grand-potential": the elastic coupling is derived for the concentration form (docs/mechanics.md); use model "concentration"',
    );
  }
  if (gp && s.numerics.phase === 'imex') {
    issues.push(
      'numerics.phase: "imex" is not available with model "grand-potential": the IMEX stage couples the reaction to c̃ inside the concentration transport, which the w transport of this form does not have; use "explicit" (the default for this model; docs/grand-potential.md §6)',
    );
  }
  if (issues.length) throw new ScenarioError(issues);
  const { grandPotential: _given, ...rest } = s;
  return {
    ...rest,
    ...(gp ? { grandPotential: gp.spec } : {}),
    parameters: params,
    numerics: { ...s.numerics, phase: s.numerics.phase ?? (gp ? 'explicit' : 'imex') },
    grid: { dims, n, dx: s.grid.dx },
    boundary,
    initial: { ...s.initial, nuclei },
  };
}

/** The keys of `o` that are set. */
function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** Geometry checks of the material switches (sei, host) that the schema cannot express. */
function checkMaterials(s: Parsed, L: number[], dims: 2 | 3, issues: string[]): void {
  const lateral = dims === 3 ? Math.min(L[1], L[2]) : L[1];
  const fmt = (v: number) => v.toPrecision(4);
  if (s.sei) {
    const metal = s.initial.layer > 0 || s.initial.nuclei.length > 0 || (s.initial.rough?.amplitude ?? 0) > 0;
    if (!metal) issues.push('sei: needs an initial metal surface to sit on (initial.layer, initial.nuclei or initial.rough)');
    const p = s.sei.pattern;
    if (p !== 'uniform' && p.patchy.size > lateral) {
      issues.push(`sei.pattern.patchy.size: ${si(p.patchy.size)} m is larger than the lateral domain (${fmt(lateral)} m)`);
    }
  }
  if (s.host) {
    const g = s.host.geometry;
    if ('pillars' in g) {
      const { width, height, spacing } = g.pillars;
      if (width >= spacing) issues.push(`host.geometry.pillars.width: ${si(width)} m must be smaller than spacing (${si(spacing)} m)`);
      if (spacing > lateral)
        issues.push(`host.geometry.pillars.spacing: ${si(spacing)} m is larger than the lateral domain (${fmt(lateral)} m)`);
      if (height >= L[0])
        issues.push(`host.geometry.pillars.height: ${si(height)} m must be below the domain length along x (${fmt(L[0])} m)`);
    } else if ('mesh' in g) {
      const { wire, spacing, thickness } = g.mesh;
      if (wire >= spacing) issues.push(`host.geometry.mesh.wire: ${si(wire)} m must be smaller than spacing (${si(spacing)} m)`);
      if (spacing > lateral)
        issues.push(`host.geometry.mesh.spacing: ${si(spacing)} m is larger than the lateral domain (${fmt(lateral)} m)`);
      if (thickness >= L[0])
        issues.push(`host.geometry.mesh.thickness: ${si(thickness)} m must be below the domain length along x (${fmt(L[0])} m)`);
    } else {
      const { poreSize, thickness } = g.porous;
      if (thickness >= L[0])
        issues.push(`host.geometry.porous.thickness: ${si(thickness)} m must be below the domain length along x (${fmt(L[0])} m)`);
      if (poreSize > lateral)
        issues.push(`host.geometry.porous.poreSize: ${si(poreSize)} m is larger than the lateral domain (${fmt(lateral)} m)`);
    }
  }
}

/** Consistency checks of the solver-level switches (electrolyte, control) the schema cannot express. */
function checkSolverSwitches(s: Parsed, boundary: Record<FieldName, Record<Face, BoundaryCondition>>, issues: string[]): void {
  const e = s.electrolyte;
  if (e?.model === 'binary' && e.transference === undefined)
    issues.push('electrolyte.transference: required for the binary model (Li+ transference number t+, allowed 0 <= t+ < 1)');
  if (e && e.model !== 'binary' && e.transference !== undefined)
    issues.push(`electrolyte.transference: only used with model "binary" (got model "${e.model}")`);
  if (s.stop?.onShortCircuit === true && boundary.phi.x1.type !== 'dirichlet')
    issues.push(
      'stop.onShortCircuit: needs a counter electrode at x = L_x (boundary.phi.x1 dirichlet) to detect contact with; remove it or set it to false',
    );
  const c = s.control;
  if (!c) return;
  if (c.schedule) {
    if (c.mode !== undefined || c.current !== undefined) issues.push('control: give either mode/current or schedule, not both');
  } else if (c.mode === 'galvanostatic') {
    if (c.current === undefined)
      issues.push(
        'control.current: required for mode "galvanostatic" (a current density, e.g. "10 mA/cm^2"; positive plates, negative strips)',
      );
  } else if (c.current !== undefined) {
    issues.push('control.current: only used with mode "galvanostatic"');
  }
  if (c.vmin >= c.vmax) issues.push(`control.vmin: ${si(c.vmin)} V must be below control.vmax = ${si(c.vmax)} V`);
  const x0 = boundary.phi.x0;
  if (x0.type !== 'dirichlet') issues.push('control: needs the collector face boundary.phi.x0 to be dirichlet (the voltage it controls)');
  else if (x0.value < c.vmin || x0.value > c.vmax)
    issues.push(`voltage: the starting voltage ${si(x0.value)} V is outside control.vmin..vmax = [${si(c.vmin)}, ${si(c.vmax)}] V`);
  c.schedule?.forEach((g, k) => {
    if (g.mode === 'potentiostatic' && (g.voltage < c.vmin || g.voltage > c.vmax))
      issues.push(`control.schedule.${k}.voltage: ${si(g.voltage)} V is outside control.vmin..vmax = [${si(c.vmin)}, ${si(c.vmax)}] V`);
  });
}
