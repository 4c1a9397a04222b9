/**
 * A queued slice runs on the coordinator's native thread count, whatever its worker's own is. The
 * count picks the native convolutions' form: on 2 threads an im2col conv with at least 4 tiles of
 * images runs tile by tile on our kernel, on 1 thread batch-chunked on OpenBLAS, and the sums come
 * out in another order. fixtures/cnn's second conv (6×6×8 in, 3×3, 16 out: 113 images a tile) in
 * batches of 512 of its 500 images is such a case, so its local curve on 1 and on 2 threads differs
 * in the last bits. A `losslens worker` started on 1 thread serves a coordinator on 2: the queued
 * curve must equal the 2-thread local curve to the bit (it fails where the job's count is not applied).
 */
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { loadNativeAddon } from '../src/kernels/native-addon.js';
import { ROOT, runCli } from './helpers/run-cli.js';
import { redisAvailable, redisSkipReason, useRedis } from './helpers/redis-server.js';
import { spawnCli, tmpDir } from './helpers/queue-harness.js';
import { shareQueueSecret } from './helpers/queue-secret.js';

shareQueueSecret();
const addon = loadNativeAddon().addon;
// without OpenBLAS both forms run our kernel and may agree: nothing to tell apart
const why = !redisAvailable ? redisSkipReason : !addon ? 'the native addon is not built' : !addon.info().openblas ? 'the addon has no OpenBLAS' : '';

/** The curve's train loss and accuracy and its centre's loss, as float64 bytes. */
async function curveBytes(dir: string): Promise<Buffer> {
  const s = JSON.parse(await fs.readFile(path.join(dir, 'summary.json'), 'utf8'));
  expect(s.slice.train.loss).toHaveLength(3);
  return Buffer.from(Float64Array.from([...s.slice.train.loss, ...s.slice.train.accuracy, s.slice.baseLoss]).buffer);
}

describe.skipIf(why !== '')(`a queued slice on the coordinator's native threads${why ? ` (skipped: ${why})` : ''}`, () => {
  const db = useRedis();

  it('a worker on 1 native thread serving a coordinator on 2 gives the 2-thread local curve to the bit, which the 1-thread one is not', async () => {
    const root = await tmpDir('native-threads-queue');
    // the IDX pair in a folder of its own: a data folder holding a model.json ships as that model
    const data = path.join(root, 'cnn-data');
    await fs.mkdir(data);
    for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']) await fs.copyFile(path.join(ROOT, 'fixtures/cnn', f), path.join(data, f));
    const slice = ['slice', '--model', path.join(ROOT, 'fixtures/cnn'), '--data', data, '--points', '3', '--batch-size', '512', '--workers', '1', '--quiet'];
    const on = (n: number) => ({ env: { LOSSLENS_NATIVE_THREADS: String(n) } });
    const [two, one] = [await runCli([...slice, '--out', path.join(root, 'two')], on(2)), await runCli([...slice, '--out', path.join(root, 'one')], on(1))];
    expect([two.code, two.stderr, one.code, one.stderr]).toEqual([0, '', 0, '']);
    // the case must hold: on this machine's kernels 1 and 2 threads differ (else the check below could not fail)
    expect(Buffer.compare(await curveBytes(path.join(root, 'two')), await curveBytes(path.join(root, 'one')))).not.toBe(0);

    const queue = `threads-${randomUUID()}`;
    const worker = spawnCli(['worker', '--redis', db.redis.url, '--queue', queue, '--concurrency', '1', '--cache', path.join(root, 'cache')], {
      ...on(1),
      track: db.track,
    });
    const queued = await runCli([...slice, '--redis', db.redis.url, '--queue', queue, '--block-points', '2', '--out', path.join(root, 'queued')], on(2));
    expect([queued.code, queued.stderr]).toEqual([0, '']);
    expect(Buffer.compare(await curveBytes(path.join(root, 'queued')), await curveBytes(path.join(root, 'two')))).toBe(0);
    worker.child.kill('SIGINT');
    expect(await worker.exited()).toBe(130);
  }, 180_000);
});
