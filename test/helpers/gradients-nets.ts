/** In-memory nets for the gradient diagnostics tests: deep linear, small tanh, deep pathological nets. */
import * as tf from '@tensorflow/tfjs';
import { loadModel, type ModelBundle } from '../../src/objective/model-bundle.js';
import { prepareData, type PreparedData } from '../../src/objective/prepare-data.js';
import { createRng } from '../../src/random.js';
import { checkpointFromModel, datasetOf } from './in-memory-checkpoint.js';

export interface Net {
  bundle: ModelBundle;
  data: PreparedData;
  X: number[][];
  Y: number[][];
}

/** Dense stack without activations (or with `activation`), MSE, seeded weights and biases. */
export async function denseNet(widths: number[], n: number, activation: 'linear' | 'tanh' = 'linear', seed = 1): Promise<Net> {
  const rng = createRng(seed);
  const d = widths[0];
  const k = widths[widths.length - 1];
  const X = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
  const Y = Array.from({ length: n }, () => Array.from({ length: k }, () => rng.normal()));
  const model = tf.sequential();
  widths.slice(1).forEach((units, i) => {
    const last = i === widths.length - 2;
    model.add(
      tf.layers.dense({
        units,
        activation: last ? 'linear' : activation,
        ...(i === 0 ? { inputShape: [d] } : {}),
        kernelInitializer: tf.initializers.glorotNormal({ seed: seed * 10 + i }),
        biasInitializer: tf.initializers.randomNormal({ stddev: 0.2, seed: seed * 10 + 50 + i }),
      }),
    );
  });
  model.compile({ loss: 'meanSquaredError', optimizer: 'sgd' });
  const ckpt = await checkpointFromModel(model);
  model.dispose();
  const bundle = loadModel(ckpt);
  const ds = datasetOf(X, [d], Float32Array.from(Y.flat()), 'float', [k]);
  return { bundle, data: prepareData(ds, bundle.arch.inputShape, bundle.outDim, bundle.loss), X, Y };
}

/** Gaussian blobs: `classes` class means N(0, I) in `d` dims, samples mean + N(0, I). */
export function blobs(n: number, d: number, classes: number, seed: number): { x: Float32Array; y: number[] } {
  const rng = createRng(seed);
  const means = Array.from({ length: classes }, () => Array.from({ length: d }, () => rng.normal()));
  const x = new Float32Array(n * d);
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    y.push(c);
    for (let j = 0; j < d; j++) x[i * d + j] = means[c][j] + rng.normal();
  }
  return { x, y };
}

export type Pathology = 'sigmoid-small' | 'relu-he' | 'tanh-large';

/** 10 × Dense(32) + Dense(10, softmax) on 10 Gaussian classes, like fixtures/deep-*. */
export async function deepNet(kind: Pathology, n = 256): Promise<{ bundle: ModelBundle; data: PreparedData }> {
  const d = 32;
  const activation = kind === 'sigmoid-small' ? 'sigmoid' : kind === 'relu-he' ? 'relu' : 'tanh';
  const init = (seed: number) =>
    kind === 'sigmoid-small'
      ? tf.initializers.randomNormal({ stddev: 0.05, seed })
      : kind === 'relu-he'
        ? tf.initializers.heNormal({ seed })
        : tf.initializers.randomNormal({ stddev: 1.5, seed });
  const model = tf.sequential();
  for (let l = 1; l <= 10; l++) {
    model.add(tf.layers.dense({ units: 32, activation, ...(l === 1 ? { inputShape: [d] } : {}), kernelInitializer: init(100 + l), biasInitializer: 'zeros' }));
  }
  model.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(199) }));
  model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'sgd' });
  const ckpt = await checkpointFromModel(model);
  model.dispose();
  const bundle = loadModel(ckpt);
  const { x, y } = blobs(n, d, 10, 601);
  const ds = datasetOf(x, [d], y, 'class-index');
  return { bundle, data: prepareData(ds, bundle.arch.inputShape, bundle.outDim, bundle.loss) };
}
