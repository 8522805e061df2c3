/**
 * Hostile scenario input: a seeded property-based fuzz of parseScenario and loadScenario.
 * Every generated document is either accepted — and then really valid: finite numbers, a grid
 * the engine allows, no foreign keys, and stable when re-parsed — or refused with a
 * ScenarioError whose every message starts with a field path (or, for file-level problems,
 * the file's path). Nothing else may be thrown, nothing may hang, and parsing must not
 * allocate grid-sized buffers.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario, ScenarioError, type Scenario } from '../../src/model/scenario.ts';
import { loadScenario } from '../../src/io/load.ts';
import { canonicalJson, scenarioToInput } from '../../src/io/checkpoint.ts';
import { tmp } from './helpers.ts';
import { mulberry32 } from '../rng.ts';

const SEED = 20240611;
const N_DIRECT = 3000;
const N_FILES = 1000;

/** Seeded helpers over mulberry32 (test/rng.ts). */
function makeRng(seed: number) {
  const next = mulberry32(seed);
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(a: readonly T[]): T => a[Math.floor(next() * a.length)],
    chance: (p: number) => next() < p,
  };
}
type Rng = ReturnType<typeof makeRng>;

/** Sets an own, enumerable property even for "__proto__" (plain assignment would set the prototype). */
function put(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

const BASES: Record<string, unknown>[] = [
  {
    name: 'a',
    grid: { dims: 2, n: [48, 16], dx: '0.25 um' },
    time: { end: '0.04 s', output: '0.02 s' },
    voltage: '-0.45 V',
    initial: { layer: '3 um' },
  },
  {
    name: 'b-3d',
    description: 'three dimensions',
    grid: { dims: 3, n: [24, 12, 12], dx: 2.5e-7 },
    time: { end: 1, output: 0.5 },
    voltage: -0.3,
    parameters: { T: '310 K', c0: '1 M', Leta: 0.002 },
    anisotropy: { delta: 0.03, omega: 4 },
    boundary: { lateral: 'periodic' },
    initial: { layer: '1 um', nuclei: [{ center: ['1 um', '1.5 um', '1.5 um'], radius: '0.5 um' }] },
    noise: { amplitude: 0.05, seed: 7 },
    numerics: { dtMax: '20 ms', checkEvery: 4, maxRetries: 2 },
    output: { png: false, checkpointEvery: '0.1 s' },
  },
  {
    name: 'c_rough',
    grid: { dims: 2, n: [64, 32], dx: '250 nm' },
    time: { end: '2 s', output: '1 s' },
    voltage: '-200 mV',
    initial: { layer: '2 um', rough: { amplitude: '0.2 um', wavelength: '2 um', seed: 3 }, concentration: 'uniform' },
    boundary: { c: { y0: { type: 'dirichlet', value: 1 } } },
  },
];

function deepArray(depth: number): unknown {
  let v: unknown = 0;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}
function deepObject(depth: number): unknown {
  let v: unknown = 0;
  for (let i = 0; i < depth; i++) {
    const o = {};
    put(o, 'a', v);
    v = o;
  }
  return v;
}
function protoBomb(): Record<string, unknown> {
  const o = {};
  put(o, '__proto__', { polluted: true, grid: { dims: 2 } });
  return o;
}
function manyKeys(n: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) o[`k${i}`] = i;
  return o;
}

const HOSTILE: (() => unknown)[] = [
  () => null,
  () => undefined,
  () => true,
  () => false,
  () => 0,
  () => -0,
  () => 1,
  () => -1,
  () => 0.5,
  () => 3,
  () => 4,
  () => 1e308,
  () => -1e308,
  () => 5e-324,
  () => NaN,
  () => Infinity,
  () => -Infinity,
  () => 2 ** 53 + 1,
  () => 16384,
  () => 16385,
  () => 1e9,
  () => '',
  () => ' ',
  () => 'x',
  () => '1',
  () => '0.25 um',
  () => '-3 V',
  () => '1e999 um',
  () => 'NaN s',
  () => 'Infinity m',
  () => '5 parsecs',
  () => '1 um um',
  () => '0x10 m',
  () => '1,5 mm',
  () => '-0 s',
  () => '1e-400 m',
  () => 'ümlaut',
  () => '\u0000',
  () => '\ud800',
  () => 'a'.repeat(100_000),
  () => '9'.repeat(400) + ' um',
  () => '../../etc/passwd',
  () => '__proto__',
  () => '<script>alert(1)</script>',
  () => [],
  () => [1],
  () => [1, 2, 3, 4],
  () => [null, null],
  () => [16384, 16384],
  () => [16384, 16384, 16384],
  () => [1e9, 1],
  () => [4.5, 8],
  () => ({}),
  protoBomb,
  () => ({ constructor: { prototype: { polluted: true } } }),
  () => ({ prototype: 1 }),
  () => ({ type: 'dirichlet', value: Number.POSITIVE_INFINITY }),
  () => deepArray(5000),
  () => deepArray(60_000),
  () => deepObject(5000),
  () => new Array(100_000).fill(0),
  () => manyKeys(5000),
];

const FOREIGN_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '',
  ' ',
  'x'.repeat(10_000),
  '😀',
  'grid ',
  'Grid',
  'nan',
];
const UNITS = ['m', 'mm', 'um', 'µm', 'nm', 's', 'ms', 'min', 'h', 'V', 'mV', 'M', 'mM', 'mol/m3', 'K', '1/s', 'furlong', ''];

/** Paths (key lists) to every value in a document. */
function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (v && typeof v === 'object' && prefix.length < 6) {
    for (const k of Object.keys(v)) paths((v as Record<string, unknown>)[k], [...prefix, Array.isArray(v) ? Number(k) : k], out);
  }
  return out;
}

function getAt(doc: unknown, p: (string | number)[]): unknown {
  let v = doc;
  for (const k of p) v = (v as Record<string | number, unknown>)[k];
  return v;
}

function setAt(doc: Record<string, unknown>, p: (string | number)[], val: unknown): unknown {
  if (p.length === 0) return val;
  const parent = getAt(doc, p.slice(0, -1)) as Record<string | number, unknown>;
  const k = p[p.length - 1];
  if (Array.isArray(parent)) parent[k as number] = val;
  else put(parent as Record<string, unknown>, String(k), val);
  return doc;
}

/** A plausible, often valid, change of a leaf value. */
function tweak(r: Rng, v: unknown): unknown {
  if (typeof v === 'number') {
    return r.pick([v * 10 ** r.int(-3, 3), v + r.pick([-1, 1]), Math.round(v * 2), -v, v / 2, r.int(0, 20)]);
  }
  if (typeof v === 'string') {
    const m = /^([-+]?[\d.e-]+)\s*(.*)$/.exec(v);
    if (m) return `${Number(m[1]) * r.pick([1, 2, 0.5, 10, 0.1])} ${r.chance(0.8) ? m[2] : r.pick(UNITS)}`.trim();
    return r.pick([v, v.toUpperCase(), `${v}-2`, 'noflux', 'periodic', 'dirichlet', 'electrolyte', 'uniform']);
  }
  if (typeof v === 'boolean') return !v;
  return v;
}

function mutate(r: Rng, doc: Record<string, unknown>): unknown {
  let out: unknown = doc;
  const n = r.int(1, 3);
  for (let m = 0; m < n && out && typeof out === 'object' && !Array.isArray(out); m++) {
    const d = out as Record<string, unknown>;
    const all = paths(d);
    const p = r.pick(all);
    const here = getAt(d, p);
    const op = r.int(0, 9);
    if (op <= 2) out = setAt(d, p, tweak(r, here));
    else if (op <= 5) out = setAt(d, p, r.pick(HOSTILE)());
    else if (op === 6 && p.length > 0) {
      const parent = getAt(d, p.slice(0, -1));
      if (parent && typeof parent === 'object' && !Array.isArray(parent))
        delete (parent as Record<string, unknown>)[String(p[p.length - 1])];
    } else if (op === 7) {
      const target = here && typeof here === 'object' && !Array.isArray(here) ? (here as Record<string, unknown>) : d;
      put(target, r.pick(FOREIGN_KEYS), r.pick(HOSTILE)());
    } else if (op === 8) out = setAt(d, p, [here]);
    else out = setAt(d, p, here && typeof here === 'object' ? Object.values(here) : { value: here });
  }
  return out;
}

function generate(r: Rng): unknown {
  if (r.chance(0.03)) return r.pick(HOSTILE)();
  const doc = structuredClone(r.pick(BASES));
  return r.chance(0.08) ? doc : mutate(r, doc);
}

const FIELD_PATH = /^(scenario|[A-Za-z][A-Za-z0-9]*(?:(?:\.|\/)[A-Za-z0-9]+|\[\d+\])*): \S/;

function walk(v: unknown, visit: (key: string | null, v: unknown) => void, key: string | null = null): void {
  visit(key, v);
  if (v && typeof v === 'object') for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k], visit, k);
}

/** What "accepted" must mean. */
function checkAccepted(s: Scenario, input: unknown): void {
  walk(s, (k, v) => {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`accepted scenario holds ${v} at ${k}`);
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') throw new Error(`accepted scenario holds key ${k}`);
  });
  const [nx, ny, nz] = s.grid.n;
  if (!(nx * ny * nz <= 2 ** 28) || s.grid.n.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`accepted grid ${s.grid.n}`);
  if (!(s.grid.dx > 0) || !(s.time.output <= s.time.end)) throw new Error('accepted bad grid.dx or time');
  const c1 = canonicalJson(s);
  // stable: the resolved form re-parses to itself, and so does the input after a JSON round trip
  if (canonicalJson(parseScenario(scenarioToInput(s))) !== c1) throw new Error('re-parse of the resolved scenario differs');
  if (canonicalJson(parseScenario(JSON.parse(JSON.stringify(input)))) !== c1) throw new Error('re-parse of the JSON input differs');
}

interface Tally {
  generated: number;
  accepted: number;
  refused: number;
  maxMs: number;
  maxArrayBuffersMiB: number;
  rssGrowthMiB: number;
}

function newTally(): Tally {
  return { generated: 0, accepted: 0, refused: 0, maxMs: 0, maxArrayBuffersMiB: 0, rssGrowthMiB: 0 };
}

function judge(t: Tally, run: () => Scenario, input: unknown, okPrefix: (msg: string) => boolean, label: string): void {
  t.generated++;
  const t0 = performance.now();
  let s: Scenario | null = null;
  try {
    s = run();
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw new Error(`${label}: threw ${(e as Error)?.name}: ${(e as Error)?.message?.slice(0, 300)}`);
    expect(e.issues.length, label).toBeGreaterThan(0);
    for (const m of e.issues) if (!okPrefix(m)) throw new Error(`${label}: message does not start with a field path: ${m.slice(0, 200)}`);
    t.refused++;
  }
  if (s) {
    try {
      checkAccepted(s, input);
    } catch (e) {
      throw new Error(`${label}: ${(e as Error).message}`);
    }
    t.accepted++;
  }
  t.maxMs = Math.max(t.maxMs, performance.now() - t0);
}

function sampleMemory(t: Tally, base: NodeJS.MemoryUsage): void {
  const m = process.memoryUsage();
  t.maxArrayBuffersMiB = Math.max(t.maxArrayBuffersMiB, (m.arrayBuffers - base.arrayBuffers) / 2 ** 20);
  t.rssGrowthMiB = Math.max(t.rssGrowthMiB, (m.rss - base.rss) / 2 ** 20);
}

function expectPrototypesClean(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
}

describe('hostile scenarios (seeded fuzz)', () => {
  it(`parseScenario: ${N_DIRECT} generated documents, each accepted-and-valid or refused with field paths`, () => {
    const r = makeRng(SEED);
    const t = newTally();
    const base = process.memoryUsage();
    const t0 = performance.now();
    for (let i = 0; i < N_DIRECT; i++) {
      const doc = generate(r);
      judge(
        t,
        () => parseScenario(doc),
        doc,
        (m) => FIELD_PATH.test(m),
        `case ${i}`,
      );
      if (i % 50 === 0) sampleMemory(t, base);
    }
    sampleMemory(t, base);
    console.log(
      `fuzz parseScenario (seed ${SEED}): generated ${t.generated}, refused ${t.refused}, accepted ${t.accepted}; slowest ${t.maxMs.toFixed(1)} ms, total ${((performance.now() - t0) / 1000).toFixed(1)} s; array buffers +${t.maxArrayBuffersMiB.toFixed(1)} MiB, rss +${t.rssGrowthMiB.toFixed(0)} MiB`,
    );
    expect(t.generated).toBe(N_DIRECT);
    expect(t.accepted + t.refused).toBe(t.generated);
    expect(t.accepted).toBeGreaterThan(50);
    expect(t.refused).toBeGreaterThan(N_DIRECT / 2);
    // no grid-sized buffer (a 16384² grid of f64 would be 2 GiB)
    expect(t.maxArrayBuffersMiB).toBeLessThan(32);
    expect(t.rssGrowthMiB).toBeLessThan(768);
    expectPrototypesClean();
  });

  it(`loadScenario: ${N_FILES} generated files (documents and damaged JSON text) plus file-level oddities`, () => {
    const r = makeRng(SEED + 1);
    const t = newTally();
    const dir = tmp('fuzz');
    const base = process.memoryUsage();
    const inputs: { text: string | Buffer; doc: unknown }[] = [];
    for (let i = 0; i < N_FILES; i++) {
      const doc = generate(r);
      let text: string;
      try {
        text = JSON.stringify(doc) ?? 'undefined';
      } catch {
        text = '[[[[';
      }
      const dmg = r.int(0, 9);
      if (dmg === 0) text = text.slice(0, r.int(0, text.length));
      else if (dmg === 1 && text.length > 0) {
        const k = r.int(0, text.length - 1);
        text = text.slice(0, k) + r.pick(['"', '{', ']', ',', '\\', '\u0000', 'e9', '}']) + text.slice(k + 1);
      } else if (dmg === 2) text = '\ufeff' + text;
      inputs.push({ text, doc });
    }
    // file-level oddities
    const big = JSON.stringify({ ...BASES[0], description: 'x'.repeat(1_100_000) });
    const odd: { text: string | Buffer; doc: unknown }[] = [
      { text: '', doc: null },
      { text: ' ', doc: null },
      { text: 'null', doc: null },
      { text: '[]', doc: null },
      { text: '"scenario"', doc: null },
      { text: big, doc: null },
      { text: '['.repeat(200_000) + ']'.repeat(200_000), doc: null },
      { text: '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000), doc: null },
      { text: Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x00, 0x7d]), doc: null },
      { text: Buffer.alloc(4096, 0), doc: null },
      { text: '{"__proto__": {"polluted": true}, "name": "x"}', doc: null },
      { text: '{"constructor": {"prototype": {"polluted": true}}}', doc: null },
      { text: JSON.stringify({ ...BASES[0], grid: { dims: 2, n: [16384, 16384], dx: '0.25 um' } }), doc: null },
      { text: JSON.stringify({ ...BASES[0], grid: { dims: 3, n: [16384, 16384, 16384], dx: '0.25 um' } }), doc: null },
    ];
    inputs.push(...odd);
    inputs.forEach((inp, i) => {
      const f = join(dir, `s${i}.json`);
      writeFileSync(f, inp.text);
      let doc: unknown = null;
      try {
        doc = JSON.parse((typeof inp.text === 'string' ? inp.text : inp.text.toString('utf8')).replace(/^\ufeff/, ''));
      } catch {
        doc = null;
      }
      judge(
        t,
        () => loadScenario(f),
        doc,
        (m) => m.startsWith(`${f}: `) || FIELD_PATH.test(m),
        `file ${i}`,
      );
      if (i % 50 === 0) sampleMemory(t, base);
    });
    // paths that are not readable scenario files
    const sub = join(dir, 'a-directory.json');
    mkdirSync(sub);
    for (const f of [sub, join(dir, 'missing.json'), join(dir, 'nul\u0000byte.json'), '']) {
      judge(
        t,
        () => loadScenario(f),
        null,
        (m) => m.startsWith(`${f}: `),
        `path ${JSON.stringify(f)}`,
      );
    }
    sampleMemory(t, base);
    console.log(
      `fuzz loadScenario (seed ${SEED + 1}): generated ${t.generated}, refused ${t.refused}, accepted ${t.accepted}; slowest ${t.maxMs.toFixed(1)} ms; array buffers +${t.maxArrayBuffersMiB.toFixed(1)} MiB, rss +${t.rssGrowthMiB.toFixed(0)} MiB`,
    );
    expect(t.generated).toBe(N_FILES + odd.length + 4);
    expect(t.accepted + t.refused).toBe(t.generated);
    expect(t.accepted).toBeGreaterThan(10);
    expect(t.maxArrayBuffersMiB).toBeLessThan(32);
    expect(t.rssGrowthMiB).toBeLessThan(768);
    expectPrototypesClean();
  });

  it('specific hostile cases give the expected field-path messages', () => {
    const refuse = (doc: unknown) => {
      try {
        parseScenario(doc);
      } catch (e) {
        return (e as ScenarioError).issues;
      }
      throw new Error('accepted');
    };
    expect(refuse(deepArray(100_000))).toEqual(['scenario: must be a JSON object (got [...])']);
    expect(refuse({ ...BASES[0], grid: deepArray(50_000) })[0]).toMatch(/^grid: Expected object, received array \(got \[\.\.\.\]\)/);
    expect(refuse(JSON.parse('{"__proto__": {"grid": 1}}'))).toContain("scenario: Unrecognized key(s) in object: '__proto__'");
    expect(refuse({ ...BASES[0], grid: { dims: 3, n: [16384, 16384, 16384], dx: 1e-7 } })).toEqual([
      'grid.n: 4398046511104 cells is more than the 268435456 (2^28) this engine allows',
    ]);
    expect(refuse({ ...BASES[0], name: '../../evil' })[0]).toMatch(/^name: letters, digits/);
    expect(refuse({ ...BASES[0], voltage: '1e999 V' })[0]).toMatch(/^voltage: must be a finite number/);
    expect(refuse({ ...BASES[0], output: { checkpointEvery: '-1 s' } })[0]).toMatch(/^output\.checkpointEvery: out of range/);
    expect(refuse({ ...BASES[0], numerics: { checkEvery: 0 } })[0]).toMatch(/^numerics\.checkEvery: /);
    expect(refuse({ ...BASES[0], numerics: { maxRetries: -1 } })[0]).toMatch(/^numerics\.maxRetries: /);
    expectPrototypesClean();
  });
});
