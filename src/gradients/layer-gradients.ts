/**
 * Per-layer gradients on one minibatch, from one tf.valueAndGrads call: ∂L/∂W_k, ∂L/∂b_k over
 * the layer's trainable weights, and the backpropagated error ∂L/∂a_k at each layer's output
 * (taken w.r.t. a zero tensor added there). L is the minibatch's mean per-sample loss, so
 * ‖∂L/∂a_k‖ is the Frobenius norm of a [batch, …] tensor that carries the 1/batch factor.
 */
import tf from '../tf.cjs';
import type { Architecture } from '../model/architecture.js';
import { forward } from '../model/forward.js';
import { perSampleLoss, type LossName } from '../model/loss.js';
import type { AnalysedLayer } from './layers.js';

export interface LayerBatchGradients {
  name: string;
  /** ‖∂L/∂θ_k‖ over all the layer's trainable weights (null for activation layers). */
  weightGrad: number | null;
  kernelGrad: number | null;
  biasGrad: number | null;
  /** ‖∂L/∂a_k‖ at the layer's output. */
  activationGrad: number;
}

export interface BatchGradients {
  loss: number;
  /** ‖∂L/∂θ‖ over every trainable weight. */
  totalGrad: number;
  layers: LayerBatchGradients[];
}

export interface GradientModel {
  arch: Architecture;
  loss: LossName;
  /** One tensor per checkpoint weight. */
  weights: tf.Tensor[];
}

/** Shapes of the analysed layers' outputs on this batch. */
function outputShapes(m: GradientModel, x: tf.Tensor, layers: AnalysedLayer[]): number[][] {
  return tf.tidy(() => {
    const capture = new Map<string, tf.Tensor>();
    forward(m.arch, m.weights, x, { capture });
    return layers.map((l) => capture.get(l.name)!.shape);
  });
}

/**
 * The raw gradients: [loss, ∂L/∂(each trainable weight)…, ∂L/∂a_k…] as tensors (caller
 * disposes). `shift` adds a fixed tensor at a layer's output (finite-difference checks).
 */
export function rawLayerGradients(m: GradientModel, x: tf.Tensor, y: tf.Tensor, layers: AnalysedLayer[], shift?: Map<string, tf.Tensor>) {
  const params = layers.flatMap((l) => l.trainable);
  const shapes = outputShapes(m, x, layers);
  return tf.tidy(() => {
    const zeros = shapes.map((s) => tf.zeros(s));
    const f = (...args: tf.Tensor[]): tf.Scalar => {
      const ws = m.weights.slice();
      params.forEach((wi, j) => (ws[wi] = args[j]));
      const addAt = new Map<string, tf.Tensor>();
      layers.forEach((l, i) => {
        const s = shift?.get(l.name);
        addAt.set(l.name, s ? tf.add(args[params.length + i], s) : args[params.length + i]);
      });
      return tf.mean(perSampleLoss(m.loss, y, forward(m.arch, ws, x, { addAt }))) as tf.Scalar;
    };
    const { value, grads } = tf.valueAndGrads(f)([...params.map((i) => m.weights[i]), ...zeros]);
    return { value, weightGrads: grads.slice(0, params.length), activationGrads: grads.slice(params.length) };
  });
}

export async function layerGradients(m: GradientModel, x: tf.Tensor, y: tf.Tensor, layers: AnalysedLayer[]): Promise<BatchGradients> {
  const raw = rawLayerGradients(m, x, y, layers);
  const packed = tf.tidy(() => tf.stack([raw.value, ...[...raw.weightGrads, ...raw.activationGrads].map((g) => tf.sum(tf.square(g)))]));
  const sq = await packed.data();
  tf.dispose([packed, raw.value, ...raw.weightGrads, ...raw.activationGrads]);
  const params = layers.flatMap((l) => l.trainable);
  const wsq = (wi: number | null) => (wi === null ? null : sq[1 + params.indexOf(wi)]);
  let total = 0;
  const out = layers.map((l, i) => {
    const own = l.trainable.reduce((s, wi) => s + wsq(wi)!, 0);
    total += own;
    const k = wsq(l.kernel), b = wsq(l.bias);
    return {
      name: l.name,
      weightGrad: l.trainable.length ? Math.sqrt(own) : null,
      kernelGrad: k === null ? null : Math.sqrt(k),
      biasGrad: b === null ? null : Math.sqrt(b),
      activationGrad: Math.sqrt(sq[1 + params.length + i]),
    };
  });
  return { loss: sq[0], totalGrad: Math.sqrt(total), layers: out };
}
