/**
 * Seeded minibatches: `count` index sets of `size` samples each (no repeats inside a batch),
 * taken from successive seeded permutations. With size ≥ n every batch is the whole dataset.
 */
import tf from '../tf.cjs';
import { permutation } from '../random.js';
import type { PreparedData } from '../objective/prepare-data.js';
import { gatherInputRows } from '../io/sample-rows.js';

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
  const d = data.inputShape.reduce((a, b) => a * b, 1);
  const x = gatherInputRows(data.x, data.xDivisor ?? 1, d, idx);
  const y = gatherInputRows(data.y, 1, data.k, idx);
  return { x: tf.tensor(x, [idx.length, ...data.inputShape]), y: tf.tensor2d(y, [idx.length, data.k]) };
}
