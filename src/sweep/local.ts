/**
 * The local pool of `lidendrite sweep`: runs the points that are not finished, `jobs` at a time,
 * each as a child process (`lidendrite sweep-task DIR INDEX`, which runs or resumes the point),
 * with stdout/stderr appended to points/<id>/run.log. Prints a line per finished or failed point
 * and a progress line (done/running/failed/pending, ETA). SIGINT/SIGTERM/SIGHUP are passed on to the
 * running points (each writes its outputs and a checkpoint) and no new point starts; a child
 * whose sweep died stops itself the same way (--parent-pid).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STOP_SIGNALS } from '../cli/signals.ts';
import { describeCoords } from './spec.ts';
import { pointAction, pointDir, readPointManifest, type PlanFile } from './store.ts';
import { EXIT_BUSY } from './task.ts';

export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'lidendrite.mjs');

export interface LocalOptions {
  jobs?: number;
  threads?: number;
  backend?: string;
  quiet: boolean;
}

export interface LocalResult {
  finished: number;
  failed: number;
  interrupted: number;
  skipped: number;
  total: number;
  code: number;
}

export function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The last non-empty lines of `file` from byte `from` on (what this attempt printed). */
function tail(file: string, from: number, lines = 3): string {
  try {
    const text = readFileSync(file).subarray(from).toString('utf8');
    return text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .slice(-lines)
      .join(' | ');
  } catch {
    return '';
  }
}

export async function runLocal(dir: string, plan: PlanFile, opts: LocalOptions): Promise<LocalResult> {
  const info = opts.quiet ? () => {} : (m: string) => console.error(m);
  const total = plan.points.length;
  const todo = plan.points.filter((p) => pointAction(pointDir(dir, p.id)) !== 'skip');
  const skipped = total - todo.length;
  const cores = availableParallelism();
  const jobs = Math.max(1, Math.min(opts.jobs ?? (opts.backend === 'webgpu' ? 1 : cores), Math.max(1, todo.length)));
  const threads = opts.threads ?? Math.max(1, Math.floor(cores / jobs));
  const resumes = todo.filter((p) => pointAction(pointDir(dir, p.id)) === 'resume').length;
  info(
    `sweep ${plan.name}: ${total} points in ${dir}; ${skipped} finished already, ${todo.length} to run` +
      (resumes ? ` (${resumes} resume from a checkpoint)` : '') +
      (todo.length ? `; ${jobs} at a time, --threads ${threads} each` : ''),
  );

  const queue = [...todo];
  const delayed: { p: PlanFile['points'][number]; at: number }[] = [];
  const running = new Map<number, { child: ChildProcess; t0: number; p: PlanFile['points'][number] }>();
  let finished = 0,
    failed = 0,
    interrupted = 0;
  const durations: number[] = [];
  const t0 = Date.now();
  let stopSignal: NodeJS.Signals | null = null;
  let wake: (() => void) | null = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };

  const progress = () => {
    const pending = queue.length + delayed.length;
    const avg = durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : NaN;
    const eta = (avg * (pending + running.size * 0.5)) / jobs;
    info(
      `sweep ${plan.name}: ${skipped + finished}/${total} done, ${running.size} running, ${failed} failed, ${pending} pending` +
        (interrupted ? `, ${interrupted} interrupted` : '') +
        `; elapsed ${fmtSeconds((Date.now() - t0) / 1000)}, ETA ${pending + running.size === 0 ? '0s' : durations.length ? `~${fmtSeconds(eta)}` : '?'}`,
    );
  };

  const start = (p: PlanFile['points'][number]) => {
    const d = pointDir(dir, p.id);
    const logFile = join(d, 'run.log');
    const fd = openSync(logFile, 'a');
    const from = statSync(logFile).size;
    const args = [
      BIN,
      'sweep-task',
      dir,
      String(p.index),
      '--parent-pid',
      String(process.pid),
      '--threads',
      String(threads),
      ...(opts.backend ? ['--backend', opts.backend] : []),
    ];
    writeSync(fd, `=== ${new Date().toISOString()} ${args.slice(1).join(' ')}\n`);
    let child: ChildProcess;
    try {
      // a process group of its own: a terminal's Ctrl-C reaches only the sweep, which passes it on once
      child = spawn(process.execPath, args, { stdio: ['ignore', fd, fd], detached: true });
    } finally {
      closeSync(fd);
    }
    const began = Date.now();
    running.set(p.index, { child, t0: began, p });
    const what = `point ${p.index} (${p.id}: ${describeCoords(p.coords)})`;
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      if (!running.has(p.index)) return;
      running.delete(p.index);
      const secs = (Date.now() - began) / 1000;
      const man = readPointManifest(d);
      if (code === 0 && man.state === 'finished') {
        finished++;
        durations.push(secs);
        info(`  finished ${what} in ${fmtSeconds(secs)}`);
      } else if (code === EXIT_BUSY) {
        info(`  waiting: ${what} is being run by another process (${tail(logFile, from, 1)})`);
        delayed.push({ p, at: Date.now() + 1000 });
      } else if (code === 130 || (stopSignal && signal)) {
        interrupted++;
        info(
          `  interrupted ${what} after ${fmtSeconds(secs)} (${man.state === 'interrupted' ? 'checkpoint written; the next sweep resumes it' : `manifest: ${man.state}`})`,
        );
      } else {
        failed++;
        const why = man.state === 'failed' && man.reason ? man.reason : tail(logFile, from) || `exit ${code ?? signal}`;
        info(`  FAILED ${what} (exit ${code ?? signal}): ${why}\n    log: ${logFile}`);
      }
      progress();
      poke();
    };
    child.on('error', (e) => {
      try {
        appendFileSync(logFile, `sweep: could not start: ${e.message}\n`);
      } catch {
        /* the log is best effort */
      }
      done(127, null);
    });
    child.on('close', done);
  };

  const onSignal = (sig: NodeJS.Signals) => {
    const first = stopSignal === null;
    stopSignal ??= sig;
    info(`sweep: ${sig}: ${first ? 'no new points start; ' : ''}passing it on to the ${running.size} running point(s)`);
    for (const r of running.values()) {
      try {
        r.child.kill(sig);
      } catch {
        /* already gone */
      }
    }
    poke();
  };
  for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
  let lastProgress = Date.now();
  try {
    for (;;) {
      const now = Date.now();
      for (let k = delayed.length - 1; k >= 0; k--) if (delayed[k].at <= now) queue.push(...delayed.splice(k, 1).map((x) => x.p));
      while (!stopSignal && running.size < jobs && queue.length) start(queue.shift()!);
      if (running.size === 0 && (stopSignal || (queue.length === 0 && delayed.length === 0))) break;
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 1000).unref();
      });
      if (Date.now() - lastProgress > 30_000) {
        progress();
        lastProgress = Date.now();
      }
    }
  } finally {
    for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
  }
  const notRun = queue.length + delayed.length;
  const code = stopSignal ? 130 : failed ? 3 : 0;
  console.log(
    `sweep ${plan.name}: ${skipped + finished} of ${total} points finished${failed ? `, ${failed} failed` : ''}` +
      `${interrupted ? `, ${interrupted} interrupted` : ''}${notRun ? `, ${notRun} not started` : ''} in ${fmtSeconds((Date.now() - t0) / 1000)}` +
      (code === 130 ? `; run the same command again to continue` : `; table: lidendrite sweep collect ${dir}`),
  );
  return { finished: skipped + finished, failed, interrupted, skipped, total, code };
}
