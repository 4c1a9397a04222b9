/**
 * Small models built with tfjs' own API whose Keras 3 serializations (keras3-topology.ts) test
 * the parser: a functional model with two inputs calling a two-input functional model as a layer,
 * a Sequential nested in a functional model, a layer shared by two calls, and an
 * Embedding(mask_zero) → LSTM text model with a null time dimension. Each comes with seeded data.
 */
import * as tf from '@tensorflow/tfjs';

const glorot = (seed: number) => tf.initializers.glorotNormal({ seed });
const noisy = (seed: number) => tf.initializers.randomNormal({ seed, stddev: 0.4 });
const dense = (name: string, units: number, activation: 'tanh' | 'relu' | 'softmax' | 'linear', seed: number) =>
  tf.layers.dense({ name, units, activation, kernelInitializer: glorot(seed), biasInitializer: noisy(seed + 50) });

export interface Keras3Case {
  name: string;
  build: () => tf.LayersModel;
  /** Per input: its name, per-sample shape as the data has it, and whether it holds token ids. */
  inputs: { name: string; shape: number[]; tokens?: number }[];
  /** The output's name and its class count (sparse categorical labels). */
  output: { name: string; classes: number };
}

/** x [3] → tanh "pre" [4]; c [2]; both into "sub" (Concatenate of its inputs [4] and [2] → tanh [5] → softmax [3]). */
function twoInputNested(): tf.LayersModel {
  const ia = tf.input({ shape: [4], name: 'ia' }),
    ib = tf.input({ shape: [2], name: 'ib' });
  const cat = tf.layers.concatenate({ name: 'cat' }).apply([ia, ib]) as tf.SymbolicTensor;
  const h = dense('h', 5, 'tanh', 2).apply(cat) as tf.SymbolicTensor;
  const sub = tf.model({ inputs: [ia, ib], outputs: dense('cls', 3, 'softmax', 3).apply(h) as tf.SymbolicTensor, name: 'sub' });
  const x = tf.input({ shape: [3], name: 'x' }),
    c = tf.input({ shape: [2], name: 'c' });
  const pre = dense('pre', 4, 'tanh', 1).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: [x, c], outputs: sub.apply([pre, c]) as tf.SymbolicTensor, name: 'outer' });
}

/** x [3] → Sequential "trunk" (relu [4] → tanh [4]) → softmax "head" [3]. */
function sequentialNested(): tf.LayersModel {
  const trunk = tf.sequential({
    name: 'trunk',
    layers: [
      tf.layers.dense({ inputShape: [3], units: 4, activation: 'relu', name: 't1', kernelInitializer: glorot(4), biasInitializer: noisy(5) }),
      dense('t2', 4, 'tanh', 6),
    ],
  });
  const x = tf.input({ shape: [3], name: 'x' });
  return tf.model({ inputs: x, outputs: dense('head', 3, 'softmax', 7).apply(trunk.apply(x) as tf.SymbolicTensor) as tf.SymbolicTensor, name: 'outer' });
}

/** x [3] → "shared" tanh [3] twice: shared(x) and shared(lin(x)), added, → softmax "out" [3]. */
function sharedLayer(): tf.LayersModel {
  const x = tf.input({ shape: [3], name: 'x' });
  const shared = dense('shared', 3, 'tanh', 8);
  const a = shared.apply(x) as tf.SymbolicTensor;
  const b = shared.apply(dense('lin', 3, 'linear', 9).apply(x) as tf.SymbolicTensor) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'sum' }).apply([a, b]) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: dense('out', 3, 'softmax', 10).apply(sum) as tf.SymbolicTensor, name: 'outer' });
}

/** tokens [null] → Embedding(9, 4, mask_zero) → LSTM(3, sigmoid gates as Keras 3's default) → softmax "out" [3]. */
function textLstm(): tf.LayersModel {
  const tok = tf.input({ shape: [null], name: 'tokens' });
  const e = tf.layers.embedding({ inputDim: 9, outputDim: 4, maskZero: true, name: 'embedding', embeddingsInitializer: noisy(11) }).apply(tok);
  const lstm = tf.layers.lstm({
    units: 3,
    name: 'lstm',
    recurrentActivation: 'sigmoid',
    kernelInitializer: glorot(12),
    recurrentInitializer: glorot(13),
    biasInitializer: noisy(14),
  });
  const h = lstm.apply(e) as tf.SymbolicTensor;
  return tf.model({ inputs: tok, outputs: dense('out', 3, 'softmax', 15).apply(h) as tf.SymbolicTensor, name: 'text' });
}

export const KERAS3_CASES: Keras3Case[] = [
  {
    name: 'two inputs, a two-input functional model as a layer',
    build: twoInputNested,
    inputs: [
      { name: 'x', shape: [3] },
      { name: 'c', shape: [2] },
    ],
    output: { name: 'sub', classes: 3 },
  },
  { name: 'a Sequential nested in a functional model', build: sequentialNested, inputs: [{ name: 'x', shape: [3] }], output: { name: 'head', classes: 3 } },
  { name: 'a layer shared by two calls', build: sharedLayer, inputs: [{ name: 'x', shape: [3] }], output: { name: 'out', classes: 3 } },
  {
    name: 'Embedding(mask_zero) → LSTM on padded token ids',
    build: textLstm,
    inputs: [{ name: 'tokens', shape: [6], tokens: 9 }],
    output: { name: 'out', classes: 3 },
  },
];

/** Seeded inputs (token rows post-padded with zeros, 2–6 tokens long) and labels for `n` samples. */
export function keras3Data(c: Keras3Case, n: number): { xs: (Float32Array | Int32Array)[]; labels: Int32Array } {
  const xs = c.inputs.map((inp, k) => {
    const size = inp.shape.reduce((a, b) => a * b, 1);
    if (!inp.tokens) return Float32Array.from({ length: n * size }, (_, i) => Math.sin(1.7 * i + 0.3 * k + 0.5) * 1.5);
    return Int32Array.from({ length: n * size }, (_, i) => {
      const row = Math.floor(i / size),
        t = i % size;
      return t < 2 + (row % (size - 1)) ? 1 + ((row * 5 + t * 3) % (inp.tokens! - 1)) : 0;
    });
  });
  return { xs, labels: Int32Array.from({ length: n }, (_, i) => (i * 7 + 1) % c.output.classes) };
}
