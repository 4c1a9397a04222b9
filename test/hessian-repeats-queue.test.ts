/**
 * `hessian --repeats 3 --redis` on a real loopback Redis: one 'checkpoint-analysis' job per
 * subset, served by a `losslens worker`, assembled into the same error bars as the local run.
 * Without --repeats the queue is refused in one line naming --redis.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './helpers/run-cli.js';
import { redisAvailable, redisSkipReason, useRedis } from './helpers/redis-server.js';
import { spawnCli, tmpDir } from './helpers/queue-harness.js';
import { shareQueueSecret } from './helpers/queue-secret.js';
import { hessianPipeline } from '../src/pipelines/hessian.js';

const FIX = path.join(ROOT, 'fixtures/spiral-tanh');
shareQueueSecret();

describe.skipIf(!redisAvailable)(`hessian --repeats on a real Redis${redisAvailable ? '' : ` (skipped: ${redisSkipReason})`}`, () => {
  const db = useRedis();

  it('three subsets queued give the local repeats; --redis without --repeats is refused', async () => {
    const root = await tmpDir('hessian-repeats-queue');
    const queue = `repeats-${randomUUID()}`;
    const worker = spawnCli(['worker', '--redis', db.redis.url, '--queue', queue, '--concurrency', '2', '--cache', path.join(root, 'cache')], {
      track: db.track,
    });
    const common = [
      'hessian',
      '--model',
      FIX,
      '--data',
      path.join(FIX, 'train.csv'),
      '--backend',
      'cpu',
      '--workers',
      '1',
      '--samples',
      '80',
      '--repeats',
      '3',
    ];
    const fast = ['--top', '2', '--bottom', '1', '--max-iter', '20', '--probes', '6', '--no-density', '--saddle-method', 'lanczos', '--json', '--quiet'];
    const [q, local] = await Promise.all([
      runCli([...common, ...fast, '--redis', db.redis.url, '--queue', queue, '--out', path.join(root, 'queued')]),
      runCli([...common, ...fast, '--out', path.join(root, 'local')]),
    ]);
    expect(q.code, q.stderr).toBe(0);
    expect(local.code, local.stderr).toBe(0);
    const read = async (d: string) => JSON.parse(await fs.readFile(path.join(root, d, 'summary.json'), 'utf8'));
    const [a, b] = [await read('queued'), await read('local')];
    expect(a.repeats.repeats).toBe(3);
    expect(a.repeats.lambdaMax.values).toHaveLength(3);
    expect(a.repeats).toEqual(b.repeats);
    expect((worker.log.match(/run repeat\d started/g) ?? []).sort()).toEqual(['run repeat0 started', 'run repeat1 started', 'run repeat2 started']);
    expect(() => hessianPipeline.check!({ model: FIX, data: path.join(FIX, 'train.csv'), redis: db.redis.url })).toThrow(
      /^option redis: the queue takes the repeats subsets: give repeats too$/,
    );
    worker.child.kill('SIGINT');
    expect(await worker.exited()).toBe(130);
  }, 120_000);
});
