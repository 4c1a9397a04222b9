/**
 * The samples `idx` of prepared data as the tensors a training step feeds: one batch per model
 * input and one target batch per analysed output (a one-input, one-output model: one of each),
 * gathered in JS from rows anywhere in the dataset (a shuffled minibatch) into reused host buffers.
 */
import tf from '../tf.cjs';
import type { PreparedData } from '../objective/prepare-data.js';
import type { HostBuffers } from '../objective/host-buffers.js';
import { gatherInputRows } from '../io/sample-rows.js';

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Input batches in the model's input order and target batches in its output order (tensors in the caller's scope). */
export function gatherBatch(d: PreparedData, idx: Uint32Array, host: HostBuffers): { xs: tf.Tensor[]; ys: tf.Tensor[] } {
  const ins = d.inputs ?? [{ shape: d.inputShape, x: d.x, xDivisor: d.xDivisor }];
  const xs = ins.map((inp, k) => {
    const w = prod(inp.shape);
    const rows = gatherInputRows(inp.x, inp.xDivisor ?? 1, w, idx, host.scratch(k === 0 ? 'x' : `x${k}`, idx.length * w));
    return tf.tensor(rows, [idx.length, ...inp.shape]);
  });
  const ys = (d.targets ?? [{ y: d.y, k: d.k }]).map((t, k) =>
    tf.tensor(gatherInputRows(t.y, 1, t.k, idx, host.scratch(k === 0 ? 'y' : `y${k}`, idx.length * t.k)), [idx.length, t.k]),
  );
  return { xs, ys };
}
