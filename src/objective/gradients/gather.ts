/**
 * Gather (GatherV2, an Embedding's lookup) with a gradient that is twice differentiable on both
 * backends. Stock tfjs scatters Gather's gradient with UnsortedSegmentSum, which the wasm backend
 * does not have (the first backprop of an Embedding throws there). Here, for axis 0 and no batch
 * dims (every Embedding), the gradient is a scatter-add of dy's rows into the table's shape
 * (ScatterNd, which sums repeated ids, on cpu and wasm), and that scatter's own gradient is the
 * gather of its incoming gradient: the pair G, Gᵀ is linear, so every order is exact. Other axes
 * keep the stock rule.
 */
import tf from '../../tf.cjs';

export const GATHER_KERNELS = ['GatherV2'];

/** Σ of dy's rows into a [rows, ...] table at `ids` (repeats add up); its gradient gathers. */
function scatterRows(dy: tf.Tensor, ids: tf.Tensor, tableShape: number[]): tf.Tensor {
  const rowShape = tableShape.slice(1);
  const flatIds = tf.reshape(ids, [-1, 1]);
  const scatter = tf.customGrad(((g: tf.Tensor) => ({
    value: tf.scatterND(flatIds, tf.reshape(g, [-1, ...rowShape]), tableShape),
    gradFunc: (dt: tf.Tensor) => tf.reshape(tf.gather(dt, tf.reshape(flatIds, [-1])), g.shape),
  })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (g: tf.Tensor) => tf.Tensor;
  return scatter(dy);
}

/** Stock tfjs' GatherV2 gradient, kept for the axes the rule below does not cover. */
let stock: tf.GradConfig | undefined;

const GATHER_GRAD: tf.GradConfig = {
  kernelName: 'GatherV2',
  inputsToSave: ['x', 'indices'],
  gradFunc: (dy, saved, attrs) => {
    const [x, indices] = saved as [tf.Tensor, tf.Tensor];
    const { axis, batchDims } = attrs as unknown as { axis: number; batchDims: number };
    if (tf.util.parseAxisParam(axis, x.shape)[0] !== 0 || (batchDims ?? 0) !== 0) return stock!.gradFunc(dy, saved, attrs);
    return { x: () => scatterRows(dy as tf.Tensor, indices, x.shape), indices: () => tf.zeros(indices.shape) };
  },
};

export function registerGatherGradients(): void {
  const current = tf.getGradient('GatherV2');
  if (current && current.gradFunc !== GATHER_GRAD.gradFunc) stock = current;
  tf.registerGradient(GATHER_GRAD);
}
