/**
 * Per-layer gradients on one minibatch, from one tf.valueAndGrads call: ∂L/∂W_k, ∂L/∂b_k over
 * the layer's trainable weights, the backpropagated error ∂L/∂a_k at each layer's output
 * (taken w.r.t. a zero tensor added there), and ∂L/∂h_t at every step of every recurrent unroll
 * (step-gradients.ts). L is the minibatch's mean per-sample loss — for several outputs
 * Σ w_k · mean loss_k, the objective the other analyses take (heads-loss.ts) — so ‖∂L/∂a_k‖ is
 * the Frobenius norm of a [batch, …] tensor that carries the 1/batch factor.
 */
import tf from '../tf.cjs';
import type { Architecture } from '../model/architecture.js';
import { forward, forwardOutputs, type ForwardHooks, type ModelInputs } from '../model/forward.js';
import { headsLoss } from '../objective/heads-loss.js';
import type { OutputHead } from '../objective/model-bundle.js';
import { perSampleLoss, type LossName } from '../model/loss.js';
import type { AnalysedLayer } from './layers.js';
import { withStepTaps, type TapSite } from '../model/layers/step-taps.js';
import { meanSampleNorms, recurrentKernels, stepAddends, stepSites, stepZeros, type StepSite } from './step-gradients.js';

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
  /** Per recurrent unroll, the batch mean of ‖∂ℓ_i/∂h_t‖ at each step in processing order, and ‖∂L/∂R‖ of its recurrent kernel. */
  steps: { site: StepSite; norms: number[]; recurrentGrad: number | null }[];
}

export interface GradientModel {
  arch: Architecture;
  loss: LossName;
  /** One tensor per checkpoint weight. */
  weights: tf.Tensor[];
  /** Several inputs or outputs: the analysed outputs, each with its loss and loss weight. */
  heads?: OutputHead[];
}

/** One minibatch's targets: one tensor, or one per analysed output (GradientModel.heads). */
export type BatchTargets = tf.Tensor | tf.Tensor[];

/**
 * The minibatch's mean loss on weights `ws`: one output's, or Σ w_k · mean loss_k over the heads.
 * With several outputs, 0 · Σ `touch` is added, so that a weight or zero addend no analysed output
 * reads (another head's, under --output) gets a zero gradient rather than tf's refusal.
 */
export function batchLoss(m: GradientModel, ws: tf.Tensor[], x: ModelInputs, y: BatchTargets, hooks?: ForwardHooks, touch: tf.Tensor[] = []): tf.Scalar {
  if (!m.heads) return tf.mean(perSampleLoss(m.loss, y as tf.Tensor, forward(m.arch, ws, x, hooks))) as tf.Scalar;
  const value = headsLoss(m.heads, Array.isArray(y) ? y : [y], forwardOutputs(m.arch, ws, x, hooks)).value;
  return touch.length ? (tf.add(value, tf.mul(0, tf.addN(touch.map((t) => tf.sum(t))))) as tf.Scalar) : value;
}

/** Shapes of the analysed layers' outputs on this batch, and its recurrent unrolls. */
function probe(m: GradientModel, x: ModelInputs, layers: AnalysedLayer[]): { shapes: number[][]; sites: StepSite[] } {
  const seen: TapSite[] = [];
  const shapes = tf.tidy(() => {
    const capture = new Map<string, tf.Tensor>();
    withStepTaps({ seen }, () => forward(m.arch, m.weights, x, { capture }));
    return layers.map((l) => capture.get(l.name)!.shape);
  });
  return { shapes, sites: stepSites(m.arch, seen) };
}

/**
 * The raw gradients: [loss, ∂L/∂(each trainable weight)…, ∂L/∂a_k…, ∂L/∂h_t per recurrent site
 * and step] as tensors (caller disposes). `shift` adds a fixed tensor at a layer's output
 * (finite-difference checks).
 */
export function rawLayerGradients(m: GradientModel, x: ModelInputs, y: BatchTargets, layers: AnalysedLayer[], shift?: Map<string, tf.Tensor>) {
  const params = layers.flatMap((l) => l.trainable);
  const { shapes, sites } = probe(m, x, layers);
  const out = tf.tidy(() => {
    const zeros = shapes.map((s) => tf.zeros(s)),
      steps = stepZeros(sites);
    const stepsFrom = params.length + layers.length;
    const f = (...args: tf.Tensor[]): tf.Scalar => {
      const ws = m.weights.slice();
      params.forEach((wi, j) => (ws[wi] = args[j]));
      const addAt = new Map<string, tf.Tensor>();
      layers.forEach((l, i) => {
        const s = shift?.get(l.name);
        addAt.set(l.name, s ? tf.add(args[params.length + i], s) : args[params.length + i]);
      });
      let at = stepsFrom;
      const add = stepAddends(
        sites,
        sites.map((s) => args.slice(at, (at += s.positions.length))),
      );
      return withStepTaps({ add }, () => batchLoss(m, ws, x, y, { addAt }, args));
    };
    const { value, grads } = tf.valueAndGrads(f)([...params.map((i) => m.weights[i]), ...zeros, ...steps.flat()]);
    let at = stepsFrom;
    const stepGrads = sites.map((site) => grads.slice(at, (at += site.positions.length)));
    return { value, weightGrads: grads.slice(0, params.length), activationGrads: grads.slice(params.length, stepsFrom), stepGrads };
  });
  return { ...out, stepGrads: sites.map((site, i) => ({ site, grads: out.stepGrads[i]! })) };
}

export async function layerGradients(m: GradientModel, x: ModelInputs, y: BatchTargets, layers: AnalysedLayer[]): Promise<BatchGradients> {
  const raw = rawLayerGradients(m, x, y, layers);
  const stepGrads = raw.stepGrads.flatMap((s) => s.grads);
  const packed = tf.tidy(() =>
    tf.concat([
      tf.stack([raw.value, ...[...raw.weightGrads, ...raw.activationGrads].map((g) => tf.sum(tf.square(g)))]),
      ...raw.stepGrads.map((s) => meanSampleNorms(s.grads)),
    ]),
  );
  const sq = await packed.data();
  tf.dispose([packed, raw.value, ...raw.weightGrads, ...raw.activationGrads, ...stepGrads]);
  const params = layers.flatMap((l) => l.trainable);
  const wsq = (wi: number | null) => (wi === null || !params.includes(wi) ? null : sq[1 + params.indexOf(wi)]);
  let total = 0;
  const out = layers.map((l, i) => {
    const own = l.trainable.reduce((s, wi) => s + wsq(wi)!, 0);
    total += own;
    const k = wsq(l.kernel),
      b = wsq(l.bias);
    return {
      name: l.name,
      weightGrad: l.trainable.length ? Math.sqrt(own) : null,
      kernelGrad: k === null ? null : Math.sqrt(k),
      biasGrad: b === null ? null : Math.sqrt(b),
      activationGrad: Math.sqrt(sq[1 + params.length + i]),
    };
  });
  let at = 1 + params.length + layers.length;
  const rks = recurrentKernels(
    m.arch,
    raw.stepGrads.map((s) => s.site),
  );
  const steps = raw.stepGrads.map(({ site }, i) => {
    const r = wsq(rks[i]!);
    return { site, norms: Array.from(sq.subarray(at, (at += site.positions.length))), recurrentGrad: r === null ? null : Math.sqrt(r) };
  });
  return { loss: sq[0], totalGrad: Math.sqrt(total), layers: out, steps };
}
