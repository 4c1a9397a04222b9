/**
 * A seq2seq encoder-decoder built with tfjs's own API — the encoder LSTM's return_state h and c
 * are the decoder LSTM's initial_state, a Dense head reads the decoder's last output — its data, a
 * folder of one .npy per input and output, and the ground truths from tfjs itself: model.evaluate's
 * per-output losses and tfjs autodiff of Σ w_k loss_k.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { uniform } from './seeded-values.js';
import { npyFile, weightedGradient } from './multi-io-nets.js';

export const S2S = { n: 6, encSteps: 4, encFeatures: 3, decSteps: 3, decFeatures: 2, units: 2, classes: 3 };
/** loss_weights written into the training config: head, then the encoder's h (as Keras writes them). */
export const S2S_WEIGHTS = [0.8, 1.5];

const init = (seed: number) => tf.initializers.glorotNormal({ seed });
const bias = (seed: number) => tf.initializers.randomNormal({ seed, stddev: 0.3 });

/**
 * Inputs enc_in [4, 3] and dec_in [3, 2]; outputs "head" [3] (softmax, categorical CE)
 * and, with `stateOutput`, the encoder's h "enc.1" [2] (MSE).
 */
export function seq2seq(stateOutput = true): tf.LayersModel {
  const { encSteps, encFeatures, decSteps, decFeatures, units, classes } = S2S;
  const enc = tf.input({ shape: [encSteps, encFeatures], name: 'enc_in' });
  const dec = tf.input({ shape: [decSteps, decFeatures], name: 'dec_in' });
  const lstm = (name: string, seed: number, more: object) =>
    tf.layers.lstm({ units, name, kernelInitializer: init(seed), recurrentInitializer: init(seed + 1), biasInitializer: bias(seed + 2), ...more });
  const [, h, c] = lstm('enc', 1, { returnState: true }).apply(enc) as tf.SymbolicTensor[];
  const d = lstm('dec', 4, {}).apply(dec, { initialState: [h!, c!] }) as tf.SymbolicTensor;
  const head = tf.layers.dense({ units: classes, activation: 'softmax', name: 'head', kernelInitializer: init(7), biasInitializer: bias(8) }).apply(d);
  const outputs = stateOutput ? [head as tf.SymbolicTensor, h!] : [head as tf.SymbolicTensor];
  const model = tf.model({ inputs: [enc, dec], outputs, name: 's2s' });
  model.compile({ loss: stateOutput ? ['categoricalCrossentropy', 'meanSquaredError'] : 'categoricalCrossentropy', optimizer: 'sgd' });
  return model;
}

export interface S2SData {
  enc: Float32Array;
  dec: Float32Array;
  /** One-hot targets [n, classes]. */
  head: Float32Array;
  /** Targets for the encoder's h [n, units]. */
  h: Float32Array;
}

export function s2sData(): S2SData {
  const { n, encSteps, encFeatures, decSteps, decFeatures, units, classes } = S2S;
  const head = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) head[i * classes + ((i * 5 + 1) % classes)] = 1;
  return { enc: uniform(n * encSteps * encFeatures, 21), dec: uniform(n * decSteps * decFeatures, 22), head, h: uniform(n * units, 23, -0.5, 0.5) };
}

/** enc_in.npy, dec_in.npy, head.npy and (with the state output) enc.1.npy in `dir`. */
export function writeS2SFolder(dir: string, d: S2SData, stateOutput = true): void {
  const { n, encSteps, encFeatures, decSteps, decFeatures, units, classes } = S2S;
  npyFile(path.join(dir, 'enc_in.npy'), d.enc, [n, encSteps, encFeatures]);
  npyFile(path.join(dir, 'dec_in.npy'), d.dec, [n, decSteps, decFeatures]);
  npyFile(path.join(dir, 'head.npy'), d.head, [n, classes]);
  if (stateOutput) npyFile(path.join(dir, 'enc.1.npy'), d.h, [n, units]);
}

function tensorsOf(d: S2SData, stateOutput: boolean): { xs: tf.Tensor[]; ys: tf.Tensor[] } {
  const { n, encSteps, encFeatures, decSteps, decFeatures, units, classes } = S2S;
  const xs = [tf.tensor3d(d.enc, [n, encSteps, encFeatures]), tf.tensor3d(d.dec, [n, decSteps, decFeatures])];
  const ys = [tf.tensor2d(d.head, [n, classes]), ...(stateOutput ? [tf.tensor2d(d.h, [n, units])] : [])];
  return { xs, ys };
}

/** tfjs-layers' model.evaluate on the whole set: each output's loss (unweighted; tfjs lists them last, after the totals). */
export function evaluateLosses(model: tf.LayersModel, d: S2SData, stateOutput = true): number[] {
  const { xs, ys } = tensorsOf(d, stateOutput);
  const r = model.evaluate(xs, ys, { batchSize: S2S.n }) as tf.Scalar | tf.Scalar[];
  const all = (Array.isArray(r) ? r : [r]).map((t) => t.dataSync()[0]!);
  tf.dispose([...xs, ...ys, ...(Array.isArray(r) ? r : [r])]);
  return all.slice(-ys.length);
}

/** tfjs autodiff of Σ w_k mean loss_k, by manifest weight name. */
export function s2sGradient(model: tf.LayersModel, d: S2SData, weights: number[], stateOutput = true): Map<string, Float32Array> {
  const { xs, ys } = tensorsOf(d, stateOutput);
  const out = weightedGradient(model, xs, ys, weights);
  tf.dispose([...xs, ...ys]);
  return out;
}
