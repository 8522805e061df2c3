/**
 * The kernel table: every row kernel the CPU backend runs, by name. Tasks name their kernel
 * (exec.ts), so a worker thread (worker.ts) can look it up in its own copy of this table.
 * The table is built on first use, which keeps module cycles harmless.
 */
import { interpK } from './coefficients.ts';
import {
  elasticBlocksK,
  elasticCouplingK,
  elasticForceK,
  elasticMaterialK,
  elasticResidualK,
  elasticStressK,
} from './elasticity-kernels.ts';
import { gpCoefK, gpFinishK, gpMetalK, gpResidualK, gpUpdateK, gpZeroK } from './gp-transport.ts';
import { mgCoarsenK, mgDiagK, mgJacobiDotK, mgJacobiK, mgJacobiZeroK, mgProlongK, mgRestrictK, rowDotK } from './multigrid.ts';
import { fillPaddedK } from './padded.ts';
import { copyK, pcgApplyDotK, pcgDirectionK, pcgInitK, pcgUpdateK } from './pcg.ts';
import { phaseK } from './phase.ts';
import { imexFinishK, imexOperatorK, imexRhsK, imexUpdateK } from './phase-imex.ts';
import { assembleK, markSolveK, potentialFluxK, potentialPrepK } from './potential.ts';
import { reduceK } from './reductions.ts';
import { rowMaxK, transportAssembleK, transportFinishK } from './transport.ts';

function build() {
  return {
    interp: interpK,
    assemble: assembleK,
    fillPadded: fillPaddedK,
    copy: copyK,
    rowDot: rowDotK,
    mgCoarsen: mgCoarsenK,
    mgDiag: mgDiagK,
    mgJacobiZero: mgJacobiZeroK,
    mgJacobi: mgJacobiK,
    mgJacobiDot: mgJacobiDotK,
    mgRestrict: mgRestrictK,
    mgProlong: mgProlongK,
    pcgInit: pcgInitK,
    pcgApplyDot: pcgApplyDotK,
    pcgUpdate: pcgUpdateK,
    pcgDirection: pcgDirectionK,
    phase: phaseK,
    imexOperator: imexOperatorK,
    imexRhs: imexRhsK,
    imexUpdate: imexUpdateK,
    imexFinish: imexFinishK,
    potentialPrep: potentialPrepK,
    potentialFlux: potentialFluxK,
    markSolve: markSolveK,
    rowMax: rowMaxK,
    transportAssemble: transportAssembleK,
    transportFinish: transportFinishK,
    reduce: reduceK,
    elasticMaterial: elasticMaterialK,
    elasticStress: elasticStressK,
    elasticForce: elasticForceK,
    elasticResidual: elasticResidualK,
    elasticBlocks: elasticBlocksK,
    elasticCoupling: elasticCouplingK,
    gpCoef: gpCoefK,
    gpResidual: gpResidualK,
    gpZero: gpZeroK,
    gpUpdate: gpUpdateK,
    gpFinish: gpFinishK,
    gpMetal: gpMetalK,
  };
}

export type KernelTable = ReturnType<typeof build>;
export type KernelName = keyof KernelTable;
export type KernelArgs<K extends KernelName> = Parameters<KernelTable[K]>[0];
/** A kernel with its argument type erased (each task keeps the arguments that fit its kernel). */
export type KernelFn = (args: unknown, s: Float64Array, r0: number, r1: number) => void;

let table: KernelTable | null = null;

export function kernelTable(): KernelTable {
  return (table ??= build());
}
