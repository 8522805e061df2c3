/**
 * The three binary-electrolyte, galvanostatic library cases (salt concentration, current density,
 * transference number) in one file: they share the point c0 = 1 M, 500 mA/cm², t₊ = 0.4, which
 * runs once (helpers.ts memo).
 */
import { defineTrendTest } from './helpers.ts';

for (const id of ['salt-concentration', 'current-density', 'transference']) defineTrendTest(id);
