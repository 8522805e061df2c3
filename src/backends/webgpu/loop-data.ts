/**
 * Host-side packing for the device-side time loop's uniforms (shaders/common/policy.wgsl,
 * shaders/common/df64.wgsl): the policy's and the drive controller's constants, and f64 times
 * split into df64 (hi, lo) pairs. Field order = the WGSL struct order.
 */
import type { PolicyConstants } from '../../solver/policy.ts';
import { packParams } from './context.ts';

/** shaders/common/policy.wgsl, PolicyConsts. */
export function policyConstsData(p: PolicyConstants): ArrayBuffer {
  return packParams([
    ['f', p.dtMax],
    ['f', p.safety],
    ['f', p.safeDtPhase],
    ['f', p.maxDxiPerStep],
    ['f', p.resolveXiTol],
    ['u', Math.min(p.resolveMaxSteps, 0xffffffff)],
  ]);
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
  return packParams([
    ['f', v.response],
    ['f', v.tolerance],
    ['f', v.maxStep],
    ['f', v.vmin],
    ['f', v.vmax],
    ['f', v.i0],
    ['f', v.f],
    ['f', v.alphaMax],
    ['f', v.perDeposit],
  ]);
}

/** An f64 as a df64 pair: hi = the nearest f32, lo = the nearest f32 to the rest. */
export function splitDf64(t: number): [number, number] {
  const hi = Math.fround(t);
  return [hi, Math.fround(t - hi)];
}
