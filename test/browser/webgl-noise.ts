/**
 * The GLSL noise against src/model/noise.ts: a 64×64 grid's cells q = 0…4095 and a few step keys
 * through the probe shader (shaders/glsl/noise_probe.frag) of a WebGL backend in the page.
 * hash32(q) and the 23-bit integer h1 >> 9 behind the first uniform must be equal bit for bit
 * (the limb arithmetic is exact); the normal may differ by f32 rounding of log/cos/sqrt only.
 */
import type { Page } from 'puppeteer-core';
import { expect } from 'vitest';
import { makeBCs, makeLayout } from '../../src/backends/layout.ts';
import { coefficients } from '../../src/model/derived.ts';
import { cellNormal, hash32, stepKey } from '../../src/model/noise.ts';
import { parseScenario } from '../../src/model/scenario.ts';
import { RemoteBackend } from '../../src/browser/remote-backend.ts';

interface Probe {
  hashHi: Float64Array;
  hashLo: Float64Array;
  u1: Float64Array;
  normal: Float64Array;
}

export async function checkNoise(page: Page): Promise<void> {
  const s = parseScenario({
    name: 'noise-probe',
    grid: { dims: 2, n: [64, 64], dx: '0.25 um' },
    time: { end: 1, output: 1 },
    voltage: '-450 mV',
    initial: { layer: '4 um' },
  });
  const b = await RemoteBackend.fromParts(page, 'webgl', makeLayout(s), coefficients(s), makeBCs(s));
  try {
    let hashBad = 0,
      u1Bad = 0,
      maxN = 0,
      cells = 0;
    for (const key of [stepKey(3, 0), stepKey(3, 5), stepKey(0xdeadbeef, 123456), 0xffffffff, 0]) {
      const p = await b.call<Probe>('noiseProbe', key);
      for (let q = 0; q < p.hashHi.length; q++) {
        cells++;
        const h = hash32(q);
        if (p.hashHi[q] !== h >>> 16 || p.hashLo[q] !== (h & 0xffff)) hashBad++;
        const h1 = hash32((key ^ h) >>> 0);
        if (p.u1[q] !== h1 >>> 9) u1Bad++;
        maxN = Math.max(maxN, Math.abs(p.normal[q] - cellNormal(key, q)));
      }
    }
    console.log(
      `[webgl noise] ${cells} draws: hash32 mismatches ${hashBad}, h1>>9 mismatches ${u1Bad}, max |N_glsl − N_ref| ${maxN.toExponential(2)}`,
    );
    expect(hashBad).toBe(0);
    expect(u1Bad).toBe(0);
    // |N| < 6: a few f32 ulps of the polynomials and sqrt
    expect(maxN).toBeLessThan(1e-5);
  } finally {
    await b.dispose();
  }
}
