/**
 * `saddles` and `saddle-dynamics` on a real loopback Redis: each study's tasks served by `losslens
 * worker` processes give the local run's summary.json byte for byte (apart from meta, which says
 * where and how long the session ran); for `saddles` one of two workers is SIGKILLed while its start
 * runs, and that start is re-delivered to the other worker and finished there.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './helpers/run-cli.js';
import { redisAvailable, redisSkipReason, useRedis } from './helpers/redis-server.js';
import { spawnCli, tmpDir, until } from './helpers/queue-harness.js';
import { shareQueueSecret } from './helpers/queue-secret.js';

const FIX = path.join(ROOT, 'fixtures/spiral-tanh');
shareQueueSecret(); // the spawned workers and coordinators sign and check jobs with it

/** summary.json without its meta block, as the exact text the CLI wrote for the rest. */
async function summaryBytes(dir: string): Promise<{ rest: string; meta: Record<string, unknown> }> {
  const s = JSON.parse(await fs.readFile(path.join(dir, 'summary.json'), 'utf8'));
  const { meta, ...rest } = s;
  return { rest: JSON.stringify(rest, null, 2), meta };
}

const starts = (log: string, kind: RegExp) => log.match(kind) ?? [];

describe.skipIf(!redisAvailable)(`saddle studies on a real Redis${redisAvailable ? '' : ` (skipped: ${redisSkipReason})`}`, () => {
  const db = useRedis();

  it('saddles: 2 starts through the queue equal the local run; a worker SIGKILLed mid-start has that start retried on the other', async () => {
    const root = await tmpDir('saddles-bullmq');
    const queue = `saddles-${randomUUID()}`;
    const args = ['saddles', '--model', FIX, '--data', path.join(FIX, 'train.csv'), '--samples', '40', '--backend', 'cpu'];
    const fast = [...args, '--starts', '2', '--trajectory-points', '0', '--taus', '1e-3', '--max-hvps', '200', '--quiet'];
    const worker = (i: number) =>
      spawnCli(['worker', '--redis', db.redis.url, '--queue', queue, '--concurrency', '1', '--stall-seconds', '2', '--cache', path.join(root, `cache-${i}`)], {
        track: db.track,
      });
    const first = worker(0);
    const queued = runCli([...fast, '--redis', db.redis.url, '--queue', queue, '--attempts', '2', '--out', path.join(root, 'queued')], { timeoutMs: 170_000 });
    await until('a worker to start a run', () => /run start\d\S* started/.test(first.log), 150_000, 20).catch((e) => {
      throw new Error(`${e.message}; worker: ${first.log}`);
    });
    const victim = /run (start\d\S*) started/.exec(first.log)![1];
    first.child.kill('SIGKILL'); // dies with its start in hand: the lock lapses after 1 s and the job is re-delivered
    const second = worker(1);
    const local = await runCli([...fast, '--workers', '1', '--out', path.join(root, 'local')], { timeoutMs: 170_000 });
    const q = await queued;
    expect(q.code, q.stderr).toBe(0);
    expect(local.code, local.stderr).toBe(0);
    expect(starts(first.log, /run start\d\S* started/g)).toHaveLength(1);
    expect(starts(second.log, /run start\d\S* started/g).sort()).toEqual(['start0-seed0-sgd0', 'start1-seed1-sgd0'].map((id) => `run ${id} started`));
    expect(second.log).toContain(`run ${victim} started`);
    const [a, b] = [await summaryBytes(path.join(root, 'queued')), await summaryBytes(path.join(root, 'local'))];
    expect(a.meta).toMatchObject({ command: 'saddles', executor: `queue ${queue}` });
    expect(a.rest).toBe(b.rest);
    second.child.kill('SIGINT');
    expect(await second.exited()).toBe(130);
  }, 180_000);

  it('saddle-dynamics: 2 methods through the queue equal the local run', async () => {
    const root = await tmpDir('saddle-dynamics-bullmq');
    const queue = `sd-${randomUUID()}`;
    const w = spawnCli(['worker', '--redis', db.redis.url, '--queue', queue, '--concurrency', '2', '--cache', path.join(root, 'cache')], { track: db.track });
    const args = ['saddle-dynamics', '-m', FIX, '--data', path.join(FIX, 'train.csv'), '--samples', '32', '--backend', 'cpu'];
    const fast = [
      ...args,
      '--methods',
      'gd,sfn',
      '--steps',
      '4',
      '--index-every',
      '2',
      '--krylov-dim',
      '4',
      '--saddle-method',
      'dense',
      '--taus',
      '1e-3',
      '--quiet',
    ];
    const [q, local] = await Promise.all([
      runCli([...fast, '--redis', db.redis.url, '--queue', queue, '--out', path.join(root, 'queued')], { timeoutMs: 170_000 }),
      runCli([...fast, '--workers', '1', '--out', path.join(root, 'local')], { timeoutMs: 170_000 }),
    ]);
    expect(q.code, q.stderr).toBe(0);
    expect(local.code, local.stderr).toBe(0);
    expect(starts(w.log, /run (gd|sfn) started/g).sort()).toEqual(['run gd started', 'run sfn started']);
    const [a, b] = [await summaryBytes(path.join(root, 'queued')), await summaryBytes(path.join(root, 'local'))];
    expect(a.meta).toMatchObject({ command: 'saddle-dynamics', executor: `queue ${queue}` });
    expect(a.rest).toBe(b.rest);
    w.child.kill('SIGINT');
    expect(await w.exited()).toBe(130);
  }, 180_000);
});
