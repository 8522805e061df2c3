/**
 * `lidendrite figures`: which figures exist, what each needs, and writing them (SVG + PNG,
 * atomically) with the figure index (docs/figures.md: what each figure shows and the exact
 * command that made it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDir, writeFileAtomic } from '../io/atomic.ts';
import { packageVersion } from '../io/version.ts';
import { caseFolder, LIBRARY, schemaSupports, type LibraryCase } from '../analysis/library.ts';
import { parseScenario } from '../model/scenario.ts';
import { benchDevices, benchSpec, readBenchResults } from './bench.ts';
import { runLibraryCase, type CaseResult } from './cases.ts';
import { CASES_3D } from './cases3d.ts';
import { morphologySpec, SURFACE_PANEL } from './morphology.ts';
import { renderFigure } from './render.ts';
import { readRun } from './run-dir.ts';
import { registerSurfaceRenderer } from './surface3d.ts';
import { sandRun, sandSpec } from './sand.ts';
import { tafelCurve, tafelSpec } from './tafel.ts';
import { describeScenario, timeseriesSpec } from './timeseries.ts';
import { trendsSpec } from './trends.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs a `lidendrite run …` command line in this process (the CLI's own entry point). */
export type RunCli = (argv: string[]) => Promise<number>;

export interface FiguresOptions {
  out: string;
  runs: string;
  quick: boolean;
  /** Figure ids (or prefixes, e.g. "morphology") to make; all when absent. */
  only?: string[];
  /** The command line to record in the index. */
  command: string;
  log: (m: string) => void;
  runCli: RunCli;
}

export interface FigureRecord {
  id: string;
  title: string;
  /** What it shows, with its key numbers. */
  shows: string;
  files: string[];
  /** Inputs (run directories, result files). */
  sources: string[];
}

export interface Skipped {
  id: string;
  why: string;
}

interface Ctx extends FiguresOptions {
  cases: Map<string, CaseResult[]>;
  /** Why 3D surfaces cannot be drawn (no Chromium); null: the surface renderer is registered. */
  noSurfaces: string | null;
}

interface FigureDef {
  id: string;
  title: string;
  make(ctx: Ctx): Promise<{ spec: Record<string, unknown>; shows: string; sources: string[] } | { skip: string }>;
}

const rel = (p: string) => relative(ROOT, p) || '.';

/** A run made with `lidendrite run` (reused when <runs>/<name> holds a finished run of the same scenario). */
async function cliRun(ctx: Ctx, name: string, scenario: Record<string, unknown>): Promise<string> {
  const dir = join(ctx.runs, name);
  const man = join(dir, 'manifest.json');
  if (existsSync(man)) {
    try {
      const m = JSON.parse(readFileSync(man, 'utf8'));
      const same = JSON.stringify(m.scenario) === JSON.stringify(parseScenario(scenario));
      if (m.status?.state === 'finished' && same) {
        ctx.log(`  reusing the finished run ${rel(dir)}`);
        return dir;
      }
      ctx.log(
        `  ${rel(dir)} holds ${m.status?.state === 'finished' ? 'a different scenario' : `an unfinished run (${m.status?.state})`}: running it again`,
      );
    } catch {
      /* run it again */
    }
  }
  ensureDir(ctx.runs);
  const file = join(ctx.runs, `${name}.scenario.json`);
  writeFileAtomic(file, JSON.stringify(scenario, null, 2) + '\n');
  ctx.log(`  running: lidendrite run ${rel(file)} --out ${rel(dir)} --backend cpu --quiet`);
  // the directory is this tool's own (a different or unfinished run of the same figure): replace it
  const overwrite = existsSync(dir) ? ['--overwrite'] : [];
  const code = await ctx.runCli(['run', file, '--out', dir, '--backend', 'cpu', '--quiet', ...overwrite]);
  if (code !== 0) throw new Error(`the run of ${name} failed (exit ${code}); see ${dir}/manifest.json`);
  return dir;
}

function readJson(p: string): Record<string, unknown> {
  return JSON.parse(readFileSync(p, 'utf8'));
}

async function caseResults(ctx: Ctx, c: LibraryCase): Promise<CaseResult[]> {
  let r = ctx.cases.get(c.id);
  if (!r) {
    ctx.log(`library case ${c.id}${ctx.quick ? ' (reduced grid)' : ''}:`);
    r = await runLibraryCase(c, { runsDir: ctx.runs, reduced: ctx.quick, log: ctx.log });
    ctx.cases.set(c.id, r);
  }
  return r;
}

function availableCases(): { ok: LibraryCase[]; missing: Skipped[] } {
  const ok: LibraryCase[] = [],
    missing: Skipped[] = [];
  for (const c of LIBRARY) {
    const s = schemaSupports(c.requires);
    if (s.ok && existsSync(join(ROOT, 'examples', caseFolder(c)))) ok.push(c);
    else
      missing.push({
        id: `morphology-${c.id}`,
        why: s.ok ? `examples/${caseFolder(c)} is missing` : `the scenario schema has no ${s.missing.join(', ')}`,
      });
  }
  return { ok, missing };
}

function figureDefs(): FigureDef[] {
  const defs: FigureDef[] = [
    {
      id: 'timeseries-default',
      title: 'Time series of the default example',
      async make(ctx) {
        const raw = readJson(join(ROOT, 'examples/default/scenario.json'));
        const sc = ctx.quick
          ? {
              ...raw,
              name: 'default-quick',
              description: 'figures --quick: the default example cut to 64 x 32 cells and 0.4 s',
              grid: { dims: 2, n: [64, 32], dx: '0.25 um' },
              time: { end: '0.4 s', output: '0.05 s' },
              initial: { layer: '2 um', nuclei: [{ center: ['2 um', '4 um'], radius: '1 um' }] },
            }
          : raw;
        const dir = await cliRun(ctx, String(sc.name), sc);
        const run = readRun(dir);
        const last = run.rows.at(-1);
        return {
          spec: timeseriesSpec(run.scenario, run.rows),
          sources: [rel(dir)],
          shows:
            `Tip and mean front position, electrode current density and the lithium balance over time for \`${run.scenario.name}\` (${describeScenario(run.scenario)}). ` +
            (last
              ? `At t = ${last.time_s.toPrecision(3)} s the tip is at ${last.front_tip_um.toFixed(2)} µm, the mean front at ${last.front_mean_um.toFixed(2)} µm. ` +
                (Number.isFinite(last.short_circuit_s)
                  ? `The metal reached the counter electrode (short circuit) at t = ${last.short_circuit_s.toPrecision(4)} s (dashed rule). `
                  : '')
              : '') +
            'The change of total lithium and the lithium that entered through the counter electrode lie on top of each other (conservation, model.md V6).',
        };
      },
    },
    {
      id: 'tafel',
      title: 'Front velocity vs overpotential (Tafel)',
      async make(ctx) {
        const etas = ctx.quick ? [-0.05, -0.15, -0.25, -0.3] : [-0.025, -0.05, -0.075, -0.1, -0.15, -0.2, -0.25, -0.3, -0.35, -0.4];
        ctx.log(`tafel: ${etas.length} flat-front runs (phase stage only, ψ and c̃ fixed)`);
        const r = tafelCurve(etas, { seconds: ctx.quick ? 1 : 3 });
        const dev = (p: { current: number; theory: number }) => Math.abs(p.current / p.theory - 1);
        const inFit = r.points.filter((p) => -p.eta >= r.slopeFrom - 1e-12 && -p.eta <= r.slopeTo + 1e-12);
        const strongest = r.points.reduce((a, b) => (b.eta < a.eta ? b : a));
        return {
          spec: tafelSpec(r),
          sources: ['computed in process (model.md V3 set-up)'],
          shows:
            `Deposition current density i = nFc_s·v from the velocity of a flat front with the potential and c̃ = 1 held fixed, against the sharp-interface Butler–Volmer law and its Tafel asymptote. ` +
            `Measured cathodic slope ${r.slope.toFixed(1)} mV/decade (fit over |η| = ${(1000 * r.slopeFrom).toFixed(0)}–${(1000 * r.slopeTo).toFixed(0)} mV) vs ln10/(αf) = ${r.slopeTheory.toFixed(1)} mV/decade; ` +
            `the points of that range are within ${(100 * Math.max(...inFit.map(dev))).toFixed(1)} % of the law, the strongest drive (η = ${(1000 * strongest.eta).toFixed(0)} mV) ${(100 * (strongest.current / strongest.theory - 1)).toFixed(1)} % ` +
            '(there A = L_η·e^{αf|η|} is no longer ≪ L_σW = 15 /s and the profile distorts, model.md V3).',
        };
      },
    },
    {
      id: 'sand',
      title: "Sand's time: simulation vs formula",
      async make(ctx) {
        const need = schemaSupports(['electrolyte', 'control']);
        if (!need.ok) return { skip: `needs the ${need.missing.join(' and ')} switch(es) in the scenario schema` };
        const o = ctx.quick
          ? { current: 3000, transference: 0.4, samples: 12, lengthFactor: 3 }
          : { current: 1000, transference: 0.4, samples: 40 };
        ctx.log(`sand: galvanostatic binary-electrolyte strip at ${o.current / 10} mA/cm², t+ = ${o.transference}`);
        const r = await sandRun(o);
        ctx.log(`  τ = ${r.tau.toPrecision(4)} s (formula), ${r.tauFit.toPrecision(4)} s (fit); ${r.wallSeconds.toFixed(1)} s wall`);
        return {
          spec: sandSpec(r),
          sources: ['computed in process (model.md V8 set-up)'],
          shows:
            `Li⁺ concentration at the electrode of a flat front under a held current density (${o.current / 10} mA/cm², binary electrolyte t₊ = ${o.transference}) against c0[1 − √(t/τ)]: ` +
            `τ = ${r.tau.toPrecision(4)} s from the formula, ${r.tauFit.toPrecision(4)} s fitted to the simulation (${(100 * (r.tauFit / r.tau - 1)).toFixed(1)} %), and the collector voltage the controller holds.`,
        };
      },
    },
    {
      id: 'bench',
      title: 'Benchmark: WebGPU vs CPU',
      async make() {
        const dir = join(ROOT, 'bench/results/gpu-vs-cpu');
        const b = readBenchResults(dir);
        if (b.rows.length === 0)
          return { skip: `no gpu-suite results in ${rel(dir)} (${b.notes.join('; ') || 'run npm run bench -- --backend all'})` };
        const devs = benchDevices(dir, b.files);
        return {
          spec: benchSpec(b.rows, b.files, devs),
          sources: b.files.map((f) => `bench/results/gpu-vs-cpu/${f}`),
          shows:
            `Million cell-updates per second per grid for a coupled step and each stage, every backend result file of the gpu suite. Devices: ${devs.join('; ')}. ` +
            'A software adapter (SwiftShader) is a CPU emulation of a GPU: its bars are labelled so and say nothing about GPU speed.',
        };
      },
    },
  ];
  for (const c of [...LIBRARY, ...CASES_3D]) {
    defs.push({
      id: `morphology-${c.id}`,
      title: `Morphology: ${c.title}`,
      async make(ctx) {
        const s = schemaSupports(c.requires);
        if (!s.ok) return { skip: `the scenario schema has no ${s.missing.join(', ')}` };
        // a 3D case is shown by its surfaces; without Chromium it is not made (the runs are not started)
        const is3d = CASES_3D.includes(c);
        if (is3d && ctx.noSurfaces) return { skip: `3D surfaces need headless Chromium: ${ctx.noSurfaces}` };
        const rs = await caseResults(ctx, c);
        const adv = ctx.quick ? c.reduced.advance : c.advance;
        const size = (r: CaseResult) =>
          r.scenario.grid.n
            .slice(0, r.scenario.grid.dims)
            .map((v) => +(v * r.scenario.grid.dx * 1e6).toPrecision(3))
            .join(' × ') + ' µm';
        const panels = rs.map((r) => ({
          label: `${c.parameter.replace(/ \(.*\)$/, '')}: ${r.label}`,
          xi: r.xi,
          n: r.scenario.grid.n,
          dx: r.scenario.grid.dx,
          dims: r.scenario.grid.dims,
          morphology: r.morphology,
          note: `t = ${r.time.toPrecision(3)} s${is3d ? `, ${size(r)} domain` : ''}${r.reached ? '' : ` — front did NOT advance ${adv} µm by t = ${r.time.toPrecision(3)} s`}`,
        }));
        const first = rs[0].scenario;
        return {
          // 3D panels are narrow (two surface pictures): their subtitle is wrapped narrower, since
          // vega sizes the figure by its (over-)estimate of the text width
          spec: await morphologySpec(
            `${c.id}: ${c.title}`,
            [
              `examples/${caseFolder(c)}${ctx.quick ? ', reduced grid' : ''}: ${describeScenario(first).replace(/, V = [^,]+/, '')}; each run stopped when its mean front had advanced ${adv} µm (equal deposited charge)`,
              ...(is3d
                ? [
                    'Panels: the lit ξ = ½ surface (three.js), growth direction x pointing up, current collector (x = 0) at the bottom, seen from the side and slightly above; grey lines: the domain.',
                  ]
                : []),
              `expected (${c.metric}): ${c.expect === 'up' ? 'rises' : 'falls'} along the panels — ${c.literature}`,
            ].flatMap((line, k) => (k === 0 && !is3d ? [line] : wrap(line, is3d ? 105 : 150))),
            panels,
          ),
          sources: rs.map((r) => rel(r.dir)),
          shows:
            (is3d
              ? `ξ = ½ surfaces of examples/${caseFolder(c)} (${rs.map((r) => r.label).join(', ')}; three.js in headless Chromium, lit, fixed camera with the growth direction x pointing up, seen from the side and slightly above, ${SURFACE_PANEL.width} × ${SURFACE_PANEL.height} px per panel) at equal deposited charge (mean-front advance ${adv} µm); `
              : `ξ maps of examples/${caseFolder(c)} (${rs.map((r) => r.label).join(', ')}) at equal deposited charge (front advance ${adv} µm), with the ξ = ½ contour; `) +
            `${c.metric}: ${rs.map((r) => `${r.label}: ${r.morphology[c.metric].toFixed(3)}`).join(', ')} (the literature expects it to ${c.expect === 'up' ? 'rise' : 'fall'}).` +
            (rs.some((r) => !r.reached)
              ? ` Not at equal charge: ${rs
                  .filter((r) => !r.reached)
                  .map((r) => r.label)
                  .join(', ')} were stopped (t = ${rs
                  .filter((r) => !r.reached)
                  .map((r) => r.time.toPrecision(3))
                  .join(', ')} s) before their front had advanced that far.`
              : ''),
        };
      },
    });
  }
  defs.push({
    id: 'trends',
    title: 'Scenario library: morphology trends',
    async make(ctx) {
      const { ok, missing } = availableCases();
      const cases = [];
      for (const c of ok) cases.push({ c, results: await caseResults(ctx, c) });
      if (!cases.length) return { skip: 'no library case can run' };
      const note = missing.length
        ? `not shown: ${missing.map((m) => `${m.id.replace('morphology-', '')} (${m.why})`).join('; ')}`
        : `${cases.length} cases`;
      return {
        spec: trendsSpec(cases, note),
        sources: cases.flatMap(({ results }) => results.map((r) => rel(r.dir))),
        shows:
          'The morphology metric of every library case against its parameter: ' +
          cases
            .map(({ c, results }) => {
              const v = results.map((r) => r.morphology[c.metric]);
              const sign = c.expect === 'up' ? 1 : -1;
              const mono = v.every((x, k) => k === 0 || sign * (x - v[k - 1]) > 0);
              return `${c.id} ${v.map((x) => x.toFixed(3)).join(' → ')} (${mono ? 'as expected' : 'NOT as expected'})`;
            })
            .join('; ') +
          '.',
      };
    },
  });
  return defs;
}

/** Splits text into lines of at most `width` characters (at spaces). */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

/** Every figure id, in the order they are made. */
export function figureIds(): string[] {
  return figureDefs().map((d) => d.id);
}

/** Makes the figures; returns what was written and what was skipped (with why). */
export async function makeFigures(o: FiguresOptions): Promise<{ written: FigureRecord[]; skipped: Skipped[]; index: string }> {
  const defs = figureDefs().filter((d) => !o.only || o.only.some((p) => d.id === p || d.id.startsWith(p + '-') || d.id.startsWith(p)));
  ensureDir(o.out);
  // one headless Chromium for the whole call, started only when a 3D panel asks for a surface
  const surfaces = registerSurfaceRenderer();
  const ctx: Ctx = { ...o, cases: new Map(), noSurfaces: 'missing' in surfaces ? surfaces.missing : null };
  const written: FigureRecord[] = [];
  const skipped: Skipped[] = [];
  try {
    for (const d of defs) {
      o.log(`[${written.length + skipped.length + 1}/${defs.length}] ${d.id}`);
      const r = await d.make(ctx);
      if ('skip' in r) {
        skipped.push({ id: d.id, why: r.skip });
        o.log(`  skipped: ${r.skip}`);
        continue;
      }
      const fig = await renderFigure(r.spec);
      const svg = join(o.out, `${d.id}.svg`),
        png = join(o.out, `${d.id}.png`);
      writeFileAtomic(svg, fig.svg);
      writeFileAtomic(png, fig.png);
      o.log(`  wrote ${rel(svg)} and ${rel(png)}`);
      written.push({ id: d.id, title: d.title, shows: r.shows, files: [svg, png], sources: r.sources });
    }
  } finally {
    if ('close' in surfaces) await surfaces.close();
  }
  // the index covers every figure in the folder: entries of figures not made by this call are
  // kept from the previous index (DIR/index.json) when their files are still there
  const index = join(dirname(resolve(o.out)), `${basename(resolve(o.out))}.md`);
  const order = figureIds();
  const date = new Date().toISOString().slice(0, 10);
  const now: IndexEntry[] = written.map((f) => ({
    ...f,
    files: f.files.map((p) => basename(p)),
    command: `${o.command.replace(/ --only [^ ]+/, '')} --only ${f.id}`,
    date,
    version: packageVersion(),
    quick: o.quick,
  }));
  const kept = readIndex(o.out).filter((e) => !now.some((n) => n.id === e.id) && e.files.every((f) => existsSync(join(o.out, f))));
  const entries = [...now, ...kept].sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  const notMade = skipped.filter((s) => !entries.some((e) => e.id === s.id));
  writeFileAtomic(join(o.out, 'index.json'), JSON.stringify({ format: 'lidendrite-figures', entries, notMade }, null, 2) + '\n');
  writeFileAtomic(index, figureIndex(entries, notMade, o, index));
  o.log(`wrote ${rel(index)}`);
  return { written, skipped, index };
}

/** One figure of the index (files relative to the figure folder). */
interface IndexEntry extends FigureRecord {
  command: string;
  date: string;
  version: string;
  quick: boolean;
}

function readIndex(out: string): IndexEntry[] {
  try {
    const j = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
    return Array.isArray(j.entries) ? j.entries : [];
  } catch {
    return [];
  }
}

function figureIndex(entries: IndexEntry[], skipped: Skipped[], o: FiguresOptions, indexPath: string): string {
  const folder = relative(dirname(indexPath), o.out) || '.';
  const lines = [
    '# Figures',
    '',
    'Publication figures of lidendrite, made by `lidendrite figures` (src/figures/; `npx lidendrite figures --help`).',
    'Each figure is a Vega-Lite spec drawn by vega (SVG) and rasterised by resvg (PNG, twice the SVG size); the 3D',
    'morphology panels are ξ = ½ surfaces rendered by three.js in headless Chromium (src/figures/surface3d.ts; without',
    'Chromium those figures are listed under "Not made" with the reason). Each entry',
    'says what the figure shows, with its numbers, and the exact command that made it. The runs a figure needs are made on',
    `the CPU and kept in \`${relative(ROOT, o.runs) || '.'}\` (reused on the next call; \`--runs <dir>\` points elsewhere).`,
    'The whole set: `npx lidendrite figures` (most of its time goes into the full-size library runs).',
    '',
  ];
  for (const f of entries) {
    lines.push(`## ${f.title} (\`${f.id}\`)`, '', `![${f.title}](${folder}/${f.files.find((x) => x.endsWith('.png'))})`, '');
    lines.push(
      `Files: ${f.files.map((p) => `[${p}](${folder}/${p})`).join(', ')}; made ${f.date} by lidendrite ${f.version}${f.quick ? ' in quick mode (tiny grids, for tests)' : ''}.`,
      '',
    );
    lines.push(f.shows, '');
    lines.push(`Inputs: ${f.sources.map((s) => `\`${s}\``).join(', ')}`, '');
    lines.push(`Command: \`${f.command}\``, '');
  }
  if (skipped.length) {
    lines.push('## Not made', '');
    for (const s of skipped) lines.push(`- \`${s.id}\`: ${s.why}`);
    lines.push('');
  }
  return lines.join('\n');
}
