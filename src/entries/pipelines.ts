/**
 * `losslens/pipelines`: each command as one library call, the same code the CLI runs: typed
 * options named as fields in, a report folder (summary.json, figures, report.md) out. Pipelines
 * write figures, so this entry loads the renderer (vega, resvg).
 *
 * @example
 * ```ts
 * import { runAnalysis, hessianPipeline } from 'losslens/pipelines';
 *
 * const run = await runAnalysis(hessianPipeline, {
 *   model: 'fixtures/linreg', data: 'fixtures/linreg/data.csv', top: 2, density: false, out: 'reports/lib-hessian',
 * });
 * console.log(run.folder, run.summary.meta.elapsedMs); // a bad option rejects as `option top: …`
 * ```
 *
 * @module losslens/pipelines
 */
export { runAnalysis, type AnalysisPipeline, type AnalysisRun, type PipelineOutput } from '../pipelines/run-analysis.js';
export { runStudyPipeline, type StudyPipeline, type StudyRun, type StudyRunOptions, type ExecutorOptions } from '../pipelines/run-study.js';
export type { RunHooks, Progress } from '../pipelines/context.js';
export { ANALYSIS_DEFAULTS, type AnalysisOptions } from '../pipelines/common.js';
export { checkpointInfo, type InfoOptions, type InfoResult } from '../pipelines/info.js';
export { evalPipeline, type EvalOptions as EvalPipelineOptions } from '../pipelines/eval.js';
export { hessianPipeline, type HessianPipelineOptions } from '../pipelines/hessian.js';
export { slicePipeline, SLICE_DEFAULTS, type SliceOptions as SlicePipelineOptions } from '../pipelines/slice.js';
export { interpolatePipeline, withModelFrom, INTERPOLATE_DEFAULTS, type InterpolateOptions } from '../pipelines/interpolate.js';
export { gradientsPipeline, type GradientsPipelineOptions } from '../pipelines/gradients.js';
export { trainPipeline, type TrainPipelineOptions } from '../pipelines/train.js';
export { reportPipeline, type ReportPipelineOptions } from '../pipelines/report.js';
export { seedsStudy, SEEDS_DEFAULTS, type SeedsOptions } from '../pipelines/seeds.js';
export { optimizersStudy, OPTIMIZERS_DEFAULTS, type OptimizersOptions } from '../pipelines/optimizers.js';
export { batchSizeStudy, BATCH_SIZE_DEFAULTS, type BatchSizeOptions } from '../pipelines/batch-size.js';
export { doubleDescentStudy, randomFeaturesReport, DOUBLE_DESCENT_DEFAULTS, type DoubleDescentOptions } from '../pipelines/double-descent.js';
export type { PipelineContext } from '../pipelines/context.js';
export type { ReportPreset } from '../report/report-options.js';
export type { RunMeta } from '../report/meta.js';
export type { DataMemory } from '../objective/data-memory.js';
export type { InferenceMode } from '../model/inference-mode.js';
