/**
 * Max (reduce) gradient, re-registered for speed, not correctness: the stock gradient builds its
 * mask as Equal(x, y) with y broadcast back over the reduced axes, and wasm's comparison kernels
 * take a generic, ~30× slower path when they broadcast (600 ms against 18 ms for a Sub of the
 * same shapes in a max-pool window tensor; 1.2 s of a small CNN's 4.8 s HVP). Here the mask is
 * (x − y) == 0, a broadcast Sub (fast) and a comparison with a scalar (fast). Same semantics as
 * stock tfjs: every tied maximum receives the full dy. Equal has a zero gradient (masks.ts), so
 * the mask is a constant to the next order and the saved output y needs no gradient of its own.
 * (x − y) == 0 ⇔ x == y for finite values; a slice that is all −∞ gets a zero gradient where
 * stock gives dy (−∞ − −∞ = NaN) — no layer we support reduces such a slice.
 */
import tf from '../../tf.cjs';

export const REDUCE_KERNELS = ['Max'];

export function registerReduceGradients(): void {
  tf.registerGradient({
    kernelName: 'Max',
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, y] = saved as [tf.Tensor, tf.Tensor];
      const axes = tf.util.parseAxisParam((attrs as { reductionIndices: number | number[] }).reductionIndices, x.shape);
      const keep = x.shape.map((d, i) => (axes.includes(i) ? 1 : d)); // y's shape with keepDims, whether or not the kernel kept them
      return {
        x: () => {
          const mask = tf.cast(tf.equal(tf.sub(x, tf.reshape(y, keep)), 0), (dy as tf.Tensor).dtype);
          return tf.mul(tf.reshape(dy as tf.Tensor, keep), mask);
        },
      };
    },
  });
}
