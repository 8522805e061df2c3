import { defineTrendTest } from './helpers.ts';

defineTrendTest('additive');
