/**
 * The activations of recurrent cells (recurrent-cells.ts: activation and recurrent_activation) for
 * the forward-over-reverse rules of rop/recurrent.ts: the value y = f(z) by the loss pass's own
 * function (so the rules' forward is the loss pass's to the bit), and f′, f″ as the tape would
 * differentiate it — tfjs's registered gradients: tanh′ = 1 − y², sigmoid′ = y(1 − y), relu′ =
 * step(z), and hard_sigmoid = clip(0.2z + 0.5, 0, 1) with ClipByValue's pass mask (0 ≤ s ≤ 1,
 * ends included) times 0.2 and no second derivative. Each derivative is made when first asked.
 */
import tf from '../../tf.cjs';
import { canonicalActivation } from '../../model/activations.js';
import { cellActivation, hardSigmoidParts, isHardSigmoid } from '../../model/layers/recurrent-cells.js';

/** A gate block's activation: its value, and f′(z), f″(z) (null: zero) made on first use. */
export interface Gate {
  y: tf.Tensor;
  d(): tf.Tensor;
  d2(): tf.Tensor | null;
}
export type GateFn = (z: tf.Tensor) => Gate;

type Derivs = { d: (z: tf.Tensor, y: tf.Tensor) => tf.Tensor; d2: ((z: tf.Tensor, y: tf.Tensor, d: tf.Tensor) => tf.Tensor) | null };

const f32 = (t: tf.Tensor) => tf.cast(t, 'float32');

const DERIVS: Record<string, Derivs> = {
  tanh: { d: (_z, y) => tf.sub(1, tf.square(y)), d2: (_z, y, d) => tf.mul(tf.mul(-2, y), d) },
  sigmoid: { d: (_z, y) => tf.mul(y, tf.sub(1, y)), d2: (_z, y, d) => tf.mul(tf.sub(1, tf.mul(2, y)), d) },
  relu: { d: (z) => tf.step(z), d2: null },
  linear: { d: (z) => tf.onesLike(z), d2: null },
};

/** Whether the rules differentiate this activation name (tanh, sigmoid, hard_sigmoid, relu, linear). */
export const gateCovered = (name: unknown): boolean => isHardSigmoid(name) || Object.hasOwn(DERIVS, canonicalActivation(name));

/**
 * hard_sigmoid with its clip input s (recurrent-cells.ts' own ops): ClipByValue passes where
 * 0 ≤ s ≤ 1, which is where y = clip(s) equals s (NaN: neither), so f′ = 0.2·[y = s], f″ = 0.
 */
const hardSigmoidGate: GateFn = (z) => {
  const { s, y } = hardSigmoidParts(z);
  let d: tf.Tensor | undefined;
  return { y, d: () => (d ??= tf.mul(f32(tf.equal(y, s)), 0.2)), d2: () => null };
};

/** The gate function of an activation name (gateCovered must hold). */
export function gateFn(name: unknown, where: string): GateFn {
  if (isHardSigmoid(name)) return hardSigmoidGate;
  const f = cellActivation(name, where),
    k = DERIVS[canonicalActivation(name)]!;
  return (z) => {
    const y = f(z);
    let d: tf.Tensor | undefined, d2: tf.Tensor | null | undefined;
    return {
      y,
      d: () => (d ??= k.d(z, y)),
      d2: () => (d2 === undefined ? (d2 = k.d2 ? k.d2(z, y, (d ??= k.d(z, y))) : null) : d2),
    };
  };
}
