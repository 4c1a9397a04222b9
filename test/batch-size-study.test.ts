/**
 * The batch-size study on the spiral fixture: every batch size in the summary, the lr-scaling
 * rule visible in the recorded configs, the Keskar line passing through both minima's own losses,
 * figures that decode, a resume that skips finished runs (in process → worker pool → BullMQ), no
 * tensor leaks, bad configs refused naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { PNG } from 'pngjs';
import * as tf from '@tensorflow/tfjs';
import { openStudyFolder } from '../src/studies/study-folder.js';
import { runStudy } from '../src/studies/run-study.js';
import { InProcessExecutor } from '../src/studies/in-process-executor.js';
import { LocalPool } from '../src/studies/local-pool.js';
import { DEFAULT_HANDLER } from '../src/studies/tasks/index.js';
import { batchSizeTasks, checkBatchSizeConfig, scaledLr, BATCH_SLICE_DEFAULTS, type BatchSizeStudyConfig } from '../src/studies/batch-size-study.js';
import { rebuildBatchSize } from '../src/pipelines/batch-size-rebuild.js';
import type { BatchSizeSummary } from '../src/studies/batch-size-analysis.js';
import type { TrainMeasureConfig } from '../src/studies/tasks/train-and-measure.js';
import type { RunRecord } from '../src/studies/types.js';
import { redisAvailable, redisSkipReason, startRedis, type TestRedis } from './helpers/redis-server.js';

const FIX = path.resolve('fixtures/spiral-tanh');
const config: BatchSizeStudyConfig = {
  base: {
    model: FIX,
    data: { data: path.join(FIX, 'train.csv') },
    testData: { data: path.join(FIX, 'test.csv') },
    backend: 'cpu',
    evalBatchSize: 512,
    run: { epochs: 3, optimizer: { name: 'sgd', lr: 0.05 } },
    sharpness: { lanczosIter: 6, traceProbes: 3, directions: 2, epsilon: 0.1, points: 5, seed: 0 },
    snapshots: 0,
  },
  batchSizes: [8, 32, 128],
  seeds: [0, 1],
  lrScaling: 'linear',
  baseBatchSize: 8,
  slices: { ...BATCH_SLICE_DEFAULTS, points: 9, directions: 1, directionPoints: 5 },
};
const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), 'losslens-batch-'));
const rebuild = (records: RunRecord[], folder: Parameters<typeof rebuildBatchSize>[2]) => rebuildBatchSize(config, records as never, folder, { scale: 1 });
const FIGURES = [
  'sharpness-vs-batch-size.png',
  'random-direction-sharpness-vs-batch-size.png',
  'gap-vs-sharpness.png',
  'interpolation-small-large.png',
  'random-slices-small-large.png',
];
const noWall = (s: BatchSizeSummary) => JSON.stringify(s, (k, v) => (k === 'wallMs' ? undefined : v));

describe('batch-size study', () => {
  let straight: { dir: string; summary: BatchSizeSummary; files: string[] };

  it('one straight run: every batch size and seed, lr ∝ b, the line through both minima, figures that decode, no leaks', async () => {
    const dir = await tmp();
    const before = tf.memory().numTensors;
    const r = await runStudy({
      folder: await openStudyFolder(dir, { command: 'batch-size', config }),
      tasks: batchSizeTasks(config),
      executor: new InProcessExecutor(DEFAULT_HANDLER),
      rebuild,
    });
    expect(tf.memory().numTensors).toBe(before);
    const s = r.summary as unknown as BatchSizeSummary;
    straight = { dir, summary: s, files: r.files };
    expect(s.batchSizes.map((g) => [g.batchSize, g.runs.length])).toEqual([
      [8, 2],
      [32, 2],
      [128, 2],
    ]);
    // linear scaling: lr/b is the same in every recorded config, lr = base lr at b₀
    const ratios = r.records.map((x) => (x.config as TrainMeasureConfig).run.optimizer!.lr! / (x.config as TrainMeasureConfig).run.batchSize!);
    for (const q of ratios) expect(q).toBeCloseTo(0.05 / 8, 12);
    expect(s.batchSizes[0].lr).toBe(0.05);
    for (const g of s.batchSizes) {
      for (const run of g.runs) {
        expect(run.steps).toBe(3 * Math.ceil(300 / g.batchSize));
        expect(run.gap).toBeCloseTo(run.testLoss! - run.trainLoss, 12);
        expect(run.lambdaMax).toBeGreaterThan(0);
        expect(run.wallMs).toBeGreaterThan(0);
      }
      expect(g.stats.lambdaMax?.n).toBe(2);
    }
    // Keskar's Figure 3: θ(0) is the small-batch minimum, θ(1) the large-batch one
    const sl = s.slices!;
    expect([sl.small.batchSize, sl.large.batchSize, sl.seed]).toEqual([8, 128, 0]);
    const [a0, a1] = [sl.line.alphas.indexOf(0), sl.line.alphas.indexOf(1)];
    expect(sl.line.alphas[0]).toBe(-0.5);
    expect(sl.line.alphas.at(-1)).toBe(1.5);
    const small = s.batchSizes[0].runs[0];
    const large = s.batchSizes[2].runs[0];
    expect(sl.line.test!.loss[a0]).toBeCloseTo(small.testLoss!, 6);
    expect(sl.line.test!.loss[a1]).toBeCloseTo(large.testLoss!, 6);
    expect(sl.line.train.loss[a0]).toBeCloseTo(small.trainLoss, 5);
    expect(sl.line.train.loss[a1]).toBeCloseTo(large.trainLoss, 5);
    // the random slices pass through the minimum at α = 0
    const mid = (sl.directions.alphas.length - 1) / 2;
    expect(sl.directions.alphas[mid]).toBe(0);
    expect(sl.directions.around[0].train[0].loss[mid]).toBeCloseTo(small.trainLoss, 5);
    expect(r.files).toEqual(expect.arrayContaining(FIGURES));
    for (const f of FIGURES) {
      const png = PNG.sync.read(await fs.readFile(path.join(dir, f)));
      expect([png.width, png.height]).toEqual([800, 600]);
    }
  }, 120_000);

  it('interrupted after 2 runs, resumed on a 2-worker pool: only the 4 missing runs execute, same summary', async () => {
    const dir = await tmp();
    const tasks = batchSizeTasks(config);
    const ctl = new AbortController();
    let n = 0;
    await expect(
      runStudy({
        folder: await openStudyFolder(dir, { command: 'batch-size', config }),
        tasks,
        executor: new InProcessExecutor(DEFAULT_HANDLER),
        signal: ctl.signal,
        rebuild,
        onRecord: () => void (++n === 2 && ctl.abort()),
      }),
    ).rejects.toMatchObject({ code: 'INTERRUPTED' });
    const pool = new LocalPool({ workers: 2, handler: DEFAULT_HANDLER });
    try {
      const resumed = await runStudy({ folder: await openStudyFolder(dir, { command: 'batch-size', config }), tasks, executor: pool, rebuild });
      expect([resumed.executed, resumed.resumed]).toEqual([4, 2]);
      expect(noWall(resumed.summary as never)).toBe(noWall(straight.summary));
      const again = await runStudy({ folder: await openStudyFolder(dir, { command: 'batch-size', config }), tasks, executor: pool, rebuild });
      expect([again.executed, again.resumed]).toEqual([0, 6]);
    } finally {
      await pool.close();
    }
  }, 120_000);

  it('lr scaling rules and config checks (fields named, nothing run)', () => {
    expect(scaledLr(0.1, 64, 16, 'none')).toBe(0.1);
    expect(scaledLr(0.1, 64, 16, 'linear')).toBeCloseTo(0.4, 14);
    expect(scaledLr(0.1, 64, 16, 'sqrt')).toBeCloseTo(0.2, 14);
    const sqrt = batchSizeTasks({ ...config, lrScaling: 'sqrt', baseBatchSize: 32 });
    for (const t of sqrt) expect(t.config.run.optimizer!.lr! / Math.sqrt(t.config.run.batchSize!)).toBeCloseTo(0.05 / Math.sqrt(32), 12);
    expect(sqrt.map((t) => t.id)).toEqual(['b008-seed0', 'b008-seed1', 'b032-seed0', 'b032-seed1', 'b128-seed0', 'b128-seed1']);
    const bad: [Partial<BatchSizeStudyConfig>, RegExp][] = [
      [{ batchSizes: [] }, /option batchSizes: needs at least one/],
      [{ batchSizes: [64, 16] }, /option batchSizes: must be ascending/],
      [{ batchSizes: [16, 16] }, /option batchSizes: batch sizes must be distinct/],
      [{ batchSizes: [0, 16] }, /option batchSizes: each batch size must be an integer/],
      [{ lrScaling: 'cubic' as never }, /option lrScaling: unknown rule "cubic"; valid: none, linear, sqrt/],
      [{ baseBatchSize: 1.5 }, /option baseBatchSize: must be an integer/],
      [{ slices: { ...config.slices, points: 1 } }, /option slicePoints/],
    ];
    for (const [patch, re] of bad) expect(() => checkBatchSizeConfig({ ...config, ...patch })).toThrow(re);
  });
});

describe.skipIf(!redisAvailable)(`batch-size study on the BullMQ executor${redisAvailable ? '' : ` (skipped: ${redisSkipReason})`}`, () => {
  let redis: TestRedis;
  beforeAll(async () => void (redis = await startRedis()));
  afterAll(async () => void (await redis?.stop()));

  it('runs through a queue and a worker to the same summary as in process', async () => {
    const { BullmqExecutor } = await import('../src/studies/executors/bullmq-executor.js');
    const { serveQueue } = await import('../src/studies/executors/bullmq-worker.js');
    const { HANDLERS } = await import('../src/studies/executors/redis.js');
    const { TEST_SECRET } = await import('./helpers/queue-secret.js');
    const c = { ...config, batchSizes: [8, 128], seeds: [0] };
    const queue = `batch-${randomUUID()}`;
    const w = await serveQueue({ redis: redis.url, secret: TEST_SECRET, queue, concurrency: 2, stallSeconds: 5 });
    const exec = new BullmqExecutor({ redis: redis.url, secret: TEST_SECRET, queue, handler: HANDLERS.losslens, pollMs: 100 });
    const run = async (dir: string, executor: InstanceType<typeof BullmqExecutor> | InProcessExecutor) =>
      runStudy({
        folder: await openStudyFolder(dir, { command: 'batch-size', config: c }),
        tasks: batchSizeTasks(c),
        executor,
        rebuild: (recs, folder) => rebuildBatchSize(c, recs as never, folder, { scale: 1 }),
      });
    try {
      const [q, local] = [await run(await tmp(), exec), await run(await tmp(), new InProcessExecutor(DEFAULT_HANDLER))];
      expect(q.executed).toBe(2);
      expect(noWall(q.summary as never)).toBe(noWall(local.summary as never));
    } finally {
      await exec.close();
      await w.stop('release');
    }
  }, 120_000);
});
