/**
 * Training minimises the objective Keras trained: the checkpoint's weight penalties are in the
 * step's gradient and in the reported losses. Ground truth: tfjs-layers' own trainOnBatch (SGD,
 * one batch of all samples) from the same weights gives the same θ after a step and the same loss.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { prepareData } from '../src/objective/prepare-data.js';
import { trainRun } from '../src/train/train-run.js';
import { checkpointFromModel, datasetOf } from './helpers/in-memory-checkpoint.js';

const N = 24;
const LR = 0.5;

function net(): tf.Sequential {
  const m = tf.sequential();
  m.add(
    tf.layers.dense({
      units: 5,
      inputShape: [4],
      activation: 'tanh',
      kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }),
      biasInitializer: tf.initializers.randomNormal({ seed: 4, stddev: 0.5 }),
      kernelRegularizer: tf.regularizers.l2({ l2: 0.05 }),
      biasRegularizer: tf.regularizers.l1({ l1: 0.02 }),
    }),
  );
  m.add(
    tf.layers.dense({
      units: 3,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotNormal({ seed: 5 }),
      kernelRegularizer: tf.regularizers.l1l2({ l1: 0.01, l2: 0.03 }),
    }),
  );
  m.compile({ optimizer: tf.train.sgd(LR), loss: 'sparseCategoricalCrossentropy' });
  return m;
}

describe("training with the checkpoint's regularizers", () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it("one SGD step equals tfjs-layers' own trainOnBatch; --no-regularizers steps on the data term alone", async () => {
    const x = Float32Array.from({ length: N * 4 }, (_, i) => Math.sin(1.7 * i + 0.3));
    const y = Float32Array.from({ length: N }, (_, i) => i % 3);
    const m = net();
    const ck = await checkpointFromModel(m);
    const bundle = loadModel(ck);
    const data = prepareData(datasetOf(x, [4], y, 'class-index'), bundle.arch.inputShape, bundle.outDim, bundle.loss);
    const cfg = { init: 'checkpoint', optimizer: { name: 'sgd', lr: LR }, batchSize: N, epochs: 1, shuffle: false } as const;
    const withReg = await trainRun(cfg, bundle, data);
    const without = await trainRun({ ...cfg, regularizers: false }, bundle, data);

    const xs = tf.tensor2d(x, [N, 4]);
    const ys = tf.tensor2d(y, [N, 1]);
    const tfjsLoss = (await m.trainOnBatch(xs, ys)) as number; // loss before the step, penalty included
    const after = Float32Array.from(m.getWeights().flatMap((w) => Array.from(w.dataSync())));
    tf.dispose([xs, ys]);
    m.dispose();

    // the step's loss and the initial epoch record include the penalty, as tfjs reports it
    expect(withReg.result.history.steps.loss[0]).toBeCloseTo(tfjsLoss, 5);
    expect(withReg.result.initial.trainLoss).toBeCloseTo(tfjsLoss, 5);
    // θ after the step: float32 sums in a different order, ≤ 1e-6 per component
    let maxDiff = 0;
    for (let i = 0; i < after.length; i++) maxDiff = Math.max(maxDiff, Math.abs(withReg.theta[i] - after[i]));
    expect(maxDiff).toBeLessThan(1e-6);
    // without the penalty the step differs (by lr·∇penalty, ≥ 1e-3 here) and the loss is the data term's
    let off = 0;
    for (let i = 0; i < after.length; i++) off = Math.max(off, Math.abs(without.theta[i] - after[i]));
    expect(off).toBeGreaterThan(1e-3);
    expect(without.result.initial.trainLoss).toBeLessThan(withReg.result.initial.trainLoss);
  });
});
