/** `losslens info --data`: the dataset's memory as stored and as float32, and the batch size its passes will use. */
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { runCli, ROOT } from './helpers/run-cli.js';

const CNN = path.join(ROOT, 'fixtures/cnn');

describe('losslens info --data', () => {
  it('reports bytes kept as bytes, the float32 size and the automatic batch size', async () => {
    const r = await runCli(['info', '--model', CNN, '--data', CNN, '--test-data', CNN, '--workers', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const card = JSON.parse(r.stdout);
    const train = card.data['--data'];
    // 1 000 images of 12×12 bytes + 1 000 float32 labels; as float32 the images take 4×
    expect(train).toMatchObject({
      samples: 1000,
      inputShape: [12, 12],
      storedAs: 'uint8',
      storedBytes: 144_000 + 4_000,
      float32Bytes: 576_000 + 4_000,
      workers: 1,
      batchSizeSource: 'automatic',
    });
    // the automatic batch: the data in round(n / fit) equal batches, fit the samples whose activations fill the budget
    // (2²¹ values; 2²² on the native kernels); here the whole data fits one batch
    expect([2 ** 21, 2 ** 22]).toContain(train.activationBudget);
    expect(Math.floor(train.activationBudget / train.activationsPerSample)).toBeGreaterThanOrEqual(1000);
    expect(train.batchSize).toBe(1000);
    expect(train.batchesPerPass).toBe(Math.ceil(1000 / train.batchSize));
    expect(card.data['--test-data'].samples).toBe(200);
  });

  it('says it in one line per dataset, with --batch-size when given', async () => {
    const r = await runCli(['info', '--model', CNN, '--data', CNN, '--batch-size', '100', '--workers', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /--data .*train-images-idx3-ubyte\.gz.*: 1000 samples \[12, 12\]: 0\.14 MB in memory as uint8 \(0\.55 MB as float32\), shared by 2 workers; batches of 100 \(--batch-size\), 5 a pass per worker/,
    );
  });
});
