/**
 * Drive control (README: physics switches (drive control), model.md §6): potentiostatic, galvanostatic and plate/strip
 * schedules, all through Backend.setVoltage() between steps. The Simulation owns one
 * DriveControl and a ControlState (part of its SimState, so checkpoints and rollbacks carry it).
 *
 * Measured current. After every step the Faradaic current density of that step,
 *   J = nFc_s·(Σ Δξ dV)/(dt·A)   (A/m²; A = the collector area, Ly in 2D per metre of depth,
 *                                  Ly·Lz in 3D; Δξ after the limiter; > 0 plating, < 0 stripping)
 * from the transport report (TransportReport.deposited). It is the current that actually moves
 * lithium between the solution and the metal; the current through the electrodes of this
 * model also carries the ohmic leak V/(R_metal + R_electrolyte) (model.md §5 V5), which does
 * no electrochemistry.
 *
 * Galvanostatic controller (per step k, V_k the voltage the step ran at, J_k its current): a
 * Newton step on the model slope with a drift (secant) correction.
 *   e_k = J_set − J_k;  nothing happens while |e_k| ≤ tolerance·max(|J_set|, 0.01·i0)
 *   (no voltage change: no extra potential solve);
 *   s_k = −f·(max(α, 1−α)·|J_k| + i0) < 0, the Butler–Volmer charge-transfer slope dJ/dV
 *   (i0 = nFc_s·3w·L_η(T), the exchange current of the phase-field reaction, model.md §2). The
 *   true slope is flatter (ohmic and concentration losses): s_true = γ·s_k with 0 < γ ≤ 1;
 *   d_k = (J_k − J_{k−1}) − s_k·(V_k − V_{k−1}): the part of the last change of the current that
 *   the voltage change does not explain — the drift of the cell (the interface concentration
 *   falls under a constant current) plus the slope error (0 for the first step of a segment);
 *   ΔV = (e_k − d_k)/s_k;  |ΔV| ≤ maxStep, V_{k+1} = clamp(V_k + ΔV, vmin, vmax).
 * For J_k = s_true·V_k + D_k (g = 1) the error obeys (e, s·ΔV)_{k+1} = A (e, s·ΔV)_k with
 * A = [[1−γ, −γ(1−γ)], [1, 1−γ]], eigenvalues (1−γ) ± i√(γ(1−γ)) of modulus √(1−γ) < 1: stable
 * for every 0 < γ ≤ 1 (the model slope must not be flatter than the true one, which is why it is
 * the steepest, charge-transfer one), exact (γ = 1) in one step, and a steady drift D_k = D_0 − r·k
 * is followed with zero error (a plain Newton step lags it by r/γ). J(V) is monotone (more
 * negative V plates faster); when the current cannot be held (beyond the limiting current,
 * Sand's time) the voltage runs to vmin/vmax at maxStep per step and stays there: the run goes
 * on potentiostatically at the bound, as a real cycler does at its voltage cut-off. A voltage
 * change forces a potential solve before the next step (the old ψ belongs to the old voltage).
 *
 *
 * Sample and hold (control.response > 0): with Langevin noise the deposit of one step carries
 * the noise (zero mean, but per step comparable to the signal on small grids) and d_k, a
 * difference of two measurements, doubles it. With response = T the voltage is held while the
 * deposit accumulates for at least T of simulated time; J_k is then the mean current of that
 * block (noise down by √(steps in the block)) and the update above runs once per block.
 *
 * Step length (control.dtMax, default 5 ms, while a galvanostatic segment is in force). The
 * analysis above takes the cell as static within a step plus a drift; the phase-field cell has
 * memory (the interface profile relaxes in 1/(2L_σW) ≈ 33 ms, the base model's Li⁺ pile-up around a
 * nucleus in ~0.1–0.2 s), which the drift term absorbs only while a step is short against it. The
 * explicit phase stage's steps (≤ 6 ms at dx = 0.25 µm) always were; the IMEX stage's are not
 * (up to numerics.dtMax = 50 ms): on a nucleus held at 10 mA/cm² (test/validation/
 * drive-control.test.ts) the current then oscillates by ±35 % with a period of ~0.4 s, and its
 * 0.1 s means stay within 1 % only at dt ≤ 6 ms (0.65 % at 5 ms, 1.2 % at 6.7 ms). Potentiostatic
 * segments are not capped.
 *
 * Schedules: segments in order (repeated from the first when `repeat`, else the last one holds);
 * steps are shortened to land on segment ends; a new segment clears the secant memory and caps
 * the next step at numerics.dtInitial (the drive may jump). A potentiostatic segment sets its
 * voltage; a galvanostatic one starts from the voltage in force.
 */
import type { Coefficients } from '../model/derived.ts';
import { atTemperature, FARADAY, interfaceWidth } from '../model/params.ts';
import type { ControlSpec, Scenario, ScheduleSegment } from '../model/scenario.ts';

/** The controller's state: everything needed to continue exactly (checkpoints, rollbacks). */
export interface ControlState {
  /** The collector voltage in force (the next step runs at it), V. */
  voltage: number;
  /** Global index of the schedule segment in force (cycle·segments + index; 0 without a schedule). */
  segment: number;
  /** The current density of the last step (A/m²) and the voltage it ran at; NaN before the first step. */
  current: number;
  currentVoltage: number;
  /** The measurement before that, in the same segment (secant); NaN when there is none. */
  prevCurrent: number;
  prevVoltage: number;
  /** Deposit (µm^d of ξ) and time (s) accumulated in the current sample-and-hold block. */
  accDeposit: number;
  accTime: number;
}

/** A drive segment in force: what it holds and until when. */
export interface ActiveSegment {
  index: number;
  mode: 'potentiostatic' | 'galvanostatic';
  /** Held voltage (V) or current density (A/m²). */
  value: number;
  /** Simulated time the segment ends, s (Infinity: never). */
  end: number;
}

export class DriveControl {
  readonly spec: ControlSpec;
  private segs: ScheduleSegment[];
  private ends: number[];
  private period: number;
  /** Exchange current density i0 = nFc_s·3w·L_η(T), A/m². */
  readonly i0: number;
  private f: number;
  private alphaMax: number;
  /** nFc_s·1e-6/A_µm: current density per (µm^d of Δξ per second). */
  private perDeposit: number;
  private dtInitial: number;

  constructor(s: Scenario, k: Coefficients) {
    if (!s.control) throw new Error('DriveControl: the scenario has no control section');
    this.spec = s.control;
    const c = s.control;
    const x0 = s.boundary.phi.x0;
    const v0 = x0.type === 'dirichlet' ? x0.value : s.voltage;
    this.segs =
      c.schedule ??
      (c.mode === 'galvanostatic'
        ? [{ mode: 'galvanostatic', current: c.current ?? 0, duration: Infinity }]
        : [{ mode: 'potentiostatic', voltage: v0, duration: Infinity }]);
    let t = 0;
    this.ends = this.segs.map((g) => (t += g.duration));
    this.period = t;
    const p = atTemperature(s.parameters);
    this.i0 = p.n * FARADAY * p.cs * 3 * interfaceWidth(p) * p.Leta;
    this.f = k.f;
    this.alphaMax = Math.max(k.alpha, 1 - k.alpha);
    const [, ny, nz] = k.n;
    const area = k.dims === 3 ? ny * nz * k.dx * k.dx : ny * k.dx;
    this.perDeposit = (p.n * FARADAY * p.cs * 1e-6) / area;
    this.dtInitial = s.numerics.dtInitial;
  }

  /** The state at t = 0 (voltage: the first potentiostatic segment's, else the collector's). */
  initial(startVoltage: number): ControlState {
    const g = this.segmentAt(0);
    return {
      voltage: g.mode === 'potentiostatic' ? g.value : startVoltage,
      segment: g.index,
      current: NaN,
      currentVoltage: NaN,
      prevCurrent: NaN,
      prevVoltage: NaN,
      accDeposit: 0,
      accTime: 0,
    };
  }

  private eps(t: number): number {
    return 1e-12 * Math.max(1, Math.abs(t));
  }

  /** The segment in force at time t (a time within 1e-12 relative of a segment end belongs to the next one). */
  segmentAt(t: number): ActiveSegment {
    const n = this.segs.length;
    const eps = this.eps(t);
    let cycle = 0,
      local = t;
    if (this.spec.repeat && Number.isFinite(this.period)) {
      cycle = Math.max(0, Math.floor((t + eps) / this.period));
      local = t - cycle * this.period;
    }
    let i = 0;
    while (i < n - 1 && this.ends[i] <= local + eps) i++;
    let end: number;
    if (!Number.isFinite(this.period))
      end = this.ends[i]; // no schedule: one endless segment
    else if (this.spec.repeat) end = cycle * this.period + this.ends[i];
    else end = i === n - 1 ? Infinity : this.ends[i]; // the last segment holds
    const g = this.segs[i];
    return { index: cycle * n + i, mode: g.mode, value: g.mode === 'potentiostatic' ? g.voltage : g.current, end };
  }

  /**
   * The segment of global index `index` (cycle·segments + position, as segmentAt numbers them) and
   * its end, computed as segmentAt computes it (the device loop's schedule table).
   */
  segmentByIndex(index: number): ActiveSegment {
    const n = this.segs.length;
    const cycle = this.spec.repeat && Number.isFinite(this.period) ? Math.floor(index / n) : 0;
    const i = this.spec.repeat && Number.isFinite(this.period) ? index % n : Math.min(index, n - 1);
    let end: number;
    if (!Number.isFinite(this.period)) end = this.ends[i];
    else if (this.spec.repeat) end = cycle * this.period + this.ends[i];
    else end = i === n - 1 ? Infinity : this.ends[i];
    const g = this.segs[i];
    return { index: cycle * n + i, mode: g.mode, value: g.mode === 'potentiostatic' ? g.voltage : g.current, end };
  }

  /** The longest step starting at t: control.dtMax in a galvanostatic segment (header, "Step length"), else Infinity. */
  dtCap(t: number): number {
    return this.segmentAt(t).mode === 'galvanostatic' ? this.spec.dtMax : Infinity;
  }

  /** Time from t to the next segment end (Infinity when the drive never changes). */
  timeToSwitch(t: number): number {
    const end = this.segmentAt(t).end;
    return Number.isFinite(end) ? Math.max(end - t, 0) : Infinity;
  }

  /** Current density (A/m²) of a step that deposited `deposited` (µm^d of ξ) in dt seconds. */
  currentDensity(deposited: number, dt: number): number {
    return (this.perDeposit * deposited) / dt;
  }

  /**
   * After a step (ending at `time`) that ran at st.voltage and deposited `deposited` in dt: the
   * next state. `changed`: the voltage changed (set it and solve the potential again);
   * `newSegment`: a schedule segment began (cap the next step).
   */
  update(st: ControlState, time: number, deposited: number, dt: number): { state: ControlState; changed: boolean; newSegment: boolean } {
    const ran = st.voltage;
    const g = this.segmentAt(time);
    const newSegment = g.index !== st.segment;
    // the step belongs to the block of the segment it ran in
    const accDeposit = st.accDeposit + deposited,
      accTime = st.accTime + dt;
    const blockDone = newSegment || accTime >= this.spec.response;
    const next: ControlState = { ...st, segment: g.index, accDeposit, accTime };
    if (blockDone) {
      const J = this.currentDensity(accDeposit, accTime);
      // the drift term only spans measurements of one segment
      next.prevCurrent = newSegment ? NaN : st.current;
      next.prevVoltage = newSegment ? NaN : st.currentVoltage;
      next.current = J;
      next.currentVoltage = ran;
      next.accDeposit = 0;
      next.accTime = 0;
      if (g.mode === 'galvanostatic' && !newSegment && Number.isFinite(J)) {
        next.voltage = this.galvanostatic(g.value, J, ran, next.prevCurrent, next.prevVoltage);
      }
    }
    if (g.mode === 'potentiostatic') next.voltage = g.value;
    return { state: next, changed: next.voltage !== ran, newSegment };
  }

  /** The drift-corrected Newton step of the galvanostatic controller (header comment). */
  private galvanostatic(jSet: number, J: number, V: number, jPrev: number, vPrev: number): number {
    const c = this.spec;
    const e = jSet - J;
    if (Math.abs(e) <= c.tolerance * Math.max(Math.abs(jSet), 0.01 * this.i0)) return V;
    const slope = -this.f * (this.alphaMax * Math.abs(J) + this.i0);
    const drift = Number.isFinite(jPrev) && Number.isFinite(vPrev) ? J - jPrev - slope * (V - vPrev) : 0;
    let dV = (e - drift) / slope;
    if (dV > c.maxStep) dV = c.maxStep;
    else if (dV < -c.maxStep) dV = -c.maxStep;
    return Math.min(c.vmax, Math.max(c.vmin, V + dV));
  }

  /**
   * The controller's constants and schedule, for the device twin of update() (the WebGPU device
   * loop, shaders/common/policy.wgsl): the spec's response, tolerance, maxStep, vmin, vmax; i0;
   * f = F/RT; max(α, 1 − α); the current density per µm^d of Δξ per second; the segments in
   * order (value: volts or A/m²) and whether they repeat.
   */
  constants(): {
    response: number;
    tolerance: number;
    maxStep: number;
    vmin: number;
    vmax: number;
    i0: number;
    f: number;
    alphaMax: number;
    perDeposit: number;
    segments: { galvanostatic: boolean; value: number; duration: number }[];
    repeat: boolean;
  } {
    const c = this.spec;
    return {
      response: c.response,
      tolerance: c.tolerance,
      maxStep: c.maxStep,
      vmin: c.vmin,
      vmax: c.vmax,
      i0: this.i0,
      f: this.f,
      alphaMax: this.alphaMax,
      perDeposit: this.perDeposit,
      segments: this.segs.map((g) => ({
        galvanostatic: g.mode === 'galvanostatic',
        value: g.mode === 'potentiostatic' ? g.voltage : g.current,
        duration: g.duration,
      })),
      repeat: !!c.repeat && Number.isFinite(this.period),
    };
  }

  /** The step cap that follows a new segment (the drive may have jumped). */
  get segmentDt(): number {
    return this.dtInitial;
  }
}
