/**
 * The full gradient ∂L/∂W of one minibatch's mean loss (inference mode: dropout off, BatchNorm
 * on its moving statistics) for every trainable weight of the given layers, read back to JS as
 * one Float32Array per checkpoint weight. One tidy scope: no tensor outlives the call.
 */
import tf from '../tf.cjs';
import type { PreparedData } from '../objective/prepare-data.js';
import { batchLoss, type GradientModel } from './layer-gradients.js';
import { batchTensors } from './minibatches.js';

export interface FlatBatchGradient {
  loss: number;
  /** Gradient of checkpoint weight `params[i]` (same order as asked). */
  grads: Float32Array[];
}

export async function flatBatchGradient(m: GradientModel, data: PreparedData, idx: Uint32Array, params: number[]): Promise<FlatBatchGradient> {
  const packed = tf.tidy(() => {
    const { x, y } = batchTensors(data, idx);
    const f = (...args: tf.Tensor[]): tf.Scalar => {
      const ws = m.weights.slice();
      params.forEach((wi, j) => (ws[wi] = args[j]));
      return batchLoss(m, ws, x, y, undefined, args);
    };
    const { value, grads } = tf.valueAndGrads(f)(params.map((i) => m.weights[i]));
    return tf.concat([tf.reshape(value, [1]), ...grads.map((g) => tf.reshape(g, [-1]))]);
  });
  const v = (await packed.data()) as Float32Array;
  packed.dispose();
  let off = 1;
  const grads = params.map((i) => {
    const size = m.weights[i].size;
    const g = v.slice(off, off + size);
    off += size;
    return g;
  });
  return { loss: v[0], grads };
}
