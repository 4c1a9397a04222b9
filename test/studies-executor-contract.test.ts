/**
 * The RunExecutor contract, run against every executor (in process, local worker pool, BullMQ on
 * a real loopback Redis with an in-process `losslens worker`): same results with attachments,
 * failures as records, resume without repeats, abort.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { LocalPool } from '../src/studies/local-pool.js';
import { InProcessExecutor } from '../src/studies/in-process-executor.js';
import { BullmqExecutor } from '../src/studies/executors/bullmq-executor.js';
import { serveQueue, type QueueServer } from '../src/studies/executors/bullmq-worker.js';
import { SYNTHETIC } from './helpers/synthetic.js';
import { openStudyFolder } from '../src/studies/study-folder.js';
import { runStudy } from '../src/studies/run-study.js';
import type { RunExecutor, RunRecord, RunTask } from '../src/studies/types.js';
import { redisAvailable, redisSkipReason, startRedis, type TestRedis } from './helpers/redis-server.js';
import { TEST_SECRET } from './helpers/queue-secret.js';

const HANDLER = SYNTHETIC;
const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), 'losslens-contract-'));
const busy = (k: number, n = 20000): RunTask[] =>
  Array.from({ length: k }, (_, i) => ({ id: `busy-${String(i).padStart(2, '0')}`, kind: 'busy', config: { n, seed: i + 1 } }));
const rebuild = async (records: RunRecord<{ seed: number; value: number }>[]) => ({
  summary: { values: records.map((r) => [r.id, r.result.value]) },
  figures: [],
});

async function collect(exec: RunExecutor, tasks: RunTask[]) {
  const recs: RunRecord[] = [];
  await exec.run(tasks, { onResult: async (r) => void recs.push(r) });
  return recs.sort((a, b) => a.id.localeCompare(b.id));
}

interface Kind {
  name: string;
  /** Runs each task apart from the test process (a task may kill its thread). */
  isolated: boolean;
  make(): Promise<{ exec: RunExecutor; starts: () => number; done: () => Promise<void> }>;
}

let redis: TestRedis | undefined;
if (!redisAvailable) console.warn(`skipping the BullMQ executor contract: ${redisSkipReason}`);

const kinds: Kind[] = [
  {
    name: 'in-process',
    isolated: false,
    make: async () => {
      const exec = new InProcessExecutor(HANDLER);
      return { exec, starts: () => NaN, done: () => exec.close() };
    },
  },
  {
    name: 'local pool',
    isolated: true,
    make: async () => {
      const exec = new LocalPool({ workers: 2, handler: HANDLER });
      return { exec, starts: () => NaN, done: () => exec.close() };
    },
  },
  ...(redisAvailable
    ? [
        {
          name: 'BullMQ',
          isolated: true,
          make: async () => {
            const queue = `contract-${randomUUID()}`;
            let starts = 0;
            const worker: QueueServer = await serveQueue({
              redis: redis!.url,
              secret: TEST_SECRET,
              queue,
              concurrency: 2,
              stallSeconds: 5,
              onEvent: (e) => void (e.type === 'started' && starts++),
            });
            const exec = new BullmqExecutor({ redis: redis!.url, secret: TEST_SECRET, queue, handler: HANDLER, attempts: 2, backoffMs: 50, pollMs: 50 });
            return {
              exec,
              starts: () => starts,
              done: async () => {
                await exec.close();
                await worker.stop('release');
              },
            };
          },
        },
      ]
    : []),
];

beforeAll(async () => {
  if (redisAvailable) redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describe.each(kinds)('RunExecutor contract: $name', (kind) => {
  it('returns the in-process results, attachments as Float32Array', async () => {
    const { exec, done } = await kind.make();
    try {
      const a = await collect(exec, busy(5));
      const b = await collect(new InProcessExecutor(HANDLER), busy(5));
      expect(a.map((r) => r.result)).toEqual(b.map((r) => r.result));
      expect(a.map((r) => [r.id, r.kind, r.config])).toEqual(b.map((r) => [r.id, r.kind, r.config]));
      expect((a[0].result as { attachments: { theta: Float32Array } }).attachments.theta).toBeInstanceOf(Float32Array);
    } finally {
      await done();
    }
  });

  it('a throwing task (and, isolated, a dying one) becomes a failure record; the rest finish', async () => {
    const { exec, done } = await kind.make();
    try {
      const odd: RunTask[] = [
        { id: 'fail', kind: 'fail', config: { message: 'boom' } },
        ...(kind.isolated ? [{ id: 'crash', kind: 'crash', config: {} }] : []),
      ];
      const recs = await collect(exec, [...busy(3), ...odd, ...busy(5).slice(3)]);
      expect(recs).toHaveLength(5 + odd.length);
      expect(recs.find((r) => r.id === 'fail')!.error!.message).toBe('boom');
      if (kind.isolated) expect(recs.find((r) => r.id === 'crash')!.error!.message).toMatch(/exited/);
      expect(
        recs
          .filter((r) => r.error)
          .map((r) => r.id)
          .sort(),
      ).toEqual(odd.map((t) => t.id).sort());
      expect(recs.filter((r) => !r.error).every((r) => r.result !== null)).toBe(true);
    } finally {
      await done();
    }
  });

  it('an interrupted study resumes without repeating runs and ends with the same summary', async () => {
    const [d1, d2] = [await tmp(), await tmp()];
    const tasks = busy(6);
    const open = (d: string) => openStudyFolder(d, { command: 't', config: { k: 6 } });
    const straight = await runStudy({ folder: await open(d1), tasks, executor: new InProcessExecutor(HANDLER), rebuild });
    const { exec, starts, done } = await kind.make();
    try {
      const ctl = new AbortController();
      let n = 0;
      await expect(
        runStudy({ folder: await open(d2), tasks, executor: exec, signal: ctl.signal, rebuild, onRecord: () => void (++n === 2 && ctl.abort()) }),
      ).rejects.toMatchObject({ code: 'INTERRUPTED' });
      const resumed = await runStudy({ folder: await open(d2), tasks, executor: exec, rebuild });
      expect(resumed.resumed).toBe(2);
      expect(resumed.executed).toBe(4);
      expect(await fs.readFile(path.join(d2, 'summary.json'), 'utf8')).toBe(await fs.readFile(path.join(d1, 'summary.json'), 'utf8'));
      expect((await (await open(d2)).readAttachment('busy-03', 'theta'))[0]).toBe(4);
      const again = await runStudy({ folder: await open(d2), tasks, executor: exec, rebuild });
      expect(again.executed).toBe(0);
      expect(again.summary).toEqual(straight.summary);
      // on the queue nothing ran twice: runs finished while the coordinator was away are collected
      if (!Number.isNaN(starts())) expect(starts()).toBe(6);
    } finally {
      await done();
    }
  });

  it('an abort rejects with INTERRUPTED and delivers nothing after it', async () => {
    const { exec, done } = await kind.make();
    const ctl = new AbortController();
    const got: string[] = [];
    try {
      await expect(
        exec.run(busy(10, 3e6), {
          signal: ctl.signal,
          onResult: async (r) => {
            got.push(r.id);
            if (got.length === 3) ctl.abort();
          },
        }),
      ).rejects.toMatchObject({ code: 'INTERRUPTED' });
      await new Promise((r) => setTimeout(r, 200));
      expect(got).toHaveLength(3);
    } finally {
      await done();
    }
  });
});
