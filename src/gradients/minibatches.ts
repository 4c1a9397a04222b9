/**
 * Seeded minibatches: `count` index sets of `size` samples each (no repeats inside a batch),
 * taken from successive seeded permutations. With size ≥ n every batch is the whole dataset.
 */
import * as tf from '@tensorflow/tfjs';
import { permutation } from '../random.js';
import type { PreparedData } from '../objective/prepare-data.js';

export function minibatchIndices(n: number, size: number, count: number, seed: number): Uint32Array[] {
  const b = Math.min(size, n);
  const out: Uint32Array[] = [];
  let perm = permutation(n, seed);
  let pos = 0;
  let round = 0;
  for (let i = 0; i < count; i++) {
    if (pos + b > n) {
      perm = permutation(n, seed + ++round);
      pos = 0;
    }
    out.push(perm.slice(pos, pos + b));
    pos += b;
  }
  return out;
}

/** Input and target tensors of one minibatch (caller disposes). */
export function batchTensors(data: PreparedData, idx: Uint32Array): { x: tf.Tensor; y: tf.Tensor } {
  const d = data.x.length / data.n;
  const x = new Float32Array(idx.length * d);
  const y = new Float32Array(idx.length * data.k);
  idx.forEach((s, r) => {
    x.set(data.x.subarray(s * d, (s + 1) * d), r * d);
    y.set(data.y.subarray(s * data.k, (s + 1) * data.k), r * data.k);
  });
  return { x: tf.tensor(x, [idx.length, ...data.inputShape]), y: tf.tensor2d(y, [idx.length, data.k]) };
}
