/**
 * The trajectory command's defaults, on their own so the CLI declares them without loading the
 * pipeline (src/pipelines/trajectory.ts). Budgets are per checkpoint: a 10-checkpoint run spends ten times them.
 */
import type { CheckpointAnalysis } from '../studies/tasks/checkpoint-analysis.js';

export const TRAJECTORY_DEFAULTS = {
  analyses: ['loss', 'lambda-max', 'trace', 'slice'] as CheckpointAnalysis[],
  backend: 'auto',
  maxIter: 40,
  maxMatvecs: 400,
  tol: 1e-3,
  probes: 20,
  slqOrder: 40,
  slqProbes: 2,
  points: 21,
  range: [-1, 1] as [number, number],
};
