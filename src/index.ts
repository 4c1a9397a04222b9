/**
 * losslens: the loss landscape and Hessian of a trained TensorFlow.js model.
 *
 * This top-level entry holds the usual path: start the engine, load a checkpoint and its data
 * into an {@link Objective} (L(θ), ∇L(θ) and exact Hessian-vector products on a flat θ), then
 * the main analyses over it: the Hessian ({@link analyzeHessian}: λmax, trace, density),
 * gradient diagnostics ({@link analyzeGradients}), 1-D/2-D slices ({@link computeSlice}),
 * interpolation between minima ({@link interpolate}) and evaluation ({@link evaluatePoint}).
 * It loads no figure renderer and no queue client. The rest sits in sub-entries:
 * `losslens/curvature`, `losslens/landscape`, `losslens/gradients`, `losslens/train`,
 * `losslens/studies`, `losslens/io`, `losslens/figures`, `losslens/pipelines`, `losslens/queue`.
 *
 * Every function that touches tensors leaves `tf.memory().numTensors` as it found it.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadProblem, analyzeHessian } from 'losslens';
 *
 * const problem = await loadProblem({ model: 'fixtures/linreg', train: { data: 'fixtures/linreg/data.csv' } });
 * try {
 *   const h = await analyzeHessian(problem.train!.objective, { top: 1, bottom: 1, density: false });
 *   // λmax of the explicit Hessian 2·X̃ᵀX̃/N of the fixture, in float64: 41.1138
 *   assert.ok(Math.abs(h.eigenvalues.top[0] - 41.11382788) < 1e-5 * 41.11382788);
 * } finally {
 *   await problem.dispose();
 * }
 * ```
 *
 * @module losslens
 */
export { VERSION } from './version.js';
export { LosslensError, type ErrorCode } from './errors.js';
export { startEngine, stopEngine, selectBackend, BACKEND_NAMES, type Engine, type EngineOptions, type BackendName, type BackendInfo } from './engine/index.js';

// Inputs: a checkpoint and data, turned into an objective.
export { loadProblem, type Problem, type ProblemOptions, type DataSource } from './problem.js';
export { readCheckpoint } from './io/checkpoint-read.js';
export { loadDataset, type LoadDatasetOptions } from './io/dataset.js';
export type { Checkpoint, Dataset } from './io/types.js';
export { loadModel, type ModelBundle } from './objective/model-bundle.js';
export { prepareData, type PreparedData } from './objective/prepare-data.js';
export { createObjective, type CreateObjectiveOptions } from './objective/create-objective.js';
export type { Objective, ParamLayout, ParamBlock, EvalResult, EvalOptions } from './objective/types.js';

// The main analyses and their options and results.
export { evaluatePoint, type PointEvaluation } from './objective/evaluate-point.js';
export { analyzeHessian, hessianMatVec, type HessianResult, type Stage as HessianStage } from './curvature/analyze-hessian.js';
export { HESSIAN_DEFAULTS, type HessianOptions } from './curvature/hessian-options.js';
export { analyzeGradients, type AnalyzeGradientsOptions, type GradientAnalysis } from './gradients/analyze-gradients.js';
export {
  computeSlice,
  type SliceOptions,
  type SliceRequest,
  type SliceResult,
  type Slice1D,
  type Slice2D,
  type SliceCurve,
  type SliceGrid,
} from './landscape/slice.js';
export { randomDirection } from './landscape/directions.js';
export type { NormalizeOptions, NormMode } from './landscape/filter-normalize.js';
export { interpolate, type InterpolationRequest, type InterpolationOptions, type InterpolationResult } from './landscape/interpolate.js';

// Types that the signatures above refer to.
export type { NativeKernelsInfo } from './kernels/native-kernels.js';
export type { CheckpointIO, DataPart } from './io/types.js';
export type { InputArray } from './io/sample-rows.js';
export type { Architecture } from './model/architecture.js';
export type { LossName } from './model/loss.js';
export type { OutputHead } from './objective/model-bundle.js';
export type { ParamRole, GradResult, PassProgress } from './objective/types.js';
export type { ChannelMoments, BatchNormStats } from './objective/batch-norm-stats.js';
export type { AnalysisMeta } from './analysis-meta.js';
export type { SlqSummary } from './curvature/slq-summary.js';
export type { FrobeniusResult, LayerDiagonal } from './curvature/diagonal-estimate.js';
export type { PreparedInput, PreparedTarget } from './objective/prepare-data.js';
export type { OutputMetrics } from './objective/types.js';
export type { ModelIONames } from './io/types.js';
