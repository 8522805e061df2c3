/**
 * Host-side packing for the device-side time loop's uniforms (shaders/common/policy.wgsl,
 * shaders/common/df64.wgsl; the structs are declared in uniforms.ts): the policy's and the drive
 * controller's constants, and f64 times split into df64 (hi, lo) pairs.
 */
import type { Coefficients } from '../../model/derived.ts';
import type { PolicyConstants } from '../../solver/policy.ts';
import type { Layout } from '../layout.ts';
import { packUniform, UNIFORMS, type UniformValues } from './uniforms.ts';

/** "No limit" on the device (shaders/common/policy.wgsl, NO_LIMIT). */
const NO_LIMIT = 3.0e38;

/** shaders/common/policy.wgsl, PolicyConsts. */
export function policyConstsData(p: PolicyConstants): ArrayBuffer {
  return packUniform('PolicyConsts', {
    dtMax: Math.min(p.dtMax, NO_LIMIT),
    safety: p.safety,
    // (an absent bound — the IMEX stage's phase bound — is Infinity; WGSL may assume finite values)
    safeDtPhase: Math.min(p.safeDtPhase, NO_LIMIT),
    maxDxiPerStep: p.maxDxiPerStep,
    resolveXiTol: p.resolveXiTol,
    resolveMaxSteps: Math.min(p.resolveMaxSteps, 0xffffffff),
    rejectDxi: p.rejectDxi,
    controlDtMax: Math.min(p.controlDtMax, NO_LIMIT),
  });
}

/** The drive controller's constants (DriveControl.constants()). */
export interface ControlConstants {
  response: number;
  tolerance: number;
  maxStep: number;
  vmin: number;
  vmax: number;
  i0: number;
  f: number;
  alphaMax: number;
  perDeposit: number;
}

/** shaders/common/policy.wgsl, ControlConsts (all zero without a controller: never read then). */
export function controlConstsData(c: ControlConstants | null): ArrayBuffer {
  const v = c ?? { response: 0, tolerance: 0, maxStep: 0, vmin: 0, vmax: 0, i0: 0, f: 0, alphaMax: 0, perDeposit: 0 };
  const { response, tolerance, maxStep, vmin, vmax, i0, f, alphaMax, perDeposit } = v;
  return packUniform('ControlConsts', { response, tolerance, maxStep, vmin, vmax, i0, f, alphaMax, perDeposit });
}

/** An f64 as a df64 pair: hi = the nearest f32, lo = the nearest f32 to the rest. */
export function splitDf64(t: number): [number, number] {
  const hi = Math.fround(t);
  return [hi, Math.fround(t - hi)];
}

/** The loop uniform's values (uniforms.ts, Loop), by field. */
export type LoopValues = { -readonly [K in keyof UniformValues<'Loop'>]: number };

/** Byte offset of a field of the loop uniform (4 bytes per field, in declaration order). */
export function loopOffset(field: keyof LoopValues): number {
  const i = Object.keys(UNIFORMS.Loop).indexOf(field);
  if (i < 0) throw new Error(`loop uniform: no field ${field}`);
  return 4 * i;
}

/**
 * The loop uniform of a backend before any step: every gate open (the stage-by-stage calls),
 * no step parameters yet, the noise and grid constants, ψ_ref's boundary part `bcMax`.
 */
export function initialLoop(k: Coefficients, L: Layout, bcMax: number): LoopValues {
  return {
    gStep: 1,
    gPotential: 1,
    gCheck: 1,
    gSave: 1,
    dt: 0,
    invDt: 0,
    noiseAmp: 0,
    key: 0,
    sgScale: 0,
    running: 1,
    step: 0,
    stepsSinceSolve: 0,
    sinceSave: 0,
    forced: 0,
    solvedBefore: 0,
    decided: 0,
    halt: 0,
    landing: 0,
    runTag: 0,
    timeHi: 0,
    timeLo: 0,
    dtNext: 0,
    targetHi: 0,
    targetLo: 0,
    stepLimit: 0,
    pauseHi: 0,
    pauseLo: 0,
    pauseArmed: 0,
    bcMax,
    ringPos: 0,
    ringCap: 0,
    checkEvery: 1,
    seed: k.seed >>> 0,
    noiseSigma: k.noiseSigma,
    fScale: k.f,
    invDx2: 1 / (L.dx * L.dx),
    vol: L.dims === 3 ? L.dx ** 3 : L.dx ** 2,
    voltage: 0,
    segment: 0,
    current: 0,
    currentVoltage: 0,
    prevCurrent: 0,
    prevVoltage: 0,
    accDeposit: 0,
    accTime: 0,
    hasCurrent: 0,
    hasPrev: 0,
    segLocal: 0,
    segCount: 0,
    segmentDt: 0,
    contactAt: 0,
    contactMode: 0,
  };
}

/** The gates all open: a stage called on its own runs whatever the device loop last left. */
export const OPEN_GATES = { gStep: 1, gPotential: 1, gCheck: 1, gSave: 1, running: 1 } as const;
