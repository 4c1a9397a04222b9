/**
 * Re-registered gradients of elementwise kernels whose stock gradient reads the kernel's
 * saved OUTPUT (Tanh, Sigmoid, Exp, Softmax, Elu via the EluGrad kernel, Pow's exponent
 * term). tfjs clones a saved output before the kernel's own tape node exists, so a second
 * backprop never reaches it and the second-order term is silently lost. These gradFuncs
 * save only INPUTS and recompute from them with differentiable ops. Selu is re-registered
 * so that its unused branch never holds exp(large x) = ∞ (0·∞ = NaN in the next order);
 * SquaredDifference because the stock gradient ignores broadcasting.
 */
import tf from '../../tf.cjs';

export const SELU_SCALE = 1.0507009873554805; // float64 nearest of 1.0507009873554804934…
export const SELU_ALPHA = 1.6732632423543772; // float64 nearest of 1.6732632423543772848…

/** Sum `g` down to `shape` (undo broadcasting) — the same reduction stock tfjs uses. */
function unbroadcast(g: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, g.shape);
  return tf.reshape(axes.length > 0 ? tf.sum(g, axes) : g, shape);
}

type Saved = tf.Tensor[];
type Attrs = Record<string, unknown>;
type GradFn = (dy: tf.Tensor, saved: Saved, attrs: Attrs) => Record<string, () => tf.Tensor>;

const CONFIGS: Array<{ kernelName: string; inputsToSave: string[]; gradFunc: GradFn }> = [
  { kernelName: 'Tanh', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, tf.sub(1, tf.square(tf.tanh(x)))) }) },
  {
    kernelName: 'Sigmoid',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({
      x: () => {
        const s = tf.sigmoid(x);
        return tf.mul(dy, tf.mul(s, tf.sub(1, s)));
      },
    }),
  },
  { kernelName: 'Exp', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, tf.exp(x)) }) },
  // elu'(x) = 1 for x > 0, eᕽ for x ≤ 0 — i.e. exactly exp(min(x, 0)), finite everywhere.
  { kernelName: 'Elu', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, tf.exp(tf.minimum(x, 0))) }) },
  {
    kernelName: 'Selu',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({
      x: () => {
        const neg = tf.mul(SELU_SCALE * SELU_ALPHA, tf.exp(tf.minimum(x, 0)));
        return tf.mul(dy, tf.where(tf.greater(x, 0), tf.fill(x.shape, SELU_SCALE), neg));
      },
    }),
  },
  {
    kernelName: 'Pow',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(tf.mul(dy, tf.mul(tf.cast(b, 'float32'), tf.pow(a, tf.sub(tf.cast(b, 'float32'), 1)))), a.shape),
      b: () => {
        // d/db aᵇ = aᵇ·log a for a > 0; 0 elsewhere (stock convention). log of a clamped base
        // keeps the masked-out branch finite.
        const pos = tf.greater(a, 0);
        const logA = tf.where(pos, tf.log(tf.where(pos, a, tf.onesLike(a))), tf.zerosLike(a));
        return unbroadcast(tf.mul(dy, tf.mul(tf.pow(a, b), logA)), b.shape);
      },
    }),
  },
  {
    // Stock returns full-shape gradients even when a or b was broadcast (a shape error).
    kernelName: 'SquaredDifference',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(tf.mul(dy, tf.mul(2, tf.sub(a, b))), a.shape),
      b: () => unbroadcast(tf.mul(dy, tf.mul(2, tf.sub(b, a))), b.shape),
    }),
  },
  {
    kernelName: 'Softmax',
    inputsToSave: ['logits'],
    gradFunc: (dy, [logits], attrs) => ({
      logits: () => {
        const dim = attrs.dim as number;
        const y = tf.softmax(logits, dim);
        const dyY = tf.mul(dy, y);
        return tf.sub(dyY, tf.mul(tf.sum(dyY, dim, true), y));
      },
    }),
  },
];

export const ELEMENTWISE_KERNELS: string[] = CONFIGS.map((c) => c.kernelName);

export function registerElementwiseGradients(): void {
  for (const c of CONFIGS) tf.registerGradient(c as unknown as tf.GradConfig);
}
