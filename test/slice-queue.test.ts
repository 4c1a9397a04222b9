/**
 * `slice --redis` on a real loopback Redis: the grid split into 'landscape-block' runs, served by
 * `losslens worker` processes (one SIGKILLed mid-run), the coordinator SIGKILLed and re-run, equals
 * the local run's grid to the bit and resumes with exactly the blocks it had persisted; a forged
 * block job (tampered, foreign-signed, or naming a path outside its input trees) is refused.
 */
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { serveQueue, type WorkerEvent } from '../src/studies/executors/bullmq-worker.js';
import { encodeJson, prepareRun } from '../src/studies/executors/run-job.js';
import { signJob } from '../src/studies/executors/job-signature.js';
import { uploadTrees } from '../src/studies/executors/blob-store.js';
import { directionBytes, type LandscapeBlockConfig } from '../src/studies/tasks/landscape-block.js';
import { ROOT, runCli } from './helpers/run-cli.js';
import { redisAvailable, redisSkipReason, useRedis } from './helpers/redis-server.js';
import { spawnCli, tmpDir, until } from './helpers/queue-harness.js';
import { shareQueueSecret, TEST_SECRET } from './helpers/queue-secret.js';

const FIX = path.join(ROOT, 'fixtures/spiral-tanh');
shareQueueSecret();
const tmp = () => tmpDir('slice-queue');
const POINTS = 21;

/** Every grid value of a summary's slice as float64 bytes (train and test loss and accuracy, row by row), and the centre's loss. */
function gridBytes(s: { slice: { baseLoss: number; train: Record<string, number[][]>; test: Record<string, number[][]> } }): Buffer {
  const parts = [s.slice.train.loss, s.slice.train.accuracy, s.slice.test.loss, s.slice.test.accuracy].map((g) => g.flat());
  for (const p of parts) expect(p).toHaveLength(POINTS * POINTS);
  return Buffer.from(Float64Array.from([...parts.flat(), s.slice.baseLoss]).buffer);
}

/** The summary without what says where and how long this invocation ran. */
function comparable(s: Record<string, any>) {
  const { meta: _m, timings: _t, runs: _r, files: _f, ...rest } = s;
  return { ...rest, slice: { ...rest.slice, meta: { ...rest.slice.meta, elapsedMs: 0 } } };
}

describe.skipIf(!redisAvailable)(`slice on the queue${redisAvailable ? '' : ` (skipped: ${redisSkipReason})`}`, () => {
  const db = useRedis();

  it('a 21×21 slice on two workers (one SIGKILLed mid-run), the coordinator SIGKILLed and re-run: the local grid to the bit, finished blocks kept', async () => {
    const queue = `slice-${randomUUID()}`;
    const root = await tmp();
    const common = ['slice', '--model', FIX, '--data', path.join(FIX, 'train.csv'), '--test-data', path.join(FIX, 'test.csv')];
    const grid = [...common, '--dims', '2', '--points', String(POINTS), '--workers', '1', '--quiet'];
    const workers = [0, 1].map((i) =>
      spawnCli(['worker', '--redis', db.redis.url, '--queue', queue, '--concurrency', '1', '--stall-seconds', '2', '--cache', path.join(root, `cache-${i}`)], {
        track: db.track,
      }),
    );
    const queued = [...grid, '--redis', db.redis.url, '--queue', queue, '--block-points', String(POINTS), '--out', path.join(root, 'queued')];
    const first = spawnCli(queued, { track: db.track });
    await until('a worker to start a block', () => /run block-\d+ started/.test(workers[0].log), 110_000, 10);
    workers[0].child.kill('SIGKILL'); // a worker dies mid-run: its block is re-delivered after the stall interval
    const runs = path.join(root, 'queued', 'runs');
    const persisted = async () => (await fs.readdir(runs).catch(() => [] as string[])).filter((n) => /^block-\d+\.json$/.test(n)).sort();
    await until('a block to be persisted', async () => (await persisted()).length > 0, 110_000, 10);
    first.child.kill('SIGKILL'); // and so does the coordinator
    await first.exited();
    const kept = await persisted();
    const local = await runCli([...grid, '--out', path.join(root, 'local')]);
    const q = await runCli(queued); // re-run: resumes, collecting what the workers finished meanwhile
    expect([local.code, local.stderr]).toEqual([0, '']);
    expect([q.code, q.stderr]).toEqual([0, '']);
    const [, executed, resumed] = /runs: (\d+) executed, (\d+) resumed/.exec(q.stdout)!.map(Number);
    expect([executed, resumed]).toEqual([POINTS - kept.length, kept.length]); // every persisted block kept, none redone by this coordinator
    const read = async (d: string) => JSON.parse(await fs.readFile(path.join(root, d, 'summary.json'), 'utf8'));
    const [a, b] = [await read('queued'), await read('local')];
    expect(Buffer.compare(gridBytes(a), gridBytes(b))).toBe(0);
    expect(comparable(a)).toEqual(comparable(b));
    expect(a.runs).toMatchObject({ total: POINTS, finished: POINTS, failed: [] });
    for (const f of ['direction1.f32', 'direction2.f32'])
      expect(await fs.readFile(path.join(root, 'queued', f))).toEqual(await fs.readFile(path.join(root, 'local', f)));
    expect((a.slice.train.loss as number[][]).flat().every(Number.isFinite)).toBe(true);
    workers[1].child.kill('SIGINT');
    expect(await workers[1].exited()).toBe(130);
  }, 240_000);

  it('a forged block job: tampered, foreign-signed, or (signed) naming a file outside its input trees is refused, and the block never runs', async () => {
    const queue = `slice-forged-${randomUUID()}`;
    const root = await tmp();
    const dirs = path.join(root, 'directions.f64');
    await fs.writeFile(dirs, directionBytes([new Float64Array(371).fill(0.01)]));
    const config: LandscapeBlockConfig = {
      problem: { model: FIX, train: { data: path.join(FIX, 'train.csv') }, workers: 1 },
      grid: { dims: 1, range: [-1, 1], points: 5 },
      recomputeBn: false,
      directions: { data: dirs },
      start: 0,
      count: 5,
      base: true,
    };
    const run = await prepareRun({ id: 'block-0', kind: 'landscape-block', config }, 'losslens', false);
    const key = Buffer.from(TEST_SECRET);
    const signed = signJob(key, run.jobId, run.data);
    const outside = { ...run.data, id: 'outside', config: { ...(run.data.config as object), directions: { data: '/etc/passwd' } } };
    const jobs: [string, unknown][] = [
      ['tampered', { ...signed, config: outside.config }],
      ['foreign', signJob(Buffer.from('not-the-queue-secret-at-all'), 'foreign', run.data)],
      ['outside', signJob(key, 'outside', outside)],
    ];
    const events: WorkerEvent[] = [];
    const server = await serveQueue({
      redis: db.redis.url,
      secret: TEST_SECRET,
      queue,
      concurrency: 1,
      cacheDir: path.join(root, 'cache'),
      onEvent: (e) => void events.push(e),
    });
    const q = new Queue(queue, { connection: db.connection() });
    const raw = new Redis(db.redis.url, { maxRetriesPerRequest: null });
    try {
      await uploadTrees(raw, `bull:${queue}`, run.trees); // the inputs are there: only the path can be refused
      await q.addBulk(jobs.map(([id, data]) => ({ name: 'landscape-block', data: encodeJson(data), opts: { jobId: id, attempts: 3 } })));
      await until('every job to fail', async () => (await Promise.all(jobs.map(([id]) => q.getJobState(id)))).every((s) => s === 'failed'));
      const reasons = await Promise.all(jobs.map(async ([id]) => (await Job.fromId(q, id))!.failedReason));
      expect(reasons).toEqual([
        expect.stringMatching(/^job refused: its job signature does not match/),
        expect.stringMatching(/^job refused: its job signature does not match/),
        "job refused: config.data is not one of the job's input trees",
      ]);
      // the signatures are checked before anything; the path once its trees are fetched, before the block runs
      expect(events.filter((e) => e.type === 'started').map((e) => (e as { id: string }).id)).toEqual(['outside']);
      expect(events.filter((e) => e.type === 'finished')).toHaveLength(0);
    } finally {
      await server.stop('release');
      await q.close();
      raw.disconnect();
    }
  });
});
