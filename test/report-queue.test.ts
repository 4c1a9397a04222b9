/**
 * `report --redis` on a real loopback Redis: the report's 1-D and 2-D slices as 'landscape-block'
 * jobs served by one `losslens worker` process, every other part local. The quick preset analyses
 * a seeded 256-row subset of the fixture's 300 rows (train and test), so the blocks must load that
 * same subset: the queued report's slice values equal the local report's to the bit, a re-run
 * resumes every block from `<out>.slices`, and a forged report block job (its subset or its
 * directions file changed) is refused before it runs.
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
import type { LandscapeBlockConfig } from '../src/studies/tasks/landscape-block.js';
import { ROOT, runCli } from './helpers/run-cli.js';
import { redisAvailable, redisSkipReason, useRedis } from './helpers/redis-server.js';
import { spawnCli, tmpDir, until } from './helpers/queue-harness.js';
import { shareQueueSecret, TEST_SECRET } from './helpers/queue-secret.js';

const FIX = path.join(ROOT, 'fixtures/spiral-tanh');
shareQueueSecret();

/** Every value of the two slices (train and test loss and accuracy, the centre's loss) as float64 bytes. */
function sliceBytes(s: { slice1d: Record<string, any>; slice2d: Record<string, any> }): Buffer {
  const values = [s.slice1d, s.slice2d].flatMap((x) => [
    ...[x.train.loss, x.train.accuracy, x.test.loss, x.test.accuracy].map((g: number[] | number[][]) => g.flat()).flat(),
    x.baseLoss,
  ]);
  return Buffer.from(Float64Array.from(values).buffer);
}

const noMeta = (x: Record<string, any>) => ({ ...x, meta: { ...x.meta, elapsedMs: 0 } });

describe.skipIf(!redisAvailable)(`report on the queue${redisAvailable ? '' : ` (skipped: ${redisSkipReason})`}`, () => {
  const db = useRedis();

  it("a quick report's slices on one worker process equal the local report's to the bit; a re-run resumes every block", async () => {
    const queue = `report-${randomUUID()}`;
    const root = await tmpDir('report-queue');
    const base = ['report', '--model', FIX, '--data', path.join(FIX, 'train.csv'), '--test-data', path.join(FIX, 'test.csv'), '--quick', '--quiet'];
    const worker = spawnCli(['worker', '--redis', db.redis.url, '--queue', queue, '--concurrency', '1', '--cache', path.join(root, 'cache')], {
      track: db.track,
    });
    const queued = [...base, '--redis', db.redis.url, '--queue', queue, '--out', path.join(root, 'queued')];
    const [q, local] = [await runCli(queued), await runCli([...base, '--out', path.join(root, 'local')])];
    expect([q.code, q.stderr]).toEqual([0, '']);
    expect([local.code, local.stderr]).toEqual([0, '']);
    const read = async (d: string) => JSON.parse(await fs.readFile(path.join(root, d, 'summary.json'), 'utf8'));
    const [a, b] = [await read('queued'), await read('local')];
    expect(a.data.train).toEqual({ ...b.data.train, analysisSamples: 256 }); // the subset path: 256 of 300 rows
    expect(a.slice1d.train.loss).toHaveLength(21);
    expect(a.slice2d.train.loss.flat()).toHaveLength(121);
    expect(Buffer.compare(sliceBytes(a), sliceBytes(b))).toBe(0);
    expect([noMeta(a.slice1d), noMeta(a.slice2d)]).toEqual([noMeta(b.slice1d), noMeta(b.slice2d)]);
    expect([a.directions, a.eval, a.hessian.eigenvalues]).toEqual([b.directions, b.eval, b.hessian.eigenvalues]); // the local parts, unchanged
    for (const f of ['direction1.f32', 'direction2.f32'])
      expect(await fs.readFile(path.join(root, 'queued', f))).toEqual(await fs.readFile(path.join(root, 'local', f)));
    const runs = await fs.readdir(path.join(root, 'queued.slices', 'runs'));
    expect(runs.filter((n) => /^slice1d-block-\d+\.json$/.test(n))).toHaveLength(7); // 21 points, 3 a block (an eighth, rounded up)
    expect(runs.filter((n) => /^slice2d-block-\d+\.json$/.test(n))).toHaveLength(11); // one row a block

    // the blocks stay beside the report: replacing it runs none again
    const again = await runCli([...queued.filter((x) => x !== '--quiet'), '--force']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/report slices: 18 blocks in .*queued\.slices \(0 run now, 18 kept from before\)/);
    expect(Buffer.compare(sliceBytes(await read('queued')), sliceBytes(b))).toBe(0);
    worker.child.kill('SIGINT');
    expect(await worker.exited()).toBe(130);
  }, 240_000);

  it('a forged report block job (its analysis subset changed, or its directions outside its input trees) is refused and never runs', async () => {
    const queue = `report-forged-${randomUUID()}`;
    const root = await tmpDir('report-queue');
    const dirs = path.join(root, 'direction-1d.f64');
    await fs.writeFile(dirs, Buffer.alloc(371 * 8));
    const train = { data: path.join(FIX, 'train.csv'), labelColumn: 'label', samples: 256, seed: 5 }; // the quick preset's subset
    const config: LandscapeBlockConfig = {
      problem: { model: FIX, train, workers: 1 },
      grid: { dims: 1, range: [-1, 1], points: 21 },
      recomputeBn: false,
      directions: { data: dirs },
      start: 0,
      count: 3,
      base: true,
    };
    const run = await prepareRun({ id: 'slice1d-block-0', kind: 'landscape-block', config }, 'losslens', false);
    const key = Buffer.from(TEST_SECRET);
    const signed = signJob(key, run.jobId, run.data);
    const conf = run.data.config as LandscapeBlockConfig;
    const subset = { ...conf, problem: { ...conf.problem, train: { ...conf.problem.train, samples: 300 } } };
    const outside = { ...run.data, id: 'outside', config: { ...conf, directions: { data: '/etc/passwd' } } };
    const jobs: [string, unknown][] = [
      ['subset', { ...signed, config: subset }],
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
      await uploadTrees(raw, `bull:${queue}`, run.trees);
      await q.addBulk(jobs.map(([id, data]) => ({ name: 'landscape-block', data: encodeJson(data), opts: { jobId: id, attempts: 3 } })));
      await until('every job to fail', async () => (await Promise.all(jobs.map(([id]) => q.getJobState(id)))).every((s) => s === 'failed'));
      const reasons = await Promise.all(jobs.map(async ([id]) => (await Job.fromId(q, id))!.failedReason));
      expect(reasons).toEqual([
        expect.stringMatching(/^job refused: its job signature does not match/),
        "job refused: config.data is not one of the job's input trees",
      ]);
      expect(events.filter((e) => e.type === 'finished')).toHaveLength(0);
    } finally {
      await server.stop('release');
      await q.close();
      raw.disconnect();
    }
  });
});
