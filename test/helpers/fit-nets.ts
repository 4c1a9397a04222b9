/** Small tfjs-layers models and data for the fit-callback tests, built the same way every call (fixed initial weights). */
import * as tf from '@tensorflow/tfjs';

/** Uniform values in [-1, 1) from a fixed LCG (no Math.random, no tf.random). */
export function fixedValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}

/** Dense(tanh) → BatchNorm → Dropout → Dense(sigmoid) → Dense(softmax), with fixed initial weights. */
export function healthNet(optimizer: tf.Optimizer): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, inputShape: [6], activation: 'tanh' }),
      tf.layers.batchNormalization(),
      tf.layers.dropout({ rate: 0.3 }),
      tf.layers.dense({ units: 6, activation: 'sigmoid' }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  let k = 1;
  model.setWeights(model.getWeights().map((w) => tf.tidy(() => (w.shape.length === 2 ? tf.tensor(fixedValues(w.size, k++), w.shape) : w.clone()))));
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  return model;
}

/** n samples of 6 inputs and one-hot labels of 3 classes (a fixed rule of the inputs, so the net can learn it). */
export function healthData(n: number, seed = 7): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const xs = fixedValues(n * 6, seed);
  const labels = Array.from({ length: n }, (_, i) => (xs[i * 6]! + xs[i * 6 + 1]! > 0.3 ? 0 : xs[i * 6 + 2]! > 0 ? 1 : 2));
  return tf.tidy(() => ({ x: tf.tensor2d(xs, [n, 6]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), 3).toFloat() as tf.Tensor2D }));
}

/** Run `fn` with Math.random replaced by a seeded stream (tfjs' dropout masks and fit's shuffling draw from it). */
export async function withSeededMathRandom<T>(seed: number, fn: () => Promise<T>): Promise<T> {
  const original = Math.random;
  let s = seed >>> 0;
  Math.random = () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s / 2 ** 32;
  };
  try {
    return await fn();
  } finally {
    Math.random = original;
  }
}

/** Every weight of the model (trainable and BatchNorm statistics) as raw float32 bits. */
export function weightBits(model: tf.LayersModel): Uint32Array[] {
  return model.getWeights().map((w) => new Uint32Array(Float32Array.from(w.dataSync()).buffer));
}
