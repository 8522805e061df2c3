/**
 * 3D cases of the morphology figures. They have the shape of the scenario library's cases
 * (src/analysis/library.ts: variants under examples/<id>/, compared at equal deposited charge) and
 * run through the same runLibraryCase(), but are kept out of LIBRARY: a 3D run takes about a minute
 * on the CPU, too long for the trend tests and the trend chart, which run every library case.
 * Their panels are the ξ = ½ surfaces drawn by three.js in headless Chromium (surface3d.ts).
 */
import type { LibraryCase } from '../analysis/library.ts';

export const CASES_3D: LibraryCase[] = [
  {
    id: 'nuclei-3d-voltage',
    title: 'Applied voltage in 3D: one hemispherical nucleus',
    parameter: 'applied voltage V',
    variants: [
      { label: '−0.2 V', file: 'low-voltage.json' },
      { label: '−0.45 V', file: 'scenario.json' },
    ],
    metric: 'tipOverMean',
    expect: 'up',
    literature:
      'Hong & Viswanathan, ACS Energy Lett. 3 (2018) 1737 (2D): compact growth at low overpotential, dendrites at high; in 3D the field at a hemispherical tip is stronger than at a 2D disc.',
    // quick (--quick): a 32 × 16 window in x, y (z keeps its 32 cells) and half the advance
    reduced: { n: [32, 16], advance: 0.75 },
    advance: 1.5,
    requires: [],
  },
];
