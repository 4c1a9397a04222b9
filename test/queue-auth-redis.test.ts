/**
 * The signed queue on a real loopback Redis (docs/security.md). Attackers here hold Redis access
 * but not the secret: they add jobs with BullMQ's own Queue API and run a rogue BullMQ Worker.
 * Then a worker and a coordinator over rediss:// with credentials from files and the environment.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Queue, Worker, Job } from 'bullmq';
import { Redis } from 'ioredis';
import { signJob } from '../src/studies/executors/job-signature.js';
import { BullmqExecutor } from '../src/studies/executors/bullmq-executor.js';
import { HANDLERS } from '../src/studies/executors/redis.js';
import { encodeJson, prepareRun, type RunJobData, type RunJobReturn } from '../src/studies/executors/run-job.js';
import { seedsTasks } from '../src/studies/seeds-study.js';
import type { RunRecord } from '../src/studies/types.js';
import { VERSION } from '../src/version.js';
import { ROOT, runCli } from './helpers/run-cli.js';
import { redisAvailable, redisSkipReason, useRedis } from './helpers/redis-server.js';
import { NO_SECRET, oneLine, seedsArgs, spawnCli, tmpDir, until } from './helpers/queue-harness.js';
import { TEST_SECRET } from './helpers/queue-secret.js';
import { startTlsRedis, tlsSupported } from './helpers/tls-redis.js';

const FIX = path.join(ROOT, 'fixtures/spiral-tanh');
const KEY = Buffer.from(TEST_SECRET);
const tmp = () => tmpDir('auth');
const job: RunJobData = { id: 'r1', handler: 'losslens', kind: 'train', config: { seed: 1 }, version: VERSION };
const ret: RunJobReturn = { plain: true, result: { loss: 0.25 }, attachments: {}, elapsedMs: 12, worker: 'w:1' };

/** What an attacker with Redis access but not the secret enqueues: [job id, job data]. */
async function attackerJobs(root: string): Promise<[string, unknown][]> {
  const src = path.join(root, 'inputs');
  await fs.cp(FIX, src, { recursive: true });
  const base = {
    model: src,
    data: { data: path.join(src, 'train.csv') },
    backend: 'cpu',
    run: { epochs: 1, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } },
    sharpness: null,
    snapshots: 0,
  };
  const run = await prepareRun(seedsTasks({ base: base as never, seeds: [0], widths: [null], barrierPoints: 5 })[0], 'losslens', false);
  const signed = signJob(KEY, run.jobId, run.data);
  const files = Object.values(run.data.trees!)[0];
  return [
    ['passwd', { ...job, id: 'passwd', config: { model: '/etc/passwd', data: { data: '/etc/passwd' } } }], // unsigned
    [run.jobId, { ...signed, trees: { ...signed.trees, ['../planted']: files } }], // a signed job with a tree added
    ['reads-passwd', { ...signed, config: { ...(signed.config as object), model: '/etc/passwd' } }], // a signed job's path changed
    ['foreign', signJob(Buffer.from('not-the-queue-secret-at-all'), 'foreign', run.data)], // signed with another secret
  ];
}

describe.skipIf(!redisAvailable)(`signed queue on a real Redis${redisAvailable ? '' : ` (skipped: ${redisSkipReason})`}`, () => {
  const db = useRedis();
  const connection = db.connection;

  /** Every string value under the queue's keys (job data, failure reasons, return values). */
  async function queueText(queue: string): Promise<string> {
    const r = new Redis(db.redis.port, '127.0.0.1');
    let text = '';
    for (const k of await r.keys(`bull:${queue}:*`)) {
      const type = await r.type(k);
      if (type === 'hash') text += Object.values(await r.hgetall(k)).join('\n');
      else if (type === 'string') text += await r.get(k);
    }
    r.disconnect();
    return text;
  }

  it('unsigned, tampered and foreign-signed jobs: the CLI worker logs one line each, fails them without reading a file, and writes nothing', async () => {
    const queue = `auth-${randomUUID()}`;
    const root = await tmp();
    const cache = path.join(root, 'cache');
    const w = spawnCli(['worker', '--redis', db.redis.url, '--queue', queue, '--concurrency', '1', '--cache', cache], {
      env: { LOSSLENS_QUEUE_SECRET: TEST_SECRET },
      track: db.track,
    });
    await until('the worker to start', () => /serving queue/.test(w.log));
    const jobs = await attackerJobs(root);
    const q = new Queue(queue, { connection: connection() });
    await q.addBulk(jobs.map(([id, data]) => ({ name: 'train', data: encodeJson(data), opts: { jobId: id, attempts: 3 } })));
    await until('every job to fail', async () => (await Promise.all(jobs.map(([id]) => q.getJobState(id)))).every((s) => s === 'failed'));
    const reasons = await Promise.all(jobs.map(async ([id]) => (await Job.fromId(q, id))!));
    expect(reasons.map((j) => [j.failedReason, j.attemptsMade])).toEqual([
      [expect.stringMatching(/^job refused: its job is not signed/), 1],
      [expect.stringMatching(/^job refused: its job signature does not match/), 1],
      [expect.stringMatching(/^job refused: its job signature does not match/), 1],
      [expect.stringMatching(/^job refused: its job signature does not match/), 1],
    ]);
    await q.close();
    expect(w.log.match(/^losslens worker: job \S+ refused: .*$/gm)).toHaveLength(4);
    expect(w.log).not.toMatch(/started/);
    expect(await queueText(queue)).not.toMatch(/root:|daemon:/);
    expect(await fs.readdir(cache).catch(() => [])).toEqual([]);
    await expect(fs.stat(path.join(root, 'planted'))).rejects.toThrow();
    w.child.kill('SIGINT');
    expect(await w.exited()).toBe(130);
  });

  it("a rogue worker's forged result is refused by the coordinator: the run is redone once, then recorded as failed with the reason", async () => {
    const queue = `forged-${randomUUID()}`;
    let served = 0;
    const forged: RunJobReturn & { sig: string } = { ...ret, result: { loss: 0.001 }, sig: 'ab'.repeat(32) };
    const rogue = new Worker(
      queue,
      async () => {
        served++;
        return encodeJson(forged);
      },
      { connection: connection() },
    );
    const exec = new BullmqExecutor({ redis: db.redis.url, secret: TEST_SECRET, queue, handler: HANDLERS.losslens, attempts: 1, pollMs: 50 });
    const recs: RunRecord[] = [];
    try {
      await exec.run([{ id: 'victim', kind: 'train', config: { seed: 7 } }], { onResult: async (r) => void recs.push(r) });
    } finally {
      await exec.close();
      await rogue.close();
    }
    expect(served).toBe(2);
    expect(recs).toHaveLength(1);
    expect(recs[0].result).toBeNull();
    expect(recs[0].error!.message).toBe(
      'result of run victim refused, twice: its result signature does not match (altered in Redis, or signed with another secret)',
    );
  });
});

describe.skipIf(!redisAvailable || !tlsSupported)('rediss:// on loopback (TLS redis-server with a password, a throw-away CA)', () => {
  it('a CLI worker and coordinator run a study over TLS with credentials from files; without the CA: one line, exit 2', async () => {
    const tls = await startTlsRedis();
    const root = await tmp();
    const urlFile = path.join(root, 'redis-url');
    const secretFile = path.join(root, 'secret');
    await fs.writeFile(urlFile, `rediss://:${tls.password}@127.0.0.1:${tls.port}\n`, { mode: 0o600 });
    await fs.writeFile(secretFile, `${TEST_SECRET}\n`, { mode: 0o600 });
    const queue = `tls-${randomUUID()}`;
    const worker = ['worker', '--redis-url-file', urlFile, '--redis-ca-file', tls.ca, '--secret-file', secretFile, '--queue', queue, '--concurrency', '1'];
    const w = spawnCli([...worker, '--cache', path.join(root, 'cache')], { env: NO_SECRET });
    try {
      const noCa = await runCli(['worker', '--redis-url-file', urlFile, '--secret-file', secretFile], { env: NO_SECRET });
      expect([noCa.code, oneLine(noCa.stderr), noCa.stderr.includes(tls.password)]).toEqual([2, true, false]);
      expect(noCa.stderr).toMatch(
        /^losslens: option --redis: cannot reach Redis at rediss:\/\/127\.0\.0\.1:\d+ \(TLS: .*; give the server's CA with --redis-ca-file or NODE_EXTRA_CA_CERTS\)/,
      );
      const out = path.join(root, 'study');
      // the coordinator takes the URL from REDIS_URL (bare --redis) and trusts the CA through NODE_EXTRA_CA_CERTS
      const r = await runCli(
        seedsArgs(FIX, 1, 1, [
          '--lanczos-iter',
          '3',
          '--trace-probes',
          '1',
          '--directions',
          '1',
          '--quiet',
          '--redis',
          '--secret-file',
          secretFile,
          '--queue',
          queue,
          '--out',
          out,
        ]),
        { env: { ...NO_SECRET, REDIS_URL: `rediss://:${tls.password}@127.0.0.1:${tls.port}`, NODE_EXTRA_CA_CERTS: tls.ca } },
      );
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(w.log).toMatch(/run ckpt-seed0 finished/);
      expect(JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8')).meta).toMatchObject({ executor: `queue ${queue}` });
    } finally {
      w.child.kill('SIGKILL');
      await tls.stop();
    }
  });
});
