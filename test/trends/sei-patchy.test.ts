import { defineTrendTest } from './helpers.ts';

defineTrendTest('sei-patchy');
