import { defineTrendTest } from './helpers.ts';

defineTrendTest('temperature');
