/**
 * The wasm Identity kernel of ours (src/kernels/wasm-kernels.ts) shares its input's buffer by a
 * reference count instead of copying it (and Cast to the same dtype alike). Guarded here: it really shares (no new backend buffer),
 * the values survive disposing either side in either order, nothing is left behind, and a
 * gradient that saves (clones) its inputs is unchanged against the cpu backend's.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';

const ids = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();

describe('wasm Identity shares its input buffer', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('clone adds no backend buffer, outlives its source (and the source it), and frees both when both are gone', () => {
    const start = ids();
    for (const order of ['source first', 'clone first'] as const) {
      const x = tf.tensor([1.5, -2, 3.25, 4], [2, 2]);
      const y = tf.clone(x);
      expect(ids()).toBe(start + 1); // the stock kernel would make a second buffer
      expect(y.dataId).toBe(x.dataId);
      const [first, second] = order === 'source first' ? [x, y] : [y, x];
      first.dispose();
      expect(Array.from(second.dataSync())).toEqual([1.5, -2, 3.25, 4]);
      expect(ids()).toBe(start + 1);
      second.dispose();
      expect(ids()).toBe(start);
    }
  });

  it('Cast to the same dtype shares too; to int32 it truncates, to bool it is x ≠ 0', () => {
    const start = ids();
    const x = tf.tensor([1.5, -2, 0, 4, 0.5, NaN]);
    const same = tf.cast(x, 'float32'),
      other = tf.cast(x, 'int32'),
      flag = tf.cast(x, 'bool');
    expect(same.dataId).toBe(x.dataId);
    expect(ids()).toBe(start + 3);
    expect(Array.from(other.dataSync()).slice(0, 5)).toEqual([1, -2, 0, 4, 0]);
    expect(Array.from(flag.dataSync())).toEqual([1, 1, 0, 1, 1, 1]); // x ≠ 0, NaN included (cpu's rule; stock wasm gave 254 for −2, 0 for 0.5)
    tf.dispose([x, same, other, flag]);
    expect(ids()).toBe(start);
  });

  it("a second-order gradient through saved (cloned) tensors equals the cpu backend's", async () => {
    const xs = [0.3, -1.2, 0.7, 2.1, -0.4, 0.05],
      f = (x: tf.Tensor) => tf.sum(tf.mul(tf.tanh(x), tf.sigmoid(tf.mul(x, x))));
    const hessDiag = () =>
      tf.tidy(() => {
        const x = tf.tensor(xs);
        const v = tf.tensor([1, 0, -1, 0.5, 2, 1]);
        return tf
          .grad((z: tf.Tensor) => tf.sum(tf.mul(tf.grad(f)(z), v)))(x)
          .dataSync()
          .slice();
      });
    const before = tf.memory().numTensors;
    const onWasm = hessDiag();
    expect(tf.memory().numTensors).toBe(before);
    await tf.setBackend('cpu');
    const onCpu = hessDiag();
    await selectBackend('wasm');
    onWasm.forEach((h, i) => expect(Math.abs(h - onCpu[i]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(onCpu[i]!))));
  });
});
