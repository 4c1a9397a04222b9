/**
 * Small models with several inputs and outputs built with tfjs's own API, their data, and the
 * ground truths from tfjs itself: each output's loss by the compiled model's loss functions, the
 * weighted total, and its gradient by tfjs autodiff. Also an .npy writer for folder datasets and a
 * checkpoint-folder writer.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { uniform } from './seeded-values.js';
import { writeNpy } from '../../scripts/fixtures/writers.js';

export const N = 20;
/** loss_weights written into the training config (tfjs-layers' compile cannot take them; Keras writes them so). */
export const WEIGHTS = [0.7, 2];

/**
 * Inputs in_a [3] and in_b [2] concatenated, a tanh trunk, then a softmax head "cls" [3] (categorical CE) and a linear head "reg" [2] (MSE).
 * `batchNorm`: a BatchNormalization "bn" (momentum 0.5) after the trunk, whose training mode normalises by the batch's moments.
 */
export function twoHeads(opts: { batchNorm?: boolean } = {}): tf.LayersModel {
  const a = tf.input({ shape: [3], name: 'in_a' });
  const b = tf.input({ shape: [2], name: 'in_b' });
  const c = tf.layers.concatenate({ name: 'join' }).apply([a, b]) as tf.SymbolicTensor;
  const h = tf.layers
    .dense({
      units: 4,
      activation: 'tanh',
      name: 'trunk',
      kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }),
      biasInitializer: tf.initializers.randomNormal({ seed: 2, stddev: 0.3 }),
    })
    .apply(c) as tf.SymbolicTensor;
  const t = opts.batchNorm ? (tf.layers.batchNormalization({ name: 'bn', momentum: 0.5 }).apply(h) as tf.SymbolicTensor) : h;
  const cls = tf.layers
    .dense({ units: 3, activation: 'softmax', name: 'cls', kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) })
    .apply(t) as tf.SymbolicTensor;
  const reg = tf.layers
    .dense({
      units: 2,
      name: 'reg',
      kernelInitializer: tf.initializers.glorotNormal({ seed: 4 }),
      biasInitializer: tf.initializers.randomNormal({ seed: 5, stddev: 0.3 }),
    })
    .apply(t) as tf.SymbolicTensor;
  const model = tf.model({ inputs: [a, b], outputs: [cls, reg], name: 'two_heads' });
  model.compile({ loss: ['categoricalCrossentropy', 'meanSquaredError'], optimizer: 'sgd' });
  return model;
}

export interface TwoHeadData {
  a: Float32Array;
  b: Float32Array;
  labels: number[];
  reg: Float32Array;
}

export function twoHeadData(n = N): TwoHeadData {
  const a = uniform(n * 3, 11);
  const b = uniform(n * 2, 12);
  const labels = Array.from({ length: n }, (_, i) => (i * 7) % 3);
  const reg = uniform(n * 2, 13);
  return { a, b, labels, reg };
}

/** The data as tensors: inputs [a, b], targets [one-hot cls, reg] (caller disposes). */
export function tensorsOf(d: TwoHeadData): { xs: tf.Tensor[]; ys: tf.Tensor[] } {
  const n = d.labels.length;
  return { xs: [tf.tensor2d(d.a, [n, 3]), tf.tensor2d(d.b, [n, 2])], ys: [tf.oneHot(tf.tensor1d(d.labels, 'int32'), 3).toFloat(), tf.tensor2d(d.reg, [n, 2])] };
}

/** Each output's mean loss by the compiled model's own loss functions, and the weighted total. */
export function referenceLosses(model: tf.LayersModel, d: TwoHeadData, weights = WEIGHTS): { perOutput: number[]; total: number } {
  const { xs, ys } = tensorsOf(d);
  const preds = model.apply(xs, { training: false }) as tf.Tensor[];
  const fns = (model as any).lossFunctions as ((a: tf.Tensor, b: tf.Tensor) => tf.Tensor)[];
  const perOutput = fns.map((f, k) => tf.tidy(() => tf.mean(f(ys[k]!, preds[k]!)).dataSync()[0]!));
  tf.dispose([...xs, ...ys, ...preds]);
  return { perOutput, total: perOutput.reduce((s, l, k) => s + weights[k]! * l, 0) };
}

/** tfjs autodiff of Σ w_k mean loss_k, by manifest weight name. */
export function referenceGradient(model: tf.LayersModel, d: TwoHeadData, weights = WEIGHTS): Map<string, Float32Array> {
  const { xs, ys } = tensorsOf(d);
  const out = weightedGradient(model, xs, ys, weights);
  tf.dispose([...xs, ...ys]);
  return out;
}

/** tfjs autodiff of Σ w_k mean loss_k by the compiled model's loss functions (inference mode), by manifest weight name. */
export function weightedGradient(model: tf.LayersModel, xs: tf.Tensor[], ys: tf.Tensor[], weights: number[]): Map<string, Float32Array> {
  const fns = (model as any).lossFunctions as ((a: tf.Tensor, b: tf.Tensor) => tf.Tensor)[];
  const vars = model.trainableWeights.map((w) => (w as any).read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => {
    const out = model.apply(xs, { training: false }) as tf.Tensor | tf.Tensor[];
    const preds = Array.isArray(out) ? out : [out];
    return tf.addN(fns.map((f, k) => tf.mul(weights[k]!, tf.mean(f(ys[k]!, preds[k]!))))) as tf.Scalar;
  }, vars);
  const out = new Map(model.trainableWeights.map((w, i) => [w.originalName, grads[vars[i]!.name]!.dataSync() as Float32Array]));
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

/** `net` saved as a checkpoint folder (model.json + weights.bin) with its compiled training config and `lossWeights` in it. */
export async function saveModelFolder(net: tf.LayersModel, dir: string, lossWeights: number[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await net.save(
    tf.io.withSaveHandler(async (a) => {
      const trainingConfig = { ...(net as any).getTrainingConfig(), loss_weights: lossWeights };
      const json = { modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }], trainingConfig };
      writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(a.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

/** A .npy file of float32 ('<f4') or int32 ('<i4') values (scripts/fixtures' writer), its folder made first. */
export function npyFile(file: string, values: Float32Array | Int32Array, shape: number[]): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeNpy(file, values, shape);
}

const glorot = (seed: number) => tf.initializers.glorotNormal({ seed });
const noisy = (seed: number) => tf.initializers.randomNormal({ seed, stddev: 0.3 });

/**
 * A conditional head as a nested Model with two inputs and two outputs: "cond" concatenates its
 * inputs cx [4] and cc [2] (Concatenate "cj"), a tanh layer "ch", then a softmax "cls" [3] and a
 * linear "aux" [2]. The outer model: x_in [3] → tanh "pre" [4] → cond's cx; c_in [2] → cond's cc;
 * outputs a softmax "post" [3] on cond's first output (categorical CE) and cond's second, "cond.1" (MSE).
 */
export function conditionalNested(): tf.LayersModel {
  const cx = tf.input({ shape: [4], name: 'cx' }),
    cc = tf.input({ shape: [2], name: 'cc' });
  const cj = tf.layers.concatenate({ name: 'cj' }).apply([cx, cc]) as tf.SymbolicTensor;
  const ch = tf.layers.dense({ units: 5, activation: 'tanh', name: 'ch', kernelInitializer: glorot(21), biasInitializer: noisy(22) }).apply(cj);
  const cls = tf.layers.dense({ units: 3, activation: 'softmax', name: 'cls', kernelInitializer: glorot(23) }).apply(ch) as tf.SymbolicTensor;
  const aux = tf.layers.dense({ units: 2, name: 'aux', kernelInitializer: glorot(24), biasInitializer: noisy(25) }).apply(ch) as tf.SymbolicTensor;
  const cond = tf.model({ inputs: [cx, cc], outputs: [cls, aux], name: 'cond' });
  const x = tf.input({ shape: [3], name: 'x_in' }),
    c = tf.input({ shape: [2], name: 'c_in' });
  const pre = tf.layers.dense({ units: 4, activation: 'tanh', name: 'pre', kernelInitializer: glorot(26), biasInitializer: noisy(27) }).apply(x);
  const [o1, o2] = cond.apply([pre as tf.SymbolicTensor, c]) as tf.SymbolicTensor[];
  const post = tf.layers.dense({ units: 3, activation: 'softmax', name: 'post', kernelInitializer: glorot(28) }).apply(o1!) as tf.SymbolicTensor;
  const model = tf.model({ inputs: [x, c], outputs: [post, o2!], name: 'conditional' });
  model.compile({ loss: ['categoricalCrossentropy', 'meanSquaredError'], optimizer: 'sgd' });
  return model;
}
