/**
 * `losslens/train`: seeded training of a checkpoint's model on prepared data, with optimizers,
 * schedules, clipping, early stopping, θ snapshots and sharpness (λmax) tracking along the way.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { readCheckpoint, loadDataset, loadModel, prepareData, startEngine } from 'losslens';
 * import { trainRun } from 'losslens/train';
 *
 * await startEngine();
 * const model = loadModel(await readCheckpoint('fixtures/linreg'));
 * const data = prepareData(await loadDataset({ data: 'fixtures/linreg/data.csv' }), model.arch.inputShape, model.outDim, model.loss);
 * const run = await trainRun({ seed: 0, init: 'checkpoint', epochs: 2, optimizer: { name: 'sgd', lr: 0.01 } }, model, data);
 * assert.equal(run.result.status, 'completed');
 * assert.ok(Math.abs(run.result.initial.trainLoss - 0.009124412201344967) < 1e-6); // the least-squares minimum tfjs recorded
 * assert.ok(run.result.final.trainLoss < 0.02); // SGD stays near it
 * ```
 *
 * @module losslens/train
 */
export { trainRun, type RunResult, type RunStatus, type TrainHooks, type TrainOutput, type TrainProgress, type ThetaSnapshot } from '../train/train-run.js';
export { resolveRunConfig, RUN_DEFAULTS, type RunConfig, type ResolvedRunConfig } from '../train/run-config.js';
export type { TrainHistory, StepHistory, EpochRecord } from '../train/history.js';
export {
  createOptimizer,
  resolveOptimizerConfig,
  OPTIMIZER_NAMES,
  type Optimizer,
  type OptimizerConfig,
  type OptimizerName,
  type OptimizerState,
  type ResolvedOptimizerConfig,
} from '../train/optimizers.js';
export {
  createSchedule,
  resolveScheduleConfig,
  SCHEDULE_NAMES,
  type Schedule,
  type ScheduleConfig,
  type ScheduleName,
  type ResolvedScheduleConfig,
} from '../train/schedules.js';
export { initializeCheckpoint, initialTheta } from '../train/initialize.js';
export { NAMED_INITIALIZERS } from '../train/initializers.js';
export {
  SharpnessTracker,
  SHARPNESS_DEFAULTS as SHARPNESS_TRACKER_DEFAULTS,
  type SharpnessOptions as SharpnessTrackerOptions,
  type SharpnessHistory,
} from '../train/sharpness-tracker.js';
