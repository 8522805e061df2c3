/**
 * GLSL parameter vectors declared once (src/backends/webgl/uniforms.ts): the host packs each by
 * component name, and every `uniform vecN` in shaders/glsl is either a declared layout of N
 * components whose declaration comment lists the same components in the same order, or one of the
 * arrays/geometry vectors (GL_ARRAY_UNIFORMS, packed by one function each). Checks on the source
 * text; test/browser/backends.test.ts runs the kernels in headless Chromium.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GL_ARRAY_UNIFORMS, GL_UNIFORMS, glKey, glUniform, type GlUniformName } from '../../src/backends/webgl/uniforms.ts';

const root = path.resolve(import.meta.dirname, '../..');
const shaderDir = path.join(root, 'shaders/glsl');
const hostDir = path.join(root, 'src/backends/webgl');

interface Decl {
  file: string;
  n: number;
  name: string;
  comment: string;
}

function declarations(): Decl[] {
  const out: Decl[] = [];
  for (const file of fs.readdirSync(shaderDir).filter((f) => f.endsWith('.glsl'))) {
    for (const line of fs.readFileSync(path.join(shaderDir, file), 'utf8').split('\n')) {
      const m = /^\s*uniform\s+vec(\d)\s+(u\w+)\s*;\s*(?:\/\/\s*(.*))?$/.exec(line);
      if (m) out.push({ file, n: Number(m[1]), name: m[2], comment: (m[3] ?? '').trim() });
      else if (/^\s*uniform\s+vec\d/.test(line)) throw new Error(`${file}: unparsed declaration: ${line}`);
    }
  }
  return out;
}

const layouts = GL_UNIFORMS as Record<string, readonly string[]>;
const arrays: readonly string[] = GL_ARRAY_UNIFORMS;

describe('GLSL parameter vectors', () => {
  it('packs by name in declared lane order, unused lanes 0; refuses unknown and missing components', () => {
    expect(glUniform('uT', { migration: 4, bcMax: 3, scale: 1, csSink: 2 })).toEqual([1, 2, 3, 4]);
    expect(glUniform('uL', { vol: 2, invDt: 3, csSink: 1 })).toEqual([1, 2, 3, 0]);
    expect(glUniform('uRef', { bcMax: -7 })).toEqual([-7, 0, 0, 0]);
    expect(glKey(0xabcd1234)).toEqual([0xabcd, 0x1234]);
    expect(() => glUniform('uS', { shield: 1, first: 0, extra: 2 } as never)).toThrow(/glUniform\(uS\): no component extra/);
    expect(() => glUniform('uD', { Ds: 1, Dl: 2, _: 0 } as never)).toThrow(/no component _/);
    expect(() => glUniform('uP0', { dt: 1, invDx: 2, mobKappa: 3 } as never)).toThrow(/glUniform\(uP0\): component mobW missing/);
  });

  it('every layout has 2 to 4 distinct named lanes and no name is both a layout and an array', () => {
    for (const [k, lanes] of Object.entries(layouts)) {
      expect(lanes.length, k).toBeGreaterThanOrEqual(2);
      expect(lanes.length, k).toBeLessThanOrEqual(4);
      const named = lanes.filter((c) => c !== '_');
      expect(new Set(named).size, `${k} repeats a component`).toBe(named.length);
      expect(named.length, k).toBeGreaterThan(0);
      expect(arrays, k).not.toContain(k);
    }
  });

  it('every shader `uniform vecN` is a layout of N lanes with its components as the comment, or a listed array', () => {
    const decls = declarations();
    expect(decls.length).toBeGreaterThan(40);
    for (const d of decls) {
      const where = `${d.file}: ${d.name}`;
      const lanes = layouts[d.name];
      if (lanes) {
        expect(d.n, `${where} lanes`).toBe(lanes.length);
        expect(d.comment, `${where} comment`).toBe(`(${lanes.join(', ')})`);
      } else {
        expect(arrays, `${where} has no layout in src/backends/webgl/uniforms.ts`).toContain(d.name);
      }
    }
    // One meaning per name: a name declared in several shaders has the same size everywhere (and,
    // for a layout, the same comment, checked above).
    const size = new Map<string, number>();
    for (const d of decls) {
      expect(size.get(d.name) ?? d.n, `${d.file}: ${d.name} size`).toBe(d.n);
      size.set(d.name, d.n);
    }
    const declared = new Set(decls.map((d) => d.name));
    for (const k of [...Object.keys(layouts), ...arrays]) expect(declared.has(k), `${k} is declared in no shader`).toBe(true);
  });

  it('the host passes every parameter vector through glUniform under its own name, never a literal array', () => {
    const files = fs.readdirSync(hostDir).filter((f) => f.endsWith('.ts') && f !== 'uniforms.ts');
    let packed = 0;
    const seen = new Set<string>();
    for (const f of files) {
      const text = fs.readFileSync(path.join(hostDir, f), 'utf8');
      for (const k of Object.keys(layouts)) {
        expect(text, `${f}: ${k} as a literal array`).not.toMatch(new RegExp(`\\b${k}\\s*[:=]\\s*\\[`));
      }
      for (const m of text.matchAll(/\b(u\w+)\s*[:=]\s*glUniform\('(\w+)'/g)) {
        expect(m[2], `${f}: ${m[1]} packed as ${m[2]}`).toBe(m[1]);
        seen.add(m[2]);
        packed++;
      }
      for (const m of text.matchAll(/\b(u\w+)\s*[:=]\s*glKey\(/g)) {
        expect(m[1], f).toBe('uKey');
        seen.add('uKey');
      }
    }
    expect(packed).toBeGreaterThan(20);
    const unused = (Object.keys(layouts) as GlUniformName[]).filter((k) => !seen.has(k));
    expect(unused, 'layouts the host never packs').toEqual([]);
  });
});
