import { defineTrendTest } from './helpers.ts';

defineTrendTest('host-3d');
