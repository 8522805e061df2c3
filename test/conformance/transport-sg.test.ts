/**
 * Transport stage, Scharfetter–Gummel: the WebGPU stage (f32; shaders/transport_*.wgsl) against
 * the serial f64 reference TransportStage of src/backends/cpu/transport.ts, on the same inputs,
 * one step, stage against stage (no potential or phase stage in between).
 *
 * Inputs (built here, rounded to f32 so both sides start from the same numbers): a curved front
 * (a tanh profile of width 0.4 µm around a flat layer with a dendrite-like bump) advancing by a
 * fraction of a cell (ξⁿ → ξⁿ⁺¹), a potential with the whole electrode drop across the
 * interface (ψ = −17.4 in the metal, a small ohmic slope in the electrolyte, up to 0 at the
 * counter electrode), and a depleted c̃ in front of the interface. Faces: c̃ Dirichlet (1) at x1,
 * no-flux at x0; ψ Dirichlet at x0 and x1; y periodic; in 3D also a Dirichlet face of c̃ (0.8) at z1
 * where ψ is no-flux (its face potential is the cell's own), and a positive bump of ψ in the
 * electrolyte so that ψ_ref = max ψ over the cells (> every Dirichlet value of φ). The advance
 * consumes (c_s/c0)Δξ ≈ 76Δξ, more than the cells just ahead of the front hold: the conservative
 * limiter is active in both. dt = 1e-4 s (what the old explicit migration allowed) and 1e-3 s
 * (ten times that; the implicit SG scheme has no migration limit).
 *
 * Tolerances (derived first, then checked against what is measured; the test prints both):
 * - The inputs are identical, so the differences come from the f32 evaluation. The largest error
 *   source is exp(): WGSL allows 3 + 2|x| ulp (≈ 2.3e-6 relative at |x| = 17.4; SwiftShader
 *   measured 1.1e-6 at |x| ≈ 17–20), in M = e^{−a} and in the face weights e^{−max a}·B(|Δa|) (B
 *   itself is good to a few ulps, see transport_assemble.wgsl). A relative perturbation δ of the
 *   coefficients of this diagonally dominant M-matrix system moves the solution by O(δ)
 *   relative, and the back-transform c̃ = M u uses the M of the operator (a mass-dominated
 *   metal row gives c̃ ≈ rhs whatever M's rounding). Both solves stop at ‖r‖/‖b‖ ≤ 1e-10 (the
 *   GPU's recursive residual); the f32 iterate's own rounding is smaller than the operator's
 *   (an f64 solve of the GPU's f32 operator lands on the same answer). Expected: c̃ to ~1e-6 of
 *   max |c̃| at worst; bounds 1e-5 (max) and 1e-6 (RMS).
 *   D(ξ) needs care in f32 (shaders/coef.wgsl): 1 − h(ξ) formed as a difference near ξ = 1 is
 *   off by ~1e-6 absolute, × D_l/D_s ≈ 430 = 4e-4 relative in the metal's D, which showed here
 *   as 2e-6 errors in ξ before coef.wgsl switched to h(1 − ξ) on that side.
 * - ξ after the limiter moves by the c̃ deficit/(c_s/c0) (1e-6 in c̃ is 1.3e-8 in ξ) and is stored
 *   in f32 (ulp 6e-8 at 1): bounds 1e-6 (max), 1e-7 (RMS).
 * - The influx Σ_b w_b(u_b − u)·dV cancels its cell terms against w_b u_b (u ≈ u_b next to the
 *   reservoir): each term is off by ~1e-6 of w_b u_b·dV, so it is compared against the one-way
 *   scale Σ 2(dt/dx²)D_l g dV over the face cells; the limited ions against Σ c̃ⁿ dV: bounds 1e-5.
 * - Iterations: the f32 MG-PCG must converge in at most two iterations more than the f64 one.
 * Measured on SwiftShader: c̃ ≤ 3.5e-7 (max) and 5e-8 (RMS) of max |c̃|, ξ ≤ 6.7e-8 (max) and 1e-8
 * (RMS), influx ≤ 9e-8 of the one-way scale (≤ 6e-6 of itself), limited ≤ 1.1e-7, and the same
 * iteration counts as the reference (7–11); the larger figures come from the T = 2 geometries.
 */
import { describe, expect, it } from 'vitest';
import { TransportStage } from '../../src/backends/cpu/transport.ts';
import { BC_DIRICHLET, BC_NOFLUX, BC_PERIODIC, type BCSet, type FieldBC, type Layout } from '../../src/backends/layout.ts';
import { WebGpuBackend } from '../../src/backends/webgpu/backend.ts';
import { mgLevels } from '../../src/backends/webgpu/mgpcg.ts';
import { coefficients, type Coefficients } from '../../src/model/derived.ts';
import { hInterp } from '../../src/model/initial.ts';
import { parseScenario } from '../../src/model/scenario.ts';
import { probeWebGpu } from './webgpu-env.ts';

const probe = await probeWebGpu();
if (!probe.ok) console.warn(`webgpu transport-stage cases skipped: ${probe.reason}`);

const TOL = {
  cMax: 1e-5,
  cRms: 1e-6,
  xiMax: 1e-6,
  xiRms: 1e-7,
  influx: 1e-5,
  limited: 1e-5,
  extraIters: 2,
};

/** Collector potential (ψ = fφ at about −0.45 V) and the solve settings of the conformance runs. */
const PSI0 = -17.4;
const TRANSPORT_TOL = 1e-10;
const MAX_ITER = 200;

interface Geometry {
  label: string;
  dims: 2 | 3;
  n: [number, number, number];
  dx: number;
  /** Dirichlet face of c̃ at z1 (3D) with ψ no-flux there, and a ψ bump above 0. */
  lateralDirichlet: boolean;
  /** Multigrid levels outside the tail the geometry is there to exercise (mgpcg.ts mgLevels). */
  T?: number;
}

const GEOMETRIES: Geometry[] = [
  { label: '2D 64×32, y periodic', dims: 2, n: [64, 32, 1], dx: 0.25, lateralDirichlet: false },
  { label: '3D 16×12×10, y periodic, c̃ Dirichlet at z1', dims: 3, n: [16, 12, 10], dx: 0.5, lateralDirichlet: true },
  // two multigrid levels outside the one-workgroup tail (mgLevels: T = 2), so the V-cycle's coarse-level
  // passes (mg_restrict.wgsl with the pre-smoothing, mg_post.wgsl without r·z) run; odd sizes leave
  // aggregates cut by the grid's edge on the coarse levels
  { label: '2D 162×114, y periodic, T = 2', dims: 2, n: [162, 114, 1], dx: 0.25, lateralDirichlet: false, T: 2 },
  { label: '3D 42×34×26, y periodic, c̃ Dirichlet at z1, T = 2', dims: 3, n: [42, 34, 26], dx: 0.5, lateralDirichlet: true, T: 2 },
];
const DTS = [1e-4, 1e-3];

function fieldBC(types: number[], values: number[]): FieldBC {
  return { type: Int32Array.from(types), value: Float64Array.from(values) };
}

function setup(g: Geometry): { L: Layout; bc: BCSet; k: Coefficients } {
  const [nx, ny, nz] = g.n;
  const three = g.dims === 3;
  const L: Layout = { dims: g.dims, nx, ny, nz, N: nx * ny * nz, rows: ny * nz, dx: g.dx, periodic: [false, true, false] };
  const P = BC_PERIODIC,
    D = BC_DIRICHLET,
    F = BC_NOFLUX;
  const zt = (lo: number, hi: number) => (three ? [lo, hi] : [F, F]);
  const bc: BCSet = {
    xi: fieldBC([D, D, P, P, ...zt(F, F)], [1, 0, 0, 0, 0, 0]),
    c: fieldBC([F, D, P, P, ...zt(F, g.lateralDirichlet ? D : F)], [0, 1, 0, 0, 0, g.lateralDirichlet ? 0.8 : 0]),
    phi: fieldBC([D, D, P, P, ...zt(F, F)], [PSI0, 0, 0, 0, 0, 0]),
  };
  // the model coefficients (D_s, D_l, c_s/c0, …) of the default parameter set
  const s = parseScenario({
    name: 'transport-sg-stage',
    grid: g.dims === 2 ? { dims: 2, n: [nx, ny], dx: `${g.dx} um` } : { dims: 3, n: [nx, ny, nz], dx: `${g.dx} um` },
    time: { end: 1, output: 1 },
    voltage: '-450 mV',
  });
  return { L, bc, k: coefficients(s) };
}

const f32 = (a: Float64Array) => Float64Array.from(Float32Array.from(a));

/** ξⁿ, ξⁿ⁺¹ (the front advanced by 0.15 dx), ψ and c̃ⁿ, all f32-representable. */
function inputs(g: Geometry, L: Layout) {
  const { nx, ny, nz, dx } = L;
  const Lx = nx * dx,
    Ly = ny * dx,
    Lz = nz * dx;
  const w = 0.4,
    X0 = 0.3 * Lx,
    bump = 0.2 * Lx;
  const xiOld = new Float64Array(L.N),
    xiNew = new Float64Array(L.N),
    psi = new Float64Array(L.N),
    c = new Float64Array(L.N);
  for (let kk = 0; kk < nz; kk++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const idx = i + nx * (j + ny * kk);
        const x = (i + 0.5) * dx,
          y = (j + 0.5) * dx,
          z = (kk + 0.5) * dx;
        const r2 = (y - 0.4 * Ly) ** 2 + (g.dims === 3 ? (z - 0.5 * Lz) ** 2 : 0);
        const X = X0 + bump * Math.exp(-r2 / (2 * (0.15 * Ly) ** 2));
        const prof = (s: number) => 0.5 * (1 - Math.tanh((x - s) / w));
        xiOld[idx] = prof(X);
        xiNew[idx] = prof(X + 0.15 * dx);
        const h = hInterp(xiOld[idx]);
        let psiE = (-0.3 * (Lx - x)) / Lx;
        if (g.lateralDirichlet) psiE += 0.5 * Math.exp(-((x - 0.75 * Lx) ** 2 + (y - 0.5 * Ly) ** 2) / (2 * (0.1 * Lx) ** 2));
        psi[idx] = PSI0 * h + (1 - h) * psiE;
        const ramp = Math.min(1, Math.max(0, (x - X) / (Lx - X)));
        c[idx] = (1 - h) * (0.15 + 0.85 * ramp) * (1 + 0.05 * Math.sin(1.7 * i + 2.3 * j + 0.9 * kk));
      }
  return { xiOld: f32(xiOld), xiNew: f32(xiNew), psi: f32(psi), c: f32(c) };
}

function errors(a: Float64Array, b: Float64Array): { max: number; rms: number } {
  let max = 0,
    s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= max)) max = d;
    s += d * d;
  }
  return { max, rms: Math.sqrt(s / a.length) };
}

const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
const fmt = (x: number) => x.toExponential(2);

describe('Scharfetter–Gummel transport stage: WebGPU (f32) against the CPU stage (f64)', () => {
  const skipped = probe.ok ? '' : ` (skipped: ${probe.reason})`;
  for (const g of GEOMETRIES) {
    it.skipIf(!probe.ok)(`${g.label}, dt = ${DTS.join(' and ')} s${skipped}`, async () => {
      const { L, bc, k } = setup(g);
      if (g.T !== undefined) expect(mgLevels({ dims: g.dims, n: g.n, periodic: L.periodic }).T, 'levels outside the tail').toBe(g.T);
      const inp = inputs(g, L);
      const vol = L.dims === 3 ? L.dx ** 3 : L.dx ** 2;
      const gpu = await WebGpuBackend.create(L, k, bc);
      try {
        for (const dt of DTS) {
          // reference
          const cRef = inp.c.slice(),
            xiRef = inp.xiNew.slice();
          const ref = new TransportStage(L, k, bc.c, bc.phi).step(cRef, inp.psi, inp.xiOld, xiRef, dt, TRANSPORT_TOL, MAX_ITER);
          // WebGPU
          await gpu.setTransportInputs(inp);
          const sub = await gpu.transport(dt, TRANSPORT_TOL, MAX_ITER);
          const out = await gpu.read();

          const cScale = inp.c.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
          const ec = errors(out.c, cRef),
            ex = errors(out.xi, xiRef);
          // gross scale of the influx: what the faces would let in to empty cells in one step
          // without drift, Σ over Dirichlet face cells of 2(dt/dx²)·D_l·g·dV (the w_b u_b terms the
          // cell terms w_b(u_b − u) cancel against are of this size)
          const oneWay = (cells: number, gv: number) => cells * 2 * (dt / (L.dx * L.dx)) * k.Dl * gv * vol;
          const gross = oneWay(L.ny * L.nz, bc.c.value[1]) + (g.lateralDirichlet ? oneWay(L.nx * L.ny, bc.c.value[5]) : 0);
          const massScale = sum(inp.c) * vol;
          const dInflux = Math.abs(sub.influx - ref.influx),
            dLim = Math.abs(sub.limited - ref.limited);
          // conservation of each: Δ Σ(c̃ + (c_s/c0) ξ)·dV = influx
          const total = (c: Float64Array, xi: Float64Array) => (sum(c) + k.csRatio * sum(xi)) * vol;
          const t0 = total(inp.c, inp.xiOld);
          const balRef = total(cRef, xiRef) - t0 - ref.influx,
            balSub = total(out.c, out.xi) - t0 - sub.influx;
          const limitedCells = xiRef.reduce((n, v, i) => n + (v < inp.xiNew[i] ? 1 : 0), 0);
          console.log(
            [
              `[transport SG] ${g.label}, dt = ${dt} s (${gpu.device})`,
              `  c̃   max ${fmt(ec.max)}  rms ${fmt(ec.rms)}  (max |c̃ⁿ| ${cScale.toFixed(3)}; relative max ${fmt(ec.max / cScale)}, rms ${fmt(ec.rms / cScale)})`,
              `  ξ   max ${fmt(ex.max)}  rms ${fmt(ex.rms)}  (limiter active in ${limitedCells} cells)`,
              `  influx  reference ${ref.influx.toPrecision(10)}  webgpu ${sub.influx.toPrecision(10)}  |Δ| ${fmt(dInflux)}: ${fmt(dInflux / Math.abs(ref.influx))} of itself, ${fmt(dInflux / gross)} of the one-way scale ${fmt(gross)}`,
              `  limited reference ${ref.limited.toPrecision(10)}  webgpu ${sub.limited.toPrecision(10)}  |Δ| ${fmt(dLim)} = ${fmt(dLim / massScale)} of Σc̃ⁿdV ${fmt(massScale)}`,
              `  balance Δ(Σc̃ + (c_s/c0)Σξ)dV − influx: reference ${fmt(balRef)}, webgpu ${fmt(balSub)} (of ${fmt(t0)})`,
              `  MG-PCG iterations: reference ${ref.iterations} (residual ${fmt(ref.residual)}), webgpu ${sub.iterations} (residual ${fmt(sub.residual)})`,
            ].join('\n'),
          );
          expect(ref.converged).toBe(true);
          expect(sub.converged).toBe(true);
          expect(sub.iterations).toBeLessThanOrEqual(ref.iterations + TOL.extraIters);
          expect(limitedCells, 'the limiter is exercised').toBeGreaterThan(0);
          expect(ref.limited).toBeGreaterThan(0);
          expect(ec.max).toBeLessThan(TOL.cMax * cScale);
          expect(ec.rms).toBeLessThan(TOL.cRms * cScale);
          expect(ex.max).toBeLessThan(TOL.xiMax);
          expect(ex.rms).toBeLessThan(TOL.xiRms);
          expect(dInflux).toBeLessThan(TOL.influx * gross);
          expect(dLim).toBeLessThan(TOL.limited * massScale);
        }
      } finally {
        await gpu.dispose();
      }
    });
  }
});
