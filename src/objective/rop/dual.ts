/**
 * Values paired with their directional derivatives (Pearlmutter's R{·} operator, 1994) for the
 * forward-over-reverse HVP (hvp.ts): R{f(θ)} = d/dt f(θ + t·v) at t = 0. A null tangent is an
 * exact zero (the data, a frozen weight), so its terms are never computed.
 *
 * Each activation gives its value and tangent forward, and backward the gradient with respect to
 * its input and that gradient's tangent: for y = f(z), g_z = f'(z)·g_y and
 * R{g_z} = f'(z)·R{g_y} + f''(z)·R{z}·g_y — the second-order term double backprop would find.
 */
import * as tf from '@tensorflow/tfjs';

export type Maybe = tf.Tensor | null;

/** A value and its tangent along v (null: zero). */
export interface Dual { y: tf.Tensor; r: Maybe }

export const add = (a: Maybe, b: Maybe): Maybe => (a === null ? b : b === null ? a : tf.add(a, b));
export const mul = (a: Maybe, b: Maybe): Maybe => (a === null || b === null ? null : tf.mul(a, b));
export const sub = (a: Maybe, b: Maybe): Maybe => (b === null ? a : a === null ? tf.neg(b) : tf.sub(a, b));

/** An activation applied: its output, and the map from the output's gradient pair to the input's. */
export interface ActStep { out: Dual; back(g: Dual): Dual }
type Act = (z: Dual) => ActStep;

const linear: Act = (z) => ({ out: z, back: (g) => g });

// relu'(z) as tfjs's gradient takes it: step(z), 1 where z > 0; relu'' = 0
const relu: Act = (z) => {
  const m = tf.step(z.y);
  return { out: { y: tf.relu(z.y), r: mul(m, z.r) }, back: (g) => ({ y: tf.mul(m, g.y), r: mul(m, g.r) }) };
};

// tanh' = 1 − y², tanh'' = −2y(1 − y²): R{g_z} = d·R{g_y} − 2y·R{y}·g_y
const tanh: Act = (z) => {
  const y = tf.tanh(z.y), d = tf.sub(1, tf.square(y)), r = mul(d, z.r);
  return { out: { y, r }, back: (g) => ({ y: tf.mul(d, g.y), r: sub(mul(d, g.r), r && tf.mul(tf.mul(tf.mul(2, y), r), g.y)) }) };
};

// σ' = y(1 − y), σ'' = (1 − 2y)·σ': R{g_z} = d·R{g_y} + (1 − 2y)·R{y}·g_y
const sigmoid: Act = (z) => {
  const y = tf.sigmoid(z.y), d = tf.mul(y, tf.sub(1, y)), r = mul(d, z.r);
  return { out: { y, r }, back: (g) => ({ y: tf.mul(d, g.y), r: add(mul(d, g.r), r && tf.mul(tf.mul(tf.sub(1, tf.mul(2, y)), r), g.y)) }) };
};

// softmax over the last axis: R{s} = s ⊙ (R{z} − ⟨s, R{z}⟩); g_z = s ⊙ u with u = g_s − ⟨s, g_s⟩,
// R{g_z} = R{s} ⊙ u + s ⊙ (R{g_s} − ⟨R{s}, g_s⟩ − ⟨s, R{g_s}⟩)
const softmax: Act = (z) => {
  const last = z.y.rank - 1;
  const s = tf.softmax(z.y, last);
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
export const ACTS: Record<string, Act> = { linear, relu, tanh, sigmoid, softmax };
