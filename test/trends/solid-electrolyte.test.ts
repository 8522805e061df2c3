import { defineTrendTest } from './helpers.ts';

defineTrendTest('solid-electrolyte');
defineTrendTest('stack-pressure');
