/**
 * `interpolate --redis` and a 1-D `slice --redis` through a real loopback Redis and an in-process
 * queue worker, each against the local pipeline: the path (with one end off the α grid and one
 * inserted into it), the 1-D curve (in blocks that do not divide it) and a small CNN's curve equal
 * the local run's to the bit.
 */
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { serveQueue } from '../src/studies/executors/bullmq-worker.js';
import { runStudyPipeline } from '../src/pipelines/run-study.js';
import { runAnalysis } from '../src/pipelines/run-analysis.js';
import { interpolatePipeline, withModelFrom } from '../src/pipelines/interpolate.js';
import { interpolateQueueStudy } from '../src/pipelines/interpolate-queue.js';
import { slicePipeline } from '../src/pipelines/slice.js';
import { sliceQueueStudy } from '../src/pipelines/slice-queue.js';
import { ROOT } from './helpers/run-cli.js';
import { redisAvailable, redisSkipReason, useRedis } from './helpers/redis-server.js';
import { tmpDir } from './helpers/queue-harness.js';
import { shareQueueSecret, TEST_SECRET } from './helpers/queue-secret.js';

const FIX = path.join(ROOT, 'fixtures/spiral-tanh');
shareQueueSecret();

/** Float64 bytes of every number in `v` (arrays and objects, depth first), for bit-for-bit comparison. */
const bits = (v: unknown): Buffer => {
  const out: number[] = [];
  const walk = (x: unknown): void => {
    if (typeof x === 'number') out.push(x);
    else if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') for (const k of Object.keys(x).sort()) if (k !== 'meta') walk((x as Record<string, unknown>)[k]);
  };
  walk(v);
  return Buffer.from(Float64Array.from(out).buffer);
};
const read = async (dir: string) => JSON.parse(await fs.readFile(path.join(dir, 'summary.json'), 'utf8'));
const noMeta = (s: Record<string, any>, key: string) => ({ ...s[key], meta: { ...s[key].meta, elapsedMs: 0 } });

describe.skipIf(!redisAvailable)(`interpolate and 1-D slice on the queue${redisAvailable ? '' : ` (skipped: ${redisSkipReason})`}`, () => {
  const db = useRedis();

  it('the queued path and curve equal the local ones to the bit; the blocks are as asked', async () => {
    const queue = `paths-${randomUUID()}`;
    const root = await tmpDir('slice-queue-paths');
    const server = await serveQueue({ redis: db.redis.url, secret: TEST_SECRET, queue, concurrency: 1, cacheDir: path.join(root, 'cache') });
    const data = { data: path.join(FIX, 'train.csv'), testData: path.join(FIX, 'test.csv'), workers: 1 };
    const q = { redis: db.redis.url, queue }; // the secret from LOSSLENS_QUEUE_SECRET (shareQueueSecret)
    try {
      // α ∈ [0.1, 1.2] on 6 points: 1 is inserted into the grid, 0 lies off it (the first block evaluates it)
      const interp = { ...data, from: FIX, to: path.join(ROOT, 'fixtures/spiral-tanh-seed2'), range: [0.1, 1.2] as [number, number], points: 6 };
      const iq = await interpolateQueueStudy({ ...interp, blockPoints: 3 }, { ...q, out: path.join(root, 'iq') });
      expect(iq.pipeline.tasks.map((t) => t.id)).toEqual(['block-0', 'block-1', 'block-2']); // 7 points in blocks of 3
      const iRun = await runStudyPipeline(iq.pipeline, { ...q, out: iq.out });
      expect(iRun.outcome.executed).toBe(3);
      await runAnalysis(interpolatePipeline, { ...withModelFrom(interp as never), out: path.join(root, 'il') });
      const [ia, ib] = [await read(iq.out), await read(path.join(root, 'il'))];
      expect(ia.interpolation.alphas).toHaveLength(7);
      expect(Buffer.compare(bits(ia.interpolation), bits(ib.interpolation))).toBe(0);
      expect(noMeta(ia, 'interpolation')).toEqual(noMeta(ib, 'interpolation'));
      expect([ia.from, ia.to, ia.batchNorm, ia.objective]).toEqual([ib.from, ib.to, ib.batchNorm, ib.objective]);

      const slice = { ...data, model: FIX, dims: 1 as const, points: 11, seed: 3 };
      const sq = await sliceQueueStudy({ ...slice, blockPoints: 4 }, { ...q, out: path.join(root, 'sq') });
      expect(sq.pipeline.tasks.map((t) => (t.config as { count: number }).count)).toEqual([4, 4, 3]);
      await runStudyPipeline(sq.pipeline, { ...q, out: sq.out });
      await runAnalysis(slicePipeline, { ...slice, out: path.join(root, 'sl') });
      const [sa, sb] = [await read(sq.out), await read(path.join(root, 'sl'))];
      expect(Buffer.compare(bits(sa.slice), bits(sb.slice))).toBe(0);
      expect(noMeta(sa, 'slice')).toEqual(noMeta(sb, 'slice'));
      expect(sa.slice.test.accuracy).toHaveLength(11);

      // a CNN's curve too (on this small fixture the convolutions' form does not change with the native threads; LeNet's does: bench/slice-queue.sh)
      // the IDX pair in a folder of its own: a data folder holding a model.json ships as that model (input-trees.ts)
      const idx = path.join(root, 'cnn-data');
      await fs.mkdir(idx);
      for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']) await fs.copyFile(path.join(ROOT, 'fixtures/cnn', f), path.join(idx, f));
      const cnn = { model: path.join(ROOT, 'fixtures/cnn'), data: idx, workers: 1, dims: 1 as const, points: 3 };
      const cq = await sliceQueueStudy({ ...cnn, blockPoints: 2 }, { ...q, out: path.join(root, 'cq') });
      await runStudyPipeline(cq.pipeline, { ...q, out: cq.out });
      await runAnalysis(slicePipeline, { ...cnn, out: path.join(root, 'cl') });
      const [ca, cb] = [await read(cq.out), await read(path.join(root, 'cl'))];
      expect(Buffer.compare(bits(ca.slice), bits(cb.slice))).toBe(0);
    } finally {
      await server.stop('release');
    }
  }, 240_000);
});
