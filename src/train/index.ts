/** The training engine: optimizers, schedules, clipping, seeded initialisation and the run loop. */
export { createOptimizer, resolveOptimizerConfig, OPTIMIZER_NAMES } from './optimizers.js';
export type { Optimizer, OptimizerConfig, OptimizerName, OptimizerState, ResolvedOptimizerConfig } from './optimizers.js';
export { createSchedule, resolveScheduleConfig, SCHEDULE_NAMES } from './schedules.js';
export type { Schedule, ScheduleConfig, ScheduleName, ResolvedScheduleConfig } from './schedules.js';
export { clipByGlobalNorm, clipByValue, globalNorm } from './clipping.js';
export { initializeCheckpoint, initialTheta, mixSeed } from './initialize.js';
export { sampleInitializer, NAMED_INITIALIZERS, fans } from './initializers.js';
export { resolveRunConfig } from './run-config.js';
export type { RunConfig, ResolvedRunConfig } from './run-config.js';
export { trainRun, splitIndices, fnv1a } from './train-run.js';
export type { RunResult, RunStatus, TrainHooks, TrainOutput, TrainProgress, ThetaSnapshot } from './train-run.js';
export type { TrainHistory, StepHistory, EpochRecord } from './history.js';
export { SharpnessTracker, resolveSharpnessOptions, stabilityRule, preconditioner, topEigen, SHARPNESS_DEFAULTS } from './sharpness-tracker.js';
export type { SharpnessOptions, SharpnessHistory, StabilityRule, TopEigen } from './sharpness-tracker.js';
export { sharpnessFinding, type SharpnessFinding } from './sharpness-finding.js';
