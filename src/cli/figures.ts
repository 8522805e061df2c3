/**
 * `lidendrite figures [--out DIR] [--runs DIR] [--quick] [--only ID,…] [--list]`: publication
 * figures (SVG + PNG) and their index DIR.md (src/figures/build.ts). Runs that a figure needs
 * are made on the CPU (small grids; progress on stdout) into --runs and reused next time.
 */
import { parseArgs } from 'node:util';
import { relative, resolve } from 'node:path';
import { figureIds, makeFigures, ROOT, type RunCli } from '../figures/build.ts';
import { UsageError } from './errors.ts';

export const FIGURES_USAGE = `  lidendrite figures [--out DIR] [--runs DIR] [--quick] [--only ID[,ID…]] [--list]
      publication figures (SVG + PNG) into DIR (default docs/figures) and their index DIR.md;
      runs it needs are made on the CPU into --runs (default runs/figures[-quick]) and reused;
      3D morphology panels are rendered with three.js in headless Chromium (skipped without it)`;

/** Entry point; errors go to the CLI's one mapping (usage errors: exit 2, nothing written). */
export async function figuresMain(argv: string[], runCli: RunCli): Promise<number> {
  const { positionals, values: v } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: 'string' },
      runs: { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (v.help) {
    console.log(`usage:\n${FIGURES_USAGE}\nfigures: ${figureIds().join(', ')}`);
    return 0;
  }
  if (positionals.length) throw new UsageError(`figures: unexpected arguments: ${positionals.join(' ')}`, FIGURES_USAGE);
  const ids = figureIds();
  if (v.list) {
    for (const id of ids) console.log(id);
    return 0;
  }
  const only = v.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const o of only ?? []) {
    if (!ids.some((id) => id === o || id.startsWith(o)))
      throw new UsageError(`--only: "${o}" is not a figure (${ids.join(', ')})`, FIGURES_USAGE);
  }
  const out = resolve(v.out ?? 'docs/figures');
  const runs = resolve(v.runs ?? (v.quick ? 'runs/figures-quick' : 'runs/figures'));
  const shown = (p: string) => relative(ROOT, p) || '.';
  const command = [
    'npx lidendrite figures',
    `--out ${shown(out)}`,
    ...(v.runs ? [`--runs ${shown(runs)}`] : []),
    ...(v.quick ? ['--quick'] : []),
    ...(only ? [`--only ${only.join(',')}`] : []),
  ].join(' ');
  const t0 = Date.now();
  const r = await makeFigures({ out, runs, quick: v.quick, only, command, log: (m) => console.log(m), runCli });
  console.log(
    `${r.written.length} figures written, ${r.skipped.length} skipped${r.skipped.length ? ` (${r.skipped.map((s) => s.id).join(', ')})` : ''}; ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  return 0;
}
