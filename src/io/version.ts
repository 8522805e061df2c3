/** The lidendrite version and git commit recorded in manifests, checkpoints and figure indexes. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** package.json's version, or 'unknown' when it cannot be read. */
export function packageVersion(): string {
  try {
    return String(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  } catch {
    return 'unknown';
  }
}

let commitCache: { value: string | null } | null = null;

/** The checkout's HEAD commit, or null outside a git checkout (asked once per process). */
export function gitCommit(): string | null {
  if (commitCache) return commitCache.value;
  let value: string | null = null;
  try {
    value = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    value = null;
  }
  commitCache = { value };
  return value;
}
