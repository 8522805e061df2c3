/**
 * Sand's time (model.md V8): a flat lithium front in a long strip, binary electrolyte with
 * transference number t₊ (t_a = 1 − t₊), galvanostatic current density J. The Li⁺ concentration
 * at the electrode falls as c(0,t) = c0[1 − √(t/τ)] with τ = πD(c0F)²/(4(J t_a)²) while the
 * strip is long compared with √(Dτ) (semi-infinite diffusion). The simulated surface
 * concentration is c̃ just outside the diffuse interface (the first cell beyond the front with
 * ξ < 0.01, averaged over the strip's rows) extrapolated along the local slope back to the ξ = ½
 * position (the sharp-interface surface); the control voltage rises as the surface depletes.
 */
import { createBackend } from '../backends/create.ts';
import { FARADAY, fFactor } from '../model/params.ts';
import { parseScenario, type Scenario } from '../model/scenario.ts';
import { Simulation } from '../solver/simulation.ts';

export interface SandOptions {
  /** Current density, A/m² (plating). */
  current: number;
  /** Li⁺ transference number t₊. */
  transference: number;
  /** Strip length in units of √(Dτ) (default 4). */
  lengthFactor?: number;
  /** Stop at this fraction of τ (default 0.9). */
  until?: number;
  /** Samples of the surface concentration (default 40). */
  samples?: number;
  dx?: number;
}

export interface SandResult {
  scenario: Scenario;
  tau: number;
  /** Fitted τ from 1 − c̃s = √(t/τ) over the samples with c̃s > 0.2. */
  tauFit: number;
  /** cSurface: extrapolated to the ξ = ½ position; cProbe: at the first cell with ξ < 0.01. */
  samples: { t: number; cSurface: number; cProbe: number; voltage: number; current: number }[];
  diffusionLength: number;
  wallSeconds: number;
}

/** τ = πD(c0F)²/(4(J t_a)²), s (z = 1). */
export function sandTime(D: number, c0: number, J: number, ta: number): number {
  return (Math.PI * D * (c0 * FARADAY) ** 2) / (4 * (J * ta) ** 2);
}

export async function sandRun(o: SandOptions): Promise<SandResult> {
  const t0 = performance.now();
  const dx = o.dx ?? 0.25e-6;
  const probe = parseScenario({ name: 'sand', grid: { dims: 2, n: [8, 4], dx }, time: { end: 1, output: 1 }, voltage: 0 });
  const D = probe.parameters.Dl,
    c0 = probe.parameters.c0;
  const ta = 1 - o.transference;
  const tau = sandTime(D, c0, o.current, ta);
  const Ld = Math.sqrt(D * tau);
  const layer = 2e-6;
  const nx = Math.ceil((layer + (o.lengthFactor ?? 4) * Ld) / dx);
  const end = (o.until ?? 0.9) * tau;
  // start the controller at the Tafel overpotential of J (i0 = nFc_s·3w·L_η), so the held current
  // is reached within a few steps instead of ramping up by numerics.maxStep per step from 0 V
  const p = probe.parameters;
  const i0 = p.n * FARADAY * p.cs * 3 * Math.sqrt((2 * p.kappa0) / p.W) * p.Leta;
  const f = fFactor(p);
  const v0 = -Math.log(Math.max(2, o.current / i0)) / (p.alpha * f);
  const s = parseScenario({
    name: 'sand',
    description: "Sand's time check (model.md V8)",
    grid: { dims: 2, n: [nx, 4], dx },
    time: { end, output: end },
    voltage: v0,
    control: { mode: 'galvanostatic', current: o.current },
    electrolyte: { model: 'binary', transference: o.transference },
    boundary: { lateral: 'periodic' },
    initial: { layer },
  });
  const { backend } = await createBackend('cpu', s, { threads: 1 });
  const samples: SandResult['samples'] = [];
  try {
    const sim = new Simulation(s, backend);
    await sim.start();
    const n = o.samples ?? 40;
    for (let k = 1; k <= n; k++) {
      await sim.runTo((end * k) / n);
      const f = await backend.read();
      // c̃ beyond the diffuse interface (first cell with ξ < 0.01), extrapolated linearly (slope
      // over the next 4 cells) back to the ξ = ½ position: the sharp-interface surface value
      let sum = 0,
        raw = 0;
      for (let j = 0; j < 4; j++) {
        const o = nx * j;
        let i = 0;
        while (i < nx - 5 && !(f.xi[o + i] < 0.01)) i++;
        let h = 0;
        while (h < nx - 1 && f.xi[o + h + 1] >= 0.5) h++;
        const xh = h + (f.xi[o + h] - 0.5) / (f.xi[o + h] - f.xi[o + h + 1]);
        const slope = (f.c[o + i + 4] - f.c[o + i]) / 4;
        raw += f.c[o + i];
        sum += f.c[o + i] - slope * (i - xh);
      }
      const m = await sim.metrics(f);
      samples.push({ t: sim.time, cSurface: sum / 4, cProbe: raw / 4, voltage: sim.voltage, current: m.current_density_A_per_m2 ?? NaN });
    }
  } finally {
    await backend.dispose();
  }
  // least squares for 1/√τ in 1 − c̃ = √t · (1/√τ)
  const use = samples.filter((q) => q.cSurface > 0.2);
  let sxy = 0,
    sxx = 0;
  for (const q of use) {
    const x = Math.sqrt(q.t),
      y = 1 - q.cSurface;
    sxy += x * y;
    sxx += x * x;
  }
  const tauFit = sxy > 0 ? (sxx / sxy) ** 2 : NaN;
  return { scenario: s, tau, tauFit, samples, diffusionLength: Ld, wallSeconds: (performance.now() - t0) / 1000 };
}

export function sandSpec(r: SandResult): Record<string, unknown> {
  const s = r.scenario;
  const J = s.control?.current ?? NaN;
  const tplus = s.electrolyte?.transference ?? NaN;
  const sim = r.samples.flatMap((q) => [
    { t: q.t, c: q.cSurface, series: 'phase field: c̃ at ξ = ½ (extrapolated along the profile)' },
    { t: q.t, c: q.cProbe, series: 'phase field: c̃ at the first cell with ξ < 0.01' },
  ]);
  const theory: object[] = [];
  const tmax = Math.max(...r.samples.map((q) => q.t));
  for (let m = 0; m <= 100; m++) {
    const t = (tmax * m) / 100;
    theory.push({ t, c: Math.max(0, 1 - Math.sqrt(t / r.tau)), series: 'c0[1 − √(t/τ)], τ = πD(c0F)²/(4(J t_a)²)' });
  }
  const volts = r.samples.map((q) => ({ t: q.t, v: q.voltage * 1000 }));
  return {
    title: {
      text: `${s.name}: Sand's time (binary electrolyte, galvanostatic)`,
      subtitle: [
        `J = ${(J / 10).toPrecision(3)} mA/cm², t₊ = ${tplus}, c0 = ${s.parameters.c0 / 1000} M, D = ${s.parameters.Dl.toExponential(3)} m²/s: τ = ${r.tau.toPrecision(4)} s; fit of 1 − c̃ = √(t/τ): τ = ${r.tauFit.toPrecision(4)} s (${(100 * (r.tauFit / r.tau - 1)).toFixed(1)} %)`,
        `strip ${s.grid.n[0]}×${s.grid.n[1]} cells, dx = ${s.grid.dx * 1e6} µm, length ${(s.grid.n[0] * s.grid.dx * 1e6).toFixed(0)} µm = ${((s.grid.n[0] * s.grid.dx) / r.diffusionLength).toFixed(1)}·√(Dτ)`,
      ],
    },
    hconcat: [
      {
        width: 320,
        height: 240,
        title: { text: 'dashed: c0[1 − √(t/τ)], τ = πD(c0F)²/(4(J t_a)²)', fontSize: 11, fontWeight: 'normal' },
        layer: [
          {
            data: { values: theory },
            mark: { type: 'line', strokeDash: [5, 3], color: '#555' },
            encoding: {
              x: { field: 't', type: 'quantitative', title: 'time t (s)' },
              y: { field: 'c', type: 'quantitative', title: 'surface concentration c/c0', scale: { domain: [0, 1] } },
            },
          },
          {
            data: { values: sim },
            mark: { type: 'point', size: 30 },
            encoding: {
              x: { field: 't', type: 'quantitative' },
              y: { field: 'c', type: 'quantitative' },
              color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', direction: 'vertical' } },
              shape: { field: 'series', type: 'nominal', title: null },
            },
          },
        ],
      },
      {
        width: 260,
        height: 240,
        data: { values: volts },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'time t (s)' },
          y: { field: 'v', type: 'quantitative', title: 'collector voltage held by the controller (mV)', scale: { zero: false } },
        },
      },
    ],
  };
}
