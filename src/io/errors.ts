/**
 * Errors of the output layer, each naming the path and the cause in one line
 * (docs/reliability.md §8, §9). The CLI maps them to exit codes: a RunDirError is
 * bad input (2, nothing was run), an IoError during a run makes the run fail (3).
 */

/** A run directory that cannot be used as asked (refused path, foreign files, another run, a lock, a damaged file). */
export class RunDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunDirError';
  }
}

/** A read or write that failed; `path` is the file, `code` the errno name (ENOSPC, EACCES, …). */
export class IoError extends Error {
  readonly code: string | undefined;
  constructor(
    readonly path: string,
    action: string,
    readonly cause: unknown,
  ) {
    super(`cannot ${action} ${path}: ${fsCause(cause)}`);
    this.name = 'IoError';
    this.code = (cause as NodeJS.ErrnoException | null)?.code;
  }
}

const CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  ENOTEMPTY: 'directory not empty',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'file name too long',
  EFBIG: 'file too large',
};

/** The cause of a file-system error in words, with its code: "no space left on device (ENOSPC)". */
export function fsCause(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code && CAUSES[code]) return `${CAUSES[code]} (${code})`;
  return e instanceof Error ? e.message : String(e);
}

/** Whether `e` is an error of the file system (it has an errno code) rather than a bug. */
export function isFsError(e: unknown): e is NodeJS.ErrnoException {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}
