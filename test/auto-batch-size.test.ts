/**
 * The Objective's default batch size: activations counted per sample from the real layer outputs
 * (checked against the fixtures' architectures by hand), the budget respected, an explicit
 * --batch-size winning, and the result the same loss whatever the batching. The HVP memory model
 * (hvp-memory.ts) against the measured peak of distinct backend buffers of real HVPs on a depthwise
 * net and an LSTM, on the native and the plain wasm kernels: the model may sit at most 10 % below
 * the measurement (the heap keeps a margin for that) and at most 60 % above it (a batch no smaller
 * than needed); a depthwise factor or a recurrent per-step term much smaller than measured falls
 * below. An HVP that alone bounds the batch takes it under the 16-sample floor, and an explicit
 * batch its HVP cannot fit in the wasm heap is refused before the first HVP, in one line naming
 * the option and the largest batch that fits.
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
import {
  ACTIVATION_BUDGET,
  HVP_BUDGET_BYTES,
  NATIVE_ACTIVATION_BUDGET,
  WASM_HEAP_BYTES,
  WASM_HEAP_SHARE,
  activationBudget,
  activationsPerSample,
  autoBatchSize,
  checkHvpBatchSize,
  hvpFit,
} from '../src/objective/auto-batch-size.js';
import { installNativeKernels, uninstallNativeKernels } from '../src/kernels/native-kernels.js';
import { loadNativeAddon } from '../src/kernels/native-addon.js';
import { ROOT } from './helpers/run-cli.js';
import { hvpBytes, hvpMemory } from '../src/objective/hvp-memory.js';
import { guardHvpBatchSize } from '../src/objective/hvp-batch-guard.js';
import { createObjective } from '../src/objective/create-objective.js';
import { LosslensError } from '../src/errors.js';
import { checkpointFromModel } from './helpers/in-memory-checkpoint.js';
import { bundleOf as bundleOfNet, depthwiseNet, lstmNet, measuredHvpPeak, wideImageNet } from './helpers/hvp-memory-nets.js';
import type { Objective } from '../src/objective/types.js';

const FIX = path.join(ROOT, 'fixtures');
const bundleOf = async (name: string) => loadModel(await readCheckpoint(path.join(FIX, name)));

describe('auto batch size', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

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
      const b = autoBatchSize(cnn, n),
        batches = Math.ceil(n / b);
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

describe('the HVP memory model', () => {
  const paths = loadNativeAddon().addon ? ['native', 'plain wasm'] : ['plain wasm'];

  it.each(paths)(
    'models the per-sample HVP peak of a depthwise net and an LSTM unroll within [0.9, 1.6]× of the measured one (%s kernels)',
    async (path) => {
      await selectBackend('wasm');
      if (path === 'plain wasm') uninstallNativeKernels();
      try {
        for (const build of [depthwiseNet, lstmNet]) {
          const bundle = await bundleOfNet(build);
          const before = tf.memory().numTensors;
          const m = hvpMemory(bundle);
          expect(tf.memory().numTensors).toBe(before);
          const [p4, p12] = [await measuredHvpPeak(bundle, 4), await measuredHvpPeak(bundle, 12)];
          const perSample = (p12 - p4) / 8;
          expect(m.perSampleBytes / perSample).toBeGreaterThan(0.9);
          expect(m.perSampleBytes / perSample).toBeLessThan(1.6);
          expect(hvpBytes(bundle, 12) / p12).toBeGreaterThan(0.9); // fixed part included
          expect(hvpBytes(bundle, 12) / p12).toBeLessThan(1.6);
        }
      } finally {
        installNativeKernels();
        await selectBackend('cpu');
      }
    },
    120_000,
  );

  it('bounds the automatic batch by the HVP alone when a sample needs ~0.3 GB, under the 16-sample floor', async () => {
    await selectBackend('wasm');
    try {
      const wide = await bundleOfNet(wideImageNet);
      const m = hvpMemory(wide);
      expect(m.perSampleBytes).toBeGreaterThan(2 ** 28); // 384² × (8 + 16 × (conv 9 + BN 20 + ReLU 5)) values and more
      const fit = hvpFit(wide, HVP_BUDGET_BYTES);
      expect(fit).toBe(Math.floor((HVP_BUDGET_BYTES - m.fixedBytes) / m.perSampleBytes));
      expect(fit).toBeLessThan(16);
      expect(autoBatchSize(wide, 1000)).toBeLessThanOrEqual(Math.floor(1.5 * fit)); // equal batches, at most 1.5 × the fit
      expect(hvpBytes(wide, autoBatchSize(wide, 1000))).toBeLessThan(1.5 * HVP_BUDGET_BYTES);
      expect(autoBatchSize(wide, 3)).toBe(3);
    } finally {
      await selectBackend('cpu');
    }
  });

  it('refuses an explicit batch whose HVP cannot fit the wasm heap, before the first HVP; eval and other backends untouched', async () => {
    await selectBackend('wasm');
    try {
      const wide = await bundleOfNet(wideImageNet);
      const most = hvpFit(wide, WASM_HEAP_SHARE * WASM_HEAP_BYTES);
      expect(hvpBytes(wide, most)).toBeLessThanOrEqual(WASM_HEAP_SHARE * WASM_HEAP_BYTES);
      expect(() => checkHvpBatchSize(wide, most, 'wasm')).not.toThrow();
      expect(() => checkHvpBatchSize(wide, most + 1, 'wasm')).toThrow(
        new RegExp(`^option batchSize: ${most + 1} needs ≈[0-9.]+ GB for one exact Hessian-vector product .* give at most ${most}, or leave batchSize out`),
      );
      expect(() => checkHvpBatchSize(wide, 10 * most, 'cpu')).not.toThrow(); // no 4 GB heap there
      let inner = 0;
      const fake = {
        n: 1000,
        theta0: new Float32Array(1),
        hvp: async () => {
          inner++;
          return new Float32Array(1);
        },
        loss: async () => 7,
      } as unknown as Objective;
      const guarded = guardHvpBatchSize(fake, wide, { batchSize: most + 1, backend: 'wasm' });
      await expect(guarded.hvp(new Float32Array(1), new Float32Array(1))).rejects.toThrow(LosslensError);
      expect(inner).toBe(0);
      expect(await guarded.loss(new Float32Array(1))).toBe(7);
      const small = guardHvpBatchSize({ ...fake, n: most } as Objective, wide, { batchSize: most + 1, backend: 'wasm' }); // a batch is never larger than the data
      await small.hvp(new Float32Array(1), new Float32Array(1));
      expect(inner).toBe(1);
      expect(guardHvpBatchSize(fake, wide, { batchSize: most + 1, backend: 'wasm', hvp: 'fd' })).toBe(fake); // no double backprop
      expect(guardHvpBatchSize(fake, wide, { backend: 'wasm' })).toBe(fake); // automatic: chosen to fit
    } finally {
      await selectBackend('cpu');
    }
  });

  it('createObjective wires the refusal: an explicit batch too large for the HVP is refused as an option error', async () => {
    const model = lstmNet();
    model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
    const ck = await checkpointFromModel(model);
    model.dispose();
    const bundle = loadModel(ck);
    await selectBackend('wasm');
    try {
      const most = hvpFit(bundle, WASM_HEAP_SHARE * WASM_HEAP_BYTES),
        n = most + 1;
      const data = { n, inputShape: [24, 6], x: new Float32Array(n * 144), y: new Float32Array(n * 4).map((_, i) => (i % 4 ? 0 : 1)), k: 4 };
      const obj = await createObjective(ck, data, { batchSize: n, backend: 'wasm' });
      try {
        const before = tf.memory().numTensors;
        await expect(obj.hvp(obj.theta0, new Float32Array(obj.theta0.length))).rejects.toThrow(/^option batchSize: \d+ needs/);
        expect(tf.memory().numTensors).toBe(before);
      } finally {
        obj.dispose();
      }
    } finally {
      await selectBackend('cpu');
    }
  }, 60_000);
});
