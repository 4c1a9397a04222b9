/**
 * Models for the HVP memory model's tests (test/auto-batch-size.test.ts), built with tfjs' own
 * layers API and loaded by losslens: a depthwise net in MobileNet's pattern, a recurrent unroll,
 * and a wide image model whose HVP alone bounds the automatic batch. Also the measured peak of one
 * exact HVP per sample (distinct backend buffers, slope over two batch sizes).
 */
import * as tf from '@tensorflow/tfjs';
import { loadModel, type ModelBundle } from '../../src/objective/model-bundle.js';
import { LocalObjective } from '../../src/objective/local-objective.js';
import { bufferPeak } from '../../src/objective/buffer-peak.js';
import { checkpointFromModel } from './in-memory-checkpoint.js';
import { uniform } from './seeded-values.js';

const init = (seed: number) => tf.initializers.randomNormal({ stddev: 0.3, seed });
const apply = (l: tf.layers.Layer, y: tf.SymbolicTensor) => l.apply(y) as tf.SymbolicTensor;

/** ZeroPadding2D → DepthwiseConv2D (stride 2) → ReLU6 → Conv2D 1×1 → DepthwiseConv2D → ReLU6 → DepthwiseConv2D → GAP → softmax. */
export function depthwiseNet(): tf.LayersModel {
  const input = tf.input({ shape: [24, 24, 8] });
  let y = apply(
    tf.layers.zeroPadding2d({
      padding: [
        [0, 1],
        [0, 1],
      ],
    }),
    input,
  );
  y = apply(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, depthwiseInitializer: init(1) }), y);
  y = apply(tf.layers.reLU({ maxValue: 6 }), y);
  y = apply(tf.layers.conv2d({ filters: 16, kernelSize: 1, kernelInitializer: init(2) }), y);
  y = apply(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: init(3) }), y);
  y = apply(tf.layers.reLU({ maxValue: 6 }), y);
  y = apply(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: init(4) }), y);
  y = apply(tf.layers.globalAveragePooling2d({}), y);
  return tf.model({ inputs: input, outputs: apply(tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: init(5) }), y) });
}

/** LSTM(16) over 24 steps of 6 features → softmax: the unroll dominates. */
export function lstmNet(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.lstm({ units: 16, inputShape: [24, 6], kernelInitializer: init(6), recurrentInitializer: init(7) }),
      tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: init(8) }),
    ],
  });
}

/** 384×384×8 images → Conv2D 1×1 (16) → BatchNormalization → ReLU → GAP → softmax: ~0.5 GB an HVP sample. */
export function wideImageNet(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ filters: 16, kernelSize: 1, inputShape: [384, 384, 8], kernelInitializer: init(9) }),
      tf.layers.batchNormalization({}),
      tf.layers.reLU({}),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: init(10) }),
    ],
  });
}

export async function bundleOf(build: () => tf.LayersModel): Promise<ModelBundle> {
  const model = build();
  model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
  const bundle = loadModel(await checkpointFromModel(model));
  model.dispose();
  return bundle;
}

/** Peak bytes of one exact HVP over `batch` seeded samples (distinct buffers), after a warm-up HVP. */
export async function measuredHvpPeak(bundle: ModelBundle, batch: number): Promise<number> {
  const shape = bundle.arch.inputShape,
    width = shape.reduce((a, b) => a * b, 1);
  const y = new Float32Array(batch * bundle.outDim).map((_, i) => (i % bundle.outDim === 0 ? 1 : 0));
  const obj = new LocalObjective(bundle, { n: batch, inputShape: shape, x: uniform(batch * width, 3), y, k: bundle.outDim }, { batchSize: batch });
  try {
    const v = uniform(bundle.theta0.length, 4);
    await obj.hvp(bundle.theta0, v);
    return (await bufferPeak(() => obj.hvp(bundle.theta0, v))).peakBytes;
  } finally {
    obj.dispose();
  }
}
