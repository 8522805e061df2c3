/**
 * Front velocity against overpotential (the V3 set-up of model.md §5): a flat lithium front in
 * a thin periodic strip, with the potential ψ = fη and c̃ = 1 held uniform, stepped with the CPU
 * reference phase kernel only (potential and transport switched off, as in
 * test/validation/v3-flat-front.test.ts). The front velocity v gives the deposition current
 * density i = nFc_s·v, compared with the Butler–Volmer law of equation (1) in the sharp-interface
 * limit, i = i0[e^{−αfη} − e^{(1−α)fη}], i0 = nFc_s·3w·L_η, and its cathodic Tafel slope
 * ln10/(αf).
 */
import { fillPadded, makePadded } from '../backends/cpu/padded.ts';
import { phaseRows } from '../backends/cpu/phase.ts';
import { makeBCs, makeLayout } from '../backends/layout.ts';
import { coefficients } from '../model/derived.ts';
import { FARADAY, interfaceWidth } from '../model/params.ts';
import { parseScenario } from '../model/scenario.ts';

export interface TafelPoint {
  /** Overpotential η (V). */
  eta: number;
  /** Drive A = −L_η[e^{(1−α)fη} − e^{−αfη}] (1/s). */
  drive: number;
  /** Measured front velocity (µm/s). */
  velocity: number;
  /** Measured current density nFc_s·v (A/m²). */
  current: number;
  /** Sharp-interface Butler–Volmer current density (A/m²). */
  theory: number;
}

export interface TafelResult {
  points: TafelPoint[];
  /** Exchange current density nFc_s·3w·L_η (A/m²). */
  i0: number;
  /** Measured cathodic slope (mV/decade) from the points with slopeFrom ≤ |η| ≤ slopeTo, and ln10/(αf). */
  slope: number;
  slopeTheory: number;
  slopeFrom: number;
  slopeTo: number;
  dx: number;
  seconds: number;
  /** α and f = nF/RT (1/V) of the parameter set. */
  alpha: number;
  f: number;
}

/** Least-squares slope and intercept. */
function linearFit(x: number[], y: number[]): { slope: number; intercept: number } {
  const n = x.length,
    mx = x.reduce((a, b) => a + b, 0) / n,
    my = y.reduce((a, b) => a + b, 0) / n;
  let sxx = 0,
    sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - mx) ** 2;
    sxy += (x[i] - mx) * (y[i] - my);
  }
  return { slope: sxy / sxx, intercept: my - (sxy / sxx) * mx };
}

/**
 * Measures v(η) for each overpotential (V, negative = plating). dx = 0.125 µm (w/4: at w/2 a
 * weakly driven front pins, model.md §4); each run lasts `seconds` of simulated time, the first
 * 0.5 s (the profile adjusting to the travelling-wave shape) is not fitted.
 */
export function tafelCurve(
  etas: number[],
  opts: { seconds?: number; dx?: number; slopeFrom?: number; slopeTo?: number } = {},
): TafelResult {
  // the slope is fitted in the cathodic Tafel regime: the anodic term < 1 % of the cathodic one
  // (|η| ≥ 150 mV) and the drive A ≤ 0.5 /s ≪ L_σW = 15 /s (|η| ≤ 300 mV), where the front keeps
  // its equilibrium profile (model.md V3: v/(3wA) drops to 0.93 at A = 3 /s, i.e. |η| ≈ 0.41 V)
  const dx = opts.dx ?? 0.125,
    seconds = opts.seconds ?? 2,
    slopeFrom = opts.slopeFrom ?? 0.15,
    slopeTo = opts.slopeTo ?? 0.3;
  // the strip must hold the fastest front's travel, 3w·A·seconds, with room on both sides
  const probe = parseScenario({
    name: 'tafel',
    grid: { dims: 2, n: [8, 4], dx: `${dx} um` },
    time: { end: seconds, output: seconds },
    voltage: 0,
  });
  const kp = coefficients(probe);
  const wp = interfaceWidth(probe.parameters) * 1e6;
  const maxDrive = Math.max(...etas.map((e) => kp.Leta * Math.abs(Math.exp((1 - kp.alpha) * kp.f * e) - Math.exp(-kp.alpha * kp.f * e))));
  const nx = Math.ceil((8 + 1.2 * 3 * wp * maxDrive * seconds) / dx);
  const s = parseScenario({
    name: 'tafel',
    grid: { dims: 2, n: [nx, 4], dx: `${dx} um` },
    time: { end: seconds, output: seconds },
    voltage: 0,
    boundary: { lateral: 'periodic' },
  });
  const L = makeLayout(s),
    bc = makeBCs(s).xi;
  const k = { ...coefficients(s), noiseSigma: 0 };
  const p = s.parameters;
  const w = interfaceWidth(p) * 1e6;
  const i0 = p.n * FARADAY * p.cs * 3 * w * 1e-6 * k.Leta;
  const dt = (0.8 * dx * dx) / (4 * k.mobKappa);
  const steps = Math.ceil(seconds / dt);
  const points = etas.map((eta) => {
    const psi = k.f * eta;
    const x0 = 4;
    const xi = new Float64Array(L.N);
    for (let j = 0; j < L.ny; j++) for (let i = 0; i < nx; i++) xi[i + nx * j] = 0.5 * (1 - Math.tanh(((i + 0.5) * dx - x0) / w));
    const P = makePadded(L),
      out = new Float64Array(L.N);
    const c = new Float64Array(L.N).fill(1),
      ps = new Float64Array(L.N).fill(psi);
    const rowMaxRate = new Float64Array(L.rows),
      rowStiff = new Float64Array(L.rows);
    const ts: number[] = [],
      xs: number[] = [];
    for (let st = 1; st <= steps; st++) {
      fillPadded(P, xi, L, bc);
      phaseRows({ L, k, P, c, psi: ps, out, dt, key: st, rowMaxRate, rowStiff }, 0, L.rows);
      xi.set(out);
      if (st % 10 === 0 && st * dt > 0.5) {
        let sum = 0;
        for (const v of xi) sum += v;
        ts.push(st * dt);
        xs.push((sum * dx) / L.rows);
      }
    }
    const velocity = linearFit(ts, xs).slope;
    const drive = -k.Leta * (Math.exp((1 - k.alpha) * psi) - Math.exp(-k.alpha * psi));
    const theory = i0 * (Math.exp(-k.alpha * psi) - Math.exp((1 - k.alpha) * psi));
    return { eta, drive, velocity, current: p.n * FARADAY * p.cs * velocity * 1e-6, theory };
  });
  const tail = points.filter((q) => -q.eta >= slopeFrom - 1e-12 && -q.eta <= slopeTo + 1e-12 && q.current > 0);
  const slope =
    tail.length >= 2
      ? -1000 /
        linearFit(
          tail.map((q) => q.eta),
          tail.map((q) => Math.log10(q.current)),
        ).slope
      : NaN;
  return { points, i0, slope, slopeTheory: (1000 * Math.LN10) / (k.alpha * k.f), slopeFrom, slopeTo, dx, seconds, alpha: k.alpha, f: k.f };
}

/** Vega-Lite spec: |i| (log) against η, measured points on the Butler–Volmer line and its Tafel asymptote. */
export function tafelSpec(r: TafelResult): Record<string, unknown> {
  const mA = (v: number) => v / 10; // A/m² → mA/cm²
  const etas = r.points.map((q) => q.eta);
  const lo = Math.min(...etas),
    hi = Math.max(...etas);
  const bv = 'Butler–Volmer i0[exp(−αfη) − exp((1−α)fη)]',
    tafel = 'Tafel asymptote i0·exp(−αfη)';
  const theory: Record<string, unknown>[] = [];
  for (let m = 0; m <= 120; m++) {
    const eta = lo + ((hi - lo) * m) / 120;
    theory.push({ eta_mV: eta * 1000, i: mA(r.i0 * (Math.exp(-r.alpha * r.f * eta) - Math.exp((1 - r.alpha) * r.f * eta))), series: bv });
    theory.push({ eta_mV: eta * 1000, i: mA(r.i0 * Math.exp(-r.alpha * r.f * eta)), series: tafel });
  }
  const pts = r.points.map((q) => ({ eta_mV: q.eta * 1000, i: mA(q.current), series: 'phase field: nFc_s × front velocity' }));
  return {
    title: {
      text: 'Front velocity vs overpotential (Tafel)',
      subtitle: [
        `flat front, φ = η and c̃ = 1 held fixed (model.md V3), dx = ${r.dx} µm, ${r.seconds} s per point`,
        `cathodic slope ${r.slope.toFixed(1)} mV/decade (fit over |η| = ${(r.slopeFrom * 1000).toFixed(0)}–${(r.slopeTo * 1000).toFixed(0)} mV) vs ln10/(αf) = ${r.slopeTheory.toFixed(1)} mV/decade; i0 = nFc_s·3w·L_η = ${mA(r.i0).toFixed(3)} mA/cm²`,
      ],
    },
    width: 440,
    height: 300,
    layer: [
      {
        data: { values: theory },
        mark: { type: 'line', strokeWidth: 1.5, clip: true },
        encoding: {
          x: { field: 'eta_mV', type: 'quantitative', title: 'overpotential η (mV)', scale: { zero: false } },
          y: { field: 'i', type: 'quantitative', title: 'current density |i| (mA/cm²)', scale: { type: 'log' } },
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            scale: { domain: [bv, tafel], range: ['#1f77b4', '#aaaaaa'] },
            legend: { orient: 'bottom', direction: 'vertical' },
          },
          strokeDash: {
            field: 'series',
            type: 'nominal',
            scale: {
              domain: [bv, tafel],
              range: [
                [1, 0],
                [5, 4],
              ],
            },
            legend: null,
          },
        },
      },
      {
        data: { values: pts },
        mark: { type: 'point', filled: true, size: 60, color: 'black' },
        encoding: {
          x: { field: 'eta_mV', type: 'quantitative' },
          y: { field: 'i', type: 'quantitative' },
          shape: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom' } },
        },
      },
    ],
    resolve: { scale: { color: 'independent', shape: 'independent' } },
  };
}
