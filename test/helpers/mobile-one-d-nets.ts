/**
 * Small tfjs-layers models built with tfjs' own API for the mobile-CNN and 1-D layer tests: every
 * option of the layers in src/model/layers/mobile.ts and one-d.ts that changes what they compute
 * (depth_multiplier, strides, dilation, both paddings, ZeroPadding2D's asymmetric form, ReLU's
 * max_value with the clip active, Conv1D dilation and strides, overlapping 1-D pools, both global
 * 1-D pools), with seeded weights and data.
 */
import * as tf from '@tensorflow/tfjs';
import { loadModel, type ModelBundle } from '../../src/objective/model-bundle.js';
import { prepareData, type PreparedData } from '../../src/objective/prepare-data.js';
import { createRng } from '../../src/random.js';
import { checkpointFromModel, datasetOf } from './in-memory-checkpoint.js';

const normal = (stddev: number, seed: number) => tf.initializers.randomNormal({ stddev, seed });

/** ZeroPadding2D → DepthwiseConv2D (×2, stride 2, same) → ReLU(max 6) → SeparableConv2D (dilation 2) → GAP → softmax. */
export function mobileNet(): tf.LayersModel {
  const input = tf.input({ shape: [7, 7, 2] });
  let y = tf.layers
    .zeroPadding2d({
      padding: [
        [1, 0],
        [0, 1],
      ],
    })
    .apply(input) as tf.SymbolicTensor;
  y = tf.layers
    .depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', depthwiseInitializer: normal(1.5, 1), biasInitializer: normal(1, 2) })
    .apply(y) as tf.SymbolicTensor;
  y = tf.layers.reLU({ maxValue: 6 }).apply(y) as tf.SymbolicTensor;
  y = tf.layers
    .separableConv2d({
      filters: 3,
      kernelSize: 3,
      dilationRate: 2,
      padding: 'same',
      activation: 'tanh',
      depthwiseInitializer: normal(0.5, 3),
      pointwiseInitializer: normal(0.5, 4),
      biasInitializer: normal(0.3, 5),
    })
    .apply(y) as tf.SymbolicTensor;
  y = tf.layers.globalAveragePooling2d({}).apply(y) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ units: 3, activation: 'softmax', kernelInitializer: normal(1, 6), biasInitializer: normal(0.3, 7) })
    .apply(y) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** Conv1D (dilation 2, same) → MaxPooling1D (3, stride 2, same) → Conv1D (stride 2, valid) → [GlobalMax, AveragePooling1D → GlobalAverage] → softmax. */
export function oneDNet(): tf.LayersModel {
  const input = tf.input({ shape: [12, 3] });
  let y = tf.layers
    .conv1d({
      filters: 4,
      kernelSize: 3,
      dilationRate: 2,
      padding: 'same',
      activation: 'tanh',
      kernelInitializer: normal(0.6, 11),
      biasInitializer: normal(0.3, 12),
    })
    .apply(input) as tf.SymbolicTensor;
  y = tf.layers.maxPooling1d({ poolSize: 3, strides: 2, padding: 'same' }).apply(y) as tf.SymbolicTensor;
  y = tf.layers
    .conv1d({ filters: 3, kernelSize: 2, strides: 2, activation: 'softplus', kernelInitializer: normal(0.6, 13), biasInitializer: normal(0.3, 14) })
    .apply(y) as tf.SymbolicTensor;
  const a = tf.layers.globalMaxPooling1d({}).apply(y) as tf.SymbolicTensor;
  const avg = tf.layers.averagePooling1d({ poolSize: 2, strides: 1 }).apply(y) as tf.SymbolicTensor;
  const b = tf.layers.globalAveragePooling1d({}).apply(avg) as tf.SymbolicTensor;
  const merged = tf.layers.concatenate({}).apply([a, b]) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ units: 3, activation: 'softmax', kernelInitializer: normal(1, 15), biasInitializer: normal(0.3, 16) })
    .apply(merged) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** Dense → ReLU(max_value 0.5) → Dense softmax: a chain the forward-over-reverse rules would take, were its clip not refused there. */
export function clippedReluChain(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 6, inputShape: [4], kernelInitializer: normal(0.8, 21), biasInitializer: normal(0.3, 22) }),
      tf.layers.reLU({ maxValue: 0.5 }),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: normal(1, 23), biasInitializer: normal(0.3, 24) }),
    ],
  });
}

export interface Fixture {
  model: tf.LayersModel;
  bundle: ModelBundle;
  data: PreparedData;
  x: Float32Array;
  labels: number[];
  inputShape: number[];
}

/** The model compiled with categorical cross-entropy, its checkpoint loaded by losslens, and n seeded samples (inputs N(0, scale²)). */
export async function fixtureOf(build: () => tf.LayersModel, n: number, scale: number, seed = 5): Promise<Fixture> {
  const model = build();
  model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
  const bundle = loadModel(await checkpointFromModel(model));
  const inputShape = model.inputs[0]!.shape.slice(1) as number[];
  const rng = createRng(seed);
  const x = Float32Array.from({ length: n * inputShape.reduce((a, b) => a * b, 1) }, () => rng.normal() * scale);
  const labels = Array.from({ length: n }, (_, i) => i % 3);
  const data = prepareData(datasetOf(x, inputShape, labels, 'class-index'), bundle.arch.inputShape, bundle.outDim, bundle.loss);
  return { model, bundle, data, x, labels, inputShape };
}

/** tfjs-layers' own loss of the model on the fixture's data, and its gradient by tfjs autodiff (trainable weights in order, flat). */
export function tfjsLossAndGrad(f: Fixture): { loss: number; evaluate: number; grad: Float32Array } {
  return tf.tidy(() => {
    const xs = tf.tensor(f.x, [f.labels.length, ...f.inputShape]);
    const ys = tf.oneHot(tf.tensor1d(f.labels, 'int32'), 3);
    const evaluate = (f.model.evaluate(xs, ys) as tf.Scalar).dataSync()[0]!;
    const lossOf = () => tf.mean(tf.metrics.categoricalCrossentropy(ys, f.model.apply(xs) as tf.Tensor)) as tf.Scalar;
    const { value, grads } = tf.variableGrads(
      lossOf,
      f.model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val),
    );
    const flat = f.model.trainableWeights.map((w) => grads[(w as unknown as { val: tf.Variable }).val.name]!.dataSync());
    return { loss: value.dataSync()[0]!, evaluate, grad: Float32Array.from(flat.flatMap((a) => Array.from(a))) };
  });
}
