/**
 * `losslens/landscape`: the loss along lines and planes through parameter space (Li et al. 2018)
 * and along the path between two minima (Goodfellow et al. 2015), with filter-normalised random
 * directions and PCA directions of a training trajectory.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadProblem } from 'losslens';
 * import { computeSlice, randomDirection } from 'losslens/landscape';
 *
 * const problem = await loadProblem({ model: 'fixtures/spiral-tanh', train: { data: 'fixtures/spiral-tanh/train.csv' } });
 * try {
 *   const objective = problem.train!.objective;
 *   const d = randomDirection(objective.theta0, objective.layout, 0, { norm: 'filter', includeBias: false });
 *   const s = await computeSlice(objective, { directions: [d], points: 21 });
 *   assert.equal(s.alphas[10], 0); // α = 0 is the checkpoint itself
 *   assert.equal(s.train.loss[10], s.baseLoss);
 * } finally {
 *   await problem.dispose();
 * }
 * ```
 *
 * @module losslens/landscape
 */
export {
  computeSlice,
  resolveSliceOptions,
  type SliceOptions,
  type SliceRequest,
  type SliceResult,
  type Slice1D,
  type Slice2D,
  type SliceCurve,
  type SliceGrid,
} from '../landscape/slice.js';
export { interpolate, type InterpolationRequest, type InterpolationOptions, type InterpolationResult } from '../landscape/interpolate.js';
export { randomDirection, orthogonalizeTo, cosine } from '../landscape/directions.js';
export { normalizeDirection, NORM_MODES, type NormalizeOptions, type NormMode } from '../landscape/filter-normalize.js';
export { pcaDirections, type PcaDirections } from '../landscape/pca-directions.js';
export { recomputeBatchNorm } from '../objective/recompute-batch-norm.js';
export { interpolateBatchNormStats, checkpointBatchNormStats, batchNormLayers, type BatchNormStats } from '../objective/batch-norm-stats.js';
