/**
 * The losses losslens computes: every loss tfjs-layers 4.x has (its lossesMap), by the names
 * tfjs-layers and Keras give them, plus the three crossentropies on logits (Keras' from_logits:
 * true). The formulas, with tfjs-layers' numerics, are in loss-functions.ts.
 */
import tf from '../tf.cjs';
import { optionError } from '../errors.js';
import { LOSS_FUNCTIONS } from './loss-functions.js';

/** tfjs-layers' lossesMap, in its order: the names --loss accepts. */
export const LOSS_NAMES = [
  'meanSquaredError',
  'meanAbsoluteError',
  'meanAbsolutePercentageError',
  'meanSquaredLogarithmicError',
  'squaredHinge',
  'hinge',
  'categoricalHinge',
  'logcosh',
  'categoricalCrossentropy',
  'sparseCategoricalCrossentropy',
  'binaryCrossentropy',
  'kullbackLeiblerDivergence',
  'poisson',
  'cosineProximity',
] as const;
export type BaseLossName = (typeof LOSS_NAMES)[number];

/** The crossentropies that can take logits instead of probabilities. */
export const LOGITS_LOSSES = ['categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'binaryCrossentropy'] as const;
type LogitsBase = (typeof LOGITS_LOSSES)[number];
/** A loss losslens evaluates: the tfjs names (meanSquaredError, categoricalCrossentropy, …), and their `FromLogits` variants. */
export type LossName = BaseLossName | `${LogitsBase}FromLogits`;

const FROM_LOGITS = 'FromLogits';

/**
 * Other spellings, in a Map (a name such as "constructor" must not find an inherited property):
 * tfjs-layers' exported aliases (mse, mae, mape, msle, kld, cosine) and the Keras names whose
 * function is the same (Keras' KLDivergence, LogCosh and CosineSimilarity classes; keys are
 * compared without case or underscores).
 */
const ALIASES = new Map<string, BaseLossName>([
  ['mse', 'meanSquaredError'],
  ['mae', 'meanAbsoluteError'],
  ['mape', 'meanAbsolutePercentageError'],
  ['msle', 'meanSquaredLogarithmicError'],
  ['kld', 'kullbackLeiblerDivergence'],
  ['kldivergence', 'kullbackLeiblerDivergence'],
  ['cosine', 'cosineProximity'],
  ['cosinesimilarity', 'cosineProximity'],
  ['logcosh', 'logcosh'],
]);

const normalise = (s: string) => s.replace(/[_\s]/g, '').toLowerCase();

/** The loss a Keras spelling names ("categorical_crossentropy", "mse", ["mse"], "binaryCrossentropyFromLogits"), or undefined. */
export function findLoss(name: unknown): LossName | undefined {
  const key = normalise(lossSpelling(name));
  const suffix = normalise(FROM_LOGITS);
  if (key.endsWith(suffix)) {
    const base = findBase(key.slice(0, -suffix.length));
    return base && (LOGITS_LOSSES as readonly string[]).includes(base) ? (`${base}${FROM_LOGITS}` as LossName) : undefined;
  }
  return findBase(key);
}

const findBase = (key: string): BaseLossName | undefined => ALIASES.get(key) ?? LOSS_NAMES.find((l) => l.toLowerCase() === key);

const lossSpelling = (name: unknown): string => (typeof name === 'string' ? name : Array.isArray(name) && name.length === 1 ? String(name[0]) : '');

/** Accept Keras spellings ("categorical_crossentropy", "mse"). */
export function canonicalLoss(name: unknown, field = 'loss'): LossName {
  const raw = lossSpelling(name);
  const found = findLoss(name);
  if (!found) throw optionError(field, `unknown or unsupported loss "${raw || JSON.stringify(name)}"; valid: ${LOSS_NAMES.join(', ')}`);
  return found;
}

/** The loss on logits of a crossentropy (`--from-logits`); any other loss is refused naming the field. */
export function withLogits(loss: LossName, field = 'fromLogits'): LossName {
  const base = baseLoss(loss);
  if (!(LOGITS_LOSSES as readonly string[]).includes(base)) {
    throw optionError(field, `applies to ${LOGITS_LOSSES.join(', ')} only, not ${base}`);
  }
  return `${base as LogitsBase}${FROM_LOGITS}`;
}

/** Whether the model output the loss reads is logits (Keras' from_logits: true). */
export const fromLogits = (loss: LossName): boolean => loss.endsWith(FROM_LOGITS);

/** The loss without its from-logits variant ("binaryCrossentropyFromLogits" → "binaryCrossentropy"). */
export const baseLoss = (loss: LossName): BaseLossName => (fromLogits(loss) ? loss.slice(0, -FROM_LOGITS.length) : loss) as BaseLossName;

/** Whether targets are class distributions (one-hot rows; class indices are one-hot encoded). */
export const isCategorical = (loss: LossName): boolean => baseLoss(loss) === 'categoricalCrossentropy' || baseLoss(loss) === 'sparseCategoricalCrossentropy';

/** Whether the loss is a crossentropy, whose passes report an accuracy (correctCount not null). */
export const hasAccuracy = (loss: LossName): boolean => (LOGITS_LOSSES as readonly string[]).includes(baseLoss(loss));

export const isClassification = hasAccuracy;

/**
 * Per-sample loss, shape [b]. Targets are already in the form the loss needs:
 * one-hot [b,k] for both categorical losses, [b,k] floats for every other loss.
 */
export function perSampleLoss(loss: LossName, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const last = yPred.rank - 1;
  const value = LOSS_FUNCTIONS[loss]!(shapedLike(yTrue, yPred), yPred, last);
  // 0·Σŷ is 0 for finite outputs and NaN for NaN/±Inf ones: a clip (which some backends apply
  // to NaN as well) or a max must not turn a non-finite output into a plausible value such as
  // −ln ε = 16.12. Its derivatives are 0, so gradients and HVPs are unchanged.
  const perPosition = tf.add(value, tf.mul(0, tf.sum(yPred, last)));
  // an output of rank ≥ 3 ([b, T, C], [b, H, W, C]): Keras reduces the last axis, then averages every other one
  return yPred.rank > 2 ? tf.mean(perPosition, range(1, last)) : perPosition;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/**
 * Targets come as [batch, outputs] rows; an output with more axes (a sequence [b, T, C], an image
 * [b, H, W, C]) reads them in its own shape, so the loss reduces the output's last axis only.
 */
export const shapedLike = (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor =>
  yPred.rank > 2 && yTrue.rank === 2 && yTrue.size === yPred.size ? tf.reshape(yTrue, yPred.shape) : yTrue;

/**
 * Number of correct predictions in the batch (scalar), or null for a loss without an accuracy.
 * A sample of a sequence or image output counts the share of its positions predicted right, so
 * correct / n is Keras' accuracy (the mean over every position).
 */
export function correctCount(loss: LossName, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor | null {
  const last = yPred.rank - 1;
  if (!hasAccuracy(loss)) return null;
  const y = shapedLike(yTrue, yPred);
  const hit =
    baseLoss(loss) === 'binaryCrossentropy'
      ? tf.equal(tf.greater(yPred, fromLogits(loss) ? 0 : 0.5), tf.greater(y, 0.5))
      : tf.expandDims(tf.equal(tf.argMax(yPred, last), tf.argMax(y, last)), last);
  return tf.sum(tf.mean(tf.cast(hit, 'float32'), range(1, yPred.rank))); // per-sample mean over positions (and binary outputs)
}
