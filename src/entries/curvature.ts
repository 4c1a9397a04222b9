/**
 * `losslens/curvature`: eigenvalues, traces and spectral densities of a symmetric operator given
 * only as a matrix-vector product, `matvec: (v: Float64Array) => Promise<Float64Array>`.
 *
 * The routines never see a model: pass {@link hessianMatVec} of an objective for the Hessian, or
 * any operator of your own (the known-spectrum operators here are test problems with exact
 * answers). Bookkeeping is in float64 with full reorthogonalization; every stochastic estimate
 * reports its spread and sample count.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { diagonalOperator, extremeEigenpairs, hutchinsonTrace } from 'losslens/curvature';
 *
 * const op = diagonalOperator([5, 3, 1, -2]);            // eigenvalues known exactly
 * const eig = await extremeEigenpairs(op.matvec, 4, { top: 1, bottom: 1 });
 * const tr = await hutchinsonTrace(op.matvec, 4, { probes: 50, seed: 1 });
 * assert.ok(Math.abs(eig.top.values[0] - 5) < 1e-10 && Math.abs(eig.bottom.values[0] + 2) < 1e-10);
 * assert.equal(tr.estimate, 7); // z ⊙ Dz = diag(D) for every Rademacher z: the trace exactly
 * ```
 *
 * @module losslens/curvature
 */
export type { MatVec, OnProgress } from '../curvature/vector-ops.js';

// The analysis over an objective, and the operator it hands the routines below.
export { analyzeHessian, hessianMatVec, curvatureMatVec, type HessianResult, type Stage as HessianStage } from '../curvature/analyze-hessian.js';
export { HESSIAN_DEFAULTS, resolveHessianOptions, type HessianOptions } from '../curvature/hessian-options.js';
export { perLayerCurvature, type LayerCurvature } from '../curvature/per-layer-curvature.js';
export { CURVATURE_KINDS, type CurvatureKind } from '../curvature/curvature-kind.js';

// Eigenvalues: Lanczos, thick-restart Lanczos, the extreme pairs of an operator.
export { lanczos, type LanczosOptions, type LanczosResult, type LanczosWhich } from '../curvature/lanczos.js';
export { thickRestartLanczos, type ThickRestartOptions, type ThickRestartResult, type EigenPair, type EigenWhich } from '../curvature/thick-restart-lanczos.js';
export { extremeEigenpairs, type ExtremeEigenOptions, type ExtremeEigenResult, type EigenEnd } from '../curvature/extreme-eigenvalues.js';
export { tridiagonalEigen, type TridiagonalEigen } from '../curvature/tridiagonal-eigen.js';

// Traces, diagonals and spectral densities.
export { hutchinsonTrace, type TraceOptions, type TraceResult, type TraceMethod } from '../curvature/hutchinson-trace.js';
export { xtrace, type XTraceResult } from '../curvature/xtrace.js';
export { estimateDiagonal, type DiagonalMethod } from '../curvature/diagonal-estimate.js';
export { slqDensity, spectralFraction, negativeSpectralMass, type SlqOptions, type SlqResult } from '../curvature/slq-density.js';

// Diagnostics computed from a spectrum.
export {
  conditionNumbers,
  saddleIndex,
  criticalPointVerdict,
  stabilityVerdict,
  type ConditionNumbers,
  type SaddleIndex,
  type CriticalVerdict,
  type CriticalPointArgs,
} from '../curvature/spectrum-diagnostics.js';

// Saddle counts #{λ < −τ·λmax}: dense (the full float64 spectrum of the assembled matrix) or iterative (locked bottom pairs).
export {
  saddleCounts,
  SADDLE_DEFAULTS,
  SADDLE_METHODS,
  type SaddleCountOptions,
  type SaddleMethod,
  type SaddleCount,
  type SaddleCountsResult,
} from '../curvature/saddle-counts.js';
export { symmetricEigenvalues, sturmCount, type SymmetricEigenvalues } from '../curvature/symmetric-eigen.js';

// Operators with a known spectrum: ground truths for the routines above.
export { diagonalOperator, rotatedSpectrumOperator, randomOrthogonal, eigenResidual, type KnownSpectrumOperator } from '../curvature/known-spectrum.js';

// Types that the signatures above refer to.
export type { SlqSummary } from '../curvature/slq-summary.js';
export type { FrobeniusResult, LayerDiagonal } from '../curvature/diagonal-estimate.js';
export type { DiagonalSamples } from '../curvature/xtrace.js';
export type { ConvergenceRule } from '../curvature/convergence-rule.js';
export type { SaddleThreshold, EndValues } from '../curvature/spectrum-diagnostics.js';
