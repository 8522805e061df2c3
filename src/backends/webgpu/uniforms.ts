/**
 * The scalar uniform structs of the WGSL kernels, declared once. The host packs a struct by
 * field name (packUniform: every field required, no other) and shaderSource() (shaders.ts) puts
 * the WGSL declaration generated from the same entry in front of the module, so the shader files
 * use these structs without declaring them and the two sides cannot disagree on an order.
 * Fields are 4 bytes each (f32, u32), padded to a multiple of 16 bytes. (Grid and BC, with
 * vector members, are declared in shaders/common/ and packed by gridData/bcData in context.ts.)
 */

export type ScalarType = 'f32' | 'u32';

export const UNIFORMS = {
  /** shaders/phase.wgsl */
  PhaseParams: {
    /** 1/dx, 1/µm */
    inv: 'f32',
    /** L_σ κ0, µm²/s */
    mobKappa: 'f32',
    /** L_σ W, 1/s */
    mobW: 'f32',
    /** L_η, 1/s */
    leta: 'f32',
    /** 1 − α */
    ea: 'f32',
    /** α */
    eb: 'f32',
    delta: 'f32',
    omega: 'f32',
    /** cos(ω θ0), sin(ω θ0) */
    cosW0: 'f32',
    sinW0: 'f32',
    /** ω as an integer */
    iomega: 'u32',
    /** 1: divide L_η·kL by lane z of the bound props (the species' screening, species_pack.wgsl); 0: none */
    screen: 'u32',
    /** L_σ μ_ref, 1/s (mechanics: the rate −mobEl·h′·q with q in lane y of the bound props) */
    mobEl: 'f32',
    /** 1: mechanics coupling (q in lane y; the bound ψ is ψ + s, elastic_coupling.wgsl); 0: none */
    mech: 'u32',
  },
  /** shaders/coef.wgsl: out = hi·h + lo·(1 − h); kind 1: D (kD, 0 in a host cell), 2: σ̂ (kS, hi in a host cell) */
  CoefParams: { hi: 'f32', lo: 'f32', kind: 'u32' },
  /** shaders/assemble.wgsl: the potential's face-weight operator (scale, mass) and source scale */
  AsmParams: { scale: 'f32', mass: 'f32', srcScale: 'f32' },
  /** shaders/potential_flux.wgsl: area = dx (2D) or dx² (3D), µm^(d−1) */
  FluxParams: { dx: 'f32', area: 'f32', beta: 'f32' },
  /** shaders/transport_shift.wgsl: the stats slot of max ψ, the drift factor (max Dirichlet ψ: Loop.bcMax) */
  ShiftParams: { slot: 'u32', migration: 'f32' },
  /**
   * shaders/transport_assemble.wgsl: c_s/c0, the sink factor (1 in the base model; 0 for a
   * species), react: 1 takes the deposit's c̃-dependence implicitly (the IMEX stage's g in aux.w,
   * docs/imex-phase.md), 0 not (the explicit stage, a species); dt/dx² is Loop.sgScale
   */
  SgParams: { csRatio: 'f32', sink: 'f32', react: 'f32' },
  /** shaders/phase_imex_rate.wgsl: first: 1 on the first sweep (also writes S, the stiffness and g = dt·∂F/∂c̃ into aux.w) */
  ImexRateParams: { first: 'u32' },
  /** shaders/phase_imex_op.wgsl: the face weight W = wScale·dt/dx² (wScale = L_σκ0·K/2; dt/dx² is Loop.sgScale), the clamp of (dt/2)·S from below */
  ImexOpParams: { wScale: 'f32', floor: 'f32' },
  /** shaders/phase_imex_rhs.wgsl: first: 1 on the first sweep (δ = 0); σ_W √dt and the noise key are Loop's */
  ImexRhsParams: { first: 'u32' },
  /** shaders/transport_influx.wgsl: dx^d */
  InfluxParams: { vol: 'f32' },
  /** shaders/transport_limit.wgsl: vol = dx^d, µm^d (1/dt: Loop.invDt) */
  LimitParams: { csRatio: 'f32', vol: 'f32', sink: 'f32' },
  /** shaders/species_pack.wgsl: the species' screening strength; first: 1 for the first species (the sum starts at 1) */
  PackParams: { shield: 'f32', first: 'u32' },
  /** shaders/reduce_fields.wgsl: inv2 = 0.5/dx, parts = T */
  FieldsParams: { inv2: 'f32', parts: 'u32' },
  /** shaders/reduce_fields_final.wgsl: partials per channel, rows */
  FinalParams: { parts: 'u32', rows: 'u32' },
  /** shaders/reduce_tip.wgsl */
  TipParams: { dx: 'f32' },
  /** shaders/mech/reduce_stage1.wgsl: elements, partials (= invocations doing work) */
  Reduce1Params: { n: 'u32', parts: 'u32' },
  /** shaders/mech/reduce_stage2.wgsl: number of partials, the result slot */
  Reduce2Params: { n: 'u32', slot: 'u32' },
  /**
   * The device-side time loop's state (shaders/common/loop.wgsl, loop.ts): its gates first, then
   * the current step's parameters every stage kernel reads, the counters and decisions of the
   * step policy, the stop conditions and the drive controller. Written by the host for a single
   * stage and at the start of a loop run, by the loop's kernels (bound as storage) in between.
   */
  Loop: {
    /** gates: the step's stages run; the boundary's potential solve runs; the stability check runs; the good state is saved */
    gStep: 'u32',
    gPotential: 'u32',
    gCheck: 'u32',
    gSave: 'u32',
    /** this step: dt, 1/dt, σ_W √dt, stepKey(seed, step), dt/dx² */
    dt: 'f32',
    invDt: 'f32',
    noiseAmp: 'f32',
    key: 'u32',
    sgScale: 'f32',
    /** 1 while steps remain (0: the loop stopped: target, step limit, pause, halt) */
    running: 'u32',
    /** steps done before the current one; since the last potential solve; since the last save */
    step: 'u32',
    stepsSinceSolve: 'u32',
    sinceSave: 'u32',
    /** the next decision solves regardless (voltage change, restart point); a potential solve happened before */
    forced: 'u32',
    solvedBefore: 'u32',
    /** the current boundary's decision is made (its potential solve done if due) */
    decided: 'u32',
    /** why the loop stopped early (HALT_* in loop.wgsl), 0 none */
    halt: 'u32',
    /** the current step lands on the target (its end is the target exactly) */
    landing: 'u32',
    /** tags the ring records of one loop run (the host tells them from stale ones) */
    runTag: 'u32',
    /** time at the start of the current step (df64) and the policy's nominal dt */
    timeHi: 'f32',
    timeLo: 'f32',
    dtNext: 'f32',
    /** the run's target (df64; it lands there), the last step number, a checkpoint pause (df64, armed) */
    targetHi: 'f32',
    targetLo: 'f32',
    stepLimit: 'u32',
    pauseHi: 'f32',
    pauseLo: 'f32',
    pauseArmed: 'u32',
    /** ψ_ref's boundary part: max Dirichlet φ (scaled) */
    bcMax: 'f32',
    /** ring record of the current step, ring capacity, steps between stability checks */
    ringPos: 'u32',
    ringCap: 'u32',
    checkEvery: 'u32',
    /** the noise: seed, σ_W (1/√s); f = F/RT (φ → ψ); 1/dx²; the cell volume */
    seed: 'u32',
    noiseSigma: 'f32',
    fScale: 'f32',
    invDx2: 'f32',
    /** dx^d, µm^d */
    vol: 'f32',
    /** the drive controller's state (ControlState in policy.wgsl; hasCurrent/hasPrev for NaN) */
    voltage: 'f32',
    segment: 'u32',
    current: 'f32',
    currentVoltage: 'f32',
    prevCurrent: 'f32',
    prevVoltage: 'f32',
    accDeposit: 'f32',
    accTime: 'f32',
    hasCurrent: 'u32',
    hasPrev: 'u32',
    /** the schedule table of the run (loop.ts): the current segment's entry, the table's length (0: no controller), the step cap after a new segment */
    segLocal: 'u32',
    segCount: 'u32',
    segmentDt: 'f32',
    /** the short circuit (src/solver/deposit.ts): the contact tip position, µm (f32 rounded up); 0 off, 1 record it, 2 record it and stop */
    contactAt: 'f32',
    contactMode: 'u32',
  },
  /** A sync-free MG-PCG solve (shaders/common/cg_state.wgsl, mgpcg.ts): fine cells, workgroups = partials per dot, the iteration limit, the loop gate that opens it, the relative tolerance, its slot in the loop's reports */
  SolveParams: { n: 'u32', groups: 'u32', maxIter: 'u32', gate: 'u32', tol: 'f32', slot: 'u32' },
  /** The time-step policy's constants (shaders/common/policy.wgsl, src/solver/policy.ts): dtMax, safety, safety·dt_phase, maxDxiPerStep, resolveXiTol, resolveMaxSteps, the rejection threshold */
  PolicyConsts: {
    dtMax: 'f32',
    safety: 'f32',
    safeDtPhase: 'f32',
    maxDxiPerStep: 'f32',
    resolveXiTol: 'f32',
    resolveMaxSteps: 'u32',
    /** DXI_REJECT_FACTOR·maxDxiPerStep (stepRejected) */
    rejectDxi: 'f32',
    /** control.dtMax: the step cap in a galvanostatic segment (dtLimit's cap) */
    controlDtMax: 'f32',
  },
  /** The drive controller's constants (shaders/common/policy.wgsl, DriveControl.constants()) */
  ControlConsts: {
    /** sample-and-hold block, s */
    response: 'f32',
    tolerance: 'f32',
    /** V */
    maxStep: 'f32',
    vmin: 'f32',
    vmax: 'f32',
    /** exchange current density, A/m² */
    i0: 'f32',
    /** F/RT, 1/V */
    f: 'f32',
    /** max(α, 1 − α) */
    alphaMax: 'f32',
    /** current density per (µm^d of Δξ per s) */
    perDeposit: 'f32',
  },
  /**
   * shaders/gp_*.wgsl (docs/grand-potential.md): e_l, e_s, dv, M0 (µm²/s), K = 1 + e^{el}, dt,
   * scale = dt/dx², vol = dx^d, lambda: the backtracking factor of the Newton update
   */
  GpParams: { el: 'f32', es: 'f32', dv: 'f32', M0: 'f32', K: 'f32', dt: 'f32', scale: 'f32', vol: 'f32', lambda: 'f32' },
  /** shaders/mech/cg_vec.wgsl (the mechanics CG, elastic-cg.ts) */
  VecParams: { n: 'u32' },
  /**
   * shaders/elastic_*.wgsl (docs/mechanics.md): dx (µm), the stack pressure and λ, μ of metal and
   * electrolyte over μ_ref, the eigenstrain diagonal, the face types (4 bits per face, x0 lowest),
   * the coupling factor Ω μ_ref/RT and the metal-minus-electrolyte λ and μ
   */
  ElasticParams: {
    dx: 'f32',
    pressure: 'f32',
    e0x: 'f32',
    e0y: 'f32',
    e0z: 'f32',
    faces: 'u32',
    lamM: 'f32',
    muM: 'f32',
    lamE: 'f32',
    muE: 'f32',
    sFactor: 'f32',
    dLam: 'f32',
    dMu: 'f32',
    /** a liquid electrolyte's stack pressure, added as −hydro·I in the coupling */
    hydro: 'f32',
  },
  /** shaders/elastic_split.wgsl: component offset a·N, cells N */
  SplitParams: { off: 'u32', n: 'u32' },
} as const satisfies Record<string, Record<string, ScalarType>>;

export type UniformName = keyof typeof UNIFORMS;
/** The values of a uniform struct, every field by name. */
export type UniformValues<N extends UniformName> = { [F in keyof (typeof UNIFORMS)[N]]: number };

function slots(n: number): number {
  return Math.max(4, Math.ceil(n / 4) * 4);
}

/** The bytes of uniform struct `name` (fields in declaration order, 4 bytes each, padded to 16). */
export function packUniform<N extends UniformName>(name: N, values: UniformValues<N>): ArrayBuffer {
  const layout = UNIFORMS[name] as Record<string, ScalarType>;
  const keys = Object.keys(layout);
  const v = values as Record<string, number>;
  for (const k of Object.keys(v)) if (!(k in layout)) throw new Error(`packUniform(${name}): no field ${k}`);
  const buf = new ArrayBuffer(slots(keys.length) * 4);
  const f = new Float32Array(buf),
    u = new Uint32Array(buf);
  keys.forEach((k, i) => {
    const x = v[k];
    if (typeof x !== 'number') throw new Error(`packUniform(${name}): field ${k} missing`);
    if (layout[k] === 'f32') f[i] = x;
    else u[i] = x >>> 0;
  });
  return buf;
}

/** The WGSL declaration of uniform struct `name`. */
export function wgslStruct(name: UniformName): string {
  const layout = UNIFORMS[name] as Record<string, ScalarType>;
  const keys = Object.keys(layout);
  const lines = keys.map((k) => `  ${k}: ${layout[k]},`);
  for (let i = keys.length; i < slots(keys.length); i++) lines.push(`  _pad${i}: u32,`);
  return `struct ${name} {\n${lines.join('\n')}\n}`;
}

/** The uniform structs a WGSL source names (as a type: `: Name` or `<Name>`). */
export function uniformsUsed(src: string): UniformName[] {
  return (Object.keys(UNIFORMS) as UniformName[]).filter((n) => new RegExp(`[:<]\\s*${n}\\b`).test(src));
}
