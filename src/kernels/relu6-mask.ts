/**
 * relu6's derivative as tfjs's registered gradient takes it, 0 < z ≤ 6 (1, else 0; NaN stays NaN),
 * in one pass: LosslensRelu6Mask, where the composite lessEqual · cast · step · multiply makes four
 * passes and three temporaries; and LosslensRelu6Grad, mask(z) · dy in one pass — the gradient
 * through a ReLU(max_value 6) layer (rop/dual.ts' relu6), the same float products as multiplying by
 * the mask (0 · −y is −0, 0 · NaN is NaN), without the mask array. JS loops on the wasm and cpu
 * backends; native/conv_act.c on the native path (nativeRelu6Kernels, registered over the JS ones).
 * Other backends and dtypes run the composite. The mask's gradient is zero (piecewise constant, as
 * the stock gradients of LessEqual and Step are); the product's is mask(z) · g for dy and zero for z.
 */
import tf from '../tf.cjs';
import { kernelInput, kernelOutput, type AnyBackend, type KernelArgs } from './kernel-io.js';
import type { NativeAddon } from './native-addon.js';
import { fallback, type Fn } from './native-fallback.js';

export const RELU6_MASK = 'LosslensRelu6Mask';
export const RELU6_GRAD = 'LosslensRelu6Grad';
const BACKENDS = ['wasm', 'cpu'];

const mask = (v: number) => (v > 0 && v <= 6 ? 1 : v === v ? 0 : Number.NaN);

function maskLoop(z: Float32Array, data: Float32Array): void {
  for (let i = 0; i < data.length; i++) data[i] = mask(z[i]!);
}

function gradLoop(z: Float32Array, dy: Float32Array, data: Float32Array): void {
  for (let i = 0; i < data.length; i++) data[i] = Math.fround(mask(z[i]!) * dy[i]!);
}

function maskKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const be = backend as AnyBackend;
  const { info, data } = kernelOutput(be, (inputs.x as tf.TensorInfo).shape);
  maskLoop(kernelInput(be, inputs.x as tf.TensorInfo), data); // inputs after the output: allocating may grow wasm's heap
  return info;
}

function gradKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const be = backend as AnyBackend;
  const { info, data } = kernelOutput(be, (inputs.x as tf.TensorInfo).shape);
  gradLoop(kernelInput(be, inputs.x as tf.TensorInfo), kernelInput(be, inputs.dy as tf.TensorInfo), data);
  return info;
}

let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  for (const backendName of BACKENDS) {
    tf.registerKernel({ kernelName: RELU6_MASK, backendName, kernelFunc: maskKernel as unknown as tf.KernelFunc });
    tf.registerKernel({ kernelName: RELU6_GRAD, backendName, kernelFunc: gradKernel as unknown as tf.KernelFunc });
  }
  tf.registerGradient({ kernelName: RELU6_MASK, gradFunc: (dy) => ({ x: () => tf.zerosLike(dy as tf.Tensor) }) });
  tf.registerGradient({
    kernelName: RELU6_GRAD,
    inputsToSave: ['x'],
    gradFunc: (g, saved) => ({ x: () => tf.zerosLike(saved[0]!), dy: () => relu6Backprop(saved[0]!, g as tf.Tensor) }),
  });
}

const runs = (...ts: tf.Tensor[]) => ts.every((t) => t.dtype === 'float32') && BACKENDS.includes(tf.getBackend());

/** tf.mul(cast(lessEqual(z, 6)), step(z)), the same values, in one pass where the kernel runs. */
export function relu6Mask(z: tf.Tensor): tf.Tensor {
  if (!runs(z)) return tf.mul(tf.cast(tf.lessEqual(z, 6), 'float32'), tf.step(z));
  register();
  return tf.engine().runKernel(RELU6_MASK, { x: z }) as tf.Tensor;
}

/** tf.mul(relu6Mask(z), dy), the same bits, in one pass where the kernel runs (z and dy of one shape). */
export function relu6Backprop(z: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  if (!runs(z, dy) || z.shape.length !== dy.shape.length || z.shape.some((d, i) => d !== dy.shape[i])) return tf.mul(relu6Mask(z), dy);
  register();
  return tf.engine().runKernel(RELU6_GRAD, { x: z, dy }) as tf.Tensor;
}

/** The two kernels on the native path (native/conv_act.c), over the JS ones, which stay the fallback (a build without relu6Grad: none). */
export function nativeRelu6Kernels(addon: NativeAddon): Record<string, Fn> {
  if (typeof addon.relu6Grad !== 'function') return {};
  register(); // the JS kernels first: they are what these replace
  const run =
    (name: string): Fn =>
    (args) => {
      const x = args.inputs.x as tf.TensorInfo,
        dy = args.inputs.dy as tf.TensorInfo | undefined;
      if (x.dtype !== 'float32' || (dy && dy.dtype !== 'float32')) return fallback(name, args);
      const be = args.backend as AnyBackend;
      const { info, data } = kernelOutput(be, x.shape);
      if (data.length) addon.relu6Grad(kernelInput(be, x), dy ? kernelInput(be, dy) : null, data);
      return info;
    };
  return { [RELU6_MASK]: run(RELU6_MASK), [RELU6_GRAD]: run(RELU6_GRAD) };
}
