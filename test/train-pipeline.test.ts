import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAnalysis } from '../src/pipelines/run-analysis.js';
import { trainPipeline } from '../src/pipelines/train.js';

/** train never calls the problem's objective (trainRun works on the prepared data): no idle pool. */
describe('train pipeline', () => {
  it('loads its problem on one worker where an analysis of the same data would start a pool', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'losslens-train-pipe-'));
    try {
      // 300 samples on the cpu backend: the default for an analysis would be min(cores, 300/64) workers
      const run = await runAnalysis(trainPipeline, {
        model: 'fixtures/spiral-tanh',
        data: 'fixtures/spiral-tanh/train.csv',
        backend: 'cpu',
        out: path.join(dir, 't'),
        run: { epochs: 1, seed: 1 },
      });
      expect(run.summary.meta.backend.workers).toBe(1);
      expect(run.summary.meta.command).toBe('train');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
