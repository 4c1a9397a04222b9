/**
 * The job envelope's native thread count: every executor stamps the coordinator's count on each job
 * (whatever its kind), the worker thread applies it before the handler runs, the queue signs it with
 * the rest of the job, addresses the run by it and refuses a count outside [1, 1024] naming the field.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { LocalPool } from '../src/studies/local-pool.js';
import { applyNativeThreads, coordinatorNativeThreads, nativeThreadsProblem } from '../src/studies/native-thread-count.js';
import { prepareRun, encodeJson, type RunJobData } from '../src/studies/executors/run-job.js';
import { openJob, RefusedError, signJob } from '../src/studies/executors/job-signature.js';
import { checkJobData } from '../src/studies/executors/job-checks.js';
import { loadNativeAddon } from '../src/kernels/native-addon.js';
import { VERSION } from '../src/version.js';
import type { RunRecord } from '../src/studies/types.js';

const PROBE = new URL('./helpers/threads-probe-handler.ts', import.meta.url);
const addon = loadNativeAddon().addon;
const LIMITS = { maxFiles: 10, maxBytes: 2 ** 20 };
const task = { id: 'x1', kind: 'train-and-measure', config: { epochs: 1 } };

describe('nativeThreadsProblem', () => {
  it('accepts integers in [1, 1024] and names the range for anything else', () => {
    for (const ok of [1, 2, 1024]) expect(nativeThreadsProblem(ok)).toBeUndefined();
    for (const bad of [0, -1, 1.5, 1025, Number.NaN, Infinity, '4', null, {}])
      expect(nativeThreadsProblem(bad)).toMatch(/^must be an integer in \[1, 1024\], got /);
  });

  it('applyNativeThreads refuses a bad count as bad input naming nativeThreads, and leaves the count for undefined', async () => {
    await expect(applyNativeThreads(0)).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/nativeThreads must be an integer/) });
    const before = addon?.info().threads;
    await applyNativeThreads(undefined);
    expect(addon?.info().threads).toBe(before);
  });
});

describe('the queue envelope', () => {
  it('carries the count and makes it part of the run address (another count is another job; none keeps the old address)', async () => {
    const [a, b, none] = await Promise.all([prepareRun(task, 'default', true, 2), prepareRun(task, 'default', true, 3), prepareRun(task, 'default', true)]);
    expect(a.data.nativeThreads).toBe(2);
    expect(none.data).not.toHaveProperty('nativeThreads');
    expect(new Set([a.jobId, b.jobId, none.jobId]).size).toBe(3);
    expect((await prepareRun(task, 'default', true, 2)).jobId).toBe(a.jobId);
  });

  it('signs the count: a job whose nativeThreads was altered in Redis is refused before anything of it is used', async () => {
    const key = Buffer.from('envelope-test-secret-0123456789abcdef');
    const { jobId, data } = await prepareRun(task, 'default', true, 2);
    const raw = encodeJson(signJob(key, jobId, data));
    expect(openJob(key, jobId, raw).nativeThreads).toBe(2);
    const forged = raw.replace('"nativeThreads":2', '"nativeThreads":8');
    expect(forged).not.toBe(raw);
    expect(() => openJob(key, jobId, forged)).toThrow(RefusedError);
    expect(() => openJob(key, jobId, forged)).toThrow(/signature does not match/);
  });

  it('checkJobData refuses a count outside [1, 1024] naming nativeThreads, and accepts one inside', () => {
    const job = (nativeThreads: unknown): RunJobData =>
      ({ id: 'x1', handler: 'losslens', kind: 'train-and-measure', config: {}, version: VERSION, nativeThreads }) as RunJobData;
    expect(checkJobData(job(4), LIMITS)).toBeInstanceOf(URL);
    expect(checkJobData(job(undefined), LIMITS)).toBeInstanceOf(URL);
    for (const bad of [0, 1025, 2.5, '4', null])
      expect(() => checkJobData(job(bad), LIMITS)).toThrow(/^job refused: its nativeThreads must be an integer in \[1, 1024\], got /);
  });
});

describe('LocalPool', () => {
  const pools: LocalPool[] = [];
  afterAll(() => Promise.all(pools.map((p) => p.close())));
  const threadsSeen = async (pool: LocalPool) => {
    pools.push(pool);
    const recs: RunRecord<{ threads: number | null }>[] = [];
    await pool.run(
      ['a', 'b'].map((id) => ({ id, kind: 'probe', config: {} })),
      { onResult: async (r) => void recs.push(r as RunRecord<{ threads: number | null }>) },
    );
    expect(recs.map((r) => r.error)).toEqual([undefined, undefined]);
    return recs.map((r) => r.result.threads);
  };

  it('refuses a bad count naming the option', () => {
    expect(() => new LocalPool({ workers: 1, handler: PROBE, nativeThreads: 0 })).toThrow(/option nativeThreads: must be an integer in \[1, 1024\], got 0/);
  });

  it.skipIf(!addon)("runs every task on the count given, and by default on the calling thread's (a worker thread's own is 1)", async () => {
    expect(await threadsSeen(new LocalPool({ workers: 1, handler: PROBE, nativeThreads: 3 }))).toEqual([3, 3]);
    const own = coordinatorNativeThreads()!;
    addon!.setThreads(5); // a coordinator count no worker thread has by default (their own is 1)
    try {
      expect(await threadsSeen(new LocalPool({ workers: 1, handler: PROBE }))).toEqual([5, 5]);
    } finally {
      addon!.setThreads(own);
    }
  });
});
