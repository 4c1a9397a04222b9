/**
 * Tile as block copies on the wasm heap (src/kernels/native-tile.ts): tileInto against a
 * per-element definition on ranks 1–5 with repeats 0, 1 and more on every axis, and the kernel
 * registered with the native kernels against the cpu backend's Tile (the broadcast of a global
 * average pool's gradient among them), bit for bit: a copy. No tensor left.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { tileInto } from '../src/kernels/native-tile.js';
import { selectBackend } from '../src/engine/index.js';
import { installNativeKernels } from '../src/kernels/native-kernels.js';

/** out[i] = x[Σ_k (i_k mod shape_k)·inStride_k], element by element. */
function tileReference(x: Float32Array, shape: number[], reps: number[]): Float32Array {
  const out = shape.map((d, k) => d * reps[k]!);
  const y = new Float32Array(out.reduce((a, b) => a * b, 1));
  for (let i = 0; i < y.length; i++) {
    let rest = i,
      src = 0,
      stride = 1;
    for (let k = shape.length - 1; k >= 0; k--) {
      const idx = rest % out[k]!;
      rest = Math.floor(rest / out[k]!);
      src += (idx % shape[k]!) * stride;
      stride *= shape[k]!;
    }
    y[i] = x[src]!;
  }
  return y;
}

const CASES: [number[], number[]][] = [
  [[5], [3]],
  [
    [2, 3],
    [2, 1],
  ],
  [
    [2, 3],
    [1, 4],
  ],
  [
    [3, 1, 1, 4],
    [1, 5, 6, 1],
  ],
  [
    [2, 2, 3, 2],
    [2, 3, 1, 2],
  ],
  [
    [1, 2, 1, 3, 2],
    [2, 1, 3, 1, 2],
  ],
  [
    [2, 3],
    [0, 2],
  ],
];

describe('Tile as block copies', () => {
  it.each(CASES)('tileInto %j × %j = the per-element definition', (shape, reps) => {
    const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i + 0.5);
    const want = tileReference(x, shape, reps);
    const got = new Float32Array(want.length).fill(Number.NaN);
    tileInto(x, shape, reps, got);
    expect(Array.from(got)).toEqual(Array.from(want));
  });

  it('the kernel on wasm (native kernels installed) = the cpu backend, incl. broadcastTo of a pooled gradient', async () => {
    const cases: [number[], number[]][] = [
      ...CASES,
      [
        [64, 1, 1, 16],
        [1, 8, 8, 1],
      ],
    ];
    const run = () =>
      cases.map(([shape, reps]) =>
        tf.tidy(() => {
          const x = tf.tensor(
            Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i)),
            shape,
          );
          return Array.from(tf.tile(x, reps).dataSync());
        }),
      );
    await selectBackend('cpu');
    const cpu = run();
    await selectBackend('wasm');
    const native = installNativeKernels();
    if (native.loaded) expect(native.kernels).toContain('Tile');
    const before = tf.memory().numTensors;
    expect(run()).toEqual(cpu);
    const pooled = tf.tidy(() => Array.from(tf.broadcastTo(tf.reshape(tf.range(0, 32, 1, 'float32'), [2, 1, 1, 16]), [2, 3, 3, 16]).dataSync()));
    expect(pooled).toEqual(
      tileReference(
        Float32Array.from({ length: 32 }, (_, i) => i),
        [2, 1, 1, 16],
        [1, 3, 3, 1],
      )
        .map(Number)
        .reduce((a, v) => (a.push(v), a), [] as number[]),
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
