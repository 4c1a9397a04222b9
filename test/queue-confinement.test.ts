/**
 * A queue worker trusts nothing in a job: jobs written straight into a real loopback Redis with
 * BullMQ, as an attacker who can reach Redis would (unsigned, the worker on loopback without a
 * secret, so these checks are shown to hold on their own). Each is refused with one line, nothing
 * is written outside the worker's cache, and no file content reaches Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue, Job } from 'bullmq';
import { Redis } from 'ioredis';
import { serveQueue, type QueueServer, type WorkerEvent } from '../src/studies/executors/bullmq-worker.js';
import { encodeJson, type RunJobData, type WireFile } from '../src/studies/executors/run-job.js';
import { VERSION } from '../src/version.js';
import { TASK_KINDS } from '../src/studies/tasks/index.js';
import { ROOT, runCli } from './helpers/run-cli.js';
import { redisAvailable, redisSkipReason, useRedis } from './helpers/redis-server.js';
import { tmpDir } from './helpers/queue-harness.js';

const FIX = path.join(ROOT, 'fixtures/spiral-tanh');
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const treeKey = (files: WireFile[]) => sha(files.map((f) => `${f.rel}\0${f.sha256}\n`).join(''));
const tmp = () => tmpDir('confine');
const PASSWD = 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n';

/** A train-and-measure config as a seeds study builds it; paths as given. */
const trainConfig = (model: string, data: string, epochs = 1) => ({
  model,
  data: { data },
  backend: 'cpu',
  width: null,
  evalBatchSize: 64,
  sharpness: null,
  snapshots: 0,
  run: { seed: 0, epochs, batchSize: 32, optimizer: { name: 'sgd', lr: 0.01 } },
});

/** Every file under `dir` (relative paths). */
async function listAll(dir: string): Promise<string[]> {
  const ents = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return ents
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)))
    .sort();
}

describe.skipIf(!redisAvailable)(`queue jobs are confined${redisAvailable ? '' : ` (skipped: ${redisSkipReason})`}`, () => {
  const db = useRedis();
  let raw: Redis;
  beforeAll(() => void (raw = new Redis(db.redis.url, { maxRetriesPerRequest: null })));
  afterAll(async () => void (await raw?.quit()));

  interface Setup {
    queue: string;
    root: string;
    cache: string;
    events: WorkerEvent[];
    server: QueueServer;
    q: Queue;
  }
  const setup = async (extra: { sharedFs?: string; cacheMaxBytes?: number } = {}): Promise<Setup> => {
    const queue = `confine-${randomUUID()}`;
    const root = await tmp();
    const cache = path.join(root, 'cache');
    const events: WorkerEvent[] = [];
    const server = await serveQueue({
      redis: db.redis.url,
      queue,
      concurrency: 1,
      insecureNoSecret: true,
      cacheDir: cache,
      ...extra,
      onEvent: (e) => void events.push(e),
    });
    return { queue, root, cache, events, server, q: new Queue(queue, { connection: raw }) };
  };
  const done = async (s: Setup) => {
    await s.server.stop('release');
    await s.q.close();
  };

  /** Add a job as an attacker would, wait until it failed; its failure reason in Redis. */
  const plant = async (s: Setup, data: Partial<RunJobData> & Record<string, unknown>): Promise<string> => {
    const jobId = `run-${randomUUID()}`;
    await s.q.add('x', encodeJson({ id: 'evil', handler: 'losslens', kind: 'train-and-measure', version: VERSION, ...data }), { jobId, attempts: 3 });
    for (let t = 0; t < 600; t++) {
      const state = await s.q.getJobState(jobId);
      if (state === 'failed') return (await Job.fromId(s.q, jobId))!.failedReason;
      if (state === 'completed') throw new Error('the job ran');
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the job was never failed');
  };
  const upload = async (s: Setup, bytes: Uint8Array) => {
    const d = sha(bytes);
    await raw.set(`bull:${s.queue}:blob:${d}`, Buffer.from(bytes));
    return d;
  };

  it('a traversal tree key and a traversal file name: refused, nothing written outside the cache', async () => {
    const s = await setup();
    try {
      const blob = new TextEncoder().encode('{"planted": true}');
      const digest = await upload(s, blob);
      const good: WireFile[] = [{ rel: 'x.json', sha256: digest, bytes: blob.length }];
      const r1 = await plant(s, { config: { model: `tree:${'0'.repeat(64)}/x.json` }, trees: { '../x': good } });
      expect(r1).toMatch(/^job refused: tree key "\.\.\/x" is not a sha256 digest$/);
      const evil: WireFile[] = [{ rel: '../../x', sha256: digest, bytes: blob.length }];
      const r2 = await plant(s, { config: { model: `tree:${treeKey(evil)}/../../x` }, trees: { [treeKey(evil)]: evil } });
      expect(r2).toMatch(/^job refused: file name "\.\.\/\.\.\/x" is not a plain relative path inside its tree$/);
      const lying = [{ rel: 'model.json', sha256: digest, bytes: blob.length }];
      const r3 = await plant(s, { config: { model: `tree:${'a'.repeat(64)}/model.json` }, trees: { ['a'.repeat(64)]: lying } });
      expect(r3).toMatch(/is not the hash of its file list/);
      expect(await listAll(s.root)).toEqual([]); // not even the cache was made
      await expect(fs.stat(path.join(os.tmpdir(), 'x'))).rejects.toThrow();
      expect(s.events.filter((e) => e.type === 'refused')).toHaveLength(3);
      expect(s.events.filter((e) => e.type === 'started')).toHaveLength(0);
    } finally {
      await done(s);
    }
  });

  it('a job naming /etc/passwd: refused without --shared-fs, and outside the --shared-fs root (even through a link)', async () => {
    const a = await setup();
    const shared = await tmp();
    await fs.symlink('/etc/passwd', path.join(shared, 'model.json'));
    const b = await setup({ sharedFs: shared });
    try {
      const r1 = await plant(a, { config: trainConfig('/etc/passwd', path.join(FIX, 'train.csv')) });
      expect(r1).toMatch(/^job refused: it ships no input trees and this worker reads no local paths \(start it with --shared-fs ROOT/);
      const r2 = await plant(b, { config: trainConfig('/etc/passwd', path.join(shared, 'x.csv')) });
      const r3 = await plant(b, { config: trainConfig(path.join(shared, 'model.json'), path.join(shared, 'x.csv')) });
      const r4 = await plant(b, { config: trainConfig(`${shared}/../../etc/passwd`, path.join(shared, 'x.csv')) });
      for (const r of [r2, r3, r4]) expect(r).toBe("job refused: config.model is not a readable path under this worker's --shared-fs root");
      const r5 = await plant(b, { config: trainConfig(path.join(FIX, 'model.json'), path.join(FIX, 'train.csv')), trees: {} });
      expect(r5).toBe("job refused: config.model is not one of the job's input trees"); // trees given: no local path at all
      for (const r of [r1, r2, r3, r4, r5]) expect(r).not.toMatch(/root:x|daemon/);
    } finally {
      await done(a);
      await done(b);
    }
  });

  it('under --shared-fs, a failure reason in Redis quotes no file content (a passwd-like model.json, a CSV cell)', async () => {
    const shared = await tmp();
    await fs.writeFile(path.join(shared, 'model.json'), PASSWD);
    await fs.cp(FIX, path.join(shared, 'net'), { recursive: true });
    const csv = (await fs.readFile(path.join(FIX, 'train.csv'), 'utf8')).split('\n');
    const cells = csv[1].split(',');
    cells[0] = 'S3CR3T-cell';
    await fs.writeFile(path.join(shared, 'leak.csv'), [csv[0], cells.join(','), ...csv.slice(2)].join('\n'));
    const s = await setup({ sharedFs: shared });
    try {
      const r1 = await plant(s, { config: trainConfig(path.join(shared, 'model.json'), path.join(FIX, 'train.csv').replace(FIX, path.join(shared, 'net'))) });
      expect(r1).toMatch(/model\.json: malformed JSON/);
      expect(r1).not.toMatch(/root|daemon|bash/);
      const r2 = await plant(s, { config: trainConfig(path.join(shared, 'net'), path.join(shared, 'leak.csv')) });
      expect(r2).toMatch(/leak\.csv: line 2/);
      expect(r2).not.toMatch(/S3CR3T/);
      const log = s.events
        .filter((e) => e.type === 'failed')
        .map((e) => (e as { message: string }).message)
        .join('\n');
      expect(log).toMatch(/S3CR3T/); // the worker's own log keeps the full message
    } finally {
      await done(s);
    }
  }, 60_000);

  it("options beyond the CLI's table (epochs 1e9), unknown and prototype handler and kind names: refused before anything runs", async () => {
    const s = await setup();
    try {
      const cfg = trainConfig('x', 'y', 1e9);
      expect(await plant(s, { config: cfg, trees: {} })).toBe('job refused: option epochs: must be an integer ≥ 1 and ≤ 1000000, got 1000000000');
      expect(await plant(s, { config: { ...cfg, run: { ...cfg.run, epochs: 1, batchSize: 0.5 } }, trees: {} })).toMatch(
        /^job refused: option batchSize: must be an integer ≥ 1/,
      );
      expect(await plant(s, { config: { ...cfg, evalBatchSize: { $num: 'Infinity' } }, trees: {} })).toMatch(
        /^job refused: option evalBatchSize: must be a finite number/,
      );
      for (const handler of ['__proto__', 'constructor', 'toString', 'synthetic']) {
        expect(await plant(s, { handler, config: {} })).toMatch(
          new RegExp(`^job refused: unknown task handler "${handler}" \\(this worker knows losslens, double-descent;`),
        );
      }
      expect(s.events.filter((e) => e.type === 'started')).toHaveLength(0);
      const kind = await plant(s, { kind: 'constructor', config: {}, trees: {} });
      expect(kind).toBe(`unknown task kind "…"; known: ${TASK_KINDS.join(', ')}`); // from the run thread: quoted text is not kept in Redis
      expect(s.events.filter((e) => e.type === 'started')).toHaveLength(1); // bad input: failed at once, not retried
      expect(await listAll(s.root)).toEqual([]);
    } finally {
      await done(s);
    }
  });

  it('a quota-busting job (one blob listed many times), a duplicate name, a blob larger than declared: refused, nothing written', async () => {
    const s = await setup({ cacheMaxBytes: 4 * 2 ** 20 });
    try {
      const blob = new Uint8Array(2 ** 20).fill(7);
      const digest = await upload(s, blob);
      const many: WireFile[] = Array.from({ length: 8 }, (_, i) => ({ rel: `copy${i}.bin`, sha256: digest, bytes: blob.length }));
      const r1 = await plant(s, { config: { model: `tree:${treeKey(many)}/copy0.bin` }, trees: { [treeKey(many)]: many } });
      expect(r1).toBe("job refused: its inputs declare 8388608 bytes; this worker's cache holds at most 4194304 (--cache-max-bytes)");
      const dup: WireFile[] = [
        { rel: 'a.bin', sha256: digest, bytes: blob.length },
        { rel: 'a.bin', sha256: digest, bytes: blob.length },
      ];
      expect(await plant(s, { config: { model: `tree:${treeKey(dup)}/a.bin` }, trees: { [treeKey(dup)]: dup } })).toMatch(/lists a\.bin twice/);
      const small: WireFile[] = [{ rel: 'a.bin', sha256: digest, bytes: 10 }];
      expect(await plant(s, { config: { model: `tree:${treeKey(small)}/a.bin` }, trees: { [treeKey(small)]: small } })).toBe(
        'input a.bin in Redis holds 1048576 bytes, not the 10 its job declares',
      );
      expect((await listAll(s.root)).filter((f) => !f.startsWith('cache/.'))).toEqual([]);
    } finally {
      await done(s);
    }
  });

  it('losslens worker: --cache-max-bytes out of range and a --shared-fs that is no folder are one line naming the option, exit 2', async () => {
    const base = ['worker', '--redis', db.redis.url, '--insecure-no-secret', '--queue', `cli-${randomUUID()}`];
    const cases: [string[], RegExp][] = [
      [[...base, '--cache-max-bytes', '5'], /^losslens: option --cache-max-bytes: must be an integer ≥ 1048576 and ≤ \d+, got 5$/],
      [[...base, '--cache-max-bytes', '1e300'], /^losslens: option --cache-max-bytes: must be an integer/],
      [[...base, '--shared-fs', '/nonexistent/losslens'], /^losslens: option --shared-fs: \/nonexistent\/losslens is not a folder$/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args, { timeoutMs: 30_000 })));
    results.forEach((r, i) => expect([r.code, r.stderr.trim()], cases[i][0].join(' ')).toEqual([2, expect.stringMatching(cases[i][1])]));
  });
});
