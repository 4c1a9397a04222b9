/**
 * `losslens/studies`: many seeded training runs as one resumable, content-addressed study (seeds,
 * optimizers, batch sizes, double descent), run in process or on a local worker pool; the Redis
 * queue executor lives in `losslens/queue` so that this entry loads no queue client.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { runStudy, InProcessExecutor, openStudyFolder } from 'losslens/studies';
 *
 * // a run is a task handler's answer to one config; finished runs are kept, a rerun resumes
 * const square = async (_kind: string, config: unknown) => ({ y: (config as { x: number }).x ** 2 });
 * const folder = await openStudyFolder('reports/squares', { command: 'squares', config: { xs: [1, 2, 3] } });
 * const outcome = await runStudy<{ y: number }>({
 *   folder,
 *   executor: new InProcessExecutor(square),
 *   tasks: [1, 2, 3].map((x) => ({ id: `x${x}`, kind: 'square', config: { x } })),
 *   rebuild: async (records) => ({ summary: { ys: records.map((r) => r.result.y) }, figures: [] }),
 * });
 * assert.deepEqual(outcome.summary.ys, [1, 4, 9]);
 * assert.equal(outcome.executed + outcome.resumed, 3); // a second run resumes all three
 * ```
 *
 * @module losslens/studies
 */
export { runStudy, type RunStudyOptions, type StudyOutcome, type StudyProgress } from '../studies/run-study.js';
export { openStudyFolder, configHash, type StudyFolder } from '../studies/study-folder.js';
export type { RunExecutor, RunTask, RunRecord, ExecutorCallbacks } from '../studies/types.js';
export { InProcessExecutor } from '../studies/in-process-executor.js';
export { LocalPool, type LocalPoolOptions } from '../studies/local-pool.js';
export { measureSharpness, SHARPNESS_DEFAULTS, type Sharpness, type SharpnessOptions } from '../studies/sharpness.js';
export {
  randomFeaturesSweep,
  minNormLeastSquares,
  geometricWidths,
  type RandomFeaturesOptions,
  type RandomFeaturesResult,
} from '../double-descent/random-features.js';
export { analyzeSweep, type DoubleDescentAnalysis } from '../double-descent/analysis.js';
export type { SweepRun, WidthPoint, Spread, EpochPoint } from '../double-descent/types.js';
export type { AnalysisOptions as SweepAnalysisOptions } from '../double-descent/analysis.js';
export type { ResolvedRandomFeaturesOptions } from '../double-descent/random-features.js';
export {
  runDynamics,
  type DynamicsProblem,
  type DynamicsResult,
  type DynamicsRecord,
  type IndexProbe,
  type IndexPoint,
  type IndexAt,
} from '../saddles/dynamics-run.js';
export type { DynamicsOptions, DynamicsMethod } from '../saddles/dynamics-options.js';
export { findCriticalPoint, type CriticalPoint, type CriticalPointProblem, type FinderOptions } from '../saddles/critical-points.js';
export type { RunTaskFn, TaskContext } from '../studies/task-handler.js';
export type { WireError } from '../workers/wire-error.js';
