/**
 * The lock of a run directory (`<dir>/.lidendrite.lock`), held for a run's or a resume's
 * lifetime by the CLI, `run --browser` and the sweep runner: a second process on the same
 * directory sees the holder and stops at once.
 *
 * The file holds {pid, host, pidStart, startedAt, command}. A lock is stale, and is taken over,
 * when on this host its process is gone or the pid now belongs to another process (its start
 * time differs), or when on another host (a shared file system, Slurm) it has not been touched
 * for STALE_MS: holders touch it every HEARTBEAT_MS. Taking is an exclusive create; a stale lock
 * is renamed aside first, so two takers cannot both remove a fresh one. Within one process the
 * lock is re-entrant (sweep-task holds it, then runs the point through the same CLI code).
 */
import { closeSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = '.lidendrite.lock';
const HEARTBEAT_MS = 10_000;
/** A lock from another host not touched for this long is stale (its holder died, or its host is gone). */
const STALE_MS = 45_000;

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  /** What holds it, e.g. "run", "resume", "sweep-task". */
  command?: string;
  /** The holder's start time in clock ticks since boot (Linux), to tell a reused pid apart. */
  pidStart?: number | null;
}

export interface HeldLock {
  readonly path: string;
  release(): void;
}

/** Start time of a process (field 22 of /proc/<pid>/stat), or null where /proc is not there. */
function processStart(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count from the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(fields[19]);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockPath(dir: string): string {
  return join(dir, LOCK_FILE);
}

/** The holder of a directory's lock when it is alive, else null (no lock, or a stale one). */
export function lockHolder(dir: string): LockInfo | null {
  const p = lockPath(dir);
  let info: LockInfo;
  let mtime: number;
  try {
    mtime = statSync(p).mtimeMs;
    info = JSON.parse(readFileSync(p, 'utf8'));
  } catch {
    return null;
  }
  if (typeof info?.pid !== 'number' || typeof info.host !== 'string') return null;
  if (info.host === hostname()) {
    if (!pidAlive(info.pid)) return null;
    const start = processStart(info.pid);
    if (typeof info.pidStart === 'number' && start !== null && start !== info.pidStart) return null;
    return info;
  }
  return Date.now() - mtime > STALE_MS ? null : info;
}

/** One line naming the holder: "pid 123 on host (lidendrite run, since 2025-…)". */
export function describeHolder(h: LockInfo): string {
  return `pid ${h.pid} on ${h.host} (lidendrite ${h.command ?? 'run'}, since ${h.startedAt})`;
}

interface Held {
  count: number;
  text: string;
  beat: NodeJS.Timeout;
}
const held = new Map<string, Held>();

function key(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

/** Whether this process holds the lock of `dir` (re-entrant holders need no second look). */
export function heldHere(dir: string): boolean {
  return held.has(key(dir));
}

function handle(k: string, p: string): HeldLock {
  let released = false;
  return {
    path: p,
    release() {
      if (released) return;
      released = true;
      const h = held.get(k);
      if (!h || --h.count > 0) return;
      held.delete(k);
      clearInterval(h.beat);
      try {
        if (readFileSync(p, 'utf8') === h.text) rmSync(p, { force: true });
      } catch {
        /* already gone (the directory was swapped or removed) */
      }
    },
  };
}

/**
 * Takes the lock of `dir` (which must exist), replacing a stale one. Returns the live holder
 * instead when another process has it. File-system errors (a read-only directory) are thrown.
 */
export function acquireLock(dir: string, command: string): HeldLock | { busy: LockInfo } {
  const k = key(dir);
  const p = lockPath(dir);
  const mine = held.get(k);
  if (mine) {
    mine.count++;
    return handle(k, p);
  }
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    pidStart: processStart(process.pid),
    startedAt: new Date().toISOString(),
    command,
  };
  const text = JSON.stringify(info) + '\n';
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(p, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = lockHolder(dir);
      if (holder) return { busy: holder };
      const aside = `${p}.stale-${process.pid}`;
      try {
        renameSync(p, aside);
        rmSync(aside, { force: true });
      } catch {
        /* another taker moved it first */
      }
      continue;
    }
    try {
      writeSync(fd, text);
    } catch (e) {
      closeSync(fd);
      rmSync(p, { force: true });
      throw e;
    }
    closeSync(fd);
    const beat = setInterval(() => {
      try {
        const now = new Date();
        utimesSync(p, now, now);
      } catch {
        /* gone: nothing to refresh */
      }
    }, HEARTBEAT_MS);
    beat.unref();
    held.set(k, { count: 1, text, beat });
    return handle(k, p);
  }
  return { busy: lockHolder(dir) ?? info };
}
