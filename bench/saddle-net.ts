/**
 * The conv+BatchNorm net of the saddle-count bench (bench/saddle-counts.ts): Fashion-MNIST's first
 * 160 training images area-downsampled to 10 × 10, Conv2D(8, 3×3, same) → BatchNorm → ReLU →
 * MaxPool(2) → Conv2D(12, 3×3, valid, relu) → Flatten → Dense(10, softmax), seeded, trained with
 * Adam until 100 % training accuracy; and its Hessian-vector products at the trained point.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createObjective } from '../src/objective/create-objective.js';
import { hessianMatVec } from '../src/curvature/analyze-hessian.js';
import type { MatVec } from '../src/curvature/vector-ops.js';
import { trainSeeded, oneHot } from '../scripts/fixtures/train.js';
import { checkpointFromModel } from '../test/helpers/in-memory-checkpoint.js';

const FASHION = '/usr/share/datasets/fashion-mnist';
export const SADDLE_NET_SAMPLES = 160;

/** The first n images, 28×28 area-averaged to 10×10 on a 30×30 zero-padded canvas (3×3 blocks), /255. */
function fashion(n: number): { x: Float32Array; labels: Int32Array } {
  const img = gunzipSync(readFileSync(`${FASHION}/train-images-idx3-ubyte.gz`)).subarray(16);
  const lab = gunzipSync(readFileSync(`${FASHION}/train-labels-idx1-ubyte.gz`)).subarray(8);
  const x = new Float32Array(n * 100);
  for (let s = 0; s < n; s++)
    for (let r = 0; r < 28; r++)
      for (let c = 0; c < 28; c++) x[s * 100 + Math.floor((r + 1) / 3) * 10 + Math.floor((c + 1) / 3)] += img[s * 784 + r * 28 + c] / 255 / 9;
  return { x, labels: Int32Array.from(lab.subarray(0, n)) };
}

function build(): tf.LayersModel {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: 4000 + k });
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', inputShape: [10, 10, 1], kernelInitializer: init(1) }));
  m.add(tf.layers.batchNormalization({}));
  m.add(tf.layers.reLU());
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 12, kernelSize: 3, activation: 'relu', kernelInitializer: init(2) }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(3) }));
  m.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

/** The trained net's HVPs (float64 in and out), its dimension and its training accuracy. */
export async function saddleNet(): Promise<{ matvec: MatVec; dim: number; accuracy: number; epochs: number }> {
  const n = SADDLE_NET_SAMPLES;
  const { x, labels } = fashion(n);
  const model = build();
  const xs = tf.tensor4d(x, [n, 10, 10, 1]);
  const ys = oneHot(labels, 10);
  let accuracy = 0,
    epochs = 0;
  while (accuracy < 1 && epochs < 400) {
    await trainSeeded(model, xs, ys, { epochs: 10, batchSize: 32, seed: 11 + epochs });
    epochs += 10;
    const out = model.evaluate(xs, ys, { batchSize: n }) as tf.Scalar[];
    accuracy = (await out[1].data())[0];
    tf.dispose(out);
  }
  const checkpoint = await checkpointFromModel(model, '/in-memory/saddle-net/model.json');
  model.dispose();
  const y = await ys.data();
  tf.dispose([xs, ys]);
  const objective = await createObjective(checkpoint, { n, inputShape: [10, 10, 1], x, y: Float32Array.from(y), k: 10 }, { workers: 1 });
  const { matvec } = hessianMatVec(objective, objective.theta0);
  return { matvec, dim: objective.layout.dim, accuracy, epochs };
}
