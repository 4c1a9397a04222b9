/**
 * One small tfjs-layers model and dataset per loss (every loss tfjs-layers 4.x has, and the
 * crossentropies on logits), with tfjs's own loss function for it as the ground truth: the
 * tfjs-layers function the compiled model uses (model.evaluate), or for logits tfjs-core's
 * tf.losses.softmaxCrossEntropy / sigmoidCrossEntropy on the logits.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../src/random.js';
import type { Checkpoint } from '../../src/io/types.js';
import { checkpointFromModel, datasetOf } from './in-memory-checkpoint.js';

export type Targets = 'off-prediction' | 'normal' | 'positive' | 'counts' | 'signs' | 'one-hot' | 'classes' | 'distributions' | 'bits';
/** fdStep: the central-difference step of the HVP check (default 1e-2; smaller where ∇³L is large). */
export interface LossCase {
  loss: string;
  activation: string;
  k: number;
  targets: Targets;
  fdStep?: number;
  logits?: 'CategoricalCrossentropy' | 'SparseCategoricalCrossentropy' | 'BinaryCrossentropy';
}

export const LOSS_CASES: LossCase[] = [
  { loss: 'meanSquaredError', activation: 'linear', k: 2, targets: 'normal' },
  { loss: 'meanAbsoluteError', activation: 'linear', k: 2, targets: 'off-prediction' },
  { loss: 'meanAbsolutePercentageError', activation: 'linear', k: 2, targets: 'off-prediction' },
  { loss: 'meanSquaredLogarithmicError', activation: 'softplus', k: 2, targets: 'positive' },
  { loss: 'squaredHinge', activation: 'tanh', k: 2, targets: 'signs' },
  { loss: 'hinge', activation: 'linear', k: 2, targets: 'signs' },
  { loss: 'categoricalHinge', activation: 'linear', k: 3, targets: 'one-hot' },
  { loss: 'logcosh', activation: 'linear', k: 2, targets: 'normal' },
  { loss: 'categoricalCrossentropy', activation: 'softmax', k: 3, targets: 'one-hot' },
  { loss: 'sparseCategoricalCrossentropy', activation: 'softmax', k: 3, targets: 'classes' },
  { loss: 'binaryCrossentropy', activation: 'sigmoid', k: 2, targets: 'bits' },
  { loss: 'kullbackLeiblerDivergence', activation: 'softmax', k: 3, targets: 'distributions' },
  { loss: 'poisson', activation: 'softplus', k: 2, targets: 'counts' },
  { loss: 'cosineProximity', activation: 'linear', k: 3, targets: 'normal', fdStep: 2e-3 },
  { loss: 'categoricalCrossentropy', activation: 'linear', k: 3, targets: 'one-hot', logits: 'CategoricalCrossentropy' },
  { loss: 'sparseCategoricalCrossentropy', activation: 'linear', k: 3, targets: 'classes', logits: 'SparseCategoricalCrossentropy' },
  { loss: 'binaryCrossentropy', activation: 'linear', k: 2, targets: 'bits', logits: 'BinaryCrossentropy' },
];

export const caseName = (c: LossCase) => (c.logits ? `${c.loss} from logits` : c.loss);

/**
 * Row-major targets [n, k] (one column of class indices for 'classes'). 'off-prediction': the
 * prediction moved by ±(0.3 + |N(0,1)|), so that a finite-difference step of a piecewise-linear
 * loss (MAE, MAPE) crosses no kink and the targets stay away from 0.
 */
function targets(kind: Targets, n: number, k: number, seed: number, pred: number[]): number[] {
  const rng = createRng(seed);
  const cls = () => Math.floor(rng.next() * k);
  const row = (i: number): number[] => {
    switch (kind) {
      case 'off-prediction':
        return Array.from({ length: k }, (_, j) => {
          const v = rng.normal();
          return pred[i * k + j]! + Math.sign(v) * (0.3 + Math.abs(v));
        });
      case 'normal':
        return Array.from({ length: k }, () => rng.normal());
      case 'positive':
        return Array.from({ length: k }, () => Math.abs(rng.normal()) + 0.1);
      case 'counts':
        return Array.from({ length: k }, () => Math.floor(3 * Math.abs(rng.normal())));
      case 'signs':
        return Array.from({ length: k }, () => (rng.next() < 0.5 ? -1 : 1));
      case 'bits':
        return Array.from({ length: k }, () => (rng.next() < 0.5 ? 0 : 1));
      case 'classes':
        return [cls()];
      case 'one-hot': {
        const c = cls();
        return Array.from({ length: k }, (_, j) => (j === c ? 1 : 0));
      }
      case 'distributions': {
        const e = Array.from({ length: k }, () => Math.exp(rng.normal()));
        const s = e.reduce((a, b) => a + b, 0);
        return e.map((v) => v / s);
      }
    }
  };
  return Array.from({ length: n }, (_, i) => row(i)).flat();
}

export interface LossFixture {
  model: tf.LayersModel;
  ckpt: Checkpoint;
  x: number[][];
  y: number[];
  yShape: number[];
  dataset: ReturnType<typeof datasetOf>;
  truth: (yt: tf.Tensor, yp: tf.Tensor) => tf.Tensor;
}

/** A Dense(4, tanh) → Dense(k, activation) model compiled with the case's loss, its checkpoint and data. */
export async function lossFixture(c: LossCase, n = 24): Promise<LossFixture> {
  const rng = createRng(11);
  const x = Array.from({ length: n }, () => [rng.normal(), rng.normal(), rng.normal()]);
  const init = (seed: number) => tf.initializers.glorotNormal({ seed });
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        units: 4,
        activation: 'tanh',
        inputShape: [3],
        kernelInitializer: init(1),
        biasInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed: 2 }),
      }),
      tf.layers.dense({
        units: c.k,
        activation: c.activation as any,
        kernelInitializer: init(3),
        biasInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed: 4 }),
      }),
    ],
  });
  model.compile({ loss: c.loss, optimizer: 'sgd' });
  const ckpt = await checkpointFromModel(model);
  let truth = ((model as any).model ?? model).lossFunctions[0] as (yt: tf.Tensor, yp: tf.Tensor) => tf.Tensor;
  if (c.logits) {
    ckpt.trainingConfig = { loss: { class_name: c.logits, config: { from_logits: true, reduction: 'sum_over_batch_size', name: 'loss' } } };
    truth = logitsTruth(c);
    model.compile({ loss: truth as any, optimizer: 'sgd' });
  }
  const pred = tf.tidy(() => Array.from((model.predict(tf.tensor2d(x)) as tf.Tensor).dataSync()));
  const y = targets(c.targets, n, c.k, 5, pred);
  const classes = c.targets === 'classes';
  const dataset = classes ? datasetOf(x, [3], y, 'class-index') : datasetOf(x, [3], y, 'float', [c.k]);
  return { model, ckpt, x, y, yShape: classes ? [n, 1] : [n, c.k], dataset, truth };
}

function logitsTruth(c: LossCase): (yt: tf.Tensor, yp: tf.Tensor) => tf.Tensor {
  const none = tf.Reduction.NONE;
  if (c.logits === 'BinaryCrossentropy') return (yt, yp) => tf.mean(tf.losses.sigmoidCrossEntropy(yt, yp, undefined, 0, none), -1);
  if (c.logits === 'CategoricalCrossentropy') return (yt, yp) => tf.losses.softmaxCrossEntropy(yt, yp, undefined, 0, none);
  return (yt, yp) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.cast(tf.reshape(yt, [-1]), 'int32'), c.k), yp, undefined, 0, none);
}
