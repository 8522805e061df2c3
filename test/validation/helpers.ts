/**
 * Shared helpers for the validation tests (model.md §5). They drive the CPU solver's stage
 * functions directly (phaseRows, the face-weight operators, pcg) so a test can switch terms off
 * or hold fields fixed, while taking every number from the project's own pipeline
 * (parseScenario → coefficients / makeLayout / makeBCs) wherever the default physics is meant.
 */
import type { MathNode } from 'mathjs';
import { coefficients, type Coefficients } from '../../src/model/derived.ts';
import { parseScenario, type ScenarioInput } from '../../src/model/scenario.ts';
import {
  BC_DIRICHLET,
  BC_NOFLUX,
  BC_PERIODIC,
  makeBCs,
  makeLayout,
  type BCSet,
  type FieldBC,
  type Layout,
} from '../../src/backends/layout.ts';
import { fillPadded, makePadded, type Padded } from '../../src/backends/cpu/padded.ts';
import { phaseRows } from '../../src/backends/cpu/phase.ts';
import { ImexPhase } from '../../src/backends/cpu/phase-imex.ts';
import { SerialExec, type Exec } from '../../src/backends/cpu/exec.ts';
import { sharedF64 } from '../../src/backends/cpu/shared.ts';
import { anisoStiffness } from '../../src/model/derived.ts';

export { BC_DIRICHLET, BC_NOFLUX, BC_PERIODIC };

/** A scenario in the default parameter set on the given grid; returns layout, BCs and coefficients. */
export function setup(input: Partial<ScenarioInput> & { grid: ScenarioInput['grid'] }): { L: Layout; bc: BCSet; k: Coefficients } {
  const s = parseScenario({ name: 'validation', time: { end: 1, output: 1 }, voltage: 0, ...input });
  return { L: makeLayout(s), bc: makeBCs(s), k: coefficients(s) };
}

/** A layout built by hand (any grid the schema would also accept, or a tiny one). */
export function layout(dims: 2 | 3, n: [number, number, number], dx: number, periodic: [boolean, boolean, boolean]): Layout {
  const [nx, ny, nz] = n;
  return { dims, nx, ny, nz: dims === 3 ? nz : 1, N: nx * ny * (dims === 3 ? nz : 1), rows: ny * (dims === 3 ? nz : 1), dx, periodic };
}

/** Boundary conditions for one field: types and values for faces x0,x1,y0,y1,z0,z1. */
export function fieldBC(types: number[], values: number[] = [0, 0, 0, 0, 0, 0]): FieldBC {
  return { type: Int32Array.from(types), value: Float64Array.from(values) };
}

/** What the validation tests need of a phase stepper (ψ and c̃ held at given arrays). */
export interface Stepper {
  readonly xi: Float64Array;
  /** Advances `xi` in place by one step of length dt. */
  step(dt: number, stepNo?: number): void;
  /** Largest rate of the last step, 1/s (explicit: |∂ξ/∂t|; IMEX: |δ|/dt). */
  maxRate(): number;
  /** The reaction stiffness bound of the last step, 1/s (src/solver/simulation.ts). */
  stiffness(): number;
}

function rowMax(a: Float64Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, v);
  return m;
}

/**
 * Explicit phase stepping with ψ and c̃ held at the given arrays (the potential and transport
 * stages are not run). step(dt) advances `xi` in place by one explicit Euler step of eq. (1).
 */
export class PhaseStepper implements Stepper {
  readonly P: Padded;
  readonly out: Float64Array;
  private rowMaxRate: Float64Array;
  private rowStiff: Float64Array;
  constructor(
    readonly L: Layout,
    readonly k: Coefficients,
    readonly bc: FieldBC,
    readonly xi: Float64Array,
    readonly c: Float64Array,
    readonly psi: Float64Array,
  ) {
    this.P = makePadded(L);
    this.out = new Float64Array(L.N);
    this.rowMaxRate = new Float64Array(L.rows);
    this.rowStiff = new Float64Array(L.rows);
  }
  step(dt: number, stepNo = 0): void {
    fillPadded(this.P, this.xi, this.L, this.bc);
    phaseRows(
      {
        L: this.L,
        k: this.k,
        P: this.P,
        c: this.c,
        psi: this.psi,
        out: this.out,
        dt,
        key: stepNo,
        rowMaxRate: this.rowMaxRate,
        rowStiff: this.rowStiff,
      },
      0,
      this.L.rows,
    );
    this.xi.set(this.out);
  }
  /** Largest |deterministic rate| of the last step, 1/s. */
  maxRate(): number {
    return rowMax(this.rowMaxRate);
  }
  stiffness(): number {
    return rowMax(this.rowStiff);
  }
}

/**
 * The IMEX phase stage (src/backends/cpu/phase-imex.ts) with ψ and c̃ held at the given arrays,
 * the counterpart of PhaseStepper: step(dt) advances `xi` in place by one IMEX step. `k.imex`
 * is used when present, else the scenario defaults (K = the anisotropic stiffness, 2 sweeps,
 * tolerance 1e-8).
 */
export class ImexStepper implements Stepper {
  private stage: ImexPhase;
  private f: { xi: Float64Array; c: Float64Array; psi: Float64Array; out: Float64Array };
  private rowMaxRate: Float64Array;
  private rowStiff: Float64Array;
  /** MG-PCG iterations of all steps so far. */
  iterations = 0;
  constructor(
    readonly L: Layout,
    k: Coefficients,
    bc: FieldBC,
    readonly xi: Float64Array,
    c: Float64Array,
    psi: Float64Array,
  ) {
    const kk: Coefficients = {
      ...k,
      imex: k.imex ?? { K: anisoStiffness(k.dims, k.delta, k.omega), sweeps: 2, tol: 1e-6, maxIter: 200, precond: 'multigrid' },
    };
    const sh = (a: Float64Array) => {
      const b = sharedF64(a.length);
      b.set(a);
      return b;
    };
    this.f = { xi: sh(xi), c: sh(c), psi: sh(psi), out: sharedF64(L.N) };
    this.rowMaxRate = sharedF64(L.rows);
    this.rowStiff = sharedF64(L.rows);
    const exec: Exec = new SerialExec();
    const P = makePadded(L);
    const tPad = exec.task('fillPadded', { L, items: [{ P, u: this.f.xi, bc }] }, P.py * P.pz, L.N);
    const args = {
      L,
      k: kk,
      P,
      c: this.f.c,
      psi: this.f.psi,
      out: this.f.out,
      rowMaxRate: sharedF64(L.rows),
      rowStiff: this.rowStiff,
    };
    this.stage = new ImexPhase(
      exec,
      L,
      kk,
      bc,
      { xi: this.f.xi, P, out: this.f.out, rowMaxRate: this.rowMaxRate, props: null },
      args,
      tPad,
    );
  }
  step(dt: number, stepNo = 0): void {
    this.f.xi.set(this.xi);
    const r = this.stage.step(dt, stepNo);
    if (!r.converged) throw new Error(`ImexStepper: the phase solve did not converge (residual ${r.residual})`);
    this.iterations += r.iterations;
    this.xi.set(this.f.out);
  }
  /** Largest |δ|/dt of the last step, 1/s. */
  maxRate(): number {
    return rowMax(this.rowMaxRate);
  }
  stiffness(): number {
    return rowMax(this.rowStiff);
  }
}

/**
 * The adaptive time step of src/solver/simulation.ts for the phase stage alone, with the
 * scenario defaults (numerics: dtInitial, dtMax, maxDxiPerStep, safety): the first step is
 * dtInitial, then dt = min(dtMax, safety·dt_phase, safety/stiffness, maxDxiPerStep/max rate,
 * 1.5·dt_prev), dt_phase = the explicit dx² bound (∞ with IMEX). next() gives the step to take.
 */
export class DtPolicy {
  private dt: number;
  private n = parseScenario({ name: 'policy', grid: { dims: 2, n: [4, 4], dx: '1 um' }, time: { end: 1, output: 1 }, voltage: 0 }).numerics;
  private dtPhase: number;
  constructor(
    scheme: 'explicit' | 'imex',
    k: Coefficients,
    private st: Stepper,
  ) {
    this.dt = this.n.dtInitial;
    this.dtPhase = scheme === 'imex' ? Infinity : (k.dx * k.dx) / (2 * k.dims * k.mobKappa * anisoStiffness(k.dims, k.delta, k.omega));
  }
  /** The step to take now (after the previous step() of the stepper). */
  get current(): number {
    return this.dt;
  }
  /** Updates dt from the stepper's statistics of the step just taken (length `taken`). */
  update(taken: number): void {
    const { n, st } = this;
    const r = st.maxRate(),
      s = st.stiffness();
    this.dt = Math.min(
      n.dtMax,
      n.safety * this.dtPhase,
      s > 0 ? n.safety / s : Infinity,
      r > 0 ? n.maxDxiPerStep / r : Infinity,
      1.5 * taken,
    );
  }
}

/**
 * Steps `st` from t0 to tEnd under `pol` (the last step shortened to land on tEnd), calling
 * onStep(t, steps) after every step. Returns the steps taken and the smallest and largest dt.
 */
export function advance(
  st: Stepper,
  pol: DtPolicy,
  t0: number,
  tEnd: number,
  onStep?: (t: number, steps: number) => void,
): { steps: number; dtMin: number; dtMax: number } {
  let t = t0,
    steps = 0,
    dtMin = Infinity,
    dtMax = 0;
  const eps = 1e-12 * Math.max(1, tEnd);
  while (t < tEnd - eps) {
    const dt = Math.min(pol.current, tEnd - t);
    st.step(dt, steps);
    pol.update(dt);
    t += dt;
    steps++;
    dtMin = Math.min(dtMin, dt);
    dtMax = Math.max(dtMax, dt);
    onStep?.(t, steps);
  }
  return { steps, dtMin, dtMax };
}

/** A stepper of the given scheme. */
export function stepper(
  scheme: 'explicit' | 'imex',
  L: Layout,
  k: Coefficients,
  bc: FieldBC,
  xi: Float64Array,
  c: Float64Array,
  psi: Float64Array,
): Stepper {
  return scheme === 'imex' ? new ImexStepper(L, k, bc, xi, c, psi) : new PhaseStepper(L, k, bc, xi, c, psi);
}

/** Σ a. */
export function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

/** Least-squares line y = a + b x; returns slope, intercept and R². */
export function linearFit(x: number[], y: number[]): { slope: number; intercept: number; r2: number } {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n,
    my = y.reduce((a, b) => a + b, 0) / n;
  let sxx = 0,
    sxy = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - mx) ** 2;
    sxy += (x[i] - mx) * (y[i] - my);
    syy += (y[i] - my) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r2: syy > 0 ? (sxy * sxy) / (sxx * syy) : 1 };
}

/** Mean front position along x (µm) of a field whose metal side is x = 0: Σξ·dx / (ny·nz). */
export function frontMean(L: Layout, xi: Float64Array): number {
  return (sum(xi) * L.dx) / L.rows;
}

/** Relative difference |a − b|/|b|. */
export function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

/** Wall-clock timer for the runtime lines the README quotes. */
export function timer(): () => string {
  const t0 = performance.now();
  return () => `${((performance.now() - t0) / 1000).toFixed(2)} s`;
}

type ExprNode = MathNode & {
  type: string;
  op?: string;
  fn?: { name: string } | string;
  args?: MathNode[];
  name?: string;
  value?: unknown;
  content?: MathNode;
};

const JS_FN: Record<string, (a: string[]) => string> = {
  sin: (a) => `Math.sin(${a[0]})`,
  cos: (a) => `Math.cos(${a[0]})`,
  tan: (a) => `Math.tan(${a[0]})`,
  tanh: (a) => `Math.tanh(${a[0]})`,
  sinh: (a) => `Math.sinh(${a[0]})`,
  cosh: (a) => `Math.cosh(${a[0]})`,
  exp: (a) => `Math.exp(${a[0]})`,
  log: (a) => `Math.log(${a[0]})`,
  sqrt: (a) => `Math.sqrt(${a[0]})`,
  abs: (a) => `Math.abs(${a[0]})`,
  sech: (a) => `1 / Math.cosh(${a[0]})`,
  sec: (a) => `1 / Math.cos(${a[0]})`,
  csc: (a) => `1 / Math.sin(${a[0]})`,
  coth: (a) => `1 / Math.tanh(${a[0]})`,
  csch: (a) => `1 / Math.sinh(${a[0]})`,
  square: (a) => `${a[0]} * ${a[0]}`,
  unaryMinus: (a) => `-${a[0]}`,
};

/**
 * Turns a mathjs expression tree into straight-line JS: one temporary per operation, identical
 * operations shared (common-subexpression elimination), and — when `inner` is named —
 * operations that do not depend on `inner` hoisted out of the loop over it. Purely mechanical:
 * the arithmetic is the tree's own.
 */
class Emitter {
  outer: string[] = [];
  inner: string[] = [];
  private memo = new Map<string, { code: string; dep: boolean }>();
  private n = 0;
  constructor(private innerVar?: string) {}
  emit(n: MathNode): { code: string; dep: boolean } {
    const node = n as ExprNode;
    switch (node.type) {
      case 'ConstantNode':
        return { code: `(${Number(node.value)})`, dep: false };
      case 'SymbolNode':
        if (node.name === 'pi') return { code: 'Math.PI', dep: false };
        if (node.name === 'e') return { code: 'Math.E', dep: false };
        return { code: node.name!, dep: node.name === this.innerVar };
      case 'ParenthesisNode':
        return this.emit(node.content!);
      case 'OperatorNode': {
        const a = node.args!.map((x) => this.emit(x));
        const codes = a.map((x) => x.code);
        let expr: string;
        if (a.length === 1) {
          if (node.op === '-') expr = `-${codes[0]}`;
          else if (node.op === '+') expr = codes[0];
          else throw new Error(`toJs: unary operator ${node.op}`);
        } else if (node.op === '^') expr = `Math.pow(${codes[0]}, ${codes[1]})`;
        else if (['+', '-', '*', '/'].includes(node.op!)) expr = codes.join(` ${node.op} `);
        else throw new Error(`toJs: operator ${node.op}`);
        return this.temp(
          expr,
          a.some((x) => x.dep),
        );
      }
      case 'FunctionNode': {
        const name = typeof node.fn === 'string' ? node.fn : node.fn!.name;
        const f = JS_FN[name];
        if (!f) throw new Error(`toJs: function ${name}`);
        const a = node.args!.map((x) => this.emit(x));
        return this.temp(
          f(a.map((x) => x.code)),
          a.some((x) => x.dep),
        );
      }
      default:
        throw new Error(`toJs: node type ${node.type}`);
    }
  }
  private temp(expr: string, dep: boolean): { code: string; dep: boolean } {
    const hit = this.memo.get(expr);
    if (hit) return hit;
    const name = `_${this.n++}`;
    (dep ? this.inner : this.outer).push(`const ${name} = ${expr};`);
    const r = { code: name, dep };
    this.memo.set(expr, r);
    return r;
  }
}

/**
 * Compiles a mathjs expression tree to a plain JS function of the named variables.
 * (mathjs's own compile() evaluates through its typed-function layer, much slower than plain
 * JS; the manufactured-solution tests evaluate sources millions of times.)
 */
export function toJs(node: MathNode, vars: string[]): (...a: number[]) => number {
  const e = new Emitter();
  const r = e.emit(node);
  return new Function(...vars, `${e.outer.join('\n')}\nreturn ${r.code};`) as (...a: number[]) => number;
}

/**
 * Compiles a tree into a column kernel: for fixed `outer` variables it adds
 * scale·expr(outer…, v) to out[off + i] for v = v0 + i·dv, i < n, with everything that does
 * not depend on v computed once per call.
 */
export function toJsColumn(
  node: MathNode,
  outer: string[],
  inner: string,
): (...a: [...number[], number, number, number, Float64Array, number, number]) => void {
  const e = new Emitter(inner);
  const r = e.emit(node);
  const body = `${e.outer.join('\n')}
for (let i = 0; i < n; i++) {
  const ${inner} = v0 + i * dv;
  ${e.inner.join('\n  ')}
  out[off + i] += scale * ${r.code};
}`;
  return new Function(...outer, 'v0', 'dv', 'n', 'out', 'off', 'scale', body) as never;
}
