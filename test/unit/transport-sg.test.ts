/**
 * The threaded Scharfetter–Gummel transport stage (src/backends/cpu/transport.ts) must give the
 * bits of its serial run (the TransportStage wrapper on the main thread) on the same inputs: c̃ and ξⁿ⁺¹
 * after the conservative limiter, the boundary influx, the ions the limiter gave back and the
 * solver statistics, serially and with 2 and 3 worker threads (every task split, coarse
 * multigrid levels included), in 2D and 3D with Dirichlet, no-flux and periodic faces, over two
 * consecutive steps (the solver's buffers are reused). Also: the coefficients D(ξ), σ̂(ξ) use h
 * of ξ clamped to [0, 1].
 */
import { afterAll, describe, expect, it } from 'vitest';
import { hCoef, interpCoef } from '../../src/backends/cpu/coefficients.ts';
import { SerialExec, type Exec } from '../../src/backends/cpu/exec.ts';
import { Pool } from '../../src/backends/cpu/pool.ts';
import { potentialPrepK } from '../../src/backends/cpu/potential.ts';
import { TransportStage } from '../../src/backends/cpu/transport.ts';
import { BC_DIRICHLET, BC_NOFLUX, BC_PERIODIC, type FieldBC, type Layout } from '../../src/backends/layout.ts';
import { coefficients, type Coefficients } from '../../src/model/derived.ts';
import { hInterp } from '../../src/model/initial.ts';
import { parseScenario } from '../../src/model/scenario.ts';

const D_ = BC_DIRICHLET,
  N_ = BC_NOFLUX,
  P_ = BC_PERIODIC;

interface Case {
  name: string;
  L: Layout;
  bcC: FieldBC;
  bcPsi: FieldBC;
  dt: number;
}

function layout(dims: 2 | 3, n: [number, number, number], dx: number, bc: FieldBC): Layout {
  const [nx, ny, nz] = n;
  return {
    dims,
    nx,
    ny,
    nz,
    N: nx * ny * nz,
    rows: ny * nz,
    dx,
    periodic: [bc.type[0] === P_, bc.type[2] === P_, dims === 3 && bc.type[4] === P_],
  };
}

function bc(type: number[], value: number[]): FieldBC {
  return { type: Int32Array.from(type), value: Float64Array.from(value) };
}

const F_V = -17.41; // fV at −0.45 V

const CASES: Case[] = (() => {
  const out: Case[] = [];
  // 2D, the default set-up: electrode (ψ = fV, c̃ no-flux) at x0, bulk (ψ = 0, c̃ = 1) at x1, periodic y
  {
    const bcC = bc([N_, D_, P_, P_, N_, N_], [0, 1, 0, 0, 0, 0]);
    const bcPsi = bc([D_, D_, P_, P_, N_, N_], [F_V, 0, 0, 0, 0, 0]);
    out.push({ name: '2D x Dirichlet, y periodic', L: layout(2, [48, 36, 1], 0.25, bcC), bcC, bcPsi, dt: 0.01 });
  }
  // 2D, Dirichlet c̃ on both y faces (whole rows of boundary faces), periodic x, ψ no-flux at y1
  {
    const bcC = bc([P_, P_, D_, D_, N_, N_], [0, 0, 0.8, 1.1, 0, 0]);
    const bcPsi = bc([P_, P_, D_, N_, N_, N_], [0, 0, F_V, 0, 0, 0]);
    out.push({ name: '2D y Dirichlet, x periodic', L: layout(2, [40, 34, 1], 0.25, bcC), bcC, bcPsi, dt: 0.004 });
  }
  // 3D: x as the default set-up, periodic y, Dirichlet c̃ at z0 (ψ no-flux there), no-flux z1
  {
    const bcC = bc([N_, D_, P_, P_, D_, N_], [0, 1, 0, 0, 0.9, 0]);
    const bcPsi = bc([D_, D_, P_, P_, N_, N_], [F_V, 0, 0, 0, 0, 0]);
    out.push({ name: '3D x/z Dirichlet, y periodic', L: layout(3, [20, 14, 12], 0.25, bcC), bcC, bcPsi, dt: 0.01 });
  }
  // 3D: periodic x and z, Dirichlet c̃ and ψ on both y faces
  {
    const bcC = bc([P_, P_, D_, D_, P_, P_], [0, 0, 1, 1, 0, 0]);
    const bcPsi = bc([P_, P_, D_, D_, P_, P_], [0, 0, F_V, 0.5, 0, 0]);
    out.push({ name: '3D y Dirichlet, x/z periodic', L: layout(3, [16, 18, 10], 0.25, bcC), bcC, bcPsi, dt: 0.005 });
  }
  return out;
})();

/** A deterministic pseudo-random sequence in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

interface Inputs {
  c: Float64Array;
  psi: Float64Array;
  xiOld: Float64Array;
  xiNew: Float64Array;
}

/**
 * A metal front along the Dirichlet-ψ axis with a bump, ξ slightly outside [0, 1] in places, ψ
 * flat in the metal (equal neighbours: the small-Δ branch of the SG weight) and a steep drop
 * across the front, c̃ depleted near the front, and a deposit ξⁿ⁺¹ − ξⁿ that overdraws some
 * cells (the limiter acts).
 */
function inputs(cs: Case, seed: number): Inputs {
  const { L, bcPsi } = cs;
  const { nx, ny, nz, N } = L;
  const rand = rng(seed);
  // the axis the electrode is on: the first Dirichlet ψ face
  const axis = bcPsi.type[0] === D_ ? 0 : bcPsi.type[2] === D_ ? 1 : 2;
  const n = [nx, ny, nz][axis];
  const lo = bcPsi.value[2 * axis];
  const c = new Float64Array(N),
    psi = new Float64Array(N),
    xiOld = new Float64Array(N),
    xiNew = new Float64Array(N);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const idx = i + nx * (j + ny * k);
        const ijk = [i, j, k];
        const x = ijk[axis] + 0.5;
        const other = ijk[(axis + 1) % 3];
        const front = 0.3 * n + 0.12 * n * Math.sin((2 * Math.PI * other) / 9) + 0.5 * rand();
        const xi = 0.5 * (1 - Math.tanh((x - front) / 1.2));
        // a little out of range where the noise pushes it
        const xo = xi < 0.02 ? xi - 0.02 * rand() : xi > 0.98 ? xi + 0.02 * rand() : xi;
        xiOld[idx] = xo;
        const grow = xi > 0.05 && xi < 0.95 ? 0.04 * rand() : 0;
        xiNew[idx] = xo + grow;
        // ψ: flat in the metal, then rising to 0 over the electrolyte, with a jump at the front
        psi[idx] = xi > 0.9 ? lo : lo * (1 - (x - front) / (n - front)) * (0.8 + 0.2 * rand()) + (rand() < 0.05 ? 2 * rand() : 0);
        c[idx] = Math.max(0, (1 - hInterp(Math.min(1, Math.max(0, xi)))) * (0.2 + 0.8 * rand()));
      }
  return { c, psi, xiOld, xiNew };
}

interface Outcome {
  c: Float64Array;
  xi: Float64Array;
  r: ReturnType<TransportStage['step']>[];
}

const STEPS = 2;
const TOL = 1e-9,
  MAX_ITER = 200;

function runReference(cs: Case, k: Coefficients, inp: Inputs): Outcome {
  const st = new TransportStage(cs.L, k, cs.bcC, cs.bcPsi);
  const c = inp.c.slice(),
    xiOld = inp.xiOld.slice(),
    xiNew = inp.xiNew.slice();
  const r = [];
  for (let s = 0; s < STEPS; s++) {
    if (s > 0) {
      xiOld.set(xiNew);
      for (let i = 0; i < xiNew.length; i++) xiNew[i] += 0.5 * (inp.xiNew[i] - inp.xiOld[i]);
    }
    r.push(st.step(c, inp.psi, xiOld, xiNew, cs.dt, TOL, MAX_ITER));
  }
  return { c, xi: xiNew, r };
}

function runThreaded(cs: Case, k: Coefficients, inp: Inputs, exec: Exec): Outcome {
  const st = new TransportStage(cs.L, k, cs.bcC, cs.bcPsi, exec);
  const c = inp.c.slice(),
    xiOld = inp.xiOld.slice(),
    xiNew = inp.xiNew.slice();
  const r = [];
  for (let s = 0; s < STEPS; s++) {
    if (s > 0) {
      xiOld.set(xiNew);
      for (let i = 0; i < xiNew.length; i++) xiNew[i] += 0.5 * (inp.xiNew[i] - inp.xiOld[i]);
    }
    r.push(st.step(c, inp.psi, xiOld, xiNew, cs.dt, TOL, MAX_ITER));
  }
  return { c, xi: xiNew, r };
}

function firstDiff(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

function expectSame(ref: Outcome, got: Outcome, label: string): void {
  const dc = firstDiff(ref.c, got.c);
  expect(dc, `${label}: c̃ differs at ${dc} (${ref.c[dc]} vs ${got.c[dc]})`).toBe(-1);
  const dx = firstDiff(ref.xi, got.xi);
  expect(dx, `${label}: ξ differs at ${dx} (${ref.xi[dx]} vs ${got.xi[dx]})`).toBe(-1);
  for (let s = 0; s < STEPS; s++) {
    const a = ref.r[s],
      b = got.r[s];
    for (const key of ['influx', 'limited', 'residual', 'iterations', 'converged'] as const) {
      expect(Object.is(a[key], b[key]), `${label} step ${s + 1}: ${key} ${a[key]} vs ${b[key]}`).toBe(true);
    }
    expect(b.migrationRate).toBe(0);
  }
}

const coef = coefficients(
  parseScenario({
    name: 'sg',
    grid: { dims: 2, n: [16, 16], dx: '0.25 um' },
    time: { end: 1, output: 1 },
    voltage: '-0.45 V',
  }),
);

const pools: Pool[] = [];
/** Chunks the worker threads ran over all cases (a small case may be done by the main thread alone). */
let workerChunks = 0;
afterAll(async () => {
  for (const p of pools) await p.dispose();
});

describe('threaded Scharfetter–Gummel transport = its serial run', () => {
  for (const cs of CASES) {
    it(`${cs.name}: serial and 2/3 threads give the reference bits`, async () => {
      const inp = inputs(cs, 12345 + cs.L.N);
      const ref = runReference(cs, coef, inp);
      // the case does what it is meant to: ions come in, the limiter acts, CG converges
      for (const r of ref.r) expect(r.converged).toBe(true);
      expect(ref.r[0].influx).toBeGreaterThan(0);
      expect(ref.r[0].limited).toBeGreaterThan(0);
      expect(ref.c.every((v) => v >= 0 && Number.isFinite(v))).toBe(true);

      expectSame(ref, runThreaded(cs, coef, inp, new SerialExec()), `${cs.name} serial`);
      for (const threads of [2, 3]) {
        const pool = new Pool({ threads, minParallelCells: 1 });
        pools.push(pool);
        await pool.ready();
        expectSame(ref, runThreaded(cs, coef, inp, pool), `${cs.name} threads ${threads}`);
        workerChunks += pool.stats().workerChunks;
        await pool.dispose();
      }
    }, 60_000);
  }

  it('the worker threads ran part of the work', () => {
    expect(workerChunks).toBeGreaterThan(0);
  });

  it('the serial TransportStage wrapper keeps its API and reports no migration limit', () => {
    const cs = CASES[0];
    const inp = inputs(cs, 7);
    const c = inp.c.slice(),
      xiNew = inp.xiNew.slice();
    const r = new TransportStage(cs.L, coef, cs.bcC, cs.bcPsi).step(c, inp.psi, inp.xiOld, xiNew, cs.dt, TOL, MAX_ITER);
    expect(Object.keys(r).sort()).toEqual(['converged', 'deposited', 'influx', 'iterations', 'limited', 'migrationRate', 'residual']);
    expect(r.migrationRate).toBe(0);
    expect(r.converged).toBe(true);
    // deposited = Σ(ξⁿ⁺¹ − ξⁿ)·dV after the limiter (the Faradaic current and the binary mode's migration share)
    let dep = 0;
    for (let i = 0; i < xiNew.length; i++) dep += xiNew[i] - inp.xiOld[i];
    const vol = cs.L.dims === 3 ? cs.L.dx ** 3 : cs.L.dx ** 2;
    expect(r.deposited).toBeCloseTo(dep * vol, 10);
  });
});

describe('coefficients use h of ξ clamped to [0, 1]', () => {
  it('D(ξ) and σ̂(ξ) stay between their phase values; NaN stays NaN', () => {
    const xi = Float64Array.from([-0.05, -1e-9, 0, 0.3, 1, 1 + 1e-9, 1.07, NaN]);
    const out = new Float64Array(xi.length);
    const hi = 8.4e6,
      lo = 1;
    interpCoef(xi, hi, lo, out);
    expect(hInterp(-0.05) * hi + (1 - hInterp(-0.05)) * lo).toBeLessThan(0); // what the clamp prevents
    expect(Array.from(out.subarray(0, 3))).toEqual([lo, lo, lo]);
    expect(out[3]).toBe(hi * hInterp(0.3) + lo * (1 - hInterp(0.3)));
    expect(Array.from(out.subarray(4, 7))).toEqual([hi, hi, hi]);
    expect(out[7]).toBeNaN();
    expect(hCoef(-0.5)).toBe(0);
    expect(hCoef(1.5)).toBe(1);

    // the potential stage's σ̂ (its prep kernel) clamps the same way
    const sigma = new Float64Array(xi.length),
      rhs = new Float64Array(xi.length);
    potentialPrepK(
      { nx: xi.length, xi, xidot: new Float64Array(xi.length), sigma, rhs, hi, lo, src: 1, xiSolve: null, rowDxi: null },
      new Float64Array(4),
      0,
      1,
    );
    for (let i = 0; i < 7; i++) expect(Object.is(sigma[i], out[i])).toBe(true);
    expect(sigma[7]).toBeNaN();
  });
});
