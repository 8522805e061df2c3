/**
 * The run-directory contract (docs/reliability.md §8):
 * - a run directory is never the working directory, one of its parents or a system path;
 * - a fresh run writes only into a new or empty directory; one holding another run is replaced
 *   only with --overwrite, and then atomically: the new run writes into a fresh sibling directory
 *   (`.<name>.lidendrite-new-<pid>`) that is swapped in when it ends, the old run staying in place
 *   until then;
 * - a directory holding anything a run did not write is refused, with or without --overwrite,
 *   and nothing is ever deleted that does not have the name of a file a run writes (RUN_FILES);
 * - the directory's lock (src/io/lock.ts) is held for the run's lifetime.
 * Every refusal is a RunDirError naming the path and the reason (exit code 2).
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { fsCause, IoError, RunDirError } from './errors.ts';
import { acquireLock, describeHolder, type HeldLock, heldHere, LOCK_FILE, lockHolder } from './lock.ts';

/** What a run writes, by folder: the only names it ever deletes (the `keep` names of a caller aside). */
const RUN_FILES: Record<string, RegExp> = {
  '.': /^(manifest\.json|metrics\.csv)$/,
  fields: /^fields_\d{4,}\.vti$/,
  png: /^[A-Za-z0-9-]+_\d{4,}\.png$/,
  checkpoint: /^(ckpt-[AB]\.lidckpt|latest\.json)$/,
};
/** Temp files of an atomic write that was cut short (src/io/atomic.ts), and a lock moved aside. */
const TEMP = /^\.(.+)\.tmp-\d+-[0-9a-f]+$/;
const LOCK_ASIDE = /^\.lidendrite\.lock\.stale-\d+$/;

/** Top-level folders a run creates. */
const RUN_DIRS = ['fields', 'png', 'checkpoint'] as const;

export interface ManifestSummary {
  scenario: string;
  state: string;
  endTime?: number;
}

export interface DirScan {
  /** Files and folders a run writes (relative paths; folders last). */
  runFiles: string[];
  /** Everything else, relative paths. */
  foreign: string[];
  /** The run's manifest, when the directory holds a lidendrite run. */
  manifest: ManifestSummary | null;
}

function readManifestSummary(dir: string): ManifestSummary | null {
  try {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    if (typeof m?.lidendrite !== 'string' || typeof m?.status?.state !== 'string') return null;
    return {
      scenario: String(m.scenario?.name ?? '?'),
      state: m.status.state,
      endTime: typeof m.endTime === 'number' ? m.endTime : undefined,
    };
  } catch {
    return null;
  }
}

function isRunName(folder: string, name: string): boolean {
  const t = TEMP.exec(name);
  return RUN_FILES[folder].test(t ? t[1] : name);
}

/**
 * Sorts the entries of `dir` into what a run writes and the rest. Names in `keep` (a sweep
 * point's scenario.json and run.log) are in neither list. Without a lidendrite manifest, data
 * files with a run's names count as foreign: only a manifest says the directory is a run's.
 */
export function scanRunDir(dir: string, keep: readonly string[] = []): DirScan {
  const manifest = readManifestSummary(dir);
  const runFiles: string[] = [];
  const foreign: string[] = [];
  /** Files that are ours whatever the manifest says: the lock, temp files, empty run folders. */
  const always: string[] = [];
  const dirs: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const name = e.name;
    if (keep.includes(name)) continue;
    if (name === LOCK_FILE || LOCK_ASIDE.test(name) || (e.isFile() && TEMP.test(name) && isRunName('.', name))) always.push(name);
    else if (e.isFile() && RUN_FILES['.'].test(name)) runFiles.push(name);
    else if (e.isDirectory() && (RUN_DIRS as readonly string[]).includes(name)) {
      let empty = true;
      for (const f of readdirSync(join(dir, name), { withFileTypes: true })) {
        empty = false;
        const rel = `${name}/${f.name}`;
        if (!f.isFile() || !isRunName(name, f.name)) foreign.push(rel);
        else if (TEMP.test(f.name)) always.push(rel);
        else runFiles.push(rel);
      }
      (empty ? always : dirs).push(name);
    } else foreign.push(e.isDirectory() ? `${name}/` : name);
  }
  if (!manifest) return { runFiles: [...always, ...dirs], foreign: [...foreign, ...runFiles], manifest };
  return { runFiles: [...runFiles, ...always, ...dirs], foreign, manifest };
}

/** The nearest existing ancestor resolved through symbolic links, with the rest appended. */
function realPathOf(abs: string): string {
  const rest: string[] = [];
  let p = abs;
  while (!existsSync(p)) {
    const up = dirname(p);
    if (up === p) break;
    rest.unshift(basename(p));
    p = up;
  }
  let real = p;
  try {
    real = realpathSync(p);
  } catch {
    /* keep it as given */
  }
  return join(real, ...rest);
}

/** Folders no run may be in, at any depth. */
const SYSTEM_TREES = ['/bin', '/boot', '/dev', '/etc', '/lib', '/lib32', '/lib64', '/libx32', '/proc', '/sbin', '/sys', '/usr'];
/** Folders that are not run directories themselves (runs below them are fine). */
const SYSTEM_DIRS = ['/', '/home', '/mnt', '/media', '/opt', '/root', '/run', '/srv', '/tmp', '/var', '/var/tmp'];

const within = (p: string, root: string) => p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);

/**
 * Resolves a run directory given on the command line (or made from a scenario name) and refuses
 * the working directory, any of its parents, and system paths. `what` names the option.
 */
export function checkRunPath(given: string, what: string): string {
  if (given.trim() === '') throw new RunDirError(`${what}: the path is empty; give a directory of its own, e.g. runs/<name>`);
  const abs = resolve(given);
  const real = realPathOf(abs);
  const cwd = realPathOf(process.cwd());
  const shown = real === abs ? abs : `${abs} (${real})`;
  if (real === cwd)
    throw new RunDirError(`${what}: ${shown} is the working directory; a run needs a directory of its own, e.g. runs/<name>`);
  if (within(cwd, real))
    throw new RunDirError(`${what}: ${shown} is a parent of the working directory; a run needs a directory of its own`);
  const system = [...SYSTEM_DIRS, homedir(), tmpdir()];
  if (SYSTEM_TREES.some((t) => within(real, t)) || system.includes(real))
    throw new RunDirError(`${what}: ${shown} is a system path; a run needs a directory of its own, e.g. runs/<name>`);
  return abs;
}

function refuseForeign(dir: string, scan: DirScan, what: string): void {
  if (!scan.foreign.length) return;
  const list = scan.foreign.slice(0, 5).join(', ') + (scan.foreign.length > 5 ? `, … (${scan.foreign.length} in all)` : '');
  throw new RunDirError(
    `${what}: ${dir} holds files lidendrite did not write (${list}); a run writes only into a new or empty directory or over another run (--overwrite), and deletes nothing it did not write: choose another directory`,
  );
}

function describeRun(m: ManifestSummary): string {
  return `scenario "${m.scenario}", ${m.state}${m.endTime !== undefined ? ` at t = ${m.endTime} s` : ''}`;
}

/** Runs `fn`, turning a file-system error into a RunDirError naming `path`. */
function fsStep<T>(what: string, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RunDirError) throw e;
    throw new RunDirError(`${what}: cannot write in ${path}: ${fsCause(e)}`);
  }
}

function lockOrRefuse(dir: string, what: string, command: string): HeldLock {
  const r = fsStep(what, dir, () => acquireLock(dir, command));
  if ('busy' in r)
    throw new RunDirError(
      `${what}: ${dir} is in use by ${describeHolder(r.busy)}; a run directory takes one run or resume at a time (wait for it, or stop pid ${r.busy.pid})`,
    );
  return r;
}

function refuseBusy(dir: string, what: string): void {
  const h = lockHolder(dir);
  if (h && !heldHere(dir))
    throw new RunDirError(
      `${what}: ${dir} is in use by ${describeHolder(h)}; a run directory takes one run or resume at a time (wait for it, or stop pid ${h.pid})`,
    );
}

/**
 * Deletes the run files of `dir` (not the lock, not `keep`), then the run folders when empty.
 * Refuses, deleting nothing, when the directory holds anything else. Returns what it deleted.
 */
export function removeRunFiles(dir: string, keep: readonly string[] = [], opts: { lock?: boolean } = {}): string[] {
  const scan = scanRunDir(dir, keep);
  refuseForeign(dir, scan, 'removing a run');
  const removed: string[] = [];
  for (const rel of scan.runFiles) {
    if (!opts.lock && (rel === LOCK_FILE || LOCK_ASIDE.test(rel))) continue;
    const p = join(dir, rel);
    try {
      if (lstatSync(p).isDirectory()) rmdirSync(p);
      else rmSync(p);
      removed.push(rel);
    } catch (e) {
      throw new IoError(p, 'delete', e);
    }
  }
  return removed;
}

/** A run directory ready for a fresh run. */
export interface PreparedRunDir {
  /** Where the run writes now (the staging directory while overwriting). */
  readonly dir: string;
  /** Where the run ends up. */
  readonly final: string;
  /** The run replaces another one at `final` when it ends. */
  readonly replacing: ManifestSummary | null;
  /** The run has ended (any way): swap it in when staged, then unlock. */
  commit(): void;
  /** Nothing was run (a refusal after the directory was prepared): undo what was made, unlock. */
  abandon(): void;
}

export interface FreshOptions {
  /** Replace a directory holding another run (atomically, at the end). */
  overwrite: boolean;
  /** Names that belong to the caller and stay (a sweep point's scenario.json, run.log). */
  keep?: readonly string[];
  /** The option the path came from, for messages ("--out"). */
  what: string;
  /** What holds the lock ("run"). */
  command: string;
}

/** Removes what an earlier, killed overwrite of `final` left beside it (its holder is dead). */
function removeStaleStaging(final: string): void {
  const parent = dirname(final);
  const re = new RegExp(`^\\.${basename(final).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.lidendrite-(new|old)-\\d+$`);
  let names: string[] = [];
  try {
    names = readdirSync(parent).filter((n) => re.test(n));
  } catch {
    return;
  }
  for (const n of names) {
    const d = join(parent, n);
    try {
      if (lockHolder(d)) continue;
      removeRunFiles(d, [], { lock: true });
      rmdirSync(d);
    } catch {
      /* not only a run's files, or in use: leave it */
    }
  }
}

/**
 * Makes `given` ready for a fresh run under the contract above and takes its lock. Throws a
 * RunDirError (nothing written) when the directory may not be used.
 */
export function prepareFreshRun(given: string, o: FreshOptions): PreparedRunDir {
  const final = checkRunPath(given, o.what);
  const keep = o.keep ?? [];
  let created = false;
  let replacing: ManifestSummary | null = null;
  if (existsSync(final)) {
    if (!statSync(final).isDirectory()) throw new RunDirError(`${o.what}: ${final} exists and is not a directory`);
    refuseBusy(final, o.what);
    replacing = checkContents(final, keep, o);
  } else {
    fsStep(o.what, dirname(final), () => mkdirSync(dirname(final), { recursive: true }));
    fsStep(o.what, final, () => mkdirSync(final));
    created = true;
  }
  const lock = lockOrRefuse(final, o.what, o.command);
  try {
    // again under the lock: the directory may have changed since the first look
    if (!created) replacing = checkContents(final, keep, o);
  } catch (e) {
    lock.release();
    throw e;
  }
  if (!replacing) return direct(final, lock, created, keep);
  return staged(final, lock, replacing, o);
}

function checkContents(dir: string, keep: readonly string[], o: FreshOptions): ManifestSummary | null {
  const scan = scanRunDir(dir, keep);
  refuseForeign(dir, scan, o.what);
  if (!scan.manifest) return null;
  if (!o.overwrite)
    throw new RunDirError(
      `${o.what}: ${dir} holds a lidendrite run (${describeRun(scan.manifest)}): continue it with lidendrite resume ${dir}, replace it with --overwrite, or choose another directory`,
    );
  return scan.manifest;
}

function direct(final: string, lock: HeldLock, created: boolean, keep: readonly string[]): PreparedRunDir {
  return {
    dir: final,
    final,
    replacing: null,
    commit: () => lock.release(),
    abandon() {
      lock.release();
      try {
        removeRunFiles(final, keep);
        if (created) rmdirSync(final);
      } catch {
        /* something else is there now: leave it */
      }
    },
  };
}

function staged(final: string, lock: HeldLock, replacing: ManifestSummary, o: FreshOptions): PreparedRunDir {
  removeStaleStaging(final);
  const tag = `.${basename(final)}.lidendrite`;
  const dir = join(dirname(final), `${tag}-new-${process.pid}`);
  let stageLock: HeldLock;
  try {
    fsStep(o.what, dirname(final), () => mkdirSync(dir));
    stageLock = lockOrRefuse(dir, o.what, o.command);
  } catch (e) {
    lock.release();
    throw e;
  }
  return {
    dir,
    final,
    replacing,
    commit() {
      stageLock.release();
      const old = join(dirname(final), `${tag}-old-${process.pid}`);
      try {
        renameSync(final, old);
      } catch (e) {
        lock.release();
        throw new IoError(final, `replace (the new run is in ${dir})`, e);
      }
      try {
        renameSync(dir, final);
      } catch (e) {
        lock.release();
        throw new IoError(final, `move the new run into place (it is in ${dir}; the old one in ${old})`, e);
      }
      lock.release();
      try {
        removeRunFiles(old, [], { lock: true });
        rmdirSync(old);
      } catch (e) {
        console.warn(`warning: the replaced run was kept in ${old}: ${(e as Error).message}`);
      }
    },
    abandon() {
      stageLock.release();
      lock.release();
      try {
        removeRunFiles(dir, [], { lock: true });
        rmdirSync(dir);
      } catch {
        /* leave it */
      }
    },
  };
}

/** Checks a directory to resume and takes its lock (RunDirError when refused). */
export function lockForResume(given: string, command: string): { dir: string; lock: HeldLock } {
  const dir = checkRunPath(given, 'resume');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new RunDirError(`resume: ${dir} is not a directory`);
  return { dir, lock: lockOrRefuse(dir, 'resume', command) };
}
