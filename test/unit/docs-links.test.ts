/**
 * References that must resolve: every repository path cited in code comments, shaders and docs
 * (src/…, docs/…, test/…, shaders/…, examples/…, bench/…, scripts/…) exists, and every relative
 * Markdown link in the README and the docs points at a file that exists. A reference to a
 * document that is not in the repository (once: "SWITCHES.md §n" in ~30 files) fails here.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SCAN_DIRS = ['src', 'test', 'shaders', 'docs', 'bench', 'examples', 'scripts', 'bin'];
const TEXT = /\.(ts|mjs|wgsl|glsl|md|html|sh|json)$/;
/** Paths the scan skips: generated results and figure bundles carry no hand-written references. */
const SKIP = [join('bench', 'results'), join('docs', 'figures')];

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (SKIP.some((s) => relative(ROOT, p).startsWith(s))) continue;
    if (statSync(p).isDirectory()) walk(p, out);
    else if (TEXT.test(name)) out.push(p);
  }
  return out;
}

function files(): string[] {
  const all = SCAN_DIRS.filter((d) => existsSync(join(ROOT, d))).flatMap((d) => walk(join(ROOT, d)));
  return [...all, join(ROOT, 'README.md')];
}

/** Repository paths cited in text: a top-level folder, then path segments, ending in a file extension. */
const CITED =
  /(?<![\w./-])(?:src|docs|test|shaders|examples|bench|scripts|bin)\/[A-Za-z0-9_.\-/]+\.(?:md|ts|mjs|wgsl|glsl|json|sh|html)\b/g;
/** Markdown links [text](target) with a relative target (no scheme, no anchor-only). */
const MD_LINK = /\]\(([^)\s#]+)(?:#[^)]*)?\)/g;

describe('documentation references', () => {
  it('every cited repository path exists', () => {
    const missing: string[] = [];
    for (const f of files()) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(CITED)) {
        if (!existsSync(join(ROOT, m[0]))) missing.push(`${relative(ROOT, f)}: ${m[0]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every relative Markdown link resolves', () => {
    const missing: string[] = [];
    for (const f of files().filter((p) => p.endsWith('.md'))) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(MD_LINK)) {
        const target = m[1];
        if (/^[a-z]+:/i.test(target)) continue; // http:, https:, mailto:
        if (!existsSync(resolve(dirname(f), target))) missing.push(`${relative(ROOT, f)}: ${target}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('no reference to a document that is not in the repository', () => {
    const hits = files().filter((f) => /SWITCHES\.md/.test(readFileSync(f, 'utf8')) && !f.endsWith('docs-links.test.ts'));
    expect(hits.map((f) => relative(ROOT, f))).toEqual([]);
  });
});
