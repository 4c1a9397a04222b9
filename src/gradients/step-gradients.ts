/**
 * The recurrent unrolls of a forward pass as gradient sites: ∂L/∂h_t is taken with respect to a zero
 * tensor added to the hidden state after each step (src/model/layers/step-taps.ts), in the same
 * tf.valueAndGrads call as the layer gradients (layer-gradients.ts). Memory: one [batch, units]
 * addend and one gradient per step, O(batch · steps · units), the unroll's own size.
 */
import tf from '../tf.cjs';
import type { Architecture } from '../model/architecture.js';
import { tapKey, type TapSite } from '../model/layers/step-taps.js';

/** A tapped unroll with the plain name of its layer. */
export interface StepSite extends TapSite {
  layer: string;
}

/**
 * The sites of a probe pass, named after their layers. An unroll seen twice under one key (a layer
 * run twice in one pass) is left out: its addends would be shared and its gradient summed.
 */
export function stepSites(arch: Architecture, seen: TapSite[]): StepSite[] {
  const names = new Map(arch.nodes.map((n) => [`layer "${n.name}"`, n.name]));
  const count = new Map<string, number>();
  for (const s of seen) count.set(tapKey(s.where, s.direction), (count.get(tapKey(s.where, s.direction)) ?? 0) + 1);
  return seen.filter((s) => count.get(tapKey(s.where, s.direction)) === 1).map((s) => ({ ...s, layer: names.get(s.where) ?? s.where }));
}

/**
 * The checkpoint weight index of each site's recurrent kernel (null when frozen or absent): the k-th
 * unroll of a layer runs with its k-th `…recurrent_kernel` (a Bidirectional's forward, then backward).
 */
export function recurrentKernels(arch: Architecture, sites: StepSite[]): (number | null)[] {
  const seen = new Map<string, number>();
  return sites.map((s) => {
    const k = seen.get(s.layer) ?? 0;
    seen.set(s.layer, k + 1);
    const w = arch.nodes.find((n) => n.name === s.layer)?.weights.filter((x) => /(^|\/)recurrent_kernel$/.test(x.param))[k];
    return w?.trainable ? w.index : null;
  });
}

/** The zero addends of every site, one [batch, units] tensor per step (caller disposes). */
export const stepZeros = (sites: StepSite[]): tf.Tensor[][] => sites.map((s) => s.positions.map(() => tf.zeros(s.shape)));

/** The addends as the taps want them, keyed by site. */
export function stepAddends(sites: StepSite[], addends: tf.Tensor[][]): Map<string, tf.Tensor[]> {
  return new Map(sites.map((s, i) => [tapKey(s.where, s.direction), addends[i]!]));
}

/**
 * Per step, the batch mean of the per-sample norms ‖∂ℓ_i/∂h_t⁽ⁱ⁾‖, as a [steps] tensor. L is the
 * batch mean of the per-sample losses ℓ_i and sample i's loss depends on its own row of h_t only, so
 * row i of ∂L/∂h_t is ∂ℓ_i/∂h_t⁽ⁱ⁾ / b and the sum of the row norms is the mean per-sample norm.
 */
export function meanSampleNorms(grads: tf.Tensor[]): tf.Tensor {
  return tf.tidy(() => tf.sum(tf.sqrt(tf.sum(tf.square(tf.stack(grads)), -1)), 1));
}
