/**
 * losslens — the library behind the `losslens` command line.
 *
 * The usual path: `loadProblem` (backend, checkpoint, data, a flat-parameter Objective with exact
 * Hessian-vector products), then any analysis over that Objective (`analyzeHessian`,
 * `computeSlice`, `interpolate`, `analyzeGradients`, …), then the figure helpers.
 * Every function that touches tensors leaves `tf.memory().numTensors` as it found it.
 */
export { VERSION } from './version.js';
export { LosslensError, inputError, optionError, unsupportedError, exitCodeFor, type ErrorCode } from './errors.js';
export { startEngine, stopEngine, currentEngine, requireEngine, selectBackend, activeBackend, BACKEND_NAMES, type Engine, type EngineOptions, type BackendName, type BackendInfo } from './engine/index.js';
export { createRng, permutation, gaussianVector, rademacherVector } from './random.js';

// Inputs: checkpoints, datasets, vectors in θ's layout.
export { readCheckpoint } from './io/checkpoint-read.js';
export { writeCheckpoint, type CheckpointToWrite, type WriteCheckpointOptions } from './io/checkpoint-write.js';
export { loadDataset, takeRows, splitDisjoint, type LoadDatasetOptions } from './io/dataset.js';
export { readVector, writeVector } from './io/vector-file.js';
export { listCheckpoints } from './io/trajectory.js';
export type { Checkpoint, CheckpointWeight, WeightSpec, Dataset, LabelKind } from './io/types.js';

// The model as a function of a flat parameter vector θ.
export { loadProblem, type Problem, type ProblemOptions, type DataSource } from './problem.js';
export { loadModel, type ModelBundle } from './objective/model-bundle.js';
export { prepareData, type PreparedData } from './objective/prepare-data.js';
export { createObjective, defaultWorkers, type CreateObjectiveOptions } from './objective/create-objective.js';
export { evaluatePoint, blockNorms, type PointEvaluation } from './objective/evaluate-point.js';
export { registerSecondOrderGradients } from './objective/second-order-gradients.js';
export type { Objective, ParamLayout, ParamBlock, ParamRole, EvalResult, EvalOptions } from './objective/types.js';
export { recomputeBatchNorm } from './objective/recompute-batch-norm.js';
export { batchNormLayers, checkpointBatchNormStats, interpolateBatchNormStats, type BatchNormStats, type ChannelMoments } from './objective/batch-norm-stats.js';
export { modelCard, checkpointCard, objectiveCard, type ModelCard, type LayerCard, type ObjectiveCard } from './model/model-card.js';
export { RegularizedObjective, regularize, regularizationOf, checkRegularizers } from './objective/regularized-objective.js';
export { findRegularizers, parseRegularizer, type Regularization, type RegularizerTerm, type ActivityRegularizer } from './model/regularizers.js';

// Curvature: Lanczos, Hutchinson, SLQ and the diagnostics built on them.
export * from './curvature/index.js';
export { analyzeHessian, hessianMatVec, type HessianResult, type Stage as HessianStage } from './curvature/analyze-hessian.js';
export { HESSIAN_DEFAULTS, resolveHessianOptions, type HessianOptions } from './curvature/hessian-options.js';
export { perLayerCurvature, type LayerCurvature } from './curvature/per-layer-curvature.js';
export { hessianFigures } from './figures/hessian.js';

// Loss landscapes.
export { NORM_MODES, normalizeDirection, filterGroups, type NormMode, type NormalizeOptions } from './landscape/filter-normalize.js';
export { randomDirection, orthogonalizeTo, cosine, type DirectionInfo } from './landscape/directions.js';
export { computeSlice, resolveSliceOptions, linspace, type SliceOptions, type SliceResult, type SliceCurve, type SliceGrid, type Slice1D, type Slice2D } from './landscape/slice.js';
export { interpolate, assertSameLayout, endsBatchNorm, type InterpolationResult } from './landscape/interpolate.js';
export { pcaDirections, type PcaDirections } from './landscape/pca-directions.js';
export { sliceFigures, interpolationFigure, chooseColorScale } from './figures/landscape.js';

// Gradient attenuation, saturation, dead units.
export * from './gradients/index.js';

// Training, studies, double descent.
export * from './train/index.js';
export type { RunExecutor, RunTask, RunRecord, ExecutorCallbacks } from './studies/types.js';
export { LocalPool, type LocalPoolOptions } from './studies/local-pool.js';
export { InProcessExecutor } from './studies/in-process-executor.js';
export { BullmqExecutor, type BullmqExecutorOptions, type QueueStatus } from './studies/executors/bullmq-executor.js';
export { serveQueue, type ServeOptions, type QueueServer, type WorkerEvent } from './studies/executors/bullmq-worker.js';
export { runStudy, type RunStudyOptions, type StudyOutcome, type StudyProgress } from './studies/run-study.js';
export { openStudyFolder, configHash, type StudyFolder } from './studies/study-folder.js';
export { measureSharpness, SHARPNESS_DEFAULTS, type Sharpness, type SharpnessOptions } from './studies/sharpness.js';
export { randomFeaturesSweep, minNormLeastSquares, geometricWidths, type RandomFeaturesOptions, type RandomFeaturesResult } from './double-descent/random-features.js';
export { analyzeSweep, type DoubleDescentAnalysis } from './double-descent/analysis.js';

// Figures and reports.
export * from './render/index.js';
export { writeReport, type Figure, type ReportContent } from './report/write-report.js';
export { prepareOutputDir, defaultOutDir } from './io/output-dir.js';
export { writeFileAtomic, writeJsonAtomic } from './io/atomic-write.js';
export { attenuationSpec, activationsSpec, trajectorySpec } from './figures/gradients.js';

// One pipeline per command: the same code the CLI runs (typed options in, report folder out).
export { runAnalysis, type AnalysisPipeline, type AnalysisRun, type PipelineOutput } from './pipelines/run-analysis.js';
export { runStudyPipeline, type StudyPipeline, type StudyRun, type ExecutorOptions } from './pipelines/run-study.js';
export type { RunHooks, Progress } from './pipelines/context.js';
export { ANALYSIS_DEFAULTS, type AnalysisOptions } from './pipelines/common.js';
export { evalPipeline } from './pipelines/eval.js';
export { hessianPipeline, type HessianPipelineOptions } from './pipelines/hessian.js';
export { slicePipeline, SLICE_DEFAULTS, type SliceOptions as SlicePipelineOptions } from './pipelines/slice.js';
export { interpolatePipeline, withModelFrom, type InterpolateOptions } from './pipelines/interpolate.js';
export { gradientsPipeline, type GradientsPipelineOptions } from './pipelines/gradients.js';
export { trainPipeline, type TrainPipelineOptions } from './pipelines/train.js';
export { reportPipeline, type ReportPipelineOptions } from './pipelines/report.js';
export { checkpointInfo, type InfoOptions } from './pipelines/info.js';
export { seedsStudy, type SeedsOptions } from './pipelines/seeds.js';
export { optimizersStudy, type OptimizersOptions } from './pipelines/optimizers.js';
export { doubleDescentStudy, randomFeaturesReport, type DoubleDescentOptions } from './pipelines/double-descent.js';
export { chooseDirections, directionSource, type DirectionSource } from './pipelines/direction-sources.js';
export { renderFigure } from './render/figure.js';
