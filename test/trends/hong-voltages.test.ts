import { defineTrendTest } from './helpers.ts';

defineTrendTest('hong-voltages');
