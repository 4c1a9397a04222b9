/**
 * Training-mode forward pass: like src/model/forward.ts (whose layer ops it reuses), except
 *   Dropout(rate, noise_shape)  x · mask/(1−rate), mask ~ Bernoulli(1−rate)
 *   SpatialDropout1D(rate)      the same with one mask per (sample, channel)
 *   GaussianDropout(rate)       x · ε, ε ~ N(1, rate/(1−rate))
 *   GaussianNoise(stddev)       x + ε, ε ~ N(0, stddev²)
 *   BatchNormalization          normalises with the batch's own mean and (biased) variance over
 *                               every axis but the channel axis; the moments are reported in
 *                               `bnMoments` so the caller can update the moving statistics.
 * Noise is drawn in JS from createRng(mixSeed(seed, step, node)), so dropout masks are a pure
 * function of (seed, step, layer) on every backend. AlphaDropout stays the identity (documented
 * gap). Frozen layers (trainable: false) run in inference mode. Every other layer runs as forward.ts runs it.
 */
import tf from '../tf.cjs';
import type { Architecture, LayerNode } from '../model/architecture.js';
import { cfg } from '../model/layer-ops.js';
import { forwardOutputs, type ModelInputs } from '../model/forward.js';
import { createRng, type Rng } from '../random.js';
import { mixSeed } from './initialize.js';

export interface TrainingForwardOptions {
  seed: number;
  step: number;
  /** Filled with each training-mode BatchNormalization layer's batch mean and variance. */
  bnMoments?: Map<string, { mean: tf.Tensor; variance: tf.Tensor }>;
}

/** The model's (first) output in training mode. */
export function trainingForward(arch: Architecture, weights: tf.Tensor[], x: ModelInputs, opts: TrainingForwardOptions): tf.Tensor {
  return trainingOutputs(arch, weights, x, opts)[0]!;
}

/**
 * Every analysed output in training mode: the inference forward pass (forward.ts: several inputs, masks, recurrent
 * states) with each trainable noise or BatchNorm layer's output replaced by its training-mode one.
 */
export function trainingOutputs(arch: Architecture, weights: tf.Tensor[], x: ModelInputs, opts: TrainingForwardOptions): tf.Tensor[] {
  const replace = (node: LayerNode, j: number, inputs: tf.Tensor[], w: Record<string, tf.Tensor>): tf.Tensor | null => {
    if (!TRAINING_MODE_LAYERS.has(node.className) || cfg<boolean>(node.config, 'trainable', true) === false) return null;
    return trainingOp(node, inputs[0]!, w, () => createRng(mixSeed(opts.seed, opts.step, j)), opts);
  };
  return forwardOutputs(arch, weights, x, { replace });
}

/** Layer classes whose training-mode forward differs from inference (trainingOp's cases). */
export const TRAINING_MODE_LAYERS: ReadonlySet<string> = new Set(['Dropout', 'SpatialDropout1D', 'GaussianDropout', 'GaussianNoise', 'BatchNormalization']);

/** The training-mode output of a noise or BatchNorm layer, or null for every other layer. */
function trainingOp(node: LayerNode, x: tf.Tensor, w: Record<string, tf.Tensor>, rng: () => Rng, opts: TrainingForwardOptions): tf.Tensor | null {
  const c = node.config;
  switch (node.className) {
    case 'Dropout':
    case 'SpatialDropout1D': {
      const rate = cfg(c, 'rate', 0);
      if (rate <= 0) return x;
      const shape = node.className === 'SpatialDropout1D' ? [x.shape[0], 1, x.shape[2] as number] : noiseShape(c, x.shape);
      const r = rng();
      const keep = 1 / (1 - rate);
      return tf.mul(
        x,
        noise(shape, () => (r.next() >= rate ? keep : 0)),
      );
    }
    case 'GaussianDropout': {
      const rate = cfg(c, 'rate', 0);
      if (rate <= 0) return x;
      const r = rng();
      const sd = Math.sqrt(rate / (1 - rate));
      return tf.mul(
        x,
        noise(x.shape, () => 1 + sd * r.normal()),
      );
    }
    case 'GaussianNoise': {
      const sd = cfg(c, 'stddev', 0);
      const r = rng();
      return sd > 0
        ? tf.add(
            x,
            noise(x.shape, () => sd * r.normal()),
          )
        : x;
    }
    case 'BatchNormalization':
      return batchNormTraining(node, x, w, opts);
    default:
      return null;
  }
}

function noiseShape(c: any, shape: number[]): number[] {
  const ns = cfg<(number | null)[] | null>(c, 'noise_shape', null);
  return ns ? ns.map((d, i) => d ?? shape[i]) : shape;
}

function noise(shape: number[], draw: () => number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = draw();
  return tf.tensor(v, shape);
}

function batchNormTraining(node: LayerNode, x: tf.Tensor, w: Record<string, tf.Tensor>, opts: TrainingForwardOptions): tf.Tensor {
  let axis = cfg<number | number[]>(node.config, 'axis', -1);
  axis = Array.isArray(axis) ? axis[0] : axis;
  const ax = axis < 0 ? x.rank + axis : axis;
  const reduce = x.shape.map((_, i) => i).filter((i) => i !== ax);
  const { mean, variance } = tf.moments(x, reduce);
  opts.bnMoments?.set(node.name, { mean, variance });
  const shape = x.shape.map((d, i) => (i === ax ? d : 1));
  const r = (t: tf.Tensor) => (ax === x.rank - 1 ? t : tf.reshape(t, shape));
  let scale = tf.rsqrt(tf.add(r(variance), cfg(node.config, 'epsilon', 1e-3)));
  if (w.gamma) scale = tf.mul(scale, r(w.gamma));
  let y = tf.mul(tf.sub(x, r(mean)), scale);
  if (w.beta) y = tf.add(y, r(w.beta));
  return y;
}
