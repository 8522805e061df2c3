/**
 * `lidendrite` command line.
 *   run <scenario.json> [--backend auto|cpu|webgpu] [--out DIR] [--until SECONDS] [--threads N] [--quiet]
 *   check <scenario.json>
 * Exit codes: 0 success, 2 bad input (usage or scenario), 3 the run failed, 130 interrupted.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { createBackend, type BackendName } from '../backends/create.ts';
import { derivedGroups, scenarioWarnings } from '../model/derived.ts';
import { ScenarioError, type Scenario } from '../model/scenario.ts';
import { loadScenario } from '../io/load.ts';
import { RunWriter } from '../io/run-output.ts';
import { Simulation, SolverError } from '../solver/simulation.ts';
import { Progress } from './progress.ts';

export const EXIT = { ok: 0, badInput: 2, failed: 3, interrupted: 130 } as const;

const USAGE = `usage:
  lidendrite run <scenario.json> [--backend auto|cpu|webgpu] [--out DIR] [--until SECONDS] [--threads N] [--quiet]
  lidendrite check <scenario.json>`;

class UsageError extends Error {}

function printGroups(s: Scenario, log: (m: string) => void): void {
  log(`scenario ${s.name}: ${s.grid.dims}D ${s.grid.n.slice(0, s.grid.dims).join(' x ')} cells, dx = ${(s.grid.dx * 1e6).toPrecision(4)} µm, V = ${s.voltage} V, T = ${s.parameters.T} K, end ${s.time.end} s`);
  log('derived groups (l0 = 1 µm, t0 = 1 s):');
  for (const g of derivedGroups(s)) log(`  ${g.symbol.padEnd(22)} ${g.value.toPrecision(4).padStart(12)} ${g.unit.padEnd(6)} ${g.meaning}`);
}

async function cmdCheck(file: string): Promise<number> {
  const s = loadScenario(file);
  printGroups(s, console.log);
  for (const w of scenarioWarnings(s)) console.log(`warning: ${w}`);
  console.log('scenario OK');
  return EXIT.ok;
}

async function cmdRun(file: string, opts: { backend: string; out?: string; until?: string; threads?: string; quiet: boolean }): Promise<number> {
  const s = loadScenario(file);
  const backendName = opts.backend as BackendName;
  if (!['auto', 'cpu', 'webgpu'].includes(backendName)) throw new UsageError(`--backend: "${opts.backend}" is not one of auto, cpu, webgpu`);
  const until = opts.until !== undefined ? Number(opts.until) : s.time.end;
  if (!(until > 0) || !Number.isFinite(until)) throw new UsageError(`--until: "${opts.until}" must be a positive number of seconds`);
  const threads = opts.threads !== undefined ? Number(opts.threads) : undefined;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= 256)) throw new UsageError(`--threads: "${opts.threads}" must be an integer in 1..256`);
  const end = Math.min(until, s.time.end);
  const log = opts.quiet ? () => {} : (m: string) => console.log(m);
  printGroups(s, log);
  const warnings = scenarioWarnings(s);
  for (const w of warnings) console.warn(`warning: ${w}`);

  const { backend, log: blog } = await createBackend(backendName, s, { threads });
  for (const l of blog) log(l);
  const out = resolve(opts.out ?? `runs/${s.name}`);
  const writer = new RunWriter(out, s, { groups: derivedGroups(s), backend: backend.name, device: backend.device, warnings, argv: process.argv.slice(2) });
  writer.writeManifest({ state: 'running' });
  log(`writing to ${out}`);

  let stopSignal: string | null = null;
  const onSignal = (sig: string) => { stopSignal = sig; };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const sim = new Simulation(s, backend);
  const progress = new Progress(end, undefined, opts.quiet);
  let index = 0;
  let warnedC = false;
  const emit = async () => {
    const f = await backend.read();
    const row = await sim.metrics();
    const phi = f.psi.map((v) => v / sim.k.f);
    writer.writeOutput(index++, sim.time, { xi: f.xi, c: f.c, phi }, row);
    if (!warnedC && row.c_max > 10) {
      warnedC = true;
      console.warn(`warning: max c/c0 = ${row.c_max.toPrecision(3)} at t = ${sim.time.toPrecision(4)} s: Li+ is piling up ahead of the front (the base model has no anion/electroneutrality, model.md §1)`);
    }
    return row;
  };
  try {
    await sim.start();
    await emit();
    const interval = s.time.output;
    let next = interval;
    while (sim.time < end - 1e-12 * end) {
      const target = Math.min(next, end);
      while (sim.time < target - 1e-12 * target) {
        await sim.runTo(Math.min(target, sim.time + 1e9), () => progress.update(sim.time, sim.step, sim.dt));
        if (stopSignal) break;
      }
      if (stopSignal) break;
      await emit();
      next += interval;
    }
    if (stopSignal) {
      await emit();
      writer.writeManifest({ state: 'interrupted', signal: stopSignal }, { endTime: sim.time, steps: sim.step });
      console.warn(`interrupted by ${stopSignal} at t = ${sim.time} s; outputs written up to here`);
      return EXIT.interrupted;
    }
    writer.writeManifest({ state: 'finished' }, { endTime: sim.time, steps: sim.step });
    log(`finished: t = ${sim.time} s in ${sim.step} steps; outputs in ${out}`);
    return EXIT.ok;
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    writer.writeManifest({ state: 'failed', reason }, { endTime: sim.time, steps: sim.step });
    console.error(`run failed: ${reason}`);
    return EXIT.failed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await backend.dispose();
  }
}

/** Entry point; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const { positionals, values } = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        backend: { type: 'string', default: 'auto' }, out: { type: 'string' }, until: { type: 'string' },
        threads: { type: 'string' }, quiet: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' },
      },
    });
    const [cmd, file, ...rest] = positionals;
    if (values.help || !cmd) { console.log(USAGE); return values.help ? EXIT.ok : EXIT.badInput; }
    if (rest.length) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
    if (cmd !== 'run' && cmd !== 'check') throw new UsageError(`unknown command "${cmd}"`);
    if (!file) throw new UsageError(`${cmd}: missing <scenario.json>`);
    return cmd === 'check' ? await cmdCheck(file) : await cmdRun(file, values as never);
  } catch (e) {
    if (e instanceof ScenarioError) { console.error(e.message); return EXIT.badInput; }
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(e as Error).message}\n${USAGE}`);
      return EXIT.badInput;
    }
    if (e instanceof SolverError) { console.error(`run failed: ${e.message}`); return EXIT.failed; }
    throw e;
  }
}
