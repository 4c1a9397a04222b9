/**
 * The decoder kernels' second derivatives, kernel by kernel, on cpu, wasm with the native kernels and
 * plain wasm: ∇(∇f·v) by double backprop through conv2dTranspose (Conv2DBackpropInput),
 * resizeNearestNeighbor and resizeBilinear (integer and non-integer scales, with and without aligned
 * corners) and a slice, against central differences of the first gradient; and the first gradients
 * of the resizes against the adjoint identity ⟨R x, u⟩ = ⟨x, Rᵀu⟩ with R applied by the forward kernel.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { installNativeKernels, uninstallNativeKernels } from '../src/kernels/native-kernels.js';

type F = (x: tf.Tensor) => tf.Scalar;
const rand = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

/** max |∇(∇f·v)(x) − (∇f(x+hv) − ∇f(x−hv))/2h| relative to the largest entry of the exact one. */
function hvpError(f: F, x: tf.Tensor, seed: number, h = 3e-3): number {
  return tf.tidy(() => {
    const v = rand(x.shape, seed);
    const g = tf.grad(f);
    const exact = tf.grad((y: tf.Tensor) => tf.sum(tf.mul(g(y), v)) as tf.Scalar)(x);
    const fd = tf.div(tf.sub(g(tf.add(x, tf.mul(v, h))), g(tf.sub(x, tf.mul(v, h)))), 2 * h);
    return tf.max(tf.abs(tf.sub(exact, fd))).dataSync()[0]! / Math.max(1e-6, tf.max(tf.abs(exact)).dataSync()[0]!);
  });
}

const RESIZES: Array<[string, [number, number], boolean, 'nearest' | 'bilinear']> = [
  ['nearest ×2×3', [6, 12], false, 'nearest'],
  ['nearest 3×4 → 5×7', [5, 7], false, 'nearest'],
  ['nearest aligned 3×4 → 5×7', [5, 7], true, 'nearest'],
  ['bilinear ×2×3', [6, 12], false, 'bilinear'],
  ['bilinear aligned 3×4 → 5×7', [5, 7], true, 'bilinear'],
];
const resize = (x: tf.Tensor, size: [number, number], align: boolean, how: 'nearest' | 'bilinear') =>
  how === 'nearest' ? tf.image.resizeNearestNeighbor(x as tf.Tensor4D, size, align) : tf.image.resizeBilinear(x as tf.Tensor4D, size, align);

describe.each(['cpu', 'wasm', 'plain wasm'])('decoder kernels on %s', (path) => {
  beforeAll(async () => {
    await selectBackend(path === 'cpu' ? 'cpu' : 'wasm');
    if (path === 'plain wasm') uninstallNativeKernels();
  });
  afterAll(() => {
    if (path === 'plain wasm') installNativeKernels();
  });

  it.each(RESIZES)('%s: the gradient is the adjoint of the resize for every sample of a batch, and its own gradient exact', (_n, size, align, how) => {
    const before = tf.memory().numTensors;
    const x = rand([3, 3, 4, 2], 1),
      u = rand([3, ...size, 2], 2);
    const [lhs, rhs] = tf.tidy(() => {
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(resize(t, size, align, how), u)) as tf.Scalar)(x);
      return [tf.sum(tf.mul(resize(x, size, align, how), u)).dataSync()[0]!, tf.sum(tf.mul(x, g)).dataSync()[0]!];
    });
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * (1 + Math.abs(lhs)));
    // a curved loss of the resize: the HVP passes through the resize's gradient and that gradient's gradient
    const f: F = (t) => tf.sum(tf.mul(tf.tanh(resize(t, size, align, how)), u));
    expect(hvpError(f, x, 3)).toBeLessThan(2e-3);
    tf.dispose([x, u]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([
    ['same', 2],
    ['valid', 3],
    ['valid', 1],
  ] as const)('conv2dTranspose (padding %s, stride %i): second derivatives in the input and the kernel', (pad, s) => {
    const before = tf.memory().numTensors;
    const x = rand([2, 3, 4, 3], 4),
      k = rand([2, 3, 2, 3], 5);
    const out = (h: number, kk: number) => (pad === 'valid' ? h * s + Math.max(kk - s, 0) : h * s);
    const shape: [number, number, number, number] = [2, out(3, 2), out(4, 3), 2];
    const u = rand(shape, 6);
    const f = (xx: tf.Tensor, kk: tf.Tensor) =>
      tf.sum(tf.mul(tf.tanh(tf.conv2dTranspose(xx as tf.Tensor4D, kk as tf.Tensor4D, shape, s, pad)), u)) as tf.Scalar;
    expect(hvpError((t) => f(t, k), x, 7)).toBeLessThan(2e-3);
    expect(hvpError((t) => f(x, t), k, 8)).toBeLessThan(2e-3);
    tf.dispose([x, k, u]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
