/**
 * Host-side packing for the device-side time loop's uniforms (shaders/common/policy.wgsl,
 * shaders/common/df64.wgsl; the structs are declared in uniforms.ts): the policy's and the drive
 * controller's constants, and f64 times split into df64 (hi, lo) pairs.
 */
import type { PolicyConstants } from '../../solver/policy.ts';
import { packUniform } from './uniforms.ts';

/** shaders/common/policy.wgsl, PolicyConsts. */
export function policyConstsData(p: PolicyConstants): ArrayBuffer {
  return packUniform('PolicyConsts', {
    dtMax: p.dtMax,
    safety: p.safety,
    safeDtPhase: p.safeDtPhase,
    maxDxiPerStep: p.maxDxiPerStep,
    resolveXiTol: p.resolveXiTol,
    resolveMaxSteps: Math.min(p.resolveMaxSteps, 0xffffffff),
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
  return packUniform('ControlConsts', v);
}

/** An f64 as a df64 pair: hi = the nearest f32, lo = the nearest f32 to the rest. */
export function splitDf64(t: number): [number, number] {
  const hi = Math.fround(t);
  return [hi, Math.fround(t - hi)];
}
