/** Loss and misclassification rate of a checkpoint on (x, one-hot y), in inference mode, one batch at a time. */
import tf from '../tf.cjs';
import type { Checkpoint } from '../io/types.js';
import type { ModelBundle } from '../objective/model-bundle.js';
import type { PreparedData } from '../objective/prepare-data.js';
import { inputRows } from '../io/sample-rows.js';
import { forward } from '../model/forward.js';
import { perSampleLoss } from '../model/loss.js';

export async function lossAndError(model: ModelBundle, ckpt: Checkpoint, data: PreparedData, batch = 1024): Promise<{ loss: number; error: number }> {
  const ws = ckpt.weights.map((w) => tf.tensor(w.values, w.spec.shape));
  const width = data.inputShape.reduce((a, b) => a * b, 1);
  let loss = 0;
  let wrong = 0;
  try {
    for (let s = 0; s < data.n; s += batch) {
      const e = Math.min(data.n, s + batch);
      const out = tf.tidy(() => {
        const x = tf.tensor(inputRows(data.x, data.xDivisor ?? 1, width, s, e), [e - s, ...data.inputShape]);
        const y = tf.tensor2d(data.y.subarray(s * data.k, e * data.k), [e - s, data.k]);
        const pred = forward(model.arch, ws, x);
        return tf.stack([tf.sum(perSampleLoss(model.loss, y, pred)), tf.sum(tf.cast(tf.notEqual(tf.argMax(pred, 1), tf.argMax(y, 1)), 'float32'))]);
      });
      const v = await out.data();
      out.dispose();
      loss += v[0];
      wrong += v[1];
    }
  } finally {
    tf.dispose(ws);
  }
  return { loss: loss / data.n, error: wrong / data.n };
}
