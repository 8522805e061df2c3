import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { IoError } from './errors.ts';

/** Creates a directory (and its parents) if it does not exist yet. */
export function ensureDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new IoError(dir, 'create the directory', e);
  }
}

/**
 * Writes `data` to `target` so that readers see either the old file or the
 * complete new one, never a partial write: the bytes go to a temp file in the
 * same directory (rename is only atomic within one filesystem), which is
 * fsynced before it is renamed over the target. A failure (a full disk) leaves the old file and
 * no temp file, and is an IoError naming the target.
 */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const dir = path.dirname(path.resolve(target));
  const tmp = path.join(dir, `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx');
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, target);
  } catch (err) {
    try {
      if (fd !== undefined) fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
    } catch {
      /* the first error is the one to report */
    }
    throw new IoError(target, 'write', err);
  }
  fsyncDir(dir);
}

/**
 * Persists the directory entry created by a rename. Best effort: some
 * platforms/filesystems refuse to open or fsync directories, and the data
 * itself is already durable by then.
 */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // ignored on purpose, see above
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Resolves `rel` inside `root` and returns the absolute path. Throws if the
 * result would leave `root` (via `..` or an absolute path), so paths taken
 * from scenario files or the CLI cannot write outside the run directory.
 */
export function safeJoin(root: string, rel: string): string {
  if (path.isAbsolute(rel) || path.win32.isAbsolute(rel)) {
    throw new Error(`path "${rel}" must be relative to "${root}"`);
  }
  const base = path.resolve(root);
  const full = path.resolve(base, rel);
  const back = path.relative(base, full);
  if (back === '..' || back.startsWith('..' + path.sep) || path.isAbsolute(back)) {
    throw new Error(`path "${rel}" escapes "${root}"`);
  }
  return full;
}
