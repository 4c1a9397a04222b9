/**
 * The Objective's default batch size: activations counted per sample from the real layer outputs
 * (checked against the fixtures' architectures by hand), the budget respected, an explicit
 * --batch-size winning, and the result the same loss whatever the batching.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/index.js';
import { readCheckpoint } from '../src/io/checkpoint-read.js';
import { loadDataset } from '../src/io/dataset.js';
import { loadModel } from '../src/objective/model-bundle.js';
import { prepareData } from '../src/objective/prepare-data.js';
import { LocalObjective } from '../src/objective/local-objective.js';
import { ACTIVATION_BUDGET, NATIVE_ACTIVATION_BUDGET, activationBudget, activationsPerSample, autoBatchSize } from '../src/objective/auto-batch-size.js';
import { installNativeKernels, uninstallNativeKernels } from '../src/kernels/native-kernels.js';
import { loadNativeAddon } from '../src/kernels/native-addon.js';
import { ROOT } from './helpers/run-cli.js';

const FIX = path.join(ROOT, 'fixtures');
const bundleOf = async (name: string) => loadModel(await readCheckpoint(path.join(FIX, name)));

describe('auto batch size', () => {
  beforeAll(async () => { await selectBackend('cpu'); });

  it('counts input + every layer output per sample: mlp-relu 64+128+128+10, cnn 144+1152+288+256+64+64+4', async () => {
    const before = tf.memory().numTensors;
    const mlp = await bundleOf('mlp-relu');
    const cnn = await bundleOf('cnn');
    expect(activationsPerSample(mlp)).toBe(64 + 128 + 128 + 10);
    expect(activationsPerSample(cnn)).toBe(12 * 12 + 12 * 12 * 8 + 6 * 6 * 8 + 4 * 4 * 16 + 2 * 2 * 16 + 64 + 4);
    expect(tf.memory().numTensors).toBe(before);
    expect(autoBatchSize(mlp, 2000)).toBe(2000); // the whole data fits the budget
    expect(activationBudget()).toBe(ACTIVATION_BUDGET); // the cpu backend
    // fit = ⌊2²¹ / 1972⌋ = 1063 samples: 5 000 in round(4.70) = 5 equal batches of 1 000
    expect(Math.floor(ACTIVATION_BUDGET / 1972)).toBe(1063);
    expect(autoBatchSize(cnn, 5000)).toBe(1000);
    expect(autoBatchSize(cnn, 1)).toBe(1);
    expect(autoBatchSize(cnn, 1063)).toBe(1063); // fits: one batch
    expect(autoBatchSize(cnn, 1594)).toBe(1594); // 1.4996 fits: still one batch (≤ 1.5 × the budget), no 531-sample runt
    expect(autoBatchSize(cnn, 1595)).toBe(798); // 1.5005 fits: two equal batches
    expect(autoBatchSize(cnn, 2700)).toBe(900); // round(2.54) = 3 batches: no batch of 574 after two of 1 063
    for (const n of [1, 17, 1063, 1064, 1594, 1595, 2000, 2658, 2659, 5000, 12345, 60000]) {
      const b = autoBatchSize(cnn, n), batches = Math.ceil(n / b);
      expect(b * 1972).toBeLessThanOrEqual(1.5 * ACTIVATION_BUDGET); // never past 1.5 × the budget
      expect(n - (batches - 1) * b).toBeGreaterThan(b - batches); // the last batch is as large as the others, less fewer than `batches`
    }
  });

  it('LocalObjective uses it unless --batch-size is given; the loss does not depend on the batching', async () => {
    const mlp = await bundleOf('mlp-relu');
    const data = prepareData(await loadDataset({ data: path.join(FIX, 'mlp-relu') }), mlp.arch.inputShape, mlp.outDim, mlp.loss);
    const auto = new LocalObjective(mlp, data);
    const small = new LocalObjective(mlp, data, { batchSize: 300 });
    try {
      expect(auto.batchSize).toBe(data.n);
      expect(small.batchSize).toBe(300);
      // float32 sums in a different order: agreement to ~1e-6 relative guards the batch weighting
      expect(Math.abs((await auto.loss(mlp.theta0)) - (await small.loss(mlp.theta0)))).toBeLessThan(1e-6);
    } finally {
      auto.dispose();
      small.dispose();
    }
  });

  it.skipIf(!loadNativeAddon().addon)('doubles the budget where the native kernels run (wasm with the addon), and only there', async () => {
    const cnn = await bundleOf('cnn');
    try {
      await selectBackend('wasm'); // installs the native kernels where they load
      expect(activationBudget()).toBe(NATIVE_ACTIVATION_BUDGET);
      expect(NATIVE_ACTIVATION_BUDGET).toBe(2 * ACTIVATION_BUDGET);
      expect(autoBatchSize(cnn, 5000)).toBe(2500); // fit ⌊2²² / 1972⌋ = 2 126: round(2.35) = 2 batches of 2 500
      uninstallNativeKernels();
      expect(activationBudget()).toBe(ACTIVATION_BUDGET);
      expect(autoBatchSize(cnn, 5000)).toBe(1000);
    } finally {
      installNativeKernels();
      await selectBackend('cpu');
    }
  });
});
