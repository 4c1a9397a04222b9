/**
 * Per-sample losses, shape [b], with tfjs-layers 4.x's exact numerics (losses.ts there: the same
 * clips at ε = 1e-7, the same order of operands, the same reductions over the last axis), so our
 * loss equals model.evaluate on the same data. Built from ops whose gradients are twice
 * differentiable under src/objective/second-order-gradients.ts.
 *
 * The from-logits crossentropies are Keras' (tf.nn.softmax_cross_entropy_with_logits and
 * sigmoid_cross_entropy_with_logits): a stable log-softmax / log-sigmoid of the logits, no clipping.
 */
import tf from '../tf.cjs';
import { logSoftmaxComposite } from '../objective/second-order-gradients.js';

export const EPS = 1e-7; // tfjs-layers' epsilon() on float32 backends
const MAX = Number.MAX_VALUE;

type PerSample = (yTrue: tf.Tensor, yPred: tf.Tensor, last: number) => tf.Tensor;

/** log(1 + e^{−|z|}) + max(z, 0) − z·y: the logistic loss on logit z (tfjs' sigmoidCrossEntropyWithLogits). */
export const sigmoidCrossEntropy = (y: tf.Tensor, z: tf.Tensor) => tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));

const hingeMargin = (y: tf.Tensor, p: tf.Tensor) => tf.maximum(0, tf.sub(1, tf.mul(y, p)));
const l2Normalize = (x: tf.Tensor, last: number) => tf.div(x, tf.sqrt(tf.maximum(tf.sum(tf.square(x), last, true), EPS)));

export const LOSS_FUNCTIONS: Record<string, PerSample> = {
  meanSquaredError: (y, p, last) => tf.mean(tf.square(tf.sub(y, p)), last),
  meanAbsoluteError: (y, p, last) => tf.mean(tf.abs(tf.sub(p, y)), last),
  meanAbsolutePercentageError: (y, p, last) => tf.mul(100, tf.mean(tf.abs(tf.div(tf.sub(y, p), tf.clipByValue(tf.abs(y), EPS, MAX))), last)),
  meanSquaredLogarithmicError: (y, p, last) =>
    tf.mean(tf.square(tf.sub(tf.log(tf.add(1, tf.clipByValue(p, EPS, MAX))), tf.log(tf.add(1, tf.clipByValue(y, EPS, MAX))))), last),
  squaredHinge: (y, p, last) => tf.mean(tf.square(hingeMargin(y, p)), last),
  hinge: (y, p, last) => tf.mean(hingeMargin(y, p), last),
  categoricalHinge: (y, p, last) => {
    const pos = tf.sum(tf.mul(y, p), last);
    const neg = tf.max(tf.mul(tf.sub(1, y), p), last);
    return tf.maximum(0, tf.add(1, tf.sub(neg, pos)));
  },
  logcosh: (y, p, last) => {
    const d = tf.sub(p, y);
    return tf.mean(tf.sub(tf.add(d, tf.softplus(tf.mul(-2, d))), Math.log(2)), last);
  },
  categoricalCrossentropy: (y, p, last) => tf.neg(tf.sum(tf.mul(y, tf.log(tf.clipByValue(tf.div(p, tf.sum(p, last, true)), EPS, 1 - EPS))), last)),
  binaryCrossentropy: (y, p, last) => {
    const c = tf.clipByValue(p, EPS, 1 - EPS);
    return tf.mean(sigmoidCrossEntropy(y, tf.log(tf.div(c, tf.sub(1, c)))), last);
  },
  kullbackLeiblerDivergence: (y, p, last) => tf.sum(tf.mul(y, tf.log(tf.div(tf.clipByValue(y, EPS, 1), tf.clipByValue(p, EPS, 1)))), last),
  poisson: (y, p, last) => tf.mean(tf.sub(p, tf.mul(y, tf.log(tf.add(EPS, p)))), last),
  cosineProximity: (y, p, last) => tf.neg(tf.sum(tf.mul(l2Normalize(y, last), l2Normalize(p, last)), last)),
  categoricalCrossentropyFromLogits: (y, z, last) => tf.neg(tf.sum(tf.mul(y, logSoftmaxComposite(z)), last)),
  binaryCrossentropyFromLogits: (y, z, last) => tf.mean(sigmoidCrossEntropy(y, z), last),
};
LOSS_FUNCTIONS.sparseCategoricalCrossentropy = LOSS_FUNCTIONS.categoricalCrossentropy!;
LOSS_FUNCTIONS.sparseCategoricalCrossentropyFromLogits = LOSS_FUNCTIONS.categoricalCrossentropyFromLogits!;
