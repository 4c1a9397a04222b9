/** Loss and misclassification rate of a checkpoint on (x, one-hot y), in inference mode, batched; tidy. */
import * as tf from '@tensorflow/tfjs';
import type { Checkpoint } from '../io/types.js';
import type { ModelBundle } from '../objective/model-bundle.js';
import type { PreparedData } from '../objective/prepare-data.js';
import { forward } from '../model/forward.js';
import { perSampleLoss } from '../model/loss.js';

export async function lossAndError(model: ModelBundle, ckpt: Checkpoint, data: PreparedData, batch = 1024): Promise<{ loss: number; error: number }> {
  const out = tf.tidy(() => {
    const ws = ckpt.weights.map((w) => tf.tensor(w.values, w.spec.shape));
    let loss: tf.Tensor = tf.scalar(0);
    let wrong: tf.Tensor = tf.scalar(0);
    for (let s = 0; s < data.n; s += batch) {
      const m = Math.min(batch, data.n - s);
      const x = tf.tensor(data.x.subarray(s * (data.x.length / data.n), (s + m) * (data.x.length / data.n)), [m, ...data.inputShape]);
      const y = tf.tensor2d(data.y.subarray(s * data.k, (s + m) * data.k), [m, data.k]);
      const pred = forward(model.arch, ws, x);
      loss = tf.add(loss, tf.sum(perSampleLoss(model.loss, y, pred)));
      wrong = tf.add(wrong, tf.sum(tf.cast(tf.notEqual(tf.argMax(pred, 1), tf.argMax(y, 1)), 'float32')));
    }
    return tf.stack([loss, wrong]);
  });
  const v = await out.data();
  out.dispose();
  return { loss: v[0] / data.n, error: v[1] / data.n };
}
