/**
 * relu6Mask (src/kernels/relu6-mask.ts) = tfjs's composite cast(lessEqual(z, 6))·step(z), the mask
 * of relu6's registered gradient, on cpu and wasm (plain and with the native kernels): the
 * boundaries 0, −0, 6, the floats either side of them, ±∞ and NaN, and random values, bit for bit;
 * its gradient is zero; no tensor left.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { installNativeKernels } from '../src/kernels/native-kernels.js';
import { relu6Mask } from '../src/kernels/relu6-mask.js';

const f32 = (v: number) => Math.fround(v);
const EDGES = [0, -0, 6, f32(6 + 2 ** -21), f32(6 - 2 ** -21), 1e-45, -1e-45, Infinity, -Infinity, Number.NaN, 3, -3, 7];
const values = Float32Array.from({ length: 1000 }, (_, i) => (i < EDGES.length ? EDGES[i]! : 16 * Math.sin(i * 12.9898) - 4));

describe.each(['cpu', 'wasm', 'native'] as const)('relu6Mask on %s', (path) => {
  it('= the composite mask bit for bit; zero gradient; no tensor left', async () => {
    await selectBackend(path === 'native' ? 'wasm' : path);
    if (path === 'native') installNativeKernels();
    const before = tf.memory().numTensors;
    const [got, want, grad] = tf.tidy(() => {
      const z = tf.tensor(values, [10, 100]);
      const composite = tf.mul(tf.cast(tf.lessEqual(z, 6), 'float32'), tf.step(z));
      const g = tf.grad((t: tf.Tensor) => tf.sum(relu6Mask(t)))(z);
      return [relu6Mask(z).dataSync(), composite.dataSync(), g.dataSync()];
    });
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(Array.from(got.slice(0, EDGES.length))).toEqual([0, 0, 1, 0, 1, 1, 0, 0, 0, Number.NaN, 1, 0, 0]);
    expect(Array.from(grad).every((v) => v === 0)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
