/**
 * The wasm Slice, SplitV and Unpack of ours (src/kernels/wasm-slice.ts) read their input in place
 * instead of copying all of it per part. Guarded here: every slice of every axis pattern (partial
 * leading, middle and trailing axes, whole trailing axes merged into one run, rank 1 to 5, empty
 * sizes, int32 and bool) equals the cpu backend's bit for bit; split and unstack on every axis
 * alike; the kernels are really ours; nothing is left behind.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { createRng } from '../src/random.js';

const SHAPES = [[7], [3, 5], [4, 3, 6], [2, 3, 4, 5], [2, 2, 3, 2, 3]];

/** Run f on the cpu backend and on wasm, returning both results' values. */
async function both(f: () => tf.Tensor | tf.Tensor[]): Promise<[number[][], number[][]]> {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const out = tf.tidy(() => [f()].flat());
    const vals = out.map((t) => [...t.shape, -1, ...Array.from(t.dataSync())]);
    tf.dispose(out);
    return vals;
  };
  const cpu = await run('cpu'),
    wasm = await run('wasm');
  return [cpu, wasm];
}

const values = (shape: number[], dtype: 'float32' | 'int32' | 'bool'): number[] => {
  const n = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => (dtype === 'bool' ? Number((i * 7) % 3 === 0) : dtype === 'int32' ? i * 3 - 50 : Math.sin(i) * 100));
};

describe('wasm Slice / SplitV / Unpack read in place', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('the wasm backend runs our kernels (a stock slice would copy the input first)', () => {
    const k = tf.getKernel('Slice', 'wasm')!;
    expect(k.kernelFunc.toString()).not.toContain('readSync');
    expect(tf.getKernel('SplitV', 'wasm')!.kernelFunc.toString()).not.toContain('readSync');
  });

  it('every slice pattern equals the cpu backend, for float32, int32 and bool', async () => {
    const rng = createRng(3);
    for (const shape of SHAPES) {
      for (const dtype of ['float32', 'int32', 'bool'] as const) {
        for (let trial = 0; trial < 12; trial++) {
          // each axis: whole, a partial window, or (rarely) empty
          const begin = shape.map((d) => (trial % 3 === 0 ? 0 : rng.int(d)));
          const size = shape.map((d, a) => (trial % 4 === 1 ? d - begin[a]! : trial === 11 && a === 0 ? 0 : 1 + rng.int(d - begin[a]!)));
          const [cpu, wasm] = await both(() => tf.slice(tf.tensor(values(shape, dtype), shape, dtype), begin, size));
          expect(wasm, `${dtype} [${shape}] begin [${begin}] size [${size}]`).toEqual(cpu);
        }
      }
    }
  });

  it('split (equal and uneven) and unstack on every axis equal the cpu backend', async () => {
    for (const shape of SHAPES.slice(1)) {
      for (let axis = 0; axis < shape.length; axis++) {
        const x = () => tf.tensor(values(shape, 'float32'), shape);
        const d = shape[axis]!,
          uneven = d > 2 ? [1, d - 2, 1] : [d];
        for (const f of [() => tf.split(x(), uneven, axis), () => tf.unstack(x(), axis), () => tf.split(x(), 1, axis)]) {
          const [cpu, wasm] = await both(f);
          expect(wasm, `[${shape}] axis ${axis}`).toEqual(cpu);
        }
      }
    }
  });

  it('leaves no tensor behind', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([5, 4, 3]);
    const before = tf.memory().numTensors;
    tf.dispose([tf.slice(x, [1, 0, 1], [2, 4, 2]), ...tf.split(x, [2, 3]), ...tf.unstack(x, 1)]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
