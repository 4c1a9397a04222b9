/**
 * The default batch size of an Objective: as many samples as keep one forward pass's activations
 * (the input and every layer's output) under ACTIVATION_BUDGET values, and at most the data.
 * Fewer, larger batches mean fewer kernel launches and better matmul blocking: on wasm the exact
 * HVP of the mlp-relu fixture (330 activations a sample) took 115 ms in batches of 512 against
 * 87 ms in one batch of 2 000; a CNN on 28×28 images (≈11.5k activations a sample) is no faster
 * past ~200 a batch, and the budget keeps its double-backprop memory near a few hundred MB
 * (the HVP holds ~30 activation-sized tensors).
 */
import tf from '../tf.cjs';
import { forward } from '../model/forward.js';
import type { ModelBundle } from './model-bundle.js';

/** 2²¹ float32 values: 8 MiB for one batch's activations. */
export const ACTIVATION_BUDGET = 2 ** 21;
const MIN_BATCH = 16;

/** Input values plus every layer's output values for one sample. */
export function activationsPerSample(bundle: Pick<ModelBundle, 'arch' | 'checkpoint'>): number {
  return tf.tidy(() => {
    const capture = new Map<string, tf.Tensor>();
    const ws = bundle.checkpoint.weights.map((w) => tf.zeros(w.spec.shape));
    forward(bundle.arch, ws, tf.zeros([1, ...bundle.arch.inputShape]), { capture });
    let total = bundle.arch.inputShape.reduce((a, b) => a * b, 1);
    for (const t of capture.values()) total += t.size;
    return total;
  });
}

export function autoBatchSize(bundle: Pick<ModelBundle, 'arch' | 'checkpoint'>, n: number): number {
  const fit = Math.max(MIN_BATCH, Math.floor(ACTIVATION_BUDGET / activationsPerSample(bundle)));
  return Math.max(1, Math.min(n, fit));
}
