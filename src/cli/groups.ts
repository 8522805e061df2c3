/** The scenario's summary line and its derived dimensionless groups, as `run` and `check` print them. */
import { derivedGroups } from '../model/derived.ts';
import type { Scenario } from '../model/scenario.ts';

export function printGroups(s: Scenario, log: (m: string) => void): void {
  log(
    `scenario ${s.name}: ${s.grid.dims}D ${s.grid.n.slice(0, s.grid.dims).join(' x ')} cells, dx = ${(s.grid.dx * 1e6).toPrecision(4)} µm, V = ${s.voltage} V, T = ${s.parameters.T} K, end ${s.time.end} s`,
  );
  log(
    s.model === 'grand-potential'
      ? 'model: grand-potential (Hong & Viswanathan 2018, MOOSE input form; docs/grand-potential.md)'
      : 'model: concentration (Chen et al. 2015)',
  );
  log('derived groups (l0 = 1 µm, t0 = 1 s):');
  for (const g of derivedGroups(s)) log(`  ${g.symbol.padEnd(22)} ${g.value.toPrecision(4).padStart(12)} ${g.unit.padEnd(6)} ${g.meaning}`);
}
