/**
 * lossLensCallback leaves the user's training as it was: the same final weights to the bit (Adam state, dropout
 * masks, shuffling, BatchNorm statistics), no engine registrations during the training batches, no tensor left.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { lossLensCallback } from '../src/entries/fit.js';
import { currentEngine } from '../src/engine/engine.js';
import { LosslensError } from '../src/errors.js';
import { healthData, healthNet, weightBits, withSeededMathRandom } from './helpers/fit-nets.js';

await tf.setBackend('cpu');

interface Run {
  bits: Uint32Array[];
  leaked: number;
  engineSeen: boolean;
}

/** Train the health net 2 epochs of 8 batches with Math.random seeded; `callbacks` beside a probe of the engine state. */
async function train(make: () => tf.Optimizer, callbacks: tf.Callback[]): Promise<Run> {
  const { x, y } = healthData(64);
  const model = healthNet(make());
  let engineSeen = false;
  const watch = new tf.CustomCallback({ onBatchBegin: async () => void (engineSeen ||= currentEngine() !== undefined) });
  const before = tf.memory().numTensors;
  await withSeededMathRandom(11, () => model.fit(x, y, { epochs: 2, batchSize: 8, shuffle: true, callbacks: [...callbacks, watch] }));
  const leaked = tf.memory().numTensors - before;
  const bits = weightBits(model);
  model.dispose();
  tf.dispose([x, y]);
  return { bits, leaked, engineSeen };
}

describe('lossLensCallback: the training is the same with and without it', () => {
  it('model.fit with Adam ends at the same weights to the bit; a callback drawing Math.random would not', async () => {
    const probe = healthData(32, 3);
    const adam = () => tf.train.adam(0.01);
    const plain = await train(adam, []);
    const cb = lossLensCallback({ every: 3, budget: 100, probe, lanczosIter: 8, traceProbes: 4, noiseBatch: 4, noiseGroups: 2 });
    const measured = await train(adam, [cb]);
    expect(cb.records.map((r) => r.step)).toEqual([3, 6, 9, 12, 15]);
    expect(measured.bits).toEqual(plain.bits);
    expect(measured.leaked).toBe(plain.leaked); // Adam's slots stay with the model in both runs: nothing more with the callback
    expect(measured.engineSeen).toBe(false); // the second-order registrations are never in place during a batch
    // the control: one Math.random draw per measurement changes the dropout masks and shuffles after it
    const drawing = lossLensCallback({ every: 3, budget: 100, probe, lanczosIter: 4, traceProbes: 0, noiseGroups: 0, onMeasurement: () => void Math.random() });
    const disturbed = await train(adam, [drawing]);
    expect(disturbed.bits).not.toEqual(plain.bits);
    tf.dispose([probe.x, probe.y]);
  });

  it('fitDataset with momentum alike, and the records carry every field (null where skipped)', async () => {
    const probe = healthData(32, 5);
    const run = async (callbacks: tf.Callback[]) => {
      const { x, y } = healthData(64);
      const model = healthNet(tf.train.momentum(0.05, 0.9));
      const ds = tf.data.zip({ xs: tf.data.array(tf.unstack(x)), ys: tf.data.array(tf.unstack(y)) }).batch(16);
      await withSeededMathRandom(5, () => model.fitDataset(ds, { epochs: 2, callbacks }));
      const bits = weightBits(model);
      model.dispose();
      tf.dispose([x, y]);
      return bits;
    };
    const plain = await run([]);
    const cb = lossLensCallback({ every: 2, budget: 100, probe, lanczosIter: 6, traceProbes: 0, noiseGroups: 0 });
    expect(await run([cb])).toEqual(plain);
    expect(cb.records.map((r) => [r.step, r.epoch])).toEqual([
      [2, 0],
      [4, 0],
      [6, 1],
      [8, 1],
    ]);
    const r = cb.records[0]!;
    expect(Object.keys(r).sort()).toEqual(
      ['attenuation', 'costMs', 'epoch', 'gradNorms', 'lambdaMax', 'loss', 'noise', 'step', 'timeMs', 'trace', 'twoOverEta'].sort(),
    );
    expect([r.trace, r.noise]).toEqual([null, null]);
    expect(r.twoOverEta).toBeCloseTo(2 / 0.05, 10);
    expect(r.gradNorms!.map((g) => g.layer.replace(/\d+$/, ''))).toEqual([
      'dense_Dense',
      'batch_normalization_BatchNormalization',
      'dense_Dense',
      'dense_Dense',
    ]);
    tf.dispose([probe.x, probe.y]);
  });
});

describe('lossLensCallback: bad options', () => {
  const probe = { x: { shape: [8, 6], dataSync: () => new Float32Array(48) }, y: { shape: [8, 3], dataSync: () => new Float32Array(24) } };
  it.each([
    [{ every: 0 }, /option every: must be an integer ≥ 1, got 0/],
    [{ every: 2.5 }, /option every/],
    [{ budget: 0 }, /option budget: must be a percentage in \(0, 100\], got 0/],
    [{ budget: 101 }, /option budget/],
    [{ probe: undefined }, /option probe/],
    [{ probe: { x: probe.x, y: { shape: [7, 3], dataSync: () => new Float32Array(21) } } }, /option probe: y must have as many rows as x \(8\)/],
    [{ noiseBatch: 4 }, /option noiseBatch: a group of 4 minibatches of 4 needs 16 probe samples; the probe has 8/],
  ])('%j is refused naming the option', (bad, message) => {
    const make = () => lossLensCallback({ probe, ...bad } as Parameters<typeof lossLensCallback>[0]);
    expect(make).toThrow(LosslensError);
    expect(make).toThrow(message);
  });

  it('a probe that does not fit the model stops model.fit with the option named, before any batch', async () => {
    const { x, y } = healthData(16);
    const model = healthNet(tf.train.sgd(0.1));
    const wrong = { x: tf.zeros([8, 5]), y: tf.zeros([8, 3]) };
    const cb = lossLensCallback({ probe: wrong, every: 1 });
    await expect(model.fit(x, y, { epochs: 1, batchSize: 8, callbacks: [cb] })).rejects.toThrow(
      /option probe: x has samples of shape \[5\] but the model takes \[6\]/,
    );
    const wide = lossLensCallback({ probe: { x: tf.zeros([8, 6]), y: tf.zeros([8, 4]) }, every: 1 });
    await expect(model.fit(x, y, { epochs: 1, batchSize: 8, callbacks: [wide] })).rejects.toThrow(/option probe: y has targets of shape \[4\]/);
    tf.dispose([x, y, wrong.x, wrong.y]);
    model.dispose();
  });
});
