/**
 * Re-estimate every BatchNormalization layer's moving mean and variance at θ from the
 * objective's BatchNorm data (full training set or a --bn-samples subset).
 *
 * Layer by layer in topological order: the input of a later BN layer depends on the
 * statistics of the earlier ones, so layer l's moments are taken in a forward pass that already
 * uses the recomputed statistics of layers 1..l−1 (one pass over the data per BN layer, stopped at
 * the layer's input). The result is the exact population statistics of the inference-mode
 * network — the fixed point that running averages with momentum only approach, and not the
 * train-mode pass of PyTorch's update_bn, where later layers see batch-normalised inputs.
 * Per batch and shard the moments are merged as in batch-norm-stats.ts (biased variance, as tfjs).
 */
import { LosslensError } from '../errors.js';
import { statsFromMoments, type BatchNormStats } from './batch-norm-stats.js';
import type { Objective } from './types.js';

/**
 * BatchNorm statistics re-estimated at θ over the objective's data (for slices and paths far from
 * the checkpoint, where its moving statistics no longer fit).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadProblem } from 'losslens';
 * import { recomputeBatchNorm } from 'losslens/landscape';
 *
 * // trunk_bn normalises relu(x·W + b) of the Dense layer `trunk`: its recomputed mean is that over the data
 * const problem = await loadProblem({ model: 'fixtures/functional', train: { data: 'fixtures/functional/data.csv' } });
 * try {
 *   const objective = problem.train!.objective;
 *   const stats = await recomputeBatchNorm(objective, ['trunk_bn'], objective.theta0);
 *   const { x, n } = problem.train!.dataset;
 *   const [W, bias] = problem.model.checkpoint.weights.slice(0, 2).map((w) => w.values); // trunk/kernel [8, 16], trunk/bias
 *   const mean = new Float64Array(16);
 *   for (let s = 0; s < n; s++)
 *     for (let j = 0; j < 16; j++) {
 *       let z = bias[j];
 *       for (let i = 0; i < 8; i++) z += x[8 * s + i] * W[16 * i + j];
 *       mean[j] += Math.max(z, 0) / n;
 *     }
 *   mean.forEach((m, j) => assert.ok(Math.abs(stats.trunk_bn.mean[j] - m) < 1e-5 * (1 + m)));
 * } finally {
 *   await problem.dispose();
 * }
 * ```
 */
export async function recomputeBatchNorm(objective: Objective, layers: string[], theta: Float32Array): Promise<BatchNormStats> {
  if (!objective.batchNormMoments) throw new LosslensError('INTERNAL', 'this objective cannot re-estimate BatchNorm statistics');
  const stats: BatchNormStats = {};
  for (const layer of layers) {
    const m = await objective.batchNormMoments(theta, layer, stats);
    if (m.count === 0) throw new LosslensError('INTERNAL', `no samples to estimate BatchNorm statistics of layer "${layer}"`);
    stats[layer] = statsFromMoments(m);
  }
  return stats;
}
