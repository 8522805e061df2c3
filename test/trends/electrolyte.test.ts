/**
 * The three binary-electrolyte, galvanostatic library cases (salt concentration, current density,
 * transference number) in one file: they share the point c0 = 1 M, 500 mA/cm², t₊ = 0.4, which
 * runs once (helpers.ts memo).
 */
import { describe, expect, it } from 'vitest';
import { libraryCase, runCase, skipReason } from './helpers.ts';

for (const id of ['salt-concentration', 'current-density', 'transference']) {
  const c = libraryCase(id);
  const skip = skipReason(c);
  describe(`library trend: ${c.title}`, () => {
    it.skipIf(skip !== null)(`${c.metric} goes ${c.expect} along the points (${c.literature})`, async () => {
      const { trend, runs } = await runCase(c);
      for (const { r, limit } of runs) expect(r.metrics.time_s).toBeLessThan(limit);
      expect(trend.monotone, `${c.metric}: ${trend.values.join(', ')}`).toBe(true);
    }, 300_000); // wall time on a loaded 2-core machine; ~5–11 s of CPU each
    if (skip) it.skip(skip, () => {});
  });
}
