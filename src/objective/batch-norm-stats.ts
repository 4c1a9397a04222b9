/**
 * BatchNormalization statistics held outside θ: the per-channel moments of a BN layer's input
 * over a dataset, and the moving mean/variance they give.
 *
 * Semantics matched: tfjs-layers updates `moving_variance` from `tf.moments(x, reductionAxes)`,
 * i.e. the biased (population, ÷count) variance, with no Bessel correction (Keras/TF2 does the
 * same; PyTorch's running_var is unbiased). Recomputed statistics are therefore the population
 * mean and biased variance over every sample and every non-channel position.
 *
 * Numerics (the two-level scheme): each batch gives its channel mean and centred sum of squares
 * M2 = Σ(x − mean_b)² in float32 on the backend; batches, shards and workers are merged in
 * float64 with Chan et al.'s pairwise update, so no Σx² − (Σx)²/n cancellation occurs.
 */
import tf from '../tf.cjs';
import type { Architecture } from '../model/architecture.js';
import { cfg } from '../model/layer-ops.js';

/** Per-layer moving statistics, keyed by layer name. */
export type BatchNormStats = Record<string, { mean: Float32Array; variance: Float32Array }>;

/** Moments of one BN input over some samples: count of reduced positions, channel means and M2. */
export interface ChannelMoments {
  count: number;
  mean: Float64Array;
  m2: Float64Array;
}

/**
 * The BatchNormalization layers of an architecture, in execution (topological) order.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { readCheckpoint, loadModel } from 'losslens';
 * import { batchNormLayers } from 'losslens/landscape';
 *
 * // in(8) → Dense(16, relu) named trunk → BatchNormalization named trunk_bn → …
 * const model = loadModel(await readCheckpoint('fixtures/functional'));
 * assert.deepEqual(batchNormLayers(model.arch), ['trunk_bn']);
 * ```
 */
export function batchNormLayers(arch: Architecture): string[] {
  return arch.nodes.filter((n) => n.className === 'BatchNormalization').map((n) => n.name);
}

/** The channel axis of a BN layer for an input of rank `rank`. */
export function bnAxis(config: unknown, rank: number): number {
  let axis = cfg<number | number[]>(config, 'axis', -1);
  axis = Array.isArray(axis) ? axis[0] : axis;
  return axis < 0 ? rank + axis : axis;
}

/** [mean, M2] tensors of x over every axis but `axis` (float32, on the backend). */
export function batchMoments(x: tf.Tensor, axis: number): { count: number; mean: tf.Tensor1D; m2: tf.Tensor1D } {
  return tf.tidy(() => {
    const axes = x.shape.map((_, i) => i).filter((i) => i !== axis);
    const mean = tf.mean(x, axes, true);
    const m2 = tf.sum(tf.square(tf.sub(x, mean)), axes);
    return { count: x.size / x.shape[axis], mean: tf.reshape(mean, [-1]) as tf.Tensor1D, m2: m2 as tf.Tensor1D };
  });
}

export function emptyMoments(channels: number): ChannelMoments {
  return { count: 0, mean: new Float64Array(channels), m2: new Float64Array(channels) };
}

/** Chan et al. (1979) pairwise merge of two moment sets, in float64. */
export function mergeMoments(a: ChannelMoments, b: ChannelMoments): ChannelMoments {
  if (b.count === 0) return a;
  if (a.count === 0) return { count: b.count, mean: Float64Array.from(b.mean), m2: Float64Array.from(b.m2) };
  const n = a.count + b.count;
  const mean = new Float64Array(a.mean.length);
  const m2 = new Float64Array(a.mean.length);
  for (let c = 0; c < mean.length; c++) {
    const d = b.mean[c] - a.mean[c];
    mean[c] = a.mean[c] + (d * b.count) / n;
    m2[c] = a.m2[c] + b.m2[c] + (d * d * a.count * b.count) / n;
  }
  return { count: n, mean, m2 };
}

/** Moving mean and biased variance (M2 / count) from merged moments. */
export function statsFromMoments(m: ChannelMoments): { mean: Float32Array; variance: Float32Array } {
  return { mean: Float32Array.from(m.mean), variance: Float32Array.from(m.m2, (v) => v / m.count) };
}

/**
 * The checkpoint's own moving statistics of each BN layer (values shared, not copied).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { readCheckpoint, loadModel } from 'losslens';
 * import { checkpointBatchNormStats } from 'losslens/landscape';
 *
 * const ckpt = await readCheckpoint('fixtures/functional');
 * const stats = checkpointBatchNormStats(loadModel(ckpt).arch, ckpt.weights);
 * const saved = (name: string) => ckpt.weights.find((w) => w.spec.name === name)!.values;
 * assert.deepEqual(stats.trunk_bn.mean, saved('trunk_bn/moving_mean'));
 * assert.deepEqual(stats.trunk_bn.variance, saved('trunk_bn/moving_variance'));
 * ```
 */
export function checkpointBatchNormStats(arch: Architecture, weights: { values: Float32Array }[]): BatchNormStats {
  const out: BatchNormStats = {};
  for (const node of arch.nodes) {
    if (node.className !== 'BatchNormalization') continue;
    const w = (p: string) => weights[node.weights.find((x) => x.param === p)!.index].values;
    out[node.name] = { mean: w('moving_mean'), variance: w('moving_variance') };
  }
  return out;
}

/**
 * Statistics along the segment between two checkpoints' own: means linearly, variances
 * geometrically (exp of the linear log-variance), so both ends are exact and a variance stays
 * positive when α leaves [0, 1]. Keyed by `a`'s layer names.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { interpolateBatchNormStats } from 'losslens/landscape';
 *
 * // means linearly, variances geometrically: halfway between variances 1 and 4 is 2
 * const a = { bn: { mean: Float32Array.of(0), variance: Float32Array.of(1) } };
 * const b = { bn: { mean: Float32Array.of(2), variance: Float32Array.of(4) } };
 * const mid = interpolateBatchNormStats(a, b, 0.5);
 * assert.equal(mid.bn.mean[0], 1);
 * assert.ok(Math.abs(mid.bn.variance[0] - 2) < 1e-6);
 * ```
 */
export function interpolateBatchNormStats(a: BatchNormStats, b: BatchNormStats, alpha: number): BatchNormStats {
  const out: BatchNormStats = {};
  const bs = Object.values(b);
  Object.entries(a).forEach(([layer, sa], i) => {
    const sb = bs[i];
    out[layer] = {
      mean: sa.mean.map((m, c) => (1 - alpha) * m + alpha * sb.mean[c]),
      variance: sa.variance.map((v, c) => Math.exp((1 - alpha) * Math.log(v) + alpha * Math.log(sb.variance[c]))),
    };
  });
  return out;
}
