import { describe, expect, it } from 'vitest';
import { libraryCase, runCase, skipReason } from './helpers.ts';

const c = libraryCase('substrate-wetting');
const skip = skipReason(c);

describe(`library trend: ${c.title}`, () => {
  it.skipIf(skip !== null)(`${c.metric} goes ${c.expect} along the points (${c.literature})`, async () => {
    const { trend, runs } = await runCase(c);
    // every point reached the same front advance (equal deposited charge), so the comparison is fair
    for (const { r, limit } of runs) expect(r.metrics.time_s).toBeLessThan(limit);
    expect(trend.monotone, `${c.metric}: ${trend.values.join(', ')}`).toBe(true);
  }, 300_000); // wall time on a loaded 2-core machine; ~5–11 s of CPU each
  if (skip) it.skip(skip, () => {});
});
