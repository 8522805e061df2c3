/**
 * Trend tests of the scenario library (examples/<case>/): every point of a case runs on the
 * reduced grid of src/analysis/library.ts (same dx, physics and drive; a smaller domain) on one
 * CPU thread until its mean front has advanced the same distance (equal deposited charge), and
 * the case's morphology metric must move in the direction the literature reports. The numbers
 * are printed for the README / report.
 */
import { describe, expect, it } from 'vitest';
import { simulate, type SimulatedState } from '../../src/analysis/simulate.ts';
import type { Scenario } from '../../src/model/scenario.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  caseFolder,
  casePoints,
  EXAMPLES_DIR,
  judgeTrend,
  LIBRARY,
  schemaSupports,
  type LibraryCase,
  type TrendResult,
} from '../../src/analysis/library.ts';

export function libraryCase(id: string): LibraryCase {
  const c = LIBRARY.find((x) => x.id === id);
  if (!c) throw new Error(`no library case "${id}"`);
  return c;
}

/**
 * The trend test of one library case: every point reaches the same front advance (equal
 * deposited charge, so the comparison is fair) and the metric moves the way the literature says.
 * A case whose switch or folder is missing fails (it does not skip): the library is part of the
 * product.
 */
export function defineTrendTest(id: string): void {
  const c = libraryCase(id);
  describe(`library trend: ${c.title}`, () => {
    it(`${c.metric} goes ${c.expect} along the points (${c.literature})`, async () => {
      const s = schemaSupports(c.requires);
      expect(s.missing, `${c.id}: switches missing from the scenario schema`).toEqual([]);
      expect(existsSync(join(EXAMPLES_DIR, caseFolder(c))), `examples/${caseFolder(c)} exists`).toBe(true);
      const { trend, runs } = await runCase(c);
      for (const { r, limit } of runs) expect(r.metrics.time_s).toBeLessThan(limit);
      expect(trend.monotone, `${c.metric}: ${trend.values.join(', ')}`).toBe(true);
    }, 300_000); // wall time on a loaded 2-core machine; ~5–11 s of CPU each
  });
}

export interface CaseRun {
  c: LibraryCase;
  runs: { label: string; r: SimulatedState; limit: number }[];
  trend: TrendResult;
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

/**
 * Runs already made in this process, by scenario (without its name) and stop rule: the
 * galvanostatic cases share a point (c0 = 1 M, 500 mA/cm², t₊ = 0.4) and run in one file.
 */
const memo = new Map<string, SimulatedState>();

async function run(s: Scenario, advance: number, limit: number): Promise<SimulatedState> {
  const { name: _n, description: _d, ...rest } = s;
  const key = JSON.stringify([rest, advance, limit]);
  let r = memo.get(key);
  if (!r) {
    r = await simulate(s, { frontAdvance: advance, until: limit, threads: 1 });
    memo.set(key, r);
  }
  return r;
}

export async function runCase(c: LibraryCase): Promise<CaseRun> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const runs: CaseRun['runs'] = [];
  for (const p of casePoints(c, { reduced: true }))
    runs.push({ label: p.label, r: await run(p.scenario, c.reduced.advance, p.limit), limit: p.limit });
  const trend = judgeTrend(
    c,
    runs.map((x) => x.r.morphology),
  );
  const lines = runs.map(({ label, r }) => {
    const m = r.morphology;
    return (
      `  ${label.padEnd(14)} t = ${r.metrics.time_s.toFixed(3)} s (${r.steps} steps, ${r.wallSeconds.toFixed(2)} s wall): ` +
      `tip − mean ${m.tipOverMean.toFixed(3)} µm, roughness ${m.roughness.toFixed(3)} µm, contour/width ${m.lengthPerWidth.toFixed(4)}, ` +
      `c_max ${r.metrics.c_max.toFixed(2)}`
    );
  });
  const [nx, ny] = c.reduced.n;
  console.log(
    `trend ${c.id} (${nx}×${ny} cells, front advance ${c.reduced.advance} µm; ${c.metric} should go ${c.expect} along the points): ` +
      `${trend.values.map((v) => v.toFixed(4)).join(' → ')}, ${Math.abs(trend.values[0]) > 1e-6 ? `last/first ${trend.ratio.toFixed(3)}, ` : ''}${trend.monotone ? 'monotone' : 'NOT monotone'}; ` +
      `${((performance.now() - t0) / 1000).toFixed(1)} s wall, ${cpuSeconds(cpu0).toFixed(1)} s CPU\n${lines.join('\n')}`,
  );
  return { c, runs, trend };
}
