/**
 * Checkpoints: everything a run needs to continue exactly where it was (docs/reliability.md).
 *
 *   <run>/checkpoint/ckpt-A.lidckpt, ckpt-B.lidckpt   two slots, written alternately
 *   <run>/checkpoint/latest.json                      pointer to the newest complete slot
 *
 * A new checkpoint goes into the slot the pointer does not name (temp file + fsync + rename),
 * and only then is the pointer replaced (atomically as well): a crash at any moment leaves
 * the previous checkpoint and a pointer to it, or the new one and a pointer to it.
 *
 * Slot file layout (all integers little-endian):
 *   16 B  magic "LIDENDRITE-CKPT\n"
 *    4 B  u32 header length H
 *    4 B  reserved (0)
 *   32 B  SHA-256 of the header bytes
 *    H B  header, UTF-8 JSON (CheckpointHeader)
 *   pad   zeros up to a multiple of 8
 *    P B  payload: the checkpointed fields of src/model/fields.ts as f64 little-endian, N cells
 *         each, in that list's order: ξ, c̃, ψ, ∂ξ/∂t (P = 32 N), then one field per transported
 *         species (src/model/species.ts, e.g. the shielding additive ã: P = 40 N); the header
 *         lists the fields, and its length and SHA-256. The solver state holds each species'
 *         boundary influx in `speciesInfluxTotal`; checkpoints written before the species list
 *         (with the additive's influx in `additiveInfluxTotal`) still load, as do those from
 *         before the additive (four fields).
 *
 * Reading checks, in order: pointer, magic, format name and version, header hash, payload
 * length (truncation), payload hash, grid size, solver state, and that the stored scenario
 * still validates and resolves to the same thing. Any failure is a CheckpointError naming the
 * file and the problem; nothing is returned half-checked.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ensureDir, safeJoin, writeFileAtomic } from './atomic.ts';
import { parseScenario, ScenarioError, type Scenario } from '../model/scenario.ts';
import { coefficients } from '../model/derived.ts';
import { fieldDefs, type Fields } from '../model/fields.ts';
import { stepKey } from '../model/noise.ts';
import type { SimState } from '../solver/simulation.ts';
import type { TransportReport } from '../backends/backend.ts';

export const CHECKPOINT_FORMAT = 'lidendrite-checkpoint';
export const CHECKPOINT_VERSION = 1;
export const CHECKPOINT_DIR = 'checkpoint';
export const POINTER_FILE = 'latest.json';
const POINTER_FORMAT = 'lidendrite-checkpoint-pointer';
const MAGIC = Buffer.from('LIDENDRITE-CKPT\n', 'latin1');
const PRELUDE = MAGIC.length + 8 + 32;
const SLOTS = ['ckpt-A.lidckpt', 'ckpt-B.lidckpt'] as const;
/** The payload's fields for a scenario: the checkpointed ones of src/model/fields.ts, in order. */
function payloadFields(s: Scenario): string[] {
  return fieldDefs(coefficients(s))
    .filter((d) => d.checkpoint && !d.derive)
    .map((d) => d.key);
}

/** A checkpoint that cannot be used; the message names the file and what is wrong. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

export interface OutputRecord {
  index: number;
  time: number;
  files: string[];
}

/** Where the run loop stands (output numbering and schedules). */
export interface LoopPosition {
  /** Index the next output file gets. */
  nextIndex: number;
  /** Simulated time of the next scheduled output, s. */
  nextTime: number;
  /** Simulated time the next checkpoint is due, s. */
  nextCheckpoint: number;
  /** The outputs written so far (as in manifest.json). */
  outputs: OutputRecord[];
}

export interface CheckpointInput {
  scenario: Scenario;
  state: SimState;
  fields: Fields & { xidot: Float64Array };
  loop: LoopPosition;
  backend: string;
  device: string;
  lidendrite: string;
  /** false when the restart point was forced (see Simulation.prepareCheckpoint). */
  exact: boolean;
}

export interface Checkpoint {
  /** The slot file that was read. */
  file: string;
  header: CheckpointHeader;
  scenario: Scenario;
  state: SimState;
  fields: Fields & { xidot: Float64Array };
}

// Numbers that JSON cannot carry (NaN, ±Infinity, −0) are written as strings.
const num = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity', '-0'])]);
type Num = z.infer<typeof num>;
const encodeNum = (v: number): Num =>
  Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : Object.is(v, -0) ? '-0' : v;
const decodeNum = (v: Num): number => (typeof v === 'number' ? v : v === '-0' ? -0 : Number(v));
const key = z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/);
const report = z.record(key, z.union([num, z.boolean()])).nullable();

const headerSchema = z
  .object({
    format: z.literal(CHECKPOINT_FORMAT),
    version: z.literal(CHECKPOINT_VERSION),
    lidendrite: z.string().max(100),
    createdAt: z.string().max(100),
    backend: z.string().max(100),
    device: z.string().max(500),
    exact: z.boolean(),
    // kept as parsed (not rebuilt by zod), then judged by parseScenario
    scenario: z.custom<Record<string, unknown>>((v) => v !== null && typeof v === 'object' && !Array.isArray(v), 'must be an object'),
    sim: z
      .object({
        time: num,
        step: z.number().int().min(0),
        dt: num,
        solves: z.number().int().min(0),
        stepsSinceSolve: num,
        limitedTotal: num,
        influxTotal: num,
        lastPot: report,
        lastTr: report,
        atSolvePoint: z.boolean(),
        forceSolve: z.boolean(),
        retries: z.number().int().min(0),
        // binary electrolyte and drive control (src/solver/control.ts); absent in checkpoints
        // written before these switches existed (then 0 and no controller)
        migrationTotal: num.optional(),
        // each transported species' boundary influx (src/model/species.ts); absent without species
        speciesInfluxTotal: z.record(key, num).optional(),
        // the shielding additive's influx as checkpoints before the species list wrote it (read only)
        additiveInfluxTotal: num.optional(),
        // when the metal reached the counter electrode (docs/short-circuit.md; NaN: not yet);
        // absent in checkpoints written before the event existed
        shortCircuitTime: num.optional(),
        control: z
          .object({
            voltage: num,
            segment: z.number().int().min(0),
            current: num,
            currentVoltage: num,
            prevCurrent: num,
            prevVoltage: num,
            accDeposit: num,
            accTime: num,
          })
          .strict()
          .nullable()
          .optional(),
      })
      .strict(),
    rng: z.object({ seed: z.number().int().min(0), step: z.number().int().min(0), key: z.number().int().min(0) }).strict(),
    output: z
      .object({
        nextIndex: z.number().int().min(0).max(1e9),
        nextTime: z.number().finite(),
        nextCheckpoint: z.number().finite(),
        outputs: z.array(
          z.object({ index: z.number().int().min(0), time: z.number().finite(), files: z.array(z.string().max(200)) }).strict(),
        ),
      })
      .strict(),
    payload: z
      .object({
        encoding: z.literal('f64-le'),
        fields: z.array(z.string()),
        cells: z.number().int().min(1),
        bytes: z.number().int().min(0),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
      })
      .strict(),
  })
  .strict();

export type CheckpointHeader = z.infer<typeof headerSchema>;

const pointerSchema = z
  .object({
    format: z.literal(POINTER_FORMAT),
    file: z.enum(SLOTS),
    step: z.number().int().min(0),
    time: z.number(),
  })
  .strict();

const sha256 = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();

function encodeReport(r: object | null): Record<string, Num | boolean> | null {
  if (!r) return null;
  const out: Record<string, Num | boolean> = {};
  for (const [k, v] of Object.entries(r)) {
    if (typeof v === 'number') out[k] = encodeNum(v);
    else if (typeof v === 'boolean') out[k] = v;
  }
  return out;
}

function decodeReport<T>(r: Record<string, Num | boolean> | null): T | null {
  if (!r) return null;
  const out: Record<string, number | boolean> = {};
  for (const [k, v] of Object.entries(r)) out[k] = typeof v === 'boolean' ? v : decodeNum(v);
  return out as T;
}

/**
 * The input form of a resolved scenario: parseScenario(scenarioToInput(s)) gives s again
 * (2D grids and nucleus centres back to two entries, the full boundary maps given explicitly).
 */
export function scenarioToInput(s: Scenario): Record<string, unknown> {
  // defensive: a checkpoint header may hold anything; parseScenario judges the result
  const out = JSON.parse(JSON.stringify(s)) as { grid?: { dims?: unknown; n?: unknown[] }; initial?: { nuclei?: unknown } } & Record<
    string,
    unknown
  >;
  const d = out?.grid?.dims;
  if (d !== 2 && d !== 3) return out;
  const grid = out.grid as { n?: unknown };
  if (Array.isArray(grid.n)) grid.n = grid.n.slice(0, d);
  const nuclei = out.initial?.nuclei;
  if (Array.isArray(nuclei)) {
    (out.initial as { nuclei: unknown[] }).nuclei = nuclei.map((nu: unknown) => {
      const c = nu && typeof nu === 'object' ? (nu as { center?: unknown }).center : undefined;
      return Array.isArray(c) ? { ...(nu as object), center: c.slice(0, d) } : nu;
    });
  }
  return out;
}

/** JSON with object keys sorted (a stable form for comparisons). */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => {
    if (x && typeof x === 'object' && !Array.isArray(x)) {
      const o: Record<string, unknown> = {};
      for (const key of Object.keys(x).sort()) o[key] = (x as Record<string, unknown>)[key];
      return o;
    }
    return x;
  });
}

/** Copies a f64 array into `dst` at `at` as little-endian bytes. */
function putF64(dst: Buffer, at: number, a: Float64Array): void {
  if (endianness() === 'LE') {
    dst.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    return;
  }
  for (let i = 0; i < a.length; i++) dst.writeDoubleLE(a[i], at + 8 * i);
}

function getF64(src: Buffer, at: number, n: number): Float64Array {
  const out = new Float64Array(n);
  if (endianness() === 'LE') {
    new Uint8Array(out.buffer).set(src.subarray(at, at + 8 * n));
    return out;
  }
  for (let i = 0; i < n; i++) out[i] = src.readDoubleLE(at + 8 * i);
  return out;
}

function readPointer(dir: string): z.infer<typeof pointerSchema> | null {
  const p = join(dir, POINTER_FILE);
  if (!existsSync(p)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(p, 'utf8'));
  } catch (e) {
    throw new CheckpointError(`${p}: not a valid checkpoint pointer (${(e as Error).message})`);
  }
  const r = pointerSchema.safeParse(raw);
  if (!r.success)
    throw new CheckpointError(
      `${p}: not a valid checkpoint pointer (${r.error.issues.map((i) => `${i.path.join('.') || 'pointer'}: ${i.message}`).join('; ')})`,
    );
  return r.data;
}

/** Writes a checkpoint into <runDir>/checkpoint/ (the free slot, then the pointer). Returns the slot path. */
export function writeCheckpoint(runDir: string, ck: CheckpointInput): { file: string; bytes: number } {
  const dir = safeJoin(runDir, CHECKPOINT_DIR);
  ensureDir(dir);
  const [nx, ny, nz] = ck.scenario.grid.n;
  const N = nx * ny * nz;
  const names = payloadFields(ck.scenario);
  for (const f of names) {
    const a = ck.fields[f];
    if (!a) throw new Error(`writeCheckpoint: the scenario needs field ${f}, the fields have none`);
    if (a.length !== N) throw new Error(`writeCheckpoint: ${f} has ${a.length} cells, the grid ${N}`);
  }
  const payload = Buffer.alloc(names.length * 8 * N);
  names.forEach((f, q) => {
    putF64(payload, q * 8 * N, ck.fields[f]!);
  });
  const st = ck.state;
  const header: CheckpointHeader = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    lidendrite: ck.lidendrite,
    createdAt: new Date().toISOString(),
    backend: ck.backend,
    device: ck.device,
    exact: ck.exact,
    scenario: JSON.parse(JSON.stringify(ck.scenario)),
    sim: {
      time: encodeNum(st.time),
      step: st.step,
      dt: encodeNum(st.dt),
      solves: st.solves,
      stepsSinceSolve: encodeNum(st.stepsSinceSolve),
      limitedTotal: encodeNum(st.limitedTotal),
      influxTotal: encodeNum(st.influxTotal),
      lastPot: encodeReport(st.lastPot),
      lastTr: encodeReport(st.lastTr),
      atSolvePoint: st.atSolvePoint,
      forceSolve: st.forceSolve,
      retries: st.retries,
      migrationTotal: encodeNum(st.migrationTotal),
      ...(Object.keys(st.speciesInfluxTotal).length
        ? { speciesInfluxTotal: Object.fromEntries(Object.entries(st.speciesInfluxTotal).map(([n, v]) => [n, encodeNum(v)])) }
        : {}),
      ...(st.shortCircuitTime !== undefined ? { shortCircuitTime: encodeNum(st.shortCircuitTime) } : {}),
      control: st.control
        ? {
            voltage: encodeNum(st.control.voltage),
            segment: st.control.segment,
            current: encodeNum(st.control.current),
            currentVoltage: encodeNum(st.control.currentVoltage),
            prevCurrent: encodeNum(st.control.prevCurrent),
            prevVoltage: encodeNum(st.control.prevVoltage),
            accDeposit: encodeNum(st.control.accDeposit),
            accTime: encodeNum(st.control.accTime),
          }
        : null,
    },
    // the noise is counter-based: (seed, step) is the whole generator state
    rng: { seed: ck.scenario.noise.seed, step: st.step, key: stepKey(ck.scenario.noise.seed, st.step) },
    output: ck.loop,
    payload: { encoding: 'f64-le', fields: [...names], cells: N, bytes: payload.length, sha256: sha256(payload).toString('hex') },
  };
  const hbytes = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - ((PRELUDE + hbytes.length) % 8)) % 8;
  const file = Buffer.alloc(PRELUDE + hbytes.length + pad + payload.length);
  MAGIC.copy(file, 0);
  file.writeUInt32LE(hbytes.length, MAGIC.length);
  file.writeUInt32LE(0, MAGIC.length + 4);
  sha256(hbytes).copy(file, MAGIC.length + 8);
  hbytes.copy(file, PRELUDE);
  payload.copy(file, PRELUDE + hbytes.length + pad);

  let current: string | null = null;
  try {
    current = readPointer(dir)?.file ?? null;
  } catch {
    current = null;
  }
  const slot = current === SLOTS[0] ? SLOTS[1] : SLOTS[0];
  const target = safeJoin(dir, slot);
  writeFileAtomic(target, file);
  const pointer = { format: POINTER_FORMAT, file: slot, step: st.step, time: st.time };
  try {
    writeFileAtomic(join(dir, POINTER_FILE), JSON.stringify(pointer) + '\n');
  } catch (e) {
    // the pointer still names the previous checkpoint, which stays intact; the new slot is an
    // orphan nothing reads: remove it, so that a full disk has room for the manifest's 'failed'
    rmSync(target, { force: true });
    throw e;
  }
  return { file: target, bytes: file.length };
}

/** True when <runDir>/checkpoint/ has a pointer file. */
export function hasCheckpoint(runDir: string): boolean {
  return existsSync(join(runDir, CHECKPOINT_DIR, POINTER_FILE));
}

/** Reads and fully verifies the newest checkpoint of a run directory. */
/**
 * The stored scenario with the settings added since it was written, at the values that reproduce
 * what the run did then (the new defaults would change it): numerics.phase = "explicit" (issue 12:
 * before the IMEX stage every run was explicit) and control.dtMax = its maximum (no galvanostatic
 * step cap before it). A copy; settings already present are kept.
 */
function withLegacySettings(raw: Record<string, unknown>): Record<string, unknown> {
  const s = structuredClone(raw);
  const num = s.numerics as Record<string, unknown> | undefined;
  if (num && !('phase' in num)) num.phase = 'explicit';
  // (checkpoints from before the option ran every IMEX solve on the multigrid preconditioner)
  if (num && !('phasePreconditioner' in num)) num.phasePreconditioner = 'multigrid';
  const control = s.control as Record<string, unknown> | null | undefined;
  if (control && !('dtMax' in control)) control.dtMax = 1e3;
  return s;
}

export function readCheckpoint(runDir: string): Checkpoint {
  const dir = join(runDir, CHECKPOINT_DIR);
  const ptr = readPointer(dir);
  if (!ptr)
    throw new CheckpointError(
      `${runDir}: no checkpoint (${join(dir, POINTER_FILE)} does not exist); was the run started with this version, and did it get past its first checkpoint?`,
    );
  const path = safeJoin(dir, ptr.file);
  try {
    return readCheckpointFile(path, ptr);
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
    throw new CheckpointError(e.message + otherSlotNote(dir, ptr.file));
  }
}

/**
 * When the slot the pointer names is damaged: whether the other slot holds a checkpoint that
 * reads back, and how to resume from it (the pointer is only ever replaced by hand).
 */
function otherSlotNote(dir: string, bad: string): string {
  const other = SLOTS.find((f) => f !== bad);
  if (!other) return '';
  const path = join(dir, other);
  if (!existsSync(path)) return `; the other slot (${other}) does not exist`;
  let ck: Checkpoint;
  try {
    ck = readCheckpointFile(path);
  } catch {
    return `; the other slot (${other}) is damaged as well`;
  }
  const pointer = JSON.stringify({ format: POINTER_FORMAT, file: other, step: ck.state.step, time: ck.state.time });
  return `. The other slot, ${path} (step ${ck.state.step}, t = ${ck.state.time} s), is intact: to resume from it, replace ${join(dir, POINTER_FILE)} with ${pointer}`;
}

/** Reads one slot file; `ptr` (when given) must agree with its step and time. */
export function readCheckpointFile(path: string, ptr?: { step: number; time: number }): Checkpoint {
  const bad = (why: string) => new CheckpointError(`${path}: ${why}; refusing to resume from it`);
  let buf: Buffer;
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
    buf = readFileSync(path);
  } catch (e) {
    throw bad(`cannot read (${(e as Error).message})`);
  }
  if (buf.length < PRELUDE) throw bad(`truncated: ${buf.length} bytes is shorter than the ${PRELUDE}-byte prelude`);
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) throw bad('not a lidendrite checkpoint (bad magic bytes)');
  const hlen = buf.readUInt32LE(MAGIC.length);
  if (PRELUDE + hlen > buf.length)
    throw bad(`truncated: the header needs ${hlen} bytes, the file has ${buf.length - PRELUDE} after the prelude`);
  const hbytes = buf.subarray(PRELUDE, PRELUDE + hlen);
  let raw: unknown;
  try {
    raw = JSON.parse(hbytes.toString('utf8'));
  } catch (e) {
    throw bad(`header is not valid JSON (${(e as Error).message}): corrupted`);
  }
  // format and version first, so a file from another version says so even if it differs in layout
  const r0 = raw as { format?: unknown; version?: unknown } | null;
  if (!r0 || typeof r0 !== 'object' || r0.format !== CHECKPOINT_FORMAT)
    throw bad(`format is ${JSON.stringify(r0?.format)}, not "${CHECKPOINT_FORMAT}"`);
  if (r0.version !== CHECKPOINT_VERSION) {
    throw bad(
      `checkpoint format version ${JSON.stringify(r0.version)} is not supported (this lidendrite reads version ${CHECKPOINT_VERSION})`,
    );
  }
  if (!sha256(hbytes).equals(buf.subarray(MAGIC.length + 8, PRELUDE)))
    throw bad('header checksum (SHA-256) mismatch: the file is corrupted');
  const hr = headerSchema.safeParse(raw);
  if (!hr.success)
    throw bad(
      `header does not match the format: ${hr.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || 'header'}: ${i.message}`)
        .join('; ')}`,
    );
  const h = hr.data;
  const pad = (8 - ((PRELUDE + hlen) % 8)) % 8;
  const at = PRELUDE + hlen + pad;
  const have = Math.max(0, buf.length - at);
  if (have < h.payload.bytes) throw bad(`truncated: payload has ${have} of ${h.payload.bytes} bytes`);
  if (have > h.payload.bytes) throw bad(`${have - h.payload.bytes} unexpected bytes after the payload`);
  const payload = buf.subarray(at, at + h.payload.bytes);
  if (sha256(payload).toString('hex') !== h.payload.sha256) throw bad('payload checksum (SHA-256) mismatch: the field data is corrupted');
  if (ptr && (ptr.step !== h.sim.step || !Object.is(ptr.time, decodeNum(h.sim.time)))) {
    throw bad(`the pointer file names step ${ptr.step}, t = ${ptr.time} s but the checkpoint holds step ${h.sim.step}`);
  }

  // the scenario must still be valid and resolve to exactly what the run used
  const stored = withLegacySettings(h.scenario);
  let scenario: Scenario;
  try {
    scenario = parseScenario(scenarioToInput(stored as unknown as Scenario));
  } catch (e) {
    const msg = e instanceof ScenarioError ? e.issues.join('; ') : (e as Error).message;
    throw bad(`its scenario does not validate: ${msg}`);
  }
  const num = stored.numerics as Record<string, unknown> | undefined;
  if (num && !('imexSweeps' in num) && scenario.numerics.phase === 'explicit') {
    // the IMEX stage's own settings do nothing in an explicit run: take them as they resolve
    num.imexSweeps = scenario.numerics.imexSweeps;
    num.phaseTol = scenario.numerics.phaseTol;
    num.phasePreconditioner = scenario.numerics.phasePreconditioner;
  }
  if (canonicalJson(scenario) !== canonicalJson(stored)) throw bad('its scenario resolves differently with this version of lidendrite');

  const [nx, ny, nz] = scenario.grid.n;
  const N = nx * ny * nz;
  const names = payloadFields(scenario);
  if (h.payload.cells !== N || h.payload.bytes !== names.length * 8 * N || h.payload.fields.join(',') !== names.join(',')) {
    throw bad(`payload holds ${h.payload.fields.join(', ')} for ${h.payload.cells} cells, the scenario's grid has ${N}`);
  }
  const sim = h.sim;
  const state: SimState = {
    time: decodeNum(sim.time),
    step: sim.step,
    dt: decodeNum(sim.dt),
    solves: sim.solves,
    stepsSinceSolve: decodeNum(sim.stepsSinceSolve),
    limitedTotal: decodeNum(sim.limitedTotal),
    influxTotal: decodeNum(sim.influxTotal),
    lastPot: decodeReport(sim.lastPot),
    // the per-species entries of a transport report are not stored (nothing reads them after a step)
    lastTr: sim.lastTr ? { ...decodeReport<TransportReport>(sim.lastTr)!, species: [] } : null,
    atSolvePoint: sim.atSolvePoint,
    forceSolve: sim.forceSolve,
    retries: sim.retries,
    migrationTotal: sim.migrationTotal === undefined ? 0 : decodeNum(sim.migrationTotal),
    speciesInfluxTotal: speciesInflux(scenario, sim),
    shortCircuitTime: sim.shortCircuitTime === undefined ? NaN : decodeNum(sim.shortCircuitTime),
    control: sim.control
      ? {
          voltage: decodeNum(sim.control.voltage),
          segment: sim.control.segment,
          current: decodeNum(sim.control.current),
          currentVoltage: decodeNum(sim.control.currentVoltage),
          prevCurrent: decodeNum(sim.control.prevCurrent),
          prevVoltage: decodeNum(sim.control.prevVoltage),
          accDeposit: decodeNum(sim.control.accDeposit),
          accTime: decodeNum(sim.control.accTime),
        }
      : null,
  };
  if (scenario.control && !state.control)
    throw bad('the scenario has a drive control section but the checkpoint holds no controller state');
  if (state.control && !(Number.isFinite(state.control.voltage) && Math.abs(state.control.voltage) <= 2))
    throw bad(`controller voltage ${state.control.voltage} V is not usable`);
  if (!(Number.isFinite(state.time) && state.time >= 0 && Number.isFinite(state.dt) && state.dt > 0)) {
    throw bad(`solver state is not usable (t = ${state.time} s, dt = ${state.dt} s)`);
  }
  if (h.rng.seed !== scenario.noise.seed || h.rng.step !== sim.step || h.rng.key !== stepKey(scenario.noise.seed, sim.step)) {
    throw bad('the noise generator state does not match the scenario seed and the step');
  }
  const arrays = Object.fromEntries(names.map((f, q) => [f, getF64(payload, q * 8 * N, N)]));
  const fields = { ...arrays, xi: arrays.xi, c: arrays.c, psi: arrays.psi, xidot: arrays.xidot };
  return { file: path, header: h, scenario, state, fields };
}

/**
 * Each species' boundary influx from a checkpoint's solver state: `speciesInfluxTotal`, or the
 * `additiveInfluxTotal` of checkpoints written before the species list; 0 when absent.
 */
function speciesInflux(s: Scenario, sim: CheckpointHeader['sim']): Record<string, number> {
  const out: Record<string, number> = {};
  for (const sp of coefficients(s).species) {
    const v = sim.speciesInfluxTotal?.[sp.name] ?? (sp.name === 'additive' ? sim.additiveInfluxTotal : undefined);
    out[sp.name] = v === undefined ? 0 : decodeNum(v);
  }
  return out;
}
