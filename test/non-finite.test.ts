/** Non-finite outputs are named by layer and propagate into the loss instead of being clamped to −ln ε. */
import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { perSampleLoss } from '../src/model/loss.js';
import { firstNonFiniteLayer, nonFiniteLossError } from '../src/model/non-finite.js';
import type { Architecture } from '../src/model/architecture.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

const dense = (name: string, input: string, index: number, activation: string) => ({
  name,
  className: 'Dense',
  config: { activation },
  inputs: [input],
  weights: [{ param: 'kernel', role: 'kernel' as const, trainable: true, filterAxis: -1, index, name: `${name}/kernel`, shape: [2, 2] }],
});
const arch: Architecture = {
  name: 'm',
  inputShape: [2],
  nodes: [dense('a', '', 0, 'linear'), dense('b', 'a', 1, 'relu'), dense('c', 'b', 2, 'softmax')],
  output: 'c',
};

describe('firstNonFiniteLayer', () => {
  it('names the first layer whose output overflows, the input when it is bad, null when all is finite; leaks nothing', () => {
    const ws = [
      tf.tensor2d([
        [1e30, 0],
        [0, 1],
      ]),
      tf.tensor2d([
        [1e30, 0],
        [0, 1],
      ]),
      tf.eye(2),
    ];
    const x = tf.tensor2d([[1, 1]]);
    const before = tf.memory().numTensors;
    const site = firstNonFiniteLayer(arch, ws, x);
    expect(site).toMatchObject({ layer: 'b', className: 'Dense', index: 1, value: Infinity, shape: [2] });
    expect(nonFiniteLossError(site, 'model.json').message).toMatch(
      /^model\.json: the loss is non-finite: layer "b" \(Dense, output \[2\]\) is the first to produce Infinity/,
    );
    const ok = [tf.eye(2), tf.eye(2), tf.eye(2)];
    expect(firstNonFiniteLayer(arch, ok, x)).toBeNull();
    const nx = tf.tensor2d([[NaN, 1]]);
    expect(firstNonFiniteLayer(arch, ok, nx)).toMatchObject({ layer: '', index: -1 });
    expect(tf.memory().numTensors).toBe(before + 4); // only ok and nx, made here
    tf.dispose([...ws, ...ok, x, nx]);
  });
});

describe('perSampleLoss', () => {
  it('is NaN for NaN or infinite outputs (not the clamped 16.12), and unchanged for finite ones', () => {
    const y = tf.tensor2d([
      [0, 1, 0],
      [1, 0, 0],
    ]);
    const p = tf.tensor2d([
      [0.2, 0.7, 0.1],
      [NaN, 0.5, 0.5],
    ]);
    for (const loss of ['categoricalCrossentropy', 'binaryCrossentropy'] as const) {
      const v = Array.from(perSampleLoss(loss, y, p).dataSync());
      expect(Number.isFinite(v[0])).toBe(true);
      expect(Number.isNaN(v[1])).toBe(true);
    }
    const inf = tf.tensor2d([
      [0.2, 0.7, 0.1],
      [Infinity, 0, 0],
    ]);
    expect(Number.isNaN(perSampleLoss('categoricalCrossentropy', y, inf).dataSync()[1])).toBe(true);
    expect(perSampleLoss('categoricalCrossentropy', y, p).dataSync()[0]).toBeCloseTo(-Math.log(0.7), 6);
    tf.dispose([y, p, inf]);
  });
});
