/**
 * The job envelope's native thread count across a real loopback Redis: the coordinator's count
 * (given, or the calling thread's) reaches the queue worker's run thread before the handler runs,
 * whatever the task's kind, and a job whose count is out of range is refused naming the field.
 */
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { BullmqExecutor } from '../src/studies/executors/bullmq-executor.js';
import { serveQueue, type WorkerEvent } from '../src/studies/executors/bullmq-worker.js';
import { registerHandler } from '../src/studies/executors/redis.js';
import { encodeJson, prepareRun } from '../src/studies/executors/run-job.js';
import { signJob } from '../src/studies/executors/job-signature.js';
import { queueKey } from '../src/studies/executors/queue-key.js';
import { loadNativeAddon } from '../src/kernels/native-addon.js';
import type { RunRecord } from '../src/studies/types.js';
import { redisAvailable, redisSkipReason, useRedis } from './helpers/redis-server.js';
import { until } from './helpers/queue-harness.js';
import { TEST_SECRET } from './helpers/queue-secret.js';

const PROBE = registerHandler('threads-probe', new URL('./helpers/threads-probe-handler.ts', import.meta.url));
const addon = loadNativeAddon().addon;
if (!redisAvailable) console.warn(`skipping the queue envelope test: ${redisSkipReason}`);

describe.skipIf(!redisAvailable || !addon)('the native thread count on the queue', () => {
  const db = useRedis();

  it("reaches the worker's run thread (given, and by default the coordinator's), for any kind", async () => {
    const queue = `envelope-${randomUUID()}`;
    const w = await serveQueue({ redis: db.redis.url, secret: TEST_SECRET, queue, concurrency: 1 });
    const own = addon!.info().threads;
    addon!.setThreads(6); // a count the worker's run thread does not have by default (its own is 1)
    try {
      for (const [given, want] of [[3, 3] as const, [undefined, 6] as const]) {
        const exec = new BullmqExecutor({ redis: db.redis.url, secret: TEST_SECRET, queue, handler: PROBE, pollMs: 50, nativeThreads: given });
        const recs: RunRecord<{ threads: number }>[] = [];
        try {
          await exec.run([{ id: `k-${want}`, kind: `any-kind-${want}`, config: {} }], { onResult: async (r) => void recs.push(r as never) });
        } finally {
          await exec.close();
        }
        expect(recs.map((r) => [r.error, r.result?.threads])).toEqual([[undefined, want]]);
      }
    } finally {
      addon!.setThreads(own);
      await w.stop('finish');
    }
  });

  it('refuses a signed job whose count is out of range, naming nativeThreads', async () => {
    const queue = `envelope-${randomUUID()}`;
    const events: WorkerEvent[] = [];
    const w = await serveQueue({ redis: db.redis.url, secret: TEST_SECRET, queue, concurrency: 1, onEvent: (e) => void events.push(e) });
    const q = new Queue(queue, { connection: { host: '127.0.0.1', port: db.redis.port } });
    try {
      const { jobId, data } = await prepareRun({ id: 'bad', kind: 'probe', config: {} }, 'threads-probe', true);
      const key = queueKey(TEST_SECRET, false, db.redis.url);
      await q.add('probe', encodeJson(signJob(key, jobId, { ...data, nativeThreads: 4096 })), { jobId });
      await until('the refusal', () => events.some((e) => e.type === 'refused'));
      expect(events.find((e) => e.type === 'refused')).toMatchObject({
        reason: expect.stringMatching(/nativeThreads must be an integer in \[1, 1024\], got 4096/),
      });
    } finally {
      await q.close();
      await w.stop('finish');
    }
  });
});
