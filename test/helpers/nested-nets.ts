/**
 * Models used as layers, built with tfjs's own API: a Sequential inside a Sequential (with a
 * BatchNormalization, so the manifest lists trainable weights before the moving statistics), a
 * functional autoencoder of two sub-Models, and a Sequential holding a Model inside a functional
 * model (three levels). Weights seeded; BatchNormalization statistics set to non-trivial values.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../src/random.js';

const init = (seed: number) => tf.initializers.glorotNormal({ seed });
const bias = (seed: number) => tf.initializers.randomNormal({ stddev: 0.3, seed });

export interface NestedCase {
  name: string;
  build: () => tf.LayersModel;
  input: number[];
  loss: 'sparseCategoricalCrossentropy' | 'meanSquaredError' | 'categoricalCrossentropy';
  k: number;
  /** Flattened layer names the parse must produce (a subset). */
  paths: string[];
}

function seqInSeq(): tf.LayersModel {
  const inner = tf.sequential({
    name: 'inner',
    layers: [
      tf.layers.dense({ name: 'h2', units: 4, activation: 'tanh', inputShape: [5], kernelInitializer: init(2), biasInitializer: bias(3) }),
      tf.layers.batchNormalization({ name: 'bn' }),
    ],
  });
  const bn = inner.getLayer('bn');
  const rng = createRng(11);
  bn.setWeights(bn.getWeights().map((w, i) => tf.tensor1d(Array.from({ length: 4 }, () => (i === 3 ? 0.5 + rng.next() : rng.normal() * 0.5)))));
  return tf.sequential({
    name: 'outer',
    layers: [
      tf.layers.dense({ name: 'h1', units: 5, activation: 'tanh', inputShape: [3], kernelInitializer: init(1), biasInitializer: bias(4) }),
      inner,
      tf.layers.dense({ name: 'out', units: 3, activation: 'softmax', kernelInitializer: init(5), biasInitializer: bias(6) }),
    ],
  });
}

function autoencoder(): tf.LayersModel {
  const ei = tf.input({ shape: [6, 6, 1], name: 'enc_in' });
  let h = tf.layers
    .conv2d({ name: 'conv', filters: 2, kernelSize: 3, activation: 'tanh', kernelInitializer: init(7), biasInitializer: bias(8) })
    .apply(ei) as tf.SymbolicTensor;
  h = tf.layers.averagePooling2d({ name: 'pool', poolSize: 2 }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.flatten({ name: 'flat' }).apply(h) as tf.SymbolicTensor;
  const code = tf.layers
    .dense({ name: 'code', units: 3, activation: 'tanh', kernelInitializer: init(9), biasInitializer: bias(10) })
    .apply(h) as tf.SymbolicTensor;
  const encoder = tf.model({ name: 'encoder', inputs: ei, outputs: code });
  const di = tf.input({ shape: [3], name: 'dec_in' });
  const rec = tf.layers
    .dense({ name: 'recon', units: 4, activation: 'sigmoid', kernelInitializer: init(11), biasInitializer: bias(12) })
    .apply(di) as tf.SymbolicTensor;
  const decoder = tf.model({ name: 'decoder', inputs: di, outputs: rec });
  const x = tf.input({ shape: [6, 6, 1], name: 'x' });
  return tf.model({ name: 'ae', inputs: x, outputs: decoder.apply(encoder.apply(x)) as tf.SymbolicTensor });
}

function threeLevels(): tf.LayersModel {
  const ci = tf.input({ shape: [4], name: 'core_in' });
  const core = tf.model({
    name: 'core',
    inputs: ci,
    outputs: tf.layers
      .dense({ name: 'c1', units: 3, activation: 'tanh', kernelInitializer: init(13), biasInitializer: bias(14) })
      .apply(ci) as tf.SymbolicTensor,
  });
  const blk = tf.sequential({
    name: 'blk',
    layers: [core, tf.layers.dense({ name: 'b1', units: 3, activation: 'sigmoid', kernelInitializer: init(15), biasInitializer: bias(16) })],
  });
  const x = tf.input({ shape: [4], name: 'x' });
  const y = tf.layers
    .dense({ name: 'head', units: 2, activation: 'softmax', kernelInitializer: init(17), biasInitializer: bias(18) })
    .apply(blk.apply(x)) as tf.SymbolicTensor;
  return tf.model({ name: 'top', inputs: x, outputs: y });
}

export const NESTED_CASES: NestedCase[] = [
  {
    name: 'Sequential inside a Sequential (with BatchNorm)',
    build: seqInSeq,
    input: [3],
    loss: 'sparseCategoricalCrossentropy',
    k: 3,
    paths: ['h1', 'inner/h2', 'inner/bn', 'out'],
  },
  {
    name: 'functional model of two sub-Models (encoder/decoder)',
    build: autoencoder,
    input: [6, 6, 1],
    loss: 'meanSquaredError',
    k: 4,
    paths: ['x', 'encoder/enc_in', 'encoder/conv', 'encoder/code', 'decoder/dec_in', 'decoder/recon'],
  },
  {
    name: 'Sequential holding a Model inside a functional model',
    build: threeLevels,
    input: [4],
    loss: 'categoricalCrossentropy',
    k: 2,
    paths: ['x', 'blk/core/core_in', 'blk/core/c1', 'blk/b1', 'head'],
  },
];

/** Seeded inputs and targets for a case: class indices for the CE losses, values in (0, 1) for MSE. */
export function nestedData(c: NestedCase, n: number, seed = 5): { x: Float32Array; y: number[] } {
  const rng = createRng(seed);
  const d = c.input.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: n * d }, () => rng.normal());
  const y = c.loss === 'meanSquaredError' ? Array.from({ length: n * c.k }, () => rng.next()) : Array.from({ length: n }, (_, i) => i % c.k);
  return { x, y };
}
