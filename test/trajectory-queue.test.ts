/**
 * `losslens trajectory --redis` on a real loopback Redis: five checkpoints served by two
 * `losslens worker` processes, one SIGKILLed mid-run (its run re-delivered after the stall
 * interval); the summary equals the local run's, meta aside.
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
shareQueueSecret();

describe.skipIf(!redisAvailable)(`trajectory on a real Redis${redisAvailable ? '' : ` (skipped: ${redisSkipReason})`}`, () => {
  const db = useRedis();

  it("five checkpoints, two workers, one SIGKILLed mid-run: summary.json equals the local run's", async () => {
    const root = await tmpDir('trajectory-queue');
    const run = path.join(root, 'run');
    const epochs = ['epoch-0', 'epoch-5', 'epoch-10', 'epoch-20', 'epoch-40'];
    for (const [i, e] of epochs.entries()) await fs.cp(path.join(FIX, 'trajectory', e), path.join(run, 'checkpoints', `step-${10 * i}`), { recursive: true });
    const queue = `trajectory-${randomUUID()}`;
    const common = ['trajectory', '--checkpoints', run, '--data', path.join(FIX, 'train.csv'), '--backend', 'cpu', '--max-iter', '12', '--probes', '4'];
    const workers = [0, 1].map((i) =>
      spawnCli(['worker', '--redis', db.redis.url, '--queue', queue, '--concurrency', '1', '--stall-seconds', '2', '--cache', path.join(root, `cache-${i}`)], {
        track: db.track,
      }),
    );
    const queued = runCli([...common, '--points', '5', '--redis', db.redis.url, '--queue', queue, '--out', path.join(root, 'queued'), '--quiet']);
    await until('a worker to start a run', () => /started/.test(workers[0].log), 60_000, 20);
    workers[0].child.kill('SIGKILL');
    const local = await runCli([...common, '--points', '5', '--workers', '1', '--out', path.join(root, 'local'), '--quiet']);
    const q = await queued;
    expect(q.code, q.stderr).toBe(0);
    expect(local.code, local.stderr).toBe(0);
    expect(q.stdout).toMatch(/runs: 5 executed, 0 resumed/);
    const starts = (log: string) => (log.match(/run step\d+ started/g) ?? []).length;
    expect(starts(workers[0].log)).toBe(1);
    expect(starts(workers[1].log)).toBe(5); // the killed worker's run again, and the other four
    const read = async (d: string) => JSON.parse(await fs.readFile(path.join(root, d, 'summary.json'), 'utf8'));
    const [a, b] = [await read('queued'), await read('local')];
    expect(a.rows).toHaveLength(5);
    expect(a.meta).toMatchObject({ command: 'trajectory', executor: `queue ${queue}` });
    expect({ ...a, meta: undefined }).toEqual({ ...b, meta: undefined });
    workers[1].child.kill('SIGINT');
    expect(await workers[1].exited()).toBe(130);
  }, 120_000);
});
