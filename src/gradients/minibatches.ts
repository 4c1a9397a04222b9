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

/** Input and target tensors of one minibatch (caller disposes); several inputs or outputs: one tensor per input and per analysed output. */
export function batchTensors(data: PreparedData, idx: Uint32Array): { x: tf.Tensor | tf.Tensor[]; y: tf.Tensor | tf.Tensor[] } {
  const rows = (i: { shape: number[]; x: Float32Array | Uint8Array; xDivisor?: number }) =>
    tf.tensor(
      gatherInputRows(
        i.x,
        i.xDivisor ?? 1,
        i.shape.reduce((a, b) => a * b, 1),
        idx,
      ),
      [idx.length, ...i.shape],
    );
  const targets = (t: { y: Float32Array; k: number }) => tf.tensor2d(gatherInputRows(t.y, 1, t.k, idx), [idx.length, t.k]);
  if (data.inputs || data.targets) {
    return {
      x: (data.inputs ?? [{ shape: data.inputShape, x: data.x, xDivisor: data.xDivisor }]).map(rows),
      y: (data.targets ?? [{ y: data.y, k: data.k }]).map(targets),
    };
  }
  return { x: rows({ shape: data.inputShape, x: data.x, xDivisor: data.xDivisor }), y: targets(data) };
}
