/**
 * Losses with tfjs-layers' numerics (probability clipping at ε = 1e-7, the same reductions),
 * so our loss equals model.evaluate on the same data. Built from twice-differentiable ops.
 */
import tf from '../tf.cjs';
import { optionError } from '../errors.js';

export const LOSS_NAMES = ['categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'binaryCrossentropy', 'meanSquaredError'] as const;
export type LossName = (typeof LOSS_NAMES)[number];

const EPS = 1e-7; // tfjs-layers' epsilon() on float32 backends

/** Other spellings of a loss, in a Map: a name such as "constructor" must not find an inherited property. */
const ALIASES = new Map<string, LossName>([['mse', 'meanSquaredError']]);

/** The loss a Keras spelling names ("categorical_crossentropy", "mse", ["mse"]), or undefined. */
export function findLoss(name: unknown): LossName | undefined {
  const key = lossSpelling(name).replace(/[_\s]/g, '').toLowerCase();
  return ALIASES.get(key) ?? LOSS_NAMES.find((l) => l.toLowerCase() === key);
}

const lossSpelling = (name: unknown): string => (typeof name === 'string' ? name : Array.isArray(name) && name.length === 1 ? String(name[0]) : '');

/** Accept Keras spellings ("categorical_crossentropy", "mse"). */
export function canonicalLoss(name: unknown, field = 'loss'): LossName {
  const raw = lossSpelling(name);
  const found = findLoss(name);
  if (!found) throw optionError(field, `unknown or unsupported loss "${raw || JSON.stringify(name)}"; valid: ${LOSS_NAMES.join(', ')}`);
  return found;
}

export function isClassification(loss: LossName): boolean {
  return loss !== 'meanSquaredError';
}

/**
 * Per-sample loss, shape [b]. Targets are already in the form the loss needs:
 * one-hot [b,k] for both categorical losses, [b,k] floats for BCE and MSE.
 */
export function perSampleLoss(loss: LossName, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const last = yPred.rank - 1;
  // 0·Σŷ is 0 for finite outputs and NaN for NaN/±Inf ones: the clip to [ε, 1−ε] (which some
  // backends apply to NaN as well) must not turn a non-finite output into a plausible −ln ε = 16.12.
  // Its derivatives are 0, so gradients and HVPs are unchanged.
  const nonFinite = () => tf.mul(0, tf.sum(yPred, last));
  switch (loss) {
    case 'categoricalCrossentropy':
    case 'sparseCategoricalCrossentropy': {
      const p = tf.clipByValue(tf.div(yPred, tf.sum(yPred, last, true)), EPS, 1 - EPS);
      return tf.add(tf.neg(tf.sum(tf.mul(yTrue, tf.log(p)), last)), nonFinite());
    }
    case 'binaryCrossentropy': {
      const p = tf.clipByValue(yPred, EPS, 1 - EPS);
      const z = tf.log(tf.div(p, tf.sub(1, p)));
      const ce = tf.add(tf.sub(tf.relu(z), tf.mul(z, yTrue)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
      return tf.add(tf.mean(ce, last), nonFinite());
    }
    case 'meanSquaredError':
      return tf.mean(tf.square(tf.sub(yTrue, yPred)), last);
  }
}

/** Whether the loss is a classification one, whose passes report an accuracy (correctCount not null). */
export const hasAccuracy = (loss: LossName) => loss !== 'meanSquaredError';

/** Number of correct predictions in the batch (scalar), or null for regression. */
export function correctCount(loss: LossName, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor | null {
  const last = yPred.rank - 1;
  if (!hasAccuracy(loss)) return null;
  if (loss === 'binaryCrossentropy') {
    const hit = tf.equal(tf.greater(yPred, 0.5), tf.greater(yTrue, 0.5));
    return tf.sum(tf.mean(tf.cast(hit, 'float32'), last)); // per-sample mean over outputs
  }
  return tf.sum(tf.cast(tf.equal(tf.argMax(yPred, last), tf.argMax(yTrue, last)), 'float32'));
}
