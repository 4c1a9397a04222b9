/**
 * The kernel layers on wasm — stock wasm, our transpose-first matmul wrappers (wasm-matmul.ts), the
 * native kernels (native-kernels.ts) — stay a chain whatever the order they are installed in: a
 * second selectBackend('wasm') with the native kernels on (it registers the wasm kernels again),
 * an uninstall and a reinstall. A native matmul's fallback (an activation it does not fuse) must
 * reach wasm's kernel, not wrap back to itself (which recursed until the stack ran out).
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { registerWasmKernels } from '../src/kernels/wasm-kernels.js';
import { installNativeKernels, uninstallNativeKernels } from '../src/kernels/native-kernels.js';

import { isNativeKernel } from '../src/kernels/native-fallback.js';
import { loadNativeAddon } from '../src/kernels/native-addon.js';

const A = [
  [0.5, -1, 2],
  [1.5, 0.25, -0.75],
];
const B = [
  [1, -2],
  [0.5, 1],
];
/** elu(aᵀ·b) in float64: a [2, 3] read transposed, b [2, 2]. */
function truth(): number[] {
  const out: number[] = [];
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 2; j++) {
      const z = A[0]![i]! * B[0]![j]! + A[1]![i]! * B[1]![j]!;
      out.push(z > 0 ? z : Math.expm1(z));
    }
  return out;
}
const fusedElu = () => tf.tidy(() => tf.fused.matMul({ a: tf.tensor2d(A), b: tf.tensor2d(B), transposeA: true, activation: 'elu' }).dataSync()) as Float32Array;

describe.runIf(loadNativeAddon().addon)('the wasm kernel layers', () => {
  afterAll(async () => {
    installNativeKernels();
    await selectBackend('cpu');
  });

  it('a native matmul falls back to wasm through the wrappers, after a second registration and a reinstall', async () => {
    await selectBackend('wasm');
    expect(isNativeKernel(tf.getKernel('_FusedMatMul', 'wasm')?.kernelFunc)).toBe(true);
    registerWasmKernels(); // what a second selectBackend('wasm') does with the native kernels on
    expect(isNativeKernel(tf.getKernel('_FusedMatMul', 'wasm')?.kernelFunc)).toBe(true);
    const want = truth();
    const close = (got: Float32Array) => Array.from(got).forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 5));
    close(fusedElu());
    uninstallNativeKernels();
    expect(isNativeKernel(tf.getKernel('_FusedMatMul', 'wasm')?.kernelFunc)).toBe(false);
    close(fusedElu());
    installNativeKernels();
    registerWasmKernels();
    installNativeKernels();
    close(fusedElu());
  });
});
