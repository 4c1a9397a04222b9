/**
 * Values paired with their directional derivatives (Pearlmutter's R{·} operator, 1994) for the
 * forward-over-reverse HVP (hvp.ts): R{f(θ)} = d/dt f(θ + t·v) at t = 0. A null tangent is an
 * exact zero (the data, a frozen weight), so its terms are never computed.
 *
 * Each activation gives its value and tangent forward, and backward the gradient with respect to
 * its input and that gradient's tangent: for y = f(z), g_z = f'(z)·g_y and
 * R{g_z} = f'(z)·R{g_y} + f''(z)·R{z}·g_y — the second-order term double backprop would find.
 */
import tf from '../../tf.cjs';
import { SELU_ALPHA, SELU_SCALE } from '../gradients/elementwise.js';
import { softmaxComposite } from '../second-order-gradients.js';
import { relu6Backprop, relu6Mask } from '../../kernels/relu6-mask.js';

export type Maybe = tf.Tensor | null;

/**
 * A value and its tangent along v (null: zero). Forward, `reluOutput` says y is a relu's output
 * whose backward multiplies by step(y) (layers.ts reluOfOutput); backward, `maskedFor` says the
 * gradient pair already carries that mask for the relu output `maskedFor` (a max pool over it folds
 * the mask into its share), so that relu passes it through.
 */
/**
 * rPre (with reluOutput): the tangent before the relu's mask, r = step(y)·rPre; a max pool whose share
 * takes in that mask reads it instead of r (the same pooled tangent), and r is then never made.
 * pooled: maxPool(y) for the layer right after, which a conv's kernel made with y (rop/layers.ts).
 * routed (a gradient pair only): y is route(frame, dy) of the max pool after a conv, made only when
 * read; that conv may take its weights' gradients from frame and dy without it. routedR: the same
 * for r (route(frame, R{dy}): the active set is fixed), from which a first conv takes its Hv block.
 */
export interface Dual {
  y: tf.Tensor;
  r: Maybe;
  reluOutput?: boolean;
  rPre?: Maybe;
  maskedFor?: tf.Tensor;
  pooled?: tf.Tensor;
  routed?: Routed;
  routedR?: Routed;
}
export interface Routed {
  frame: tf.Tensor;
  dy: tf.Tensor;
  kH: number;
  kW: number;
  positive: boolean;
}

export const add = (a: Maybe, b: Maybe): Maybe => (a === null ? b : b === null ? a : tf.add(a, b));
export const mul = (a: Maybe, b: Maybe): Maybe => (a === null || b === null ? null : tf.mul(a, b));
export const sub = (a: Maybe, b: Maybe): Maybe => (b === null ? a : a === null ? tf.neg(b) : tf.sub(a, b));

/** An activation applied: its output, and the map from the output's gradient pair to the input's. */
export interface ActStep {
  out: Dual;
  back(g: Dual): Dual;
}
export type Act = (z: Dual) => ActStep;

const linear: Act = (z) => ({ out: z, back: (g) => g });

/**
 * y = f(z) elementwise, given f′ (as tfjs's registered gradient takes it, kinks included) and f″
 * (null where it is 0): R{y} = f′·R{z}, g_z = f′·g_y, R{g_z} = f′·R{g_y} + f″·R{z}·g_y.
 */
function pointwise(
  f: (z: tf.Tensor) => tf.Tensor,
  d1: (z: tf.Tensor, y: tf.Tensor) => tf.Tensor,
  d2: ((z: tf.Tensor, y: tf.Tensor, d: tf.Tensor) => tf.Tensor) | null,
): Act {
  return (z) => {
    const y = f(z.y),
      d = d1(z.y, y);
    const curv = d2 && z.r ? tf.mul(d2(z.y, y, d), z.r) : null;
    return { out: { y, r: mul(d, z.r) }, back: (g) => ({ y: tf.mul(d, g.y), r: add(mul(d, g.r), curv && tf.mul(curv, g.y)) }) };
  };
}

const f32 = (t: tf.Tensor) => tf.cast(t, 'float32');
const relu = pointwise(tf.relu, (z) => tf.step(z), null); // step(z): 1 where z > 0
// tfjs's mask 0 < z ≤ 6: the gradients as mask(z) · g in one pass each (relu6Backprop), the mask made only for a tangent
const relu6: Act = (z) => {
  const y = tf.relu6(z.y);
  return { out: { y, r: z.r && tf.mul(relu6Mask(z.y), z.r) }, back: (g) => ({ y: relu6Backprop(z.y, g.y), r: g.r && relu6Backprop(z.y, g.r) }) };
};
const leaky = (alpha: number) =>
  pointwise(
    (z) => tf.leakyRelu(z, alpha),
    (z) => tf.where(tf.greater(z, 0), tf.onesLike(z), tf.fill(z.shape, alpha)),
    null,
  );
const tanh = pointwise(
  tf.tanh,
  (_z, y) => tf.sub(1, tf.square(y)),
  (_z, y, d) => tf.mul(tf.mul(-2, y), d),
); // tanh″ = −2y(1 − y²)
const sigmoid = pointwise(
  tf.sigmoid,
  (_z, y) => tf.mul(y, tf.sub(1, y)),
  (_z, y, d) => tf.mul(tf.sub(1, tf.mul(2, y)), d),
); // σ″ = (1 − 2σ)σ′
const softplus = pointwise(
  tf.softplus,
  (z) => tf.sigmoid(z),
  (_z, _y, s) => tf.mul(s, tf.sub(1, s)),
);
// elu′ = exp(min(z, 0)); elu″ = eᶻ for z ≤ 0, else 0 (the registered gradient's convention)
const elu = pointwise(
  tf.elu,
  (z) => tf.exp(tf.minimum(z, 0)),
  (z, _y, d) => tf.mul(d, f32(tf.lessEqual(z, 0))),
);
const selu = pointwise(
  tf.selu,
  (z) => tf.where(tf.greater(z, 0), tf.fill(z.shape, SELU_SCALE), tf.mul(SELU_SCALE * SELU_ALPHA, tf.exp(tf.minimum(z, 0)))),
  (z) => tf.mul(tf.mul(SELU_SCALE * SELU_ALPHA, tf.exp(tf.minimum(z, 0))), f32(tf.lessEqual(z, 0))),
);
// swish = z·σ(z): swish′ = σ + zσ(1 − σ), swish″ = σ(1 − σ)(2 + z(1 − 2σ))
const swish = pointwise(
  (z) => tf.mul(z, tf.sigmoid(z)),
  (z) => {
    const s = tf.sigmoid(z);
    return tf.add(s, tf.mul(z, tf.mul(s, tf.sub(1, s))));
  },
  (z) => {
    const s = tf.sigmoid(z);
    return tf.mul(tf.mul(s, tf.sub(1, s)), tf.add(2, tf.mul(z, tf.sub(1, tf.mul(2, s)))));
  },
);
// softsign = z/(1 + |z|): softsign′ = 1/(1 + |z|)², softsign″ = −2·sign(z)/(1 + |z|)³
const softsign = pointwise(
  (z) => tf.div(z, tf.add(1, tf.abs(z))),
  (z) => tf.reciprocal(tf.square(tf.add(1, tf.abs(z)))),
  (z, _y, d) => tf.div(tf.mul(-2, tf.mul(tf.sign(z), d)), tf.add(1, tf.abs(z))),
);

// softmax over the last axis: R{s} = s ⊙ (R{z} − ⟨s, R{z}⟩); g_z = s ⊙ u with u = g_s − ⟨s, g_s⟩,
// R{g_z} = R{s} ⊙ u + s ⊙ (R{g_s} − ⟨R{s}, g_s⟩ − ⟨s, R{g_s}⟩)
const softmax: Act = (z) => {
  const last = z.y.rank - 1;
  const s = softmaxComposite(z.y); // model/activations.ts's softmax, so the output is the loss pass's to the bit
  const dot = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(a, b), last, true);
  const r = z.r && tf.mul(s, tf.sub(z.r, dot(s, z.r)));
  return {
    out: { y: s, r },
    back: (g) => {
      const u = tf.sub(g.y, dot(s, g.y));
      const inner = sub(sub(g.r, r && dot(r, g.y)), g.r && dot(s, g.r));
      return { y: tf.mul(s, u), r: add(r && tf.mul(r, u), inner && tf.mul(s, inner)) };
    },
  };
};

/** Activations (by canonical name, model/activations.ts) the forward-over-reverse HVP differentiates. */
export const ACTS: Record<string, Act> = { linear, relu, relu6, tanh, sigmoid, softmax, softplus, elu, selu, swish, softsign, leakyRelu: leaky(0.2) };
export { leaky };
