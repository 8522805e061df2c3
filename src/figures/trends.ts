/**
 * The library trend chart: for every case of the scenario library, its morphology metric against
 * the varied parameter (one small panel per case), from runs compared at equal deposited charge.
 */
import { METRIC_LABEL, type LibraryCase } from '../analysis/library.ts';
import type { CaseResult } from './cases.ts';

export function trendsSpec(cases: { c: LibraryCase; results: CaseResult[] }[], note: string): Record<string, unknown> {
  const panels = cases.map(({ c, results }) => {
    const values = results.map((r, k) => ({ k, label: r.label, v: r.morphology[c.metric] }));
    return {
      title: {
        text: c.title,
        subtitle: `expected: ${c.expect === 'up' ? 'rises' : 'falls'} along the points`,
        fontSize: 12,
        subtitleFontSize: 10,
      },
      width: 170,
      height: 150,
      data: { values },
      mark: { type: 'line', point: { size: 50, filled: true } },
      encoding: {
        x: { field: 'label', type: 'ordinal', sort: values.map((v) => v.label), title: c.parameter, axis: { labelAngle: -30 } },
        y: { field: 'v', type: 'quantitative', title: METRIC_LABEL[c.metric], scale: { zero: true } },
      },
    };
  });
  return {
    title: {
      text: 'Scenario library: morphology trends',
      subtitle: [
        note,
        'each point: one run of examples/<case>, stopped when its mean front had advanced the same distance (equal deposited charge)',
      ],
    },
    concat: panels,
    columns: 4,
    resolve: { scale: { y: 'independent' } },
  };
}
