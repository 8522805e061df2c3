/**
 * The device-side time loop of the WebGPU backend (docs/webgpu-backend.md, "The device loop").
 * The Simulation hands it the state at a step boundary (LoopStart); the loop writes the loop
 * uniform (uniforms.ts, Loop) and then records whole steps, many per submission, each as:
 *   loop_decide   the boundary's potential decision (src/solver/policy.ts, potentialDue), gates,
 *                 a checkpoint pause
 *   potential     the stage's kernels and its MG-PCG solve (gate: potential), ξ at the solve,
 *                 pot_end (the report into the ring, the counters; a failed solve halts the loop)
 *   save          the fields into the good state (gate: save, after a passing check)
 *   the step      phase, transport and the species with their solves (gate: step), the
 *                 stability check's reductions (gate: check)
 *   loop_end      the step's bookkeeping, the policy's next dt, the drive controller, the stop
 *                 conditions and the next step's parameters, its ring record
 * The device decides every branch; the host never waits inside a step. It reads the ring of
 * step records lagged, one mapAsync per batch of steps, while the next batch runs, and stops
 * recording when a record says the loop stopped (landed on the target, the step limit, a pause,
 * a halt). Budgets: every solve is recorded with its recent iteration counts plus a margin; a
 * solve still running when they end halts the loop as "exhausted" and the Simulation replays
 * the interval from the good state with a larger budget, so the result does not depend on the
 * budgets or on the batching. (The coarsest multigrid level is factored on the device at every
 * solve's set-up, mg_tail_coarsen.wgsl: nothing of the solves lives on the host.)
 */
import type { LoopRecord, LoopSettings, LoopStart, DeviceLoop, SpeciesReport, TransportReport } from '../backend.ts';
import type { GpuContext, Kernel } from './context.ts';
import { kernel } from './context.ts';
import type { LoopValues } from './loop-data.ts';
import { controlConstsData, policyConstsData, splitDf64 } from './loop-data.ts';
import { Outcome, type MgPcg } from './mgpcg.ts';
import { Recorder } from './recorder.ts';
import { packUniform } from './uniforms.ts';

/** Why the loop stopped early (shaders/common/loop.wgsl, HALT_*). */
export const HALT = { NONE: 0, EXHAUSTED: 1, NOT_CONVERGED: 2, RATE: 3, CHECK: 4, REJECT: 5 } as const;

/** Words of a ring record (shaders/common/loop.wgsl, R_* and F_*). */
export const REC = 96;
const R = {
  TAG: 0,
  STEP: 1,
  FLAGS: 2,
  HALT: 3,
  DT: 4,
  TIME: 5,
  DTNEXT: 7,
  RATE: 8,
  STIFF: 9,
  DXI: 10,
  LIM: 14,
  INFLUX: 15,
  DEP: 16,
  F1: 20,
  F0: 21,
  SRC: 22,
  CTL: 23,
  CHECK: 32,
  SINCE: 36,
  TIP: 37,
  PHASEMAX: 38,
  SPX: 40,
  SOLVES: 48,
} as const;
const F = {
  STEP: 1,
  LANDED: 2,
  DECIDED: 4,
  SOLVED: 8,
  SAVED: 16,
  CHECKED: 32,
  CHANGED: 64,
  NEWSEG: 128,
  PAUSED: 256,
  LIMIT: 512,
  CONTACT: 1024,
  NEEDPOT: 2048,
} as const;

/** Most segments of a run's schedule table (Simulation hands at most this many; the run stops past them). */
const MAX_SEGMENTS = 256;
/** Records in the ring (a batch never records more steps than a quarter of it). */
export const RING_RECORDS = 1024;

/**
 * The loop's tuning: steps per batch (one ring read-back each), batches in flight, (tests) a cap
 * on the iterations recorded per solve before any exhaustion raised them, and where the
 * potential solve is recorded: at every boundary ('every'), only at a run's first one ('first':
 * the loop stops where the device finds a solve due at another, and the next run starts there),
 * or 'auto': 'first' while solves are rare (at most one in POT_RARE of the recent decisions, with
 * batches of a quarter of the mean interval between solves, so that a stop leaves few recorded
 * steps idle), else 'every'; (tests) the records of the ring a run uses, at most RING_RECORDS, so
 * that a short run wraps it as a run of more than RING_RECORDS steps does. None of them changes a
 * result.
 */
export interface LoopTuning {
  batchSteps: number;
  inFlight: number;
  budgetCap: number | null;
  potential: 'every' | 'first' | 'auto';
  ringRecords: number;
}

/** 'auto' records the potential only at a run's start while at most 1 in POT_RARE decisions solved (of at least POT_WINDOW / 4). */
const POT_RARE = 8;
const POT_WINDOW = 64;
/** Solves a budget looks back on (Loop.budget). */
const BUDGET_WINDOW = 4;
/**
 * Budget of a slot's first solve, with no count to go by: a cold solve from the initial guess
 * (the potential from the initial ψ takes ~20 iterations at 96², more on finer grids). Generous:
 * what it does not need returns at once, once per process, where running out costs a replay.
 */
const COLD_BUDGET = 48;

/** What the backend gives its loop: buffers, kernels and the recording of its stages. */
export interface LoopParts {
  ctx: GpuContext;
  pcg: MgPcg;
  loopBuf: GPUBuffer;
  /** The host copy of the loop uniform (written whole at a run's start). */
  loopValues: LoopValues;
  stats: GPUBuffer;
  fieldsOut: GPUBuffer;
  bcPhi: GPUBuffer;
  grid: GPUBuffer;
  N: number;
  /** The state fields (ξ, c̃, ψ, the species') in order, and ξ, ξ at the last solve. */
  fields: GPUBuffer[];
  xi: GPUBuffer;
  xiSolve: GPUBuffer;
  species: number;
  vol: number;
  /** Solves of the IMEX phase stage per step (its sweeps; 0 without one). */
  phaseSweeps: number;
  /** Most dispatches per command buffer (WebGpuOptions.maxDispatchesPerSubmit). */
  maxDispatches(): number;
  /**
   * Configures the solve slots of the boundary (potential) and of the step with their tolerances
   * and limits; returns the iteration limits of the step's solves that are not the transport's
   * (slot → maxIter: the IMEX phase stage's).
   */
  configureSolves(s: LoopSettings): Record<string, number>;
  /** Records the potential stage (gate: potential) with `iterations` recorded CG iterations. */
  recordPotential(rec: Recorder, iterations: number): void;
  /** Records the step's stages (gates: step, check) with the budgets of their solves. */
  recordStep(rec: Recorder, budget: (slot: string) => number): void;
  /** The current through the collector from the potential's face sums (WebGpuBackend.collectorFlux). */
  collectorFlux(f1: number, f0: number, src: number): number;
  /** The backend's host copy of φ on the collector follows the device's controller. */
  noteVoltage(volts: number): void;
  /** After the good state went back into the fields: what init() does besides the upload. */
  afterRestore(): Promise<void>;
  /** The loop is about to write the loop uniform: the next stage-by-stage call reopens the gates. */
  loopTouched(): void;
}

interface Batch {
  /** Run-relative record indices copied (first … last). */
  first: number;
  last: number;
  staging: GPUBuffer;
  done: Promise<ArrayBuffer>;
}

const f32 = new Float32Array(1);
const u32v = new Uint32Array(f32.buffer);
const asF = (u: number): number => {
  u32v[0] = u;
  return f32[0];
};

export class GpuDeviceLoop implements DeviceLoop {
  private ring: GPUBuffer;
  private stagings: GPUBuffer[] = [];
  private k: { decide: Kernel; decideNoPot: Kernel; potEnd: Kernel; loopEnd: Kernel; xiSolve: Kernel; save: Kernel[] };
  /** Runs that stopped at a boundary where a potential solve was due and not recorded (benchmarks, tests). */
  potentialStops = 0;
  /**
   * Recorded work the gates skipped (benchmarks): by solve slot, the CG iterations recorded past
   * the end of their solve (budget − iterations; at a boundary with no solve due, the whole
   * budget), and the potential stages recorded at a boundary where no solve was due. Their
   * dispatches still launch; their workgroups read the state and return, moving no field.
   */
  readonly idle = { iterations: new Map<string, number>(), potentialStages: 0 };
  /** The budgets recorded for run-relative step j (its solves) and boundary j (psi; null: not recorded). */
  private recordedSteps = new Map<number, Map<string, number>>();
  private recordedBoundaries = new Map<number, number | null>();
  /** The recent potential decisions (true: solved), newest last. */
  private decisions: boolean[] = [];
  private good: GPUBuffer[];
  private tag = 0;
  /** Recent iteration counts per solve slot (newest last), and budgets raised after an exhaustion. */
  private history = new Map<string, number[]>();
  /** The most iterations one IMEX sweep took, by step (from the records, for the phase budget). */
  private phaseMax = new Map<number, number>();
  private raised = new Map<string, number>();
  /** Per raised slot, the step of the record whose solve ran out (the raise holds at least until past it). */
  private raisedAt = new Map<string, number>();
  private maxIter = new Map<string, number>();
  private settings: LoopSettings | null = null;
  private policy: GPUBuffer;
  private control: GPUBuffer;
  private schedule: GPUBuffer;
  readonly tuning: LoopTuning = { batchSteps: 64, inFlight: 2, budgetCap: null, potential: 'auto', ringRecords: RING_RECORDS };

  /** The report slot of the IMEX phase stage's solves (absent: the explicit stage). */
  private readonly phaseSlot: number | undefined;

  constructor(private p: LoopParts) {
    const { ctx } = p;
    // (MgPcg.addSlot refuses more than MAX_SLOTS solves, the report slots a ring record holds)
    this.phaseSlot = p.pcg.slotNames.includes('phase') ? p.pcg.slotIndex('phase') : undefined;
    this.ring = ctx.storage(REC * RING_RECORDS, 'loop.ring');
    this.policy = ctx.uniform(
      policyConstsData({
        dtMax: 0,
        safety: 0,
        safeDtPhase: 0,
        maxDxiPerStep: 0,
        rejectDxi: 0,
        controlDtMax: 0,
        resolveXiTol: 0,
        resolveMaxSteps: 0,
      }),
      'loop.policy',
    );
    this.control = ctx.uniform(controlConstsData(null), 'loop.control');
    this.schedule = ctx.storage(4 * MAX_SEGMENTS, 'loop.schedule');
    const recBytes = REC * 4;
    const reports = p.pcg.reports;
    this.k = {
      decide: kernel(ctx, 'loopDecide', [p.loopBuf, this.policy, p.stats, this.ring, this.schedule], {}, { 0: 256, 3: recBytes, 4: 16 }),
      decideNoPot: kernel(
        ctx,
        'loopDecide',
        [p.loopBuf, this.policy, p.stats, this.ring, this.schedule],
        { POTENTIAL: 0 },
        { 0: 256, 3: recBytes, 4: 16 },
      ),
      potEnd: kernel(ctx, 'potEnd', [p.loopBuf, p.stats, reports, this.ring], {}, { 0: 256, 3: recBytes }),
      loopEnd: kernel(
        ctx,
        'loopEnd',
        [p.loopBuf, this.policy, this.control, p.stats, p.fieldsOut, reports, this.ring, p.bcPhi, this.schedule],
        { NSPECIES: p.species, NSOLVES: p.pcg.slotNames.length, PHASE_SLOT: this.phaseSlot ?? 0 },
        { 0: 256, 6: recBytes, 8: 16 },
      ),
      xiSolve: kernel(ctx, 'copyField', [p.grid, p.xi, p.xiSolve, p.loopBuf], { GATE: 1 }),
      save: [],
    };
    this.good = p.fields.map((_, i) => ctx.storage(p.N, `loop.good${i}`));
    this.k.save = p.fields.map((f, i) => kernel(ctx, 'copyField', [p.grid, f, this.good[i], p.loopBuf], { GATE: 3 }));
  }

  /** A run needs the coarse factors of every solve (a stage-by-stage step makes them) and a multigrid tail. */
  async ready(): Promise<boolean> {
    return this.p.pcg.hasTail && this.p.pcg.slotNames.every((s) => this.p.pcg.hasFactor(s));
  }

  async saveGood(): Promise<void> {
    const rec = new Recorder(this.p.ctx, this.p.maxDispatches());
    for (const [i, f] of this.p.fields.entries()) rec.copy(f, 0, this.good[i], 0, 4 * this.p.N);
    rec.submit();
  }

  async restoreGood(): Promise<void> {
    const rec = new Recorder(this.p.ctx, this.p.maxDispatches());
    for (const [i, f] of this.p.fields.entries()) rec.copy(this.good[i], 0, f, 0, 4 * this.p.N);
    rec.submit();
    await this.p.afterRestore();
  }

  async raiseBudgets(r: LoopRecord): Promise<void> {
    const bump = (slot: string, rep: { iterations: number; converged: boolean } | null | undefined, code: number) => {
      if (!rep || code !== Outcome.Exhausted) return;
      const max = this.maxIter.get(slot) ?? 1000;
      this.raised.set(slot, Math.min(max, Math.max(2 * this.budget(slot), rep.iterations + 4)));
      this.raisedAt.set(slot, Math.max(r.step, this.raisedAt.get(slot) ?? 0));
    };
    const codes = r.codes;
    bump('u', r.transport, codes.u ?? 0);
    for (const [m, sp] of r.transport.species.entries()) bump(this.p.pcg.slotNames[2 + m], sp, codes[this.p.pcg.slotNames[2 + m]] ?? 0);
    bump('psi', r.potential, codes.psi ?? 0);
    if (this.phaseSlot !== undefined) bump('phase', r.phase, codes.phase ?? 0);
  }

  /**
   * Recorded iterations for a solve: the most of its last BUDGET_WINDOW solves plus a margin (a
   * raised budget while it lasts). The window is short so that a run's cold first solve (the
   * potential from its initial guess: several times a warm one) stops setting the budget after a
   * few solves; the margin is 100 % for a slot's first two solves (from a cold start), 50 % while
   * the history is shorter than the window, 25 % after. With no history: COLD_BUDGET.
   */
  private budget(slot: string): number {
    const h = this.history.get(slot) ?? this.p.pcg.historyOf(slot);
    const max = this.maxIter.get(slot) ?? 1000;
    if (!h.length) return Math.max(1, Math.min(max, COLD_BUDGET, this.tuning.budgetCap ?? Infinity), this.raised.get(slot) ?? 0);
    const recent = Math.max(...h.slice(-BUDGET_WINDOW));
    const margin =
      h.length < 2
        ? Math.max(4, recent)
        : h.length < BUDGET_WINDOW
          ? Math.max(4, Math.ceil(recent / 2))
          : Math.max(2, Math.ceil(recent / 4));
    const base = Math.min(max, recent + margin, this.tuning.budgetCap ?? Infinity);
    return Math.max(1, Math.max(base, this.raised.get(slot) ?? 0));
  }

  private noteIterations(slot: string, iterations: number): void {
    let h = this.history.get(slot);
    if (!h) this.history.set(slot, (h = []));
    h.push(Math.max(1, iterations));
    if (h.length > BUDGET_WINDOW) h.shift();
  }

  async rewind(_step: number): Promise<void> {
    // (nothing of the loop's own depends on the steps taken: budgets only follow iteration counts)
  }

  private writeLoop(v: LoopValues): void {
    Object.assign(this.p.loopValues, v);
    this.p.ctx.write(this.p.loopBuf, packLoop(this.p.loopValues));
  }

  /** The settings into the loop's uniforms (written when they change). */
  private configure(s: LoopSettings): void {
    const key = JSON.stringify(s);
    if (key === this.settingsKey) return;
    this.settingsKey = key;
    this.settings = s;
    this.maxIter.set('psi', s.potentialMaxIter);
    for (const slot of this.p.pcg.slotNames) if (slot !== 'psi') this.maxIter.set(slot, s.transportMaxIter);
    for (const [slot, max] of Object.entries(this.p.configureSolves(s))) this.maxIter.set(slot, max);
    this.p.ctx.write(this.policy, policyConstsData(s.policy));
    this.p.ctx.write(this.control, controlConstsData(s.control));
  }

  private settingsKey = '';

  /** The run's schedule table (common: loop_end.wgsl, loop_decide.wgsl); its length. */
  private uploadTable(table: { galvanostatic: boolean; value: number; end: number }[]): number {
    if (!table.length) throw new Error('WebGPU device loop: a controller needs the schedule segment in force');
    const rows = table.slice(0, MAX_SEGMENTS);
    const buf = new ArrayBuffer(16 * rows.length);
    const u = new Uint32Array(buf),
      f = new Float32Array(buf);
    rows.forEach((g, i) => {
      const [hi, lo] = Number.isFinite(g.end) ? splitDf64(g.end) : [3e38, 0];
      u[4 * i] = g.galvanostatic ? 1 : 0;
      f[4 * i + 1] = g.value;
      f[4 * i + 2] = hi;
      f[4 * i + 3] = lo;
    });
    this.p.ctx.write(this.schedule, buf);
    return rows.length;
  }

  async run(start: LoopStart): Promise<LoopRecord[]> {
    const { ctx } = this.p;
    ctx.check();
    ctx.stage = 'loop';
    this.p.loopTouched();
    this.configure(start.settings);
    this.phaseMax.clear();
    this.recordedSteps.clear();
    this.recordedBoundaries.clear();
    const tag = (this.tag = (this.tag + 1) >>> 0);
    const limit = start.stepLimit;
    const ring = this.ringRecords();
    this.writeLoop(this.startValues(start, tag, limit));
    // the first record: the boundary the run starts at (its decision, solve and save, when made on the device)
    const head = new Uint32Array(REC);
    head[R.TAG] = tag;
    head[R.STEP] = start.step;
    ctx.write(this.ring, head, 0);

    const out: LoopRecord[] = [];
    const inFlight: Batch[] = [];
    let recorded = 0; // steps recorded in this run (run-relative step of the next one to record)
    let parsed = 0; // run-relative index of the next record to hand out (record 0: the start boundary)
    let pending: { k: number; record: LoopRecord } | null = null;
    let stopped = false;
    let lastTime = start.time,
      lastDt = start.dt;
    const t0 = performance.now();
    const emit = (k: number, r: LoopRecord) => {
      out.push(r);
      this.account(r);
      this.accountIdle(k, r);
      parsed = k + 1;
      pending = null;
      lastTime = r.time;
      lastDt = r.dtNext > 0 ? r.dtNext : lastDt;
    };
    const take = async (b: Batch): Promise<void> => {
      const words = new Uint32Array(await ctx.guard(b.done));
      this.stagings.push(b.staging);
      for (let k = Math.max(b.first, parsed); k <= b.last; k++) {
        const w = words.subarray((k - b.first) * REC, (k - b.first + 1) * REC);
        const r = this.parse(w, tag, start, k);
        if (!r) break;
        const { record, flags } = r;
        // (a short circuit that stops the run stopped the device too)
        const contactStop = (flags & F.CONTACT) !== 0 && start.contact?.stops === true;
        if ((flags & F.NEEDPOT) !== 0) this.potentialStops++;
        if ((flags & (F.LANDED | F.PAUSED | F.LIMIT | F.NEEDPOT)) !== 0 || record.halt !== 0 || contactStop) {
          emit(k, record);
          stopped = true;
          return;
        }
        // a record is final once the next step's boundary block has run, i.e. unless it is the batch's last
        if (k < b.last) emit(k, record);
        else pending = { k, record };
      }
    };
    for (;;) {
      if (!stopped) {
        // how many steps to record next: a batch, fewer near the target or the step limit
        const room = limit - (start.step + recorded);
        const ahead = recorded - (parsed - 1);
        const toTarget = Number.isFinite(start.target) ? Math.ceil((start.target - lastTime) / Math.max(lastDt, 1e-30)) + 1 : Infinity;
        const wallLeft = start.wallMs === undefined || performance.now() - t0 < start.wallMs;
        const n = Math.min(this.batchSteps(), room, Math.max(1, toTarget - ahead), ring / 4);
        if (n > 0 && wallLeft && inFlight.length < this.tuning.inFlight) {
          inFlight.push(this.recordBatch(recorded, n, this.potentialEverywhere(), ring));
          recorded += n;
          continue;
        }
      }
      const b = inFlight.shift();
      if (!b) break;
      await take(b);
      if (!stopped) continue;
      // the loop stopped on the device: what is still in flight ran idle
      while (inFlight.length) await take(inFlight.shift()!);
      break;
    }
    const last = pending as { k: number; record: LoopRecord } | null;
    if (last && last.k === parsed) emit(last.k, last.record);
    // (what was recorded past the device's stop ran with its gates closed)
    for (const k of this.recordedSteps.keys()) this.accountIdle(k, null);
    for (const k of this.recordedBoundaries.keys()) this.accountIdle(k, null);
    return out;
  }

  /** The records of the ring a run uses (LoopTuning.ringRecords: a multiple of 4, 8 … RING_RECORDS). */
  private ringRecords(): number {
    const r = this.tuning.ringRecords;
    if (!Number.isInteger(r) || r < 8 || r > RING_RECORDS || r % 4 !== 0)
      throw new Error(`loop tuning ringRecords must be a multiple of 4 from 8 to ${RING_RECORDS}, got ${r}`);
    return r;
  }

  /** Whether the coming batches record the potential solve at every boundary (LoopTuning.potential). */
  private potentialEverywhere(): boolean {
    const t = this.tuning.potential;
    if (t !== 'auto') return t === 'every';
    const d = this.decisions;
    if (d.length < POT_WINDOW / 4) return true;
    return d.filter(Boolean).length * POT_RARE > d.length;
  }

  /** Steps per batch: LoopTuning.batchSteps, or a quarter of the mean interval between solves while they are rare ('auto'). */
  private batchSteps(): number {
    const b = this.tuning.batchSteps;
    if (this.tuning.potential !== 'auto' || this.potentialEverywhere()) return b;
    const solves = this.decisions.filter(Boolean).length;
    return solves === 0 ? b : Math.max(4, Math.min(b, Math.ceil(this.decisions.length / solves / 4)));
  }

  /**
   * Records n steps (run-relative steps from+1 … from+n) and the ring copy of their records; the
   * potential solve at every boundary, or (potentialEverywhere false) only at the run's first;
   * `ring`: the records of the ring the run uses (the device's ringCap).
   */
  private recordBatch(from: number, n: number, potentialEverywhere: boolean, ring: number): Batch {
    const { ctx, pcg } = this.p;
    const rec = new Recorder(ctx, this.p.maxDispatches());
    const iters = new Map<string, number>();
    for (const s of pcg.slotNames) iters.set(s, this.budget(s));
    const budget = (s: string) => iters.get(s) ?? this.budget(s);
    for (let i = 0; i < n; i++) {
      ctx.stage = 'loop';
      const withPotential = potentialEverywhere || from + i === 0;
      this.recordedBoundaries.set(from + i, withPotential ? budget('psi') : null);
      this.recordedSteps.set(from + i + 1, iters);
      rec.runGroups(withPotential ? this.k.decide : this.k.decideNoPot, 1);
      if (withPotential) {
        ctx.stage = 'potential';
        this.p.recordPotential(rec, budget('psi'));
        rec.run(this.k.xiSolve, this.p.N);
        rec.runGroups(this.k.potEnd, 1);
      }
      ctx.stage = 'save';
      for (const k of this.k.save) rec.run(k, this.p.N);
      this.p.recordStep(rec, budget);
      ctx.stage = 'loop';
      rec.runGroups(this.k.loopEnd, 1);
    }
    // the records this batch completes: the last one of the previous batch (its boundary ran now) … its own
    const first = from,
      last = from + n;
    const count = last - first + 1;
    const bytes = count * REC * 4;
    const staging = this.stagingBuffer(bytes);
    const p0 = first % ring;
    const fit = Math.min(count, ring - p0);
    ctx.stage = 'loop';
    rec.copy(this.ring, p0 * REC * 4, staging, 0, fit * REC * 4);
    if (fit < count) rec.copy(this.ring, 0, staging, fit * REC * 4, (count - fit) * REC * 4);
    rec.submit();
    const done = ctx.readBuffer(staging, bytes);
    // (a batch still in flight when an earlier one fails, e.g. on a lost device, is never awaited)
    done.catch(() => undefined);
    return { first, last, staging, done };
  }

  private stagingBuffer(bytes: number): GPUBuffer {
    const i = this.stagings.findIndex((b) => b.size >= bytes);
    if (i >= 0) return this.stagings.splice(i, 1)[0];
    const max = (RING_RECORDS / 4 + 1) * REC * 4;
    return this.p.ctx.readback(Math.max(bytes, max), 'loop.staging');
  }

  private startValues(s: LoopStart, tag: number, limit: number): LoopValues {
    const v = { ...this.p.loopValues };
    const [th, tl] = splitDf64(s.time);
    const target = Number.isFinite(s.target) ? splitDf64(s.target) : [3e38, 0];
    const pause = s.pauseAt !== null ? splitDf64(s.pauseAt) : [0, 0];
    v.gStep = 1;
    v.gPotential = 0;
    v.gCheck = 0;
    v.gSave = s.savePending ? 1 : 0;
    v.running = 1;
    v.step = s.step;
    v.stepsSinceSolve = Math.min(s.stepsSinceSolve, 0x7fffffff);
    v.sinceSave = s.savePending ? 0 : s.sinceSave;
    v.forced = s.forced ? 1 : 0;
    v.solvedBefore = s.solvedBefore ? 1 : 0;
    v.decided = s.decided ? 1 : 0;
    v.halt = 0;
    v.landing = 0;
    v.runTag = tag;
    v.timeHi = th;
    v.timeLo = tl;
    v.dtNext = s.dt;
    v.targetHi = target[0];
    v.targetLo = target[1];
    v.stepLimit = limit;
    v.pauseHi = pause[0];
    v.pauseLo = pause[1];
    v.pauseArmed = s.pauseAt !== null ? 1 : 0;
    v.ringPos = 0;
    v.ringCap = this.ringRecords();
    v.checkEvery = s.checkEvery;
    v.segmentDt = s.settings.segmentDt;
    v.segCount = 0;
    v.segLocal = 0;
    v.contactAt = s.contact ? f32Up(s.contact.at) : 0;
    v.contactMode = s.contact ? (s.contact.stops ? 2 : 1) : 0;
    const c = s.control;
    if (c) {
      const nan = (x: number) => !Number.isFinite(x);
      v.voltage = c.voltage;
      v.segment = c.segment;
      v.current = nan(c.current) ? 0 : c.current;
      v.currentVoltage = nan(c.currentVoltage) ? 0 : c.currentVoltage;
      v.prevCurrent = nan(c.prevCurrent) ? 0 : c.prevCurrent;
      v.prevVoltage = nan(c.prevVoltage) ? 0 : c.prevVoltage;
      v.accDeposit = c.accDeposit;
      v.accTime = c.accTime;
      v.hasCurrent = nan(c.current) ? 0 : 1;
      v.hasPrev = nan(c.prevCurrent) || nan(c.prevVoltage) ? 0 : 1;
      v.segCount = this.uploadTable(c.table);
    }
    return v;
  }

  /**
   * Record k's recorded iterations beyond those its solves took (bookkeeping for benchmarks);
   * r null: a step and boundary recorded past the device's stop, whose solves did not run.
   */
  private accountIdle(k: number, r: LoopRecord | null): void {
    const add = (slot: string, n: number) => this.idle.iterations.set(slot, (this.idle.iterations.get(slot) ?? 0) + Math.max(0, n));
    const steps = this.recordedSteps.get(k);
    const took = r?.tookStep === true;
    if (steps) {
      const names = this.p.pcg.slotNames;
      add('u', (steps.get('u') ?? 0) - (took ? r.transport.iterations : 0));
      for (let m = 0; m < this.p.species; m++)
        add(names[2 + m], (steps.get(names[2 + m]) ?? 0) - (took ? r.transport.species[m].iterations : 0));
      if (this.phaseSlot !== undefined)
        add('phase', (steps.get('phase') ?? 0) * this.p.phaseSweeps - (took ? (r.phase?.iterations ?? 0) : 0));
    }
    const psi = this.recordedBoundaries.get(k);
    if (psi != null) {
      add('psi', psi - (r?.potential?.iterations ?? 0));
      if (!r?.potential) this.idle.potentialStages++;
    }
    this.recordedSteps.delete(k);
    this.recordedBoundaries.delete(k);
  }

  /** Budgets follow the iterations the records report. */
  private account(r: LoopRecord): void {
    if (!r.tookStep && !r.potential) return;
    // (a solve that ran out of its budget reports the budget, not what it needs: its replay reports that)
    const note = (slot: string, iterations: number) => {
      if (r.codes[slot] !== Outcome.Exhausted) this.noteIterations(slot, iterations);
    };
    if (r.tookStep) {
      note('u', r.transport.iterations);
      for (const [m, sp] of r.transport.species.entries()) note(this.p.pcg.slotNames[2 + m], sp.iterations);
      // (the IMEX sweeps: the budget is per sweep, from the most iterations one of them took)
      if (this.phaseSlot !== undefined) {
        note('phase', this.phaseMax.get(r.step) ?? r.phase?.iterations ?? 1);
        this.phaseMax.delete(r.step);
      }
    }
    if (r.potential) note('psi', r.potential.iterations);
    if (r.decided) {
      this.decisions.push(r.solved);
      if (this.decisions.length > POT_WINDOW) this.decisions.shift();
    }
    // a raised budget lasts until the solves are back within the ordinary one, and at least until
    // the replay has passed the record whose solve ran out: the warm solves before it would drop
    // it, and that solve would run out again at the same budget, replay after replay
    for (const [s, b] of this.raised) {
      if (r.step <= (this.raisedAt.get(s) ?? -1)) continue;
      if ((this.history.get(s) ?? []).every((i) => i + 2 < b / 2)) {
        this.raised.delete(s);
        this.raisedAt.delete(s);
      }
    }
  }

  private parse(w: Uint32Array, tag: number, start: LoopStart, k: number): { record: LoopRecord; flags: number } | null {
    if (w[R.TAG] !== tag) return null;
    const flags = w[R.FLAGS];
    const tookStep = (flags & F.STEP) !== 0;
    if (k === 0 ? tookStep || w[R.STEP] !== start.step : !tookStep || w[R.STEP] !== start.step + k) return null;
    const solve = (slot: number) => ({
      iterations: w[R.SOLVES + 3 * slot],
      residual: asF(w[R.SOLVES + 3 * slot + 1]),
      converged: w[R.SOLVES + 3 * slot + 2] === Outcome.Converged,
      code: w[R.SOLVES + 3 * slot + 2],
    });
    const tr = solve(1);
    const species: SpeciesReport[] = [];
    for (let m = 0; m < this.p.species; m++) {
      const s = solve(2 + m);
      species.push({ iterations: s.iterations, residual: s.residual, converged: s.converged, influx: asF(w[R.SPX + m]) });
    }
    const transport: TransportReport = {
      iterations: tr.iterations,
      residual: tr.residual,
      converged: tr.converged,
      limited: asF(w[R.LIM]),
      influx: asF(w[R.INFLUX]),
      deposited: asF(w[R.DEP]) * this.p.vol,
      species,
    };
    const solved = (flags & F.SOLVED) !== 0;
    const pot = solve(0);
    const f1 = asF(w[R.F1]),
      f0 = asF(w[R.F0]),
      src = asF(w[R.SRC]);
    const hasCtl = this.p.loopValues.segCount > 0;
    const bits = w[R.CTL + 8];
    const codes: Record<string, number> = {};
    this.p.pcg.slotNames.forEach((name, i) => {
      codes[name] = w[R.SOLVES + 3 * i + 2];
    });
    let phase: LoopRecord['phase'] = null;
    if (this.phaseSlot !== undefined && tookStep) {
      const ph = solve(this.phaseSlot);
      phase = { iterations: ph.iterations, residual: ph.residual, converged: ph.converged };
      this.phaseMax.set(w[R.STEP], w[R.PHASEMAX]);
    }
    const record: LoopRecord = {
      step: w[R.STEP],
      tookStep,
      landed: (flags & F.LANDED) !== 0,
      decided: (flags & F.DECIDED) !== 0,
      solved,
      saved: (flags & F.SAVED) !== 0,
      paused: (flags & F.PAUSED) !== 0,
      checked: (flags & F.CHECKED) !== 0,
      changed: (flags & F.CHANGED) !== 0,
      newSegment: (flags & F.NEWSEG) !== 0,
      halt: w[R.HALT],
      dt: asF(w[R.DT]),
      time: tookStep ? asF(w[R.TIME]) + asF(w[R.TIME + 1]) : start.time,
      dtNext: asF(w[R.DTNEXT]),
      maxRate: asF(w[R.RATE]),
      stiffness: asF(w[R.STIFF]),
      transport,
      phase,
      potential: solved
        ? {
            iterations: pot.iterations,
            residual: pot.residual,
            converged: pot.converged,
            fluxX1: f1,
            fluxX0: this.p.collectorFlux(f1, f0, src),
            source: src,
          }
        : null,
      contact: (flags & F.CONTACT) !== 0,
      tip: (flags & F.CONTACT) !== 0 ? asF(w[R.TIP]) : NaN,
      check:
        w[R.CHECK] !== 0 || (flags & F.CHECKED) !== 0 || w[R.HALT] === HALT.CHECK
          ? { nonFinite: w[R.CHECK], xiMin: asF(w[R.CHECK + 1]), xiMax: asF(w[R.CHECK + 2]), cMin: asF(w[R.CHECK + 3]) }
          : null,
      control:
        hasCtl && tookStep
          ? {
              voltage: asF(w[R.CTL]),
              segment: w[R.CTL + 1],
              current: bits & 1 ? asF(w[R.CTL + 2]) : NaN,
              currentVoltage: bits & 1 ? asF(w[R.CTL + 3]) : NaN,
              prevCurrent: bits & 2 ? asF(w[R.CTL + 4]) : NaN,
              prevVoltage: bits & 2 ? asF(w[R.CTL + 5]) : NaN,
              accDeposit: asF(w[R.CTL + 6]),
              accTime: asF(w[R.CTL + 7]),
            }
          : null,
      codes,
    };
    if (record.control && record.changed) this.p.noteVoltage(record.control.voltage);
    return { record, flags };
  }
}

/**
 * The least f32 ≥ x (x > 0 finite): an f32 tip t then has t ≥ f32Up(x) exactly when t ≥ x, so the
 * device's contact test is the host's (Simulation.check) on the same f32 tip.
 */
export function f32Up(x: number): number {
  const f = Math.fround(x);
  if (f >= x || !Number.isFinite(f)) return f;
  const b = new Float32Array([f]);
  const u = new Uint32Array(b.buffer);
  u[0] += f >= 0 ? 1 : -1;
  return b[0];
}

/** The loop uniform's bytes (uniforms.ts). */
function packLoop(v: LoopValues): ArrayBuffer {
  return packUniform('Loop', v);
}
