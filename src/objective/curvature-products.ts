/**
 * Gauss–Newton and empirical-Fisher products for one batch, as tensor functions a tfjs-backed
 * objective calls inside its own tidy/scope (alongside its HVP).
 *
 * The split point is the logits z (Martens 2020; curvlinops): the loss is ℓ(z, y) with a
 * convex ℓ, so the GGN G = Jᵀ H_z J (J = ∂z/∂θ, H_z = ∂²ℓ/∂z²) is PSD. The model's output is a
 * probability for the classification losses, so z is recovered from it: z = log p for softmax
 * cross-entropy (softmax(log p) = p/Σp, exactly what the loss normalises; the GGN is invariant
 * to the shift log-softmax leaves, because H_z·1 = 0), z = log(p/(1−p)) for sigmoid BCE (the
 * loss's own inversion), z = output for MSE. Per sample, with K outputs and the batch mean:
 *   softmax CE:  H_z u = p ⊙ u − p (pᵀu),      ∇_z ℓ = p − y
 *   sigmoid BCE: H_z u = σ(z)(1−σ(z)) ⊙ u / K,  ∇_z ℓ = (σ(z) − y)/K
 *   MSE:         H_z u = 2u/K,                  ∇_z ℓ = 2(ŷ − y)/K
 * A crossentropy on logits takes z = output; every other loss takes z = output with ℓ's own
 * gradient and Hessian in z by autodiff (not PSD where ℓ is not convex in z: MSLE, cosine proximity).
 * (the loss's probability clipping at 1e-7 is not differentiated: it changes nothing but
 * probabilities within 1e-7 of 0 or 1).
 *
 * Jv comes from the double-vjp trick: uᵀJv is linear in u and its gradient in u is Jv, so
 * Jv = ∇_u ⟨Jᵀu, v⟩ (two reverse passes, no forward mode in tfjs). Jᵀw is one vjp.
 *   GGN:   Gv = Jᵀ (H_z (Jv)) · scale
 *   EF:    Fv = (1/N) Σᵢ gᵢ gᵢᵀ v with gᵢ = Jᵢᵀ rᵢ, rᵢ = ∇_{zᵢ}ℓᵢ; gᵢᵀv = rᵢᵀ(Jv)ᵢ, so
 *          Fv = Jᵀ (r ⊙ (rᵢᵀ(Jv)ᵢ)ᵢ) · scale — batched, no per-sample gradients.
 * `scale` is the batch's share of the mean: weight/B for a batch of B of the mean loss.
 */
import tf from '../tf.cjs';
import { baseLoss, fromLogits, perSampleLoss, type LossName } from '../model/loss.js';

import type { CurvatureKind } from '../curvature/curvature-kind.js';

const PCLIP = 1e-30;

/** Logits from the model output, per loss (see the file comment). */
export function logitsOf(loss: LossName, out: tf.Tensor): tf.Tensor {
  if (fromLogits(loss)) return out;
  switch (loss) {
    case 'categoricalCrossentropy':
    case 'sparseCategoricalCrossentropy':
      return tf.log(tf.maximum(out, PCLIP));
    case 'binaryCrossentropy': {
      const p = tf.clipByValue(out, PCLIP, 1 - 1e-7);
      return tf.log(tf.div(p, tf.sub(1, p)));
    }
    default:
      return out;
  }
}

/** H_z u per sample (not yet divided by the batch size). */
function outputHessianTimes(loss: LossName, z: tf.Tensor, u: tf.Tensor, y: tf.Tensor): tf.Tensor {
  const last = z.rank - 1;
  const k = z.shape[last]!;
  switch (fromLogits(loss) ? baseLoss(loss) : loss) {
    case 'categoricalCrossentropy':
    case 'sparseCategoricalCrossentropy': {
      const p = tf.softmax(z, last);
      return tf.sub(tf.mul(p, u), tf.mul(p, tf.sum(tf.mul(p, u), last, true)));
    }
    case 'binaryCrossentropy': {
      const s = tf.sigmoid(z);
      return tf.div(tf.mul(tf.mul(s, tf.sub(1, s)), u), k);
    }
    case 'meanSquaredError':
      return tf.mul(u, 2 / k);
    default: // the loss's own Hessian in the output, by autodiff (GGN split at the output)
      return tf.grad((o: tf.Tensor) => tf.sum(tf.mul(outputGradient(loss, o, y), u)) as tf.Scalar)(z);
  }
}

/** ∇_z ℓ per sample (unnormalised by the batch size). */
function outputGradient(loss: LossName, z: tf.Tensor, y: tf.Tensor): tf.Tensor {
  const last = z.rank - 1;
  const k = z.shape[last]!;
  switch (fromLogits(loss) ? baseLoss(loss) : loss) {
    case 'categoricalCrossentropy':
    case 'sparseCategoricalCrossentropy':
      return tf.sub(tf.softmax(z, last), y);
    case 'binaryCrossentropy':
      return tf.div(tf.sub(tf.sigmoid(z), y), k);
    case 'meanSquaredError':
      return tf.div(tf.mul(tf.sub(z, y), 2), k);
    default:
      return tf.grad((o: tf.Tensor) => tf.sum(perSampleLoss(loss, y, o)) as tf.Scalar)(z);
  }
}

/** Jv for z = logits(ps) (of shape zShape) by the double-vjp trick. */
export function jvp(logits: (ps: tf.Tensor[]) => tf.Tensor, ps: tf.Tensor[], vs: tf.Tensor[], zShape: number[]): tf.Tensor {
  const u0 = tf.zeros(zShape);
  const inner = (u: tf.Tensor) => {
    const g = tf.grads((...p: tf.Tensor[]) => tf.sum(tf.mul(logits(p), u)) as tf.Scalar)(ps);
    return tf.addN(g.map((gi, i) => tf.sum(tf.mul(gi, vs[i])))) as tf.Scalar;
  };
  return tf.grad(inner)(u0);
}

/** Jᵀw: one vjp. */
export function vjp(logits: (ps: tf.Tensor[]) => tf.Tensor, ps: tf.Tensor[], w: tf.Tensor): tf.Tensor[] {
  const wc = tf.tidy(() => tf.clone(w));
  return tf.grads((...p: tf.Tensor[]) => tf.sum(tf.mul(logits(p), wc)) as tf.Scalar)(ps);
}

/**
 * One batch's GGN or empirical-Fisher product, per trainable tensor, times `scale`.
 * @param output the model output as a function of the trainable tensors on this batch
 */
export function batchCurvatureProduct(
  kind: Exclude<CurvatureKind, 'hessian'>,
  loss: LossName,
  output: (ps: tf.Tensor[]) => tf.Tensor,
  ps: tf.Tensor[],
  vs: tf.Tensor[],
  y: tf.Tensor,
  scale: number,
): tf.Tensor[] {
  const logits = (p: tf.Tensor[]) => logitsOf(loss, output(p));
  const jv = jvp(logits, ps, vs, y.shape); // z has the targets' shape [B, K]
  const z = tf.tidy(() => logits(ps));
  let w: tf.Tensor;
  if (kind === 'ggn') {
    w = outputHessianTimes(loss, z, jv, y);
  } else {
    const r = outputGradient(loss, z, y);
    w = tf.mul(r, tf.sum(tf.mul(r, jv), z.rank - 1, true));
  }
  return vjp(logits, ps, tf.mul(w, scale));
}
