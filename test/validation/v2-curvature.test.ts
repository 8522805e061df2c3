/**
 * V2 (model.md §5): curvature flow. With the reaction off (L_η = 0), isotropic, no noise, a
 * disc of metal shrinks as R² = R0² − 2L_σκ0 t (2D) and a sphere as R² = R0² − 4L_σκ0 t (3D):
 * the sharp-interface limit of Allen–Cahn is v_n = L_σκ0·K (K = 1/R in 2D, 2/R in 3D).
 * With L_σκ0 = 1.875 µm²/s the slopes of R²(t) are 3.75 µm²/s and 7.5 µm²/s.
 *
 * R is taken from the metal content, R² = Σξ dx²/π (2D) and R = (3Σξ dx³/(4π))^{1/3} (3D):
 * the diffuse profile adds a constant to R² to leading order, so the slope is unaffected.
 * Both phase stages: the explicit one at its stable step, the IMEX one (docs/imex-phase.md) at
 * the step the adaptive policy gives it (helpers.ts, DtPolicy; here dtMax = 0.05 s binds).
 */
import { describe, expect, it } from 'vitest';
import { DtPolicy, advance, linearFit, rel, setup, stepper, sum, timer } from './helpers.ts';

const noflux = { type: 'noflux' as const };

interface Run {
  slope: number;
  r2fit: number;
  R0: number;
  R1: number;
  t1: number;
  steps: number;
  dtText: string;
}

function shrink(scheme: 'explicit' | 'imex', dims: 2 | 3, n: number, dx: number, R0: number, centre: number, tFrac: number): Run {
  const grid = dims === 2 ? { dims, n: [n, n], dx: `${dx} um` } : { dims, n: [n, n, n], dx: `${dx} um` };
  const { L, bc, k: k0 } = setup({ grid: grid as never, boundary: { lateral: 'noflux', xi: { x0: noflux, x1: noflux } } });
  const k = { ...k0, Leta: 0, noiseSigma: 0, delta: 0 };
  const w = 0.5;
  const xi = new Float64Array(L.N);
  const nz = dims === 3 ? n : 1;
  for (let kk = 0; kk < nz; kk++)
    for (let j = 0; j < n; j++)
      for (let i = 0; i < n; i++) {
        const x = (i + 0.5) * dx - centre,
          y = (j + 0.5) * dx - centre,
          z = dims === 3 ? (kk + 0.5) * dx - centre : 0;
        const r = Math.sqrt(x * x + y * y + z * z);
        xi[i + n * (j + n * kk)] = 0.5 * (1 - Math.tanh((r - R0) / w));
      }
  // a full disc (2D) or an octant of a sphere centred on the corner (3D): the no-flux ghost
  // is the mirror image, so the octant is exactly the full sphere restricted to x, y, z > 0
  const fullFrac = dims === 2 ? 1 : 1 / 8;
  const radius2 = (): number => {
    const m = (sum(xi) * dx ** dims) / fullFrac;
    return dims === 2 ? m / Math.PI : ((3 * m) / (4 * Math.PI)) ** (2 / 3);
  };
  const ps = stepper(scheme, L, k, bc.xi, xi, new Float64Array(L.N), new Float64Array(L.N));
  const rate = (dims === 2 ? 2 : 4) * k.mobKappa;
  // run until R² has dropped to tFrac·R0² (R ≈ R0·√tFrac): the fit spans R0 → that radius
  const tEnd = ((1 - tFrac) * R0 * R0) / rate;
  const ts: number[] = [],
    rs: number[] = [];
  const tSkip = 0.02 * tEnd; // the initial tanh is already the equilibrium profile; skip a short transient
  let steps: number, t1: number, dtText: string;
  if (scheme === 'explicit') {
    const dt = (0.8 * (dx * dx)) / (2 * dims * k.mobKappa);
    steps = Math.ceil(tEnd / dt);
    for (let s = 1; s <= steps; s++) {
      ps.step(dt);
      if (s % 10 === 0 && s * dt >= tSkip) {
        ts.push(s * dt);
        rs.push(radius2());
      }
    }
    t1 = steps * dt;
    dtText = `dt = ${dt.toExponential(2)} s`;
  } else {
    const r = advance(ps, new DtPolicy(scheme, k, ps), 0, tEnd, (t) => {
      if (t >= tSkip) {
        ts.push(t);
        rs.push(radius2());
      }
    });
    steps = r.steps;
    t1 = tEnd;
    dtText = `adaptive dt ${r.dtMin.toExponential(2)}…${r.dtMax.toExponential(2)} s`;
  }
  const fit = linearFit(ts, rs);
  return { slope: -fit.slope, r2fit: fit.r2, R0: Math.sqrt(rs[0]), R1: Math.sqrt(rs[rs.length - 1]), t1, steps, dtText };
}

describe('V2 curvature flow', () => {
  // Domains leave ≥ 2.5 w between the initial interface and the outer walls, so the walls do
  // not truncate the profile. Tolerance 3 %: the sharp-interface law has corrections of relative size O((w/R)²) ≈ 1–2 %
  // over the fitted range (R ≥ 2 µm, w = 0.5 µm) plus the grid's O((dx/w)²) error; a wrong
  // mobility, gradient coefficient or stencil changes the slope by tens of per cent.
  it.each(['explicit', 'imex'] as const)(
    '%s: 2D disc: R² = R0² − 2 L_σκ0 t',
    (scheme) => {
      const t = timer();
      const r = shrink(scheme, 2, 88, 0.125, 4, 5.5, 0.25);
      const expected = 2 * 1.875;
      console.log(
        `V2 disc, ${scheme} (R0 = 4 µm, dx = 0.125 µm, 88×88, ${r.steps} steps to t = ${r.t1.toFixed(3)} s, ${r.dtText}, R ${r.R0.toFixed(3)} → ${r.R1.toFixed(3)} µm): ` +
          `−dR²/dt = ${r.slope.toFixed(4)} µm²/s vs 2L_σκ0 = ${expected} µm²/s (${(100 * (r.slope / expected - 1)).toFixed(2)} %), linearity R² = ${r.r2fit.toFixed(6)}; runtime ${t()}`,
      );
      expect(rel(r.slope, expected)).toBeLessThan(0.03);
      expect(r.r2fit).toBeGreaterThan(0.999);
    },
    60_000,
  );

  it.each(['explicit', 'imex'] as const)(
    '%s: 3D sphere: R² = R0² − 4 L_σκ0 t',
    (scheme) => {
      const t = timer();
      const r = shrink(scheme, 3, 34, 0.125, 3, 0, 0.25);
      const expected = 4 * 1.875;
      console.log(
        `V2 sphere, ${scheme} (octant, R0 = 3 µm, dx = 0.125 µm, 34³, ${r.steps} steps to t = ${r.t1.toFixed(3)} s, ${r.dtText}, R ${r.R0.toFixed(3)} → ${r.R1.toFixed(3)} µm): ` +
          `−dR²/dt = ${r.slope.toFixed(4)} µm²/s vs 4L_σκ0 = ${expected} µm²/s (${(100 * (r.slope / expected - 1)).toFixed(2)} %), linearity R² = ${r.r2fit.toFixed(6)}; runtime ${t()}`,
      );
      expect(rel(r.slope, expected)).toBeLessThan(0.03);
      expect(r.r2fit).toBeGreaterThan(0.999);
    },
    60_000,
  );
});
