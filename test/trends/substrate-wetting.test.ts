import { defineTrendTest } from './helpers.ts';

defineTrendTest('substrate-wetting');
