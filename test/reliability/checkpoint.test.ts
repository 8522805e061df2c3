/**
 * Checkpoint files: the round trip is exact, the previous checkpoint survives until the new
 * one is complete, and a corrupt, truncated, wrong-version or invalid checkpoint is refused by
 * `lidendrite resume` with exit code 2 and a message naming the file and the problem, without
 * touching the run directory.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.ts';
import { CheckpointError, readCheckpoint, readCheckpointFile, writeCheckpoint } from '../../src/io/checkpoint.ts';
import { scenarioFile, smallScenario, tmp } from './helpers.ts';

const MAGIC_LEN = 16,
  PRELUDE = 56;

/** The parts of a slot header the damage cases below edit (the rest passes through untouched). */
type Header = Record<string, unknown> & {
  scenario: { grid: { dx: unknown; n: unknown } };
  sim: { dt: unknown; step: unknown };
  rng: { key: number };
};

/** Rebuilds a slot file with a modified header and a matching header hash. */
function rewriteHeader(file: string, mutate: (h: Header) => void): void {
  const buf = readFileSync(file);
  const hlen = buf.readUInt32LE(MAGIC_LEN);
  const pad = (8 - ((PRELUDE + hlen) % 8)) % 8;
  const payload = buf.subarray(PRELUDE + hlen + pad);
  const h = JSON.parse(buf.subarray(PRELUDE, PRELUDE + hlen).toString('utf8'));
  mutate(h);
  const hb = Buffer.from(JSON.stringify(h), 'utf8');
  const pad2 = (8 - ((PRELUDE + hb.length) % 8)) % 8;
  const pre = Buffer.alloc(PRELUDE);
  buf.copy(pre, 0, 0, MAGIC_LEN);
  pre.writeUInt32LE(hb.length, MAGIC_LEN);
  createHash('sha256')
    .update(hb)
    .digest()
    .copy(pre, MAGIC_LEN + 8);
  writeFileSync(file, Buffer.concat([pre, hb, Buffer.alloc(pad2), payload]));
}

let base = '';
const slotOf = (dir: string) => join(dir, 'checkpoint', JSON.parse(readFileSync(join(dir, 'checkpoint', 'latest.json'), 'utf8')).file);

/** Runs the CLI in this process; returns the exit code and what it printed to stderr. */
async function cliIn(args: string[]): Promise<{ code: number; err: string }> {
  const lines: string[] = [];
  const cap = (...a: unknown[]) => {
    lines.push(a.map(String).join(' '));
  };
  const e = vi.spyOn(console, 'error').mockImplementation(cap);
  const w = vi.spyOn(console, 'warn').mockImplementation(cap);
  const l = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    const code = await runCli(args, {});
    return { code, err: lines.join('\n') };
  } finally {
    e.mockRestore();
    w.mockRestore();
    l.mockRestore();
  }
}

beforeAll(async () => {
  base = join(tmp('ckbase'), 'run');
  // stop early (--until): the run leaves a checkpoint and work to resume
  const r = await cliIn([
    'run',
    scenarioFile(smallScenario()),
    '--out',
    base,
    '--backend',
    'cpu',
    '--threads',
    '1',
    '--until',
    '0.03',
    '--quiet',
  ]);
  expect(r.code, r.err).toBe(0);
  expect(existsSync(join(base, 'checkpoint', 'latest.json'))).toBe(true);
});

afterEach(() => vi.restoreAllMocks());

describe('checkpoint files', () => {
  it('round trip: fields bit for bit, solver state (also NaN / Infinity / -0) exactly', () => {
    const ck = readCheckpoint(base);
    expect(ck.header.format).toBe('lidendrite-checkpoint');
    expect(ck.header.version).toBe(1);
    expect(ck.header.rng.seed).toBe(2);
    expect(ck.header.rng.step).toBe(ck.state.step);
    expect(ck.header.payload.bytes).toBe(4 * 8 * 48 * 16);
    expect(ck.state.atSolvePoint).toBe(true);
    const dir = join(tmp('rt'), 'run');
    const state = { ...ck.state, stepsSinceSolve: Infinity, lastPot: { ...ck.state.lastPot!, residual: NaN, fluxX0: -0 } };
    const fields = { ...ck.fields, xidot: ck.fields.xidot.slice() };
    fields.xidot[3] = -0;
    fields.xidot[4] = NaN;
    writeCheckpoint(dir, {
      scenario: ck.scenario,
      state,
      fields,
      loop: ck.header.output,
      backend: 'cpu',
      device: 'test',
      lidendrite: 'x',
      exact: true,
    });
    const back = readCheckpoint(dir);
    expect(back.state.stepsSinceSolve).toBe(Infinity);
    expect(Number.isNaN(back.state.lastPot!.residual)).toBe(true);
    expect(Object.is(back.state.lastPot!.fluxX0, -0)).toBe(true);
    expect(back.state.time).toBe(ck.state.time);
    expect(back.state.dt).toBe(ck.state.dt);
    for (const f of ['xi', 'c', 'psi', 'xidot'] as const) {
      expect(Buffer.from(back.fields[f].buffer).equals(Buffer.from(fields[f].buffer)), f).toBe(true);
    }
    expect(back.scenario).toEqual(ck.scenario);
  });

  it('two slots and a pointer written last: the previous checkpoint stays readable', () => {
    const ck = readCheckpoint(base);
    const dir = join(tmp('slots'), 'run');
    const w = (step: number) =>
      writeCheckpoint(dir, {
        scenario: ck.scenario,
        state: { ...ck.state, step },
        fields: ck.fields,
        loop: ck.header.output,
        backend: 'cpu',
        device: 'd',
        lidendrite: 'x',
        exact: true,
      });
    // rng.step must follow the state's step; readCheckpoint checks it
    const a = w(10),
      b = w(11);
    expect(a.file).not.toBe(b.file);
    expect(readCheckpoint(dir).state.step).toBe(11);
    expect(readCheckpointFile(a.file).state.step).toBe(10);
    // a crash while writing the next one leaves a temp file and the pointer on the complete one
    writeFileSync(join(dir, 'checkpoint', `.ckpt-A.lidckpt.tmp-${process.pid}-abcdef`), 'partial');
    expect(readCheckpoint(dir).state.step).toBe(11);
    const c = w(12);
    expect(c.file).toBe(a.file);
    expect(readCheckpointFile(b.file).state.step).toBe(11);
  });

  const variants: { name: string; damage: (dir: string) => void; message: RegExp }[] = [
    {
      name: 'a flipped payload byte',
      damage: (d) => {
        const f = slotOf(d);
        const b = readFileSync(f);
        b[b.length - 77] ^= 0x10;
        writeFileSync(f, b);
      },
      message: /payload checksum \(SHA-256\) mismatch/,
    },
    {
      name: 'a truncated payload',
      damage: (d) => {
        const f = slotOf(d);
        const b = readFileSync(f);
        writeFileSync(f, b.subarray(0, b.length - 1000));
      },
      message: /truncated: payload has \d+ of \d+ bytes/,
    },
    {
      name: 'a file cut inside the header',
      damage: (d) => {
        const f = slotOf(d);
        writeFileSync(f, readFileSync(f).subarray(0, 300));
      },
      message: /truncated: the header needs/,
    },
    { name: 'an empty file', damage: (d) => writeFileSync(slotOf(d), ''), message: /truncated: 0 bytes/ },
    {
      name: 'a flipped header byte',
      damage: (d) => {
        const f = slotOf(d);
        const b = readFileSync(f);
        const i = b.indexOf('"time":') + 8;
        b[i] = b[i] === 0x31 ? 0x32 : 0x31;
        writeFileSync(f, b);
      },
      message: /header checksum \(SHA-256\) mismatch|header is not valid JSON/,
    },
    {
      name: 'another format version',
      damage: (d) =>
        rewriteHeader(slotOf(d), (h) => {
          h.version = 2;
        }),
      message: /checkpoint format version 2 is not supported \(this lidendrite reads version 1\)/,
    },
    {
      name: 'another format name',
      damage: (d) =>
        rewriteHeader(slotOf(d), (h) => {
          h.format = 'something-else';
        }),
      message: /format is "something-else"/,
    },
    {
      name: 'not a checkpoint (magic)',
      damage: (d) => {
        const f = slotOf(d);
        const b = readFileSync(f);
        b.write('NOT-A-CHECKPOINT', 0, 'latin1');
        writeFileSync(f, b);
      },
      message: /bad magic bytes/,
    },
    {
      name: 'a scenario that does not validate',
      damage: (d) =>
        rewriteHeader(slotOf(d), (h) => {
          h.scenario.grid.dx = -1;
        }),
      message: /its scenario does not validate: grid\.dx: out of range/,
    },
    {
      name: 'a scenario with a "__proto__" key',
      damage: (d) =>
        rewriteHeader(slotOf(d), (h) => {
          Object.defineProperty(h.scenario, '__proto__', { value: { polluted: 1 }, enumerable: true });
        }),
      message: /its scenario does not validate: scenario: Unrecognized key\(s\) in object: '__proto__'/,
    },
    {
      name: 'a grid that does not match the payload',
      damage: (d) =>
        rewriteHeader(slotOf(d), (h) => {
          h.scenario.grid.n = [48, 8, 1];
        }),
      message: /payload holds .* for 768 cells, the scenario's grid has 384/,
    },
    {
      name: 'a solver state that is not usable',
      damage: (d) =>
        rewriteHeader(slotOf(d), (h) => {
          h.sim.dt = 'NaN';
        }),
      message: /solver state is not usable/,
    },
    {
      name: 'a header field of the wrong type',
      damage: (d) =>
        rewriteHeader(slotOf(d), (h) => {
          h.sim.step = 'ten';
        }),
      message: /header does not match the format: sim\.step/,
    },
    {
      name: 'a noise state that does not match',
      damage: (d) =>
        rewriteHeader(slotOf(d), (h) => {
          h.rng.key += 1;
        }),
      message: /noise generator state does not match/,
    },
    {
      name: 'a pointer that leaves the directory',
      damage: (d) =>
        writeFileSync(
          join(d, 'checkpoint', 'latest.json'),
          JSON.stringify({ format: 'lidendrite-checkpoint-pointer', file: '../../../../etc/passwd', step: 1, time: 0 }),
        ),
      message: /not a valid checkpoint pointer \(file: Invalid enum value/,
    },
    {
      name: 'a pointer that is not JSON',
      damage: (d) => writeFileSync(join(d, 'checkpoint', 'latest.json'), '{"format": "lidendrite-chec'),
      message: /not a valid checkpoint pointer/,
    },
    {
      name: 'a pointer that disagrees with the file',
      damage: (d) => {
        const p = join(d, 'checkpoint', 'latest.json');
        const j = JSON.parse(readFileSync(p, 'utf8'));
        j.step += 1;
        writeFileSync(p, JSON.stringify(j));
      },
      message: /the pointer file names step/,
    },
    { name: 'a missing slot file', damage: (d) => rmSync(slotOf(d)), message: /cannot read/ },
    { name: 'no checkpoint at all', damage: (d) => rmSync(join(d, 'checkpoint'), { recursive: true }), message: /no checkpoint/ },
  ];

  for (const v of variants) {
    it(`resume refuses ${v.name} (exit 2, clear message, nothing changed)`, async () => {
      const dir = join(tmp('bad'), 'run');
      cpSync(base, dir, { recursive: true });
      v.damage(dir);
      const before = { csv: readFileSync(join(dir, 'metrics.csv')), man: readFileSync(join(dir, 'manifest.json')) };
      expect(() => readCheckpoint(dir)).toThrow(CheckpointError);
      const r = await cliIn(['resume', dir, '--backend', 'cpu', '--threads', '1', '--quiet']);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(/^cannot resume: /);
      expect(r.err).toMatch(v.message);
      expect(readFileSync(join(dir, 'metrics.csv')).equals(before.csv)).toBe(true);
      expect(readFileSync(join(dir, 'manifest.json')).equals(before.man)).toBe(true);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }

  it('a pointer to a damaged slot: refused with a note that the other slot is intact; following the note resumes', async () => {
    const dir = join(tmp('other'), 'run');
    cpSync(base, dir, { recursive: true });
    const bad = slotOf(dir);
    const b = readFileSync(bad);
    b[b.length - 3] ^= 0xff; // a payload byte
    writeFileSync(bad, b);
    const r = await cliIn(['resume', dir, '--backend', 'cpu', '--threads', '1', '--until', '0.04', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toHaveLength(1);
    const m =
      /payload checksum \(SHA-256\) mismatch.*; refusing to resume from it\. The other slot, (\S+) \(step (\d+), t = ([\d.e-]+) s\), is intact: to resume from it, replace (\S+) with (\{.*\})$/.exec(
        r.err,
      );
    expect(m, r.err).not.toBeNull();
    const [, other, step, time, pointer, json] = m!;
    expect(other).not.toBe(bad);
    expect(pointer).toBe(join(dir, 'checkpoint', 'latest.json'));
    const ck = readCheckpointFile(other);
    expect([ck.state.step, ck.state.time]).toEqual([Number(step), Number(time)]);
    writeFileSync(pointer, json);
    const ok = await cliIn(['resume', dir, '--backend', 'cpu', '--threads', '1', '--until', '0.04', '--quiet']);
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).resumedFrom.step).toBe(Number(step));
  });

  it('an intact copy of the same directory resumes (the refusals above are the damage, not the copy)', async () => {
    const dir = join(tmp('good'), 'run');
    cpSync(base, dir, { recursive: true });
    const r = await cliIn(['resume', dir, '--backend', 'cpu', '--threads', '1', '--until', '0.04', '--quiet']);
    expect(r.code, r.err).toBe(0);
    const man = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(man.status.state).toBe('finished');
    expect(man.endTime).toBeCloseTo(0.04, 12);
  });
});
