/**
 * Twice-differentiable gradient registrations, so that tf.grad(tf.grad(f)) — our exact
 * Hessian-vector product ∇(∇L·v) — is right for every kernel the supported layers and losses use.
 *
 * Why stock tfjs fails: (a) a gradient that reads the kernel's saved OUTPUT uses a clone made
 * before the kernel's tape node exists, so the outer backprop never reaches it and silently
 * drops a second-order term; (b) masks built with comparison kernels have no gradient, so the
 * outer backprop throws; (c) backward kernels (Conv2DBackpropFilter, MaxPoolGrad, AvgPoolGrad,
 * EluGrad) have no gradient. `tf.registerGradient` replaces an existing entry (tfjs 4.22 warns
 * only under DEBUG), so re-registering fixes (a)–(c) globally.
 *
 * Kernel                         | stock gradient twice-differentiable? | here
 * -------------------------------|--------------------------------------|-------------------------------
 * BatchMatMul (tf.matMul)        | yes: matMul of saved inputs          | stock
 * Add, Sub, Mul, RealDiv, Neg    | yes (saved inputs; sum/reshape)      | stock
 * Square                         | yes                                  | stock
 * SquaredDifference              | yes, but wrong shape when broadcast  | re-registered (elementwise.ts)
 * Sum, Mean, BroadcastTo         | yes (reshape·ones, sum)              | stock
 * Max (reduce)                   | yes once Equal has a zero gradient,  | re-registered (reduce.ts)
 *                                |   but its broadcast Equal is ~30× slow on wasm |
 * Maximum, Minimum               | yes once comparisons have gradients  | stock + masks
 * Log, Log1p, Sqrt, Rsqrt, Recip.| yes (recomputed from saved x)        | stock
 * Abs, Relu, Relu6, LeakyRelu,   | yes once Step/Greater/LessEqual/…    | stock + masks
 *   Prelu, ClipByValue, Select   |   have (zero) gradients              |
 * Softplus                       | yes (sigmoid(x); Sigmoid fixed here) | stock
 * Reshape, Transpose, Concat,    | yes (pure data movement)             | stock
 *   Slice, PadV2, Tile, Cast,    |                                      |
 *   Identity, Reverse, SplitV    |                                      |
 * Tanh, Sigmoid, Exp, Softmax    | NO: saved output (a)                 | re-registered (elementwise.ts)
 * Elu                            | NO: EluGrad kernel on saved output   | re-registered (elementwise.ts)
 * Pow                            | NO: exponent term uses saved output  | re-registered (elementwise.ts)
 * Selu                           | 0·exp(big x) = NaN in 2nd order      | re-registered (elementwise.ts)
 * Conv2D                         | NO: Conv2DBackpropFilter has no grad;| re-registered (conv.ts): input grad
 *                                |   and it is missing/slow on wasm     |   col2im(dy·Wᵀ), filter grad a Conv2D;
 *                                |                                      |   im2col/col2im each the other's grad
 *                                |                                      |   (kernels/im2col.ts; LOSSLENS_CONV_GRAD);
 *                                |                                      |   native: the backward kernels, with
 *                                |                                      |   Conv2DBackpropFilter's grad registered
 * MaxPool, AvgPool               | NO: MaxPoolGrad/AvgPoolGrad no grad; | re-registered (pool.ts); max pool with
 *                                |   wasm MaxPoolGrad wrong if max < 0  |   pool == stride on share/spread/gather
 *                                |                                      |   (kernels/pool-share.ts; LOSSLENS_POOL_GRAD)
 * DepthwiseConv2dNative          | NO: its backward kernels have no grad| re-registered (depthwise.ts): both
 *                                |   and wasm lacks them; dilation > 1  |   gradients DepthwiseConv2dNative
 *                                |   refused                            |   again; the backward kernels' grads
 *                                |                                      |   registered too (cpu has them)
 * Conv2DBackpropInput            | yes, but its filter term runs        | re-registered (decoder.ts): the
 *   (Conv2DTranspose)            |   Conv2DBackpropFilter (not on wasm) |   filter term as the Conv2D gradient does
 * ResizeNearestNeighborGrad,     | missing → outer backprop throws      | registered (decoder.ts): the adjoint of
 *   ResizeBilinearGrad           |   (UpSampling2D)                     |   the adjoint, the forward resize
 * ResizeBilinear                 | NO: cpu's grad kernel mislabels its  | re-registered (decoder.ts): reshaped
 *                                |   output shape (fails if H ≠ W)      |   to the images' shape
 * ResizeNearestNeighbor          | NO: cpu's grad kernel mixes up the   | re-registered (decoder.ts): a block
 *                                |   samples of a batch                 |   sum for integer upscales
 * Mean, Sub, Square, Rsqrt       | yes (LayerNormalization's moments)   | stock
 * Greater, Less, Equal, Logical*,| missing → outer backprop throws      | zero gradients (masks.ts)
 *   Step, Sign, Floor, ArgMax, … |                                      |
 * LogSoftmax, softmaxCrossEntropy| customGrad ops: use logSoftmaxComposite / softmaxComposite below
 */
import tf from '../tf.cjs';
import { registerMaskGradients, MASK_KERNELS } from './gradients/masks.js';
import { registerElementwiseGradients, ELEMENTWISE_KERNELS } from './gradients/elementwise.js';
import { registerConvGradients, CONV_KERNELS } from './gradients/conv.js';
import { registerPoolGradients, POOL_KERNELS } from './gradients/pool.js';
import { registerReduceGradients, REDUCE_KERNELS } from './gradients/reduce.js';
import { registerDecoderGradients, DECODER_KERNELS } from './gradients/decoder.js';
import { registerGatherGradients } from './gradients/gather.js';
import { registerDepthwiseGradients, DEPTHWISE_KERNELS } from './gradients/depthwise.js';

/** Kernels whose gradient this module (re-)registers. */
export const SECOND_ORDER_KERNELS: string[] = [
  ...ELEMENTWISE_KERNELS,
  ...CONV_KERNELS,
  ...POOL_KERNELS,
  ...REDUCE_KERNELS,
  ...DECODER_KERNELS,
  ...DEPTHWISE_KERNELS,
  ...MASK_KERNELS,
];

/**
 * Register all second-order-safe gradients, process-wide. Called by the engine
 * (src/engine/engine.ts), which owns the registry's state and can put the previous entries back.
 */
export function registerSecondOrderGradients(): void {
  registerMaskGradients();
  registerElementwiseGradients();
  registerConvGradients();
  registerPoolGradients();
  registerReduceGradients();
  registerDecoderGradients();
  registerGatherGradients();
  registerDepthwiseGradients();
}

/**
 * Identity forward, zero gradient. Safe under double backprop: the gradient is a constant
 * zero, so the customGrad's disconnected saved tensors (none here) cannot lose any term.
 */
export const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;

/**
 * log softmax along the last axis as x − m − log Σ exp(x − m), m = max(x) held constant.
 * Exact for any constant m (m cancels), stable because x − m ≤ 0, and built from
 * Sub/Exp/Sum/Log only, all twice differentiable with the registrations above.
 */
export function logSoftmaxComposite(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const axis = x.rank - 1;
    const shifted = tf.sub(x, stopGradient(tf.max(x, axis, true)));
    return tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), axis, true)));
  });
}

/** softmax along the last axis as exp(logSoftmaxComposite(x)). */
export function softmaxComposite(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.exp(logSoftmaxComposite(x)));
}
