/**
 * Eshelby's misfitting inclusion (model.md §8, docs/mechanics.md) on the CPU reference: a disc
 * (2D plane strain) or a sphere (3D) of metal with the isotropic eigenstrain ε* = 0.01 in a
 * matrix, at the corner of a quarter (octant) domain with symmetry faces; the far faces carry the
 * exact displacement as clamp data, so the finite box adds no image stress (mechanics-known.ts).
 * Checked: the uniform stress inside and the r⁻² (2D) / r⁻³ (3D) decay of σ_rr outside, away
 * from the interface (r > 1.25a; 1.5a past a staircase, whose cell-scale corners perturb the
 * stress a few cells out).
 * - equal moduli (Li in Li): a diffuse interface (tanh of width dx) has the same exterior field
 *   as a sharp inclusion of the same eigenstrain volume (a_eff from ∫h dV);
 * - Li in a ceramic (G = 60 GPa, ν = 0.26; 35× stiffer): a sharp, staircase inclusion (ξ = 0/1
 *   per cell; error O(dx/a)). A diffuse interface with the h-interpolated (Voigt) stiffness
 *   moves the effective misfit by O(w/a·μ_matrix/μ_inclusion) (docs/mechanics.md), so this
 *   check is made on the sharp inclusion.
 * The same cases run on the GPU backends in test/conformance (mechanicsKnownAnswers).
 */
import { describe, expect, it } from 'vitest';
import { LITHIUM } from '../../src/model/mechanics.ts';
import { CERAMIC, cpuSolver, eshelbyCase, eshelbyReport } from './mechanics-known.ts';

describe('mechanics: Eshelby misfitting inclusion', () => {
  it('2D disc, equal moduli, diffuse interface (64², dx = 0.5 µm, a = 8 µm)', async () => {
    const r = await eshelbyCase(2, 64, 0.5, 8, LITHIUM, false, 1.25, cpuSolver);
    console.log(eshelbyReport('2D disc Li in Li', r, 2, 1.25));
    expect(r.inside).toBeLessThan(0.005);
    expect(r.outside).toBeLessThan(0.01);
    expect(Math.abs(r.slope + 2)).toBeLessThan(0.01);
  });
  it('2D disc, Li in a 35× stiffer ceramic, sharp interface (128², dx = 0.25 µm, a = 8 µm), r > 1.5a', async () => {
    const r = await eshelbyCase(2, 128, 0.25, 8, CERAMIC, true, 1.5, cpuSolver);
    console.log(eshelbyReport('2D disc Li in ceramic', r, 2, 1.5));
    expect(r.inside).toBeLessThan(0.02);
    expect(r.outside).toBeLessThan(0.05);
    expect(Math.abs(r.slope + 2)).toBeLessThan(0.03);
  });
  it('3D sphere, equal moduli, diffuse interface (32³, dx = 0.5 µm, a = 6 µm)', async () => {
    const r = await eshelbyCase(3, 32, 0.5, 6, LITHIUM, false, 1.25, cpuSolver);
    console.log(eshelbyReport('3D sphere Li in Li', r, 3, 1.25));
    expect(r.inside).toBeLessThan(0.005);
    expect(r.outside).toBeLessThan(0.01);
    expect(Math.abs(r.slope + 3)).toBeLessThan(0.01);
  });
  it('3D sphere, Li in a 35× stiffer ceramic, sharp interface (48³, dx = 0.5 µm, a = 8 µm), r > 1.5a', async () => {
    const r = await eshelbyCase(3, 48, 0.5, 8, CERAMIC, true, 1.5, cpuSolver);
    console.log(eshelbyReport('3D sphere Li in ceramic', r, 3, 1.5));
    expect(r.inside).toBeLessThan(0.02);
    expect(r.outside).toBeLessThan(0.05);
    expect(Math.abs(r.slope + 3)).toBeLessThan(0.03);
  });
});
