/**
 * The material switches' builders (src/model/props.ts, docs/material-switches.md): SEI band and weak
 * spots, host geometries, seeds, the host's initial fields, the distance transform, the contact
 * boundary value, the schema's checks; and, on the CPU reference backend, that a host cell stays
 * frozen and out of the metrics and that SEI weak spots concentrate the current.
 */
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/backends/cpu/backend.ts';
import { BC_CONTACT, makeBCs, makeLayout } from '../../src/backends/layout.ts';
import { coefficients, scenarioWarnings } from '../../src/model/derived.ts';
import { initialFields, initialProps } from '../../src/model/initial.ts';
import { distanceToMask, hostMask, PROP_HOST, PROP_KD, PROP_KL, PROP_KS } from '../../src/model/props.ts';
import { parseScenario, ScenarioError, type ScenarioInput } from '../../src/model/scenario.ts';

const base = (extra: Partial<ScenarioInput> = {}): ScenarioInput => ({
  name: 'props',
  grid: { dims: 2, n: [32, 32], dx: '0.25 um' },
  time: { end: 1, output: 1 },
  voltage: -0.45,
  ...extra,
});

function issues(raw: ScenarioInput): string[] {
  try {
    parseScenario(raw);
  } catch (e) {
    if (e instanceof ScenarioError) return e.issues;
    throw e;
  }
  return [];
}

const at = (p: Float32Array, q: number, slot: number) => p[4 * q + slot];

describe('props field', () => {
  it('is null without a switch (the base model runs without it)', () => {
    expect(initialProps(parseScenario(base({ initial: { layer: '2 um' } })))).toBeNull();
    expect(
      initialProps(
        parseScenario(base({ initial: { nuclei: [{ center: [0, '4 um'], radius: '2 um' }] }, substrate: { contactAngle: 45 } })),
      ),
    ).toBeNull();
  });

  it('SEI: a band of the given thickness on the initial surface, ratios as given', () => {
    const s = parseScenario(
      base({ initial: { layer: '2 um' }, sei: { thickness: '1 um', conductivity: 0.1, diffusivity: 0.2, reactionRate: 0.5 } }),
    );
    const p = initialProps(s)!;
    const [nx, ny] = s.grid.n;
    const dx = 0.25;
    for (let j = 0; j < ny; j++) {
      // outermost SEI cell of the column: its centre is within 2 + 1 µm, the next one is not
      let last = -1;
      for (let i = 0; i < nx; i++) if (at(p, i + nx * j, PROP_KD) !== 1) last = i;
      expect((last + 0.5) * dx).toBeLessThanOrEqual(3);
      expect((last + 1.5) * dx).toBeGreaterThan(3);
      // electrolyte-side cells of the band: thickness/dx of them
      let band = 0;
      for (let i = 0; i < nx; i++) if ((i + 0.5) * dx > 2 && at(p, i + nx * j, PROP_KD) !== 1) band++;
      expect(band).toBe(4);
    }
    const q = 9 + nx * 5; // x = 2.375 µm, inside the band
    expect([at(p, q, PROP_KL), at(p, q, PROP_KD), at(p, q, PROP_KS), at(p, q, PROP_HOST)]).toEqual([
      0.5,
      Math.fround(0.2),
      Math.fround(0.1),
      0,
    ]);
    expect([at(p, 20 + nx * 5, PROP_KL), at(p, 20 + nx * 5, PROP_KD)]).toEqual([1, 1]);
  });

  it('SEI on nuclei follows the curved surface', () => {
    const s = parseScenario(
      base({ initial: { nuclei: [{ center: ['0 um', '4 um'], radius: '2 um' }] }, sei: { thickness: '0.5 um', diffusivity: 0.5 } }),
    );
    const p = initialProps(s)!;
    const [nx, ny] = s.grid.n;
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const r = Math.hypot((i + 0.5) * 0.25, (j + 0.5) * 0.25 - 4);
        expect(at(p, i + nx * j, PROP_KD), `cell ${i},${j}`).toBe(r <= 2.5 ? 0.5 : 1);
      }
  });

  it('patchy SEI: exactly round(fraction·tiles) weak tiles, ratios × contrast, reproducible by seed', () => {
    const mk = (seed: number, dims: 2 | 3 = 2) =>
      parseScenario(
        base({
          grid: dims === 2 ? { dims, n: [16, 128], dx: '0.25 um' } : { dims, n: [12, 32, 32], dx: '0.25 um' },
          initial: { layer: '1 um' },
          sei: {
            thickness: '0.5 um',
            conductivity: 0.1,
            diffusivity: 0.1,
            reactionRate: 0.2,
            pattern: { patchy: { fraction: 0.3, size: '0.5 um', seed, contrast: 10 } },
          },
        }),
      );
    for (const dims of [2, 3] as const) {
      const s = mk(11, dims);
      const p = initialProps(s)!;
      const [nx, ny, nz] = s.grid.n;
      // the first SEI cell of each lateral column (x = 0.125 µm, inside the metal: d ≤ thickness)
      let weak = 0,
        cols = 0;
      for (let k = 0; k < nz; k++)
        for (let j = 0; j < ny; j++) {
          const q = nx * (j + ny * k);
          const kl = at(p, q, PROP_KL);
          expect([Math.fround(0.2), 2]).toContain(kl);
          if (kl === 2) {
            weak++;
            expect(at(p, q, PROP_KS)).toBe(1);
            expect(at(p, q, PROP_KD)).toBe(1);
          }
          cols++;
        }
      const tiles = dims === 2 ? 64 : 16 * 16;
      const want = Math.round(0.3 * tiles) / tiles;
      console.log(
        `patchy SEI ${dims}D: ${tiles} tiles of 0.5 µm, weak fraction ${(weak / cols).toFixed(4)} (requested 0.3, exact target ${want.toFixed(4)})`,
      );
      expect(weak / cols).toBe(want);
      expect(Math.abs(weak / cols - 0.3)).toBeLessThanOrEqual(0.5 / tiles);
    }
    expect(initialProps(mk(11))).toEqual(initialProps(mk(11)));
    expect(initialProps(mk(12))).not.toEqual(initialProps(mk(11)));
  });

  it('host pillars and mesh: volume fractions of the analytic geometry', () => {
    const frac = (input: ScenarioInput) => {
      const m = hostMask(parseScenario(input))!;
      return m.reduce((a, v) => a + v, 0) / m.length;
    };
    // grid-aligned sizes: the cell-centre test reproduces the geometry exactly
    const g2 = { dims: 2 as const, n: [40, 32], dx: '0.25 um' }; // 10 × 8 µm
    const g3 = { dims: 3 as const, n: [40, 16, 16], dx: '0.25 um' }; // 10 × 4 × 4 µm
    expect(frac(base({ grid: g2, host: { geometry: { pillars: { width: '1 um', height: '5 um', spacing: '4 um' } } } }))).toBeCloseTo(
      (1 / 4) * (5 / 10),
      12,
    );
    expect(frac(base({ grid: g3, host: { geometry: { pillars: { width: '1 um', height: '5 um', spacing: '2 um' } } } }))).toBeCloseTo(
      (1 / 2) ** 2 * (5 / 10),
      12,
    );
    const p = 0.5 / 2; // wire/spacing
    expect(frac(base({ grid: g2, host: { geometry: { mesh: { wire: '0.5 um', spacing: '2 um', thickness: '4 um' } } } }))).toBeCloseTo(
      (1 - (1 - p) ** 2) * (4 / 10),
      12,
    );
    expect(frac(base({ grid: g3, host: { geometry: { mesh: { wire: '0.5 um', spacing: '2 um', thickness: '4 um' } } } }))).toBeCloseTo(
      (3 * p * p * (1 - p) + p ** 3) * (4 / 10),
      12,
    );
  });

  it('porous host: solid fraction 1 − porosity in the layer, nothing above it, reproducible by seed', () => {
    const mk = (seed: number, dims: 2 | 3) =>
      parseScenario(
        base({
          grid: dims === 2 ? { dims, n: [48, 64], dx: '0.25 um' } : { dims, n: [24, 24, 24], dx: '0.25 um' },
          host: { geometry: { porous: { porosity: 0.7, poreSize: '1 um', thickness: '3 um', seed } } },
        }),
      );
    for (const dims of [2, 3] as const) {
      const s = mk(5, dims);
      const m = hostMask(s)!;
      const [nx] = s.grid.n;
      let solid = 0,
        layer = 0,
        above = 0;
      for (let q = 0; q < m.length; q++) {
        const x = ((q % nx) + 0.5) * 0.25;
        if (x < 3) {
          layer++;
          solid += m[q];
        } else above += m[q];
      }
      console.log(`porous host ${dims}D: solid fraction ${(solid / layer).toFixed(4)} of ${layer} cells (requested 1 − 0.7 = 0.3)`);
      expect(above).toBe(0);
      expect(Math.abs(solid / layer - 0.3)).toBeLessThanOrEqual(0.5 / layer);
      expect(hostMask(mk(5, dims))).toEqual(m);
      expect(hostMask(mk(6, dims))).not.toEqual(m);
    }
  });

  it('host cells: props [1, 1, 1, 1], ξ fixed (1 lithiophilic / 0 lithiophobic), c̃ = 0, tanh profile around a lithiophilic host', () => {
    for (const lithiophilic of [true, false]) {
      const s = parseScenario(
        base({
          grid: { dims: 2, n: [40, 32], dx: '0.25 um' },
          host: { geometry: { pillars: { width: '1 um', height: '5 um', spacing: '4 um' } }, lithiophilic },
        }),
      );
      const f = initialFields(s),
        p = initialProps(s)!,
        m = hostMask(s)!;
      const nx = 40;
      for (let q = 0; q < m.length; q++) {
        if (!m[q]) {
          expect(at(p, q, PROP_HOST)).toBe(0);
          continue;
        }
        expect([at(p, q, 0), at(p, q, 1), at(p, q, 2), at(p, q, 3)]).toEqual([1, 1, 1, 1]);
        expect(f.xi[q]).toBe(lithiophilic ? 1 : 0);
        expect(f.c[q]).toBe(0);
      }
      // above the pillar top (x = 5 µm) on its axis (y = 2 µm: cells j = 7, 8): the profile of the
      // distance to the top face, or electrolyte
      const q = 21 + nx * 8; // x = 5.375 µm: 0.375 µm above the top
      const want = lithiophilic ? 0.5 * (1 - Math.tanh(0.375 / 0.5)) : 0;
      expect(f.xi[q]).toBeCloseTo(want, 12);
      expect(f.c[q]).toBeCloseTo(1 - want ** 3 * (6 * want * want - 15 * want + 10), 12);
    }
  });

  it('distanceToMask is the exact Euclidean distance transform', () => {
    const n: [number, number, number] = [9, 7, 5];
    const N = n[0] * n[1] * n[2];
    const mask = new Uint8Array(N);
    for (let q = 0; q < N; q++) mask[q] = (q * 2654435761) % 97 < 4 ? 1 : 0;
    const d = distanceToMask(mask, n);
    for (let q = 0; q < N; q++) {
      const [i, j, k] = [q % 9, Math.floor(q / 9) % 7, Math.floor(q / 63)];
      let best = Infinity;
      for (let r = 0; r < N; r++)
        if (mask[r]) best = Math.min(best, (i - (r % 9)) ** 2 + (j - (Math.floor(r / 9) % 7)) ** 2 + (k - Math.floor(r / 63)) ** 2);
      expect(d[q]).toBe(best);
    }
  });

  it('substrate.contactAngle: the contact condition on xi.x0 with a = (2·dx/w)·cos θ', () => {
    const s = parseScenario(base({ substrate: { contactAngle: 60 } }));
    expect(s.boundary.xi.x0).toEqual({ type: 'contact', angle: 60 });
    const bc = makeBCs(s);
    expect(bc.xi.type[0]).toBe(BC_CONTACT);
    expect(bc.xi.value[0]).toBeCloseTo(2 * (0.25 / 0.5) * 0.5, 12);
    expect(bc.c.type[0]).not.toBe(BC_CONTACT);
  });

  it('warns where a switch is under-resolved or has no effect', () => {
    const w = scenarioWarnings(
      parseScenario(
        base({
          initial: { layer: '2 um' },
          substrate: { contactAngle: 60 },
          sei: { thickness: '0.1 um' },
          host: { geometry: { pillars: { width: '0.3 um', height: '2 um', spacing: '2 um' } } },
        }),
      ),
    ).join('\n');
    expect(w).toMatch(/sei\.thickness = 0\.100 µm < dx/);
    expect(w).toMatch(/host\.geometry\.pillars\.width = 0\.300 µm < 2·dx/);
    expect(w).toMatch(/substrate\.contactAngle with initial\.layer > 0/);
  });

  it('the schema names the field and the allowed range', () => {
    expect(issues(base({ sei: { thickness: '1 um' } })).join()).toMatch(/sei: needs an initial metal surface/);
    expect(issues(base({ initial: { layer: '1 um' }, sei: { thickness: 0 } })).join()).toMatch(/sei\.thickness: out of range: allowed > 0/);
    expect(issues(base({ initial: { layer: '1 um' }, sei: { thickness: '1 um', conductivity: 0 } })).join()).toMatch(/sei\.conductivity/);
    expect(
      issues(base({ initial: { layer: '1 um' }, sei: { thickness: '1 um', pattern: { patchy: { fraction: 1.5, size: '1 um' } } } })).join(),
    ).toMatch(/sei\.pattern/);
    expect(issues(base({ host: { geometry: { pillars: { width: '4 um', height: '2 um', spacing: '4 um' } } } })).join()).toMatch(
      /host\.geometry\.pillars\.width: .* must be smaller than spacing/,
    );
    expect(issues(base({ host: { geometry: { pillars: { width: '1 um', height: '9 um', spacing: '4 um' } } } })).join()).toMatch(
      /host\.geometry\.pillars\.height/,
    );
    expect(issues(base({ host: { geometry: { porous: { porosity: 0.99, poreSize: '1 um', thickness: '2 um' } } } })).join()).toMatch(
      /host\.geometry/,
    );
    expect(issues(base({ substrate: { contactAngle: 200 } })).join()).toMatch(/substrate\.contactAngle/);
    expect(issues(base({ substrate: { contactAngle: 30 }, boundary: { xi: { x0: { type: 'noflux' } } } })).join()).toMatch(
      /substrate: sets the xi condition on x0/,
    );
  });
});

describe('material switches on the CPU reference backend', () => {
  it('a uniform (1, 1, 1, 0) props field gives the base model bit for bit', async () => {
    const s = parseScenario(
      base({
        grid: { dims: 2, n: [32, 16], dx: '0.25 um' },
        initial: { layer: '2 um', nuclei: [{ center: ['2 um', '2 um'], radius: '1.5 um' }] },
        noise: { amplitude: 0.04, seed: 3 },
        anisotropy: { delta: 0.04 },
      }),
    );
    const uniform = new Float32Array(4 * 32 * 16).map((_, q) => (q % 4 === 3 ? 0 : 1));
    const out: Float64Array[][] = [];
    for (const props of [null, uniform]) {
      const b = new CpuBackend(makeLayout(s), coefficients(s), makeBCs(s), { threads: 1, props });
      try {
        await b.init(initialFields(s));
        for (let step = 0; step < 8; step++) {
          if (step % 4 === 0) await b.potential(1e-12, 500);
          await b.phase(2e-3, step);
          await b.transport(2e-3, 1e-10, 200);
        }
        const f = await b.read();
        out.push([f.xi, f.c, f.psi, f.xidot]);
      } finally {
        await b.dispose();
      }
    }
    for (let a = 0; a < 4; a++) expect(out[1][a]).toEqual(out[0][a]);
  });

  it.each([true, false])('a host cell stays frozen with c̃ = 0, and the reductions leave it out (lithiophilic %s)', async (lithiophilic) => {
    const s = parseScenario(
      base({
        grid: { dims: 2, n: [40, 16], dx: '0.25 um' },
        initial: { layer: '1 um' },
        host: { geometry: { pillars: { width: '1 um', height: '4 um', spacing: '4 um' } }, lithiophilic },
      }),
    );
    const props = initialProps(s)!,
      mask = hostMask(s)!;
    const b = new CpuBackend(makeLayout(s), coefficients(s), makeBCs(s), { threads: 1, props });
    try {
      await b.init(initialFields(s));
      for (let step = 0; step < 10; step++) {
        if (step % 4 === 0) await b.potential(1e-12, 500);
        await b.phase(2e-3, step);
        await b.transport(2e-3, 1e-10, 200);
      }
      const f = await b.read();
      const red = await b.reductions();
      let sumXi = 0,
        sumC = 0,
        moved = 0;
      for (let q = 0; q < mask.length; q++) {
        if (mask[q]) {
          expect(f.xi[q]).toBe(lithiophilic ? 1 : 0);
          expect(f.c[q]).toBe(0);
          expect(f.xidot[q]).toBe(0);
          continue;
        }
        sumXi += f.xi[q];
        sumC += f.c[q];
        moved = Math.max(moved, Math.abs(f.xidot[q]));
      }
      expect(moved).toBeGreaterThan(0.1); // the rest of the field evolves
      expect(red.sumXi).toBeCloseTo(sumXi, 9);
      expect(red.sumC).toBeCloseTo(sumC, 9);
      // the tip is the metal's, never a host cell's: on a lithiophobic pillar (top at x = 4 µm) the
      // layer's front (1 µm plus what grew); a lithiophilic pillar is wetted, and the metal grown
      // on its top is the tip (within a few interface widths of x = 4 µm)
      console.log(`host pillars (lithiophilic ${lithiophilic}): tip ${red.tip.toFixed(3)} µm after 10 steps`);
      if (lithiophilic) {
        expect(red.tip).toBeGreaterThan(4);
        expect(red.tip).toBeLessThan(5.5);
      } else expect(red.tip).toBeLessThan(2);
    } finally {
      await b.dispose();
    }
  });

  it('SEI weak spots concentrate the current', async () => {
    const s = parseScenario(
      base({
        grid: { dims: 2, n: [32, 32], dx: '0.25 um' },
        initial: { layer: '2 um' },
        voltage: -0.2,
        sei: {
          thickness: '1 um',
          conductivity: 0.2,
          diffusivity: 0.2,
          reactionRate: 0.2,
          pattern: { patchy: { fraction: 0.25, size: '1 um', seed: 4, contrast: 5 } },
        },
      }),
    );
    const props = initialProps(s)!;
    const b = new CpuBackend(makeLayout(s), coefficients(s), makeBCs(s), { threads: 1, props });
    try {
      await b.init(initialFields(s));
      for (let step = 0; step < 6; step++) {
        await b.potential(1e-12, 500);
        await b.phase(1e-3, step);
        await b.transport(1e-3, 1e-10, 200);
      }
      const f = await b.read();
      const nx = 32;
      let weak = 0,
        nWeak = 0,
        strong = 0,
        nStrong = 0;
      for (let j = 0; j < 32; j++) {
        let rate = 0;
        for (let i = 0; i < nx; i++) rate += f.xidot[i + nx * j];
        if (props[4 * nx * j + PROP_KL] > 0.5) {
          weak += rate;
          nWeak++;
        } else {
          strong += rate;
          nStrong++;
        }
      }
      console.log(
        `SEI weak spots: deposition rate per column ${(weak / nWeak).toFixed(4)} vs ${(strong / nStrong).toFixed(4)} µm/s·(1/dx) elsewhere (${nWeak} weak columns of 32)`,
      );
      expect(nWeak).toBe(8);
      expect(weak / nWeak).toBeGreaterThan(2 * (strong / nStrong));
    } finally {
      await b.dispose();
    }
  });
});
