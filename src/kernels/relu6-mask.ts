/**
 * relu6's derivative as tfjs's registered gradient takes it, 0 < z ≤ 6 (1, else 0; NaN stays NaN),
 * in one pass: LosslensRelu6Mask, a JS loop over the input's array (wasm's heap or the cpu
 * backend's) where the composite lessEqual · cast · step · multiply makes four passes and three
 * temporaries — the largest elementwise cost of the MobileNet-style bench's HVP (rop/dual.ts' relu6).
 * Other backends and dtypes run the composite. Its gradient is zero (piecewise constant, as the
 * stock gradients of LessEqual and Step are).
 */
import tf from '../tf.cjs';
import { kernelInput, kernelOutput, type AnyBackend, type KernelArgs } from './kernel-io.js';

export const RELU6_MASK = 'LosslensRelu6Mask';
const BACKENDS = ['wasm', 'cpu'];

function maskKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  const be = backend as AnyBackend;
  const { info, data } = kernelOutput(be, x.shape);
  const z = kernelInput(be, x); // after the output: allocating may grow wasm's heap
  for (let i = 0; i < data.length; i++) {
    const v = z[i]!;
    data[i] = v > 0 && v <= 6 ? 1 : v === v ? 0 : Number.NaN;
  }
  return info;
}

let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  for (const backendName of BACKENDS) tf.registerKernel({ kernelName: RELU6_MASK, backendName, kernelFunc: maskKernel as unknown as tf.KernelFunc });
  tf.registerGradient({ kernelName: RELU6_MASK, gradFunc: (dy) => ({ x: () => tf.zerosLike(dy as tf.Tensor) }) });
}

/** tf.mul(cast(lessEqual(z, 6)), step(z)), the same values, in one pass where the kernel runs. */
export function relu6Mask(z: tf.Tensor): tf.Tensor {
  if (z.dtype !== 'float32' || !BACKENDS.includes(tf.getBackend())) return tf.mul(tf.cast(tf.lessEqual(z, 6), 'float32'), tf.step(z));
  register();
  return tf.engine().runKernel(RELU6_MASK, { x: z }) as tf.Tensor;
}
