/**
 * The BullMQ executor's own guarantees on a real loopback Redis (fresh queue per test; locks of
 * 1-2 s as in taskforcesh/bullmq's stalled-jobs tests): content-addressed runs, no duplicate work
 * across coordinators, retries with backoff then a failure record, a SIGKILLed worker's run
 * re-delivered, inputs shipped through Redis, an unreachable Redis as one line and exit 2, and
 * the CLI end to end (two `losslens worker` processes, one killed mid-run; the coordinator killed and re-run).
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { BullmqExecutor } from '../src/studies/executors/bullmq-executor.js';
import { serveQueue, type WorkerEvent } from '../src/studies/executors/bullmq-worker.js';
import { HANDLERS } from '../src/studies/executors/redis.js';
import { decodeJson, encodeJson, prepareRun } from '../src/studies/executors/run-job.js';
import { InProcessExecutor } from '../src/studies/in-process-executor.js';
import { openStudyFolder } from '../src/studies/study-folder.js';
import { runStudy } from '../src/studies/run-study.js';
import { seedsTasks, type SeedsStudyConfig } from '../src/studies/seeds-study.js';
import type { RunRecord, RunTask } from '../src/studies/types.js';
import { ROOT, runCli } from './helpers/run-cli.js';
import { redisAvailable, redisSkipReason, useRedis } from './helpers/redis-server.js';
import { seedsArgs, spawnCli, tmpDir, until } from './helpers/queue-harness.js';
import { shareQueueSecret, TEST_SECRET } from './helpers/queue-secret.js';
import { SYNTHETIC } from './helpers/synthetic.js';

const SYN = SYNTHETIC;
const FIX = path.join(ROOT, 'fixtures/spiral-tanh');
shareQueueSecret(); // the `losslens` workers and coordinators spawned below sign and check with it
const tmp = () => tmpDir('bullmq');
const busy = (k: number, n = 20000): RunTask[] => Array.from({ length: k }, (_, i) => ({ id: `busy-${i}`, kind: 'busy', config: { n, seed: i + 1 } }));
const seedsConfig = (dir: string, seeds: number): SeedsStudyConfig => ({
  base: {
    model: dir,
    data: { data: path.join(dir, 'train.csv') },
    testData: { data: path.join(dir, 'test.csv') },
    backend: 'cpu',
    evalBatchSize: 512,
    run: { epochs: 1, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 } },
    sharpness: null,
    snapshots: 0,
  },
  seeds: Array.from({ length: seeds }, (_, i) => i),
  widths: [null],
  barrierPoints: 5,
});

async function collect(exec: BullmqExecutor, tasks: RunTask[]) {
  const recs: RunRecord[] = [];
  await exec.run(tasks, { onResult: async (r) => void recs.push(r) });
  return recs.sort((a, b) => a.id.localeCompare(b.id));
}

describe('content addresses', () => {
  it('a run id hashes the input bytes, not their path; one edited byte gives another id', async () => {
    const [a, b] = [await tmp(), await tmp()];
    await fs.cp(FIX, a, { recursive: true });
    await fs.cp(FIX, b, { recursive: true });
    const id = async (d: string) => (await prepareRun(seedsTasks(seedsConfig(d, 1))[0], 'losslens', false)).jobId;
    expect(await id(a)).toBe(await id(b));
    expect(await id(a)).toMatch(/^run-[0-9a-f]{64}$/);
    const csv = path.join(b, 'train.csv');
    const text = await fs.readFile(csv, 'utf8');
    await fs.writeFile(
      csv,
      text.replace(/\d(?=\s*$)/m, (d) => String((Number(d) + 1) % 10)),
    );
    expect(await id(b)).not.toBe(await id(a));
    const run = await prepareRun(seedsTasks(seedsConfig(a, 1))[0], 'losslens', false);
    expect(JSON.stringify(run.data.config)).not.toContain(a); // workers get tree references, not our paths
    expect(
      Object.values(run.data.trees!)
        .flat()
        .map((f) => f.rel)
        .sort(),
    ).toEqual(expect.arrayContaining(['model.json', 'weights.bin', 'train.csv']));
  });

  it('with --shared-fs the task keeps its paths and ships no files, under the same content address', async () => {
    const task = seedsTasks(seedsConfig(FIX, 1))[0];
    const [shipped, shared] = [await prepareRun(task, 'losslens', false), await prepareRun(task, 'losslens', true)];
    expect(shared.data.config).toEqual(task.config);
    expect(shared.data.trees).toBeUndefined();
    expect(shared.jobId).toBe(shipped.jobId);
  });

  it('NaN and ±Infinity survive the trip through the queue', () => {
    expect(decodeJson(encodeJson({ loss: NaN, hi: Infinity, lo: -Infinity, ok: [1, null] }))).toEqual({
      loss: NaN,
      hi: Infinity,
      lo: -Infinity,
      ok: [1, null],
    });
  });
});

describe.skipIf(!redisAvailable)(`BullMQ executor on a real Redis${redisAvailable ? '' : ` (skipped: ${redisSkipReason})`}`, () => {
  const db = useRedis();

  const worker = async (queue: string, events: WorkerEvent[], extra: { stallSeconds?: number; cacheDir?: string } = {}) =>
    serveQueue({
      redis: db.redis.url,
      secret: TEST_SECRET,
      queue,
      concurrency: 2,
      stallSeconds: extra.stallSeconds ?? 5,
      cacheDir: extra.cacheDir,
      onEvent: (e) => void events.push(e),
    });

  it('two coordinators submitting the same study share its jobs: every run executes once', async () => {
    const queue = `dup-${randomUUID()}`;
    const ev: WorkerEvent[] = [];
    const w = await worker(queue, ev);
    const [x, y] = [0, 1].map(() => new BullmqExecutor({ redis: db.redis.url, secret: TEST_SECRET, queue, handler: SYN, pollMs: 50 }));
    try {
      const [a, b] = await Promise.all([collect(x, busy(6, 2e5)), collect(y, busy(6, 2e5))]);
      expect(a.map((r) => r.result)).toEqual(b.map((r) => r.result));
      expect(ev.filter((e) => e.type === 'started')).toHaveLength(6);
      const again = await collect(x, busy(6, 2e5)); // re-submitted: collected, not re-run
      expect(again.map((r) => r.result)).toEqual(a.map((r) => r.result));
      expect(ev.filter((e) => e.type === 'started')).toHaveLength(6);
      const twins = await collect(x, [
        { id: 'twin-a', kind: 'busy', config: { n: 1000, seed: 99 } },
        { id: 'twin-b', kind: 'busy', config: { n: 1000, seed: 99 } },
      ]);
      expect(twins.map((r) => r.id)).toEqual(['twin-a', 'twin-b']); // one job, a record for each task
      expect(twins[0].result).toEqual(twins[1].result);
      expect(ev.filter((e) => e.type === 'started')).toHaveLength(7);
    } finally {
      await x.close();
      await y.close();
      await w.stop('release');
    }
  });

  it('a throwing run is retried with backoff up to --attempts, then recorded as failed and retried on resume; bad input fails at once', async () => {
    const queue = `retry-${randomUUID()}`;
    const ev: (WorkerEvent & { at: number })[] = [];
    const w = await serveQueue({ redis: db.redis.url, secret: TEST_SECRET, queue, concurrency: 2, onEvent: (e) => void ev.push({ ...e, at: Date.now() }) });
    const exec = new BullmqExecutor({ redis: db.redis.url, secret: TEST_SECRET, queue, handler: SYN, attempts: 3, backoffMs: 200, pollMs: 50 });
    const d = await tmp();
    const tasks: RunTask[] = [
      ...busy(1),
      { id: 'flaky', kind: 'fail', config: { message: 'boom' } },
      { id: 'bad', kind: 'fail', config: { message: 'x.csv: bad row', code: 'BAD_INPUT' } },
    ];
    const rebuild = async () => ({ summary: {}, figures: [] });
    try {
      const r = await runStudy({ folder: await openStudyFolder(d, { command: 't', config: {} }), tasks, executor: exec, rebuild });
      expect(r.failures.map((f) => [f.id, f.error!.message])).toEqual([
        ['bad', 'x.csv: bad row'],
        ['flaky', 'boom'],
      ]);
      const flaky = ev.filter((e) => e.type === 'started' && e.id === 'flaky');
      expect(flaky.map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2, 3]);
      expect(flaky[1].at - flaky[0].at).toBeGreaterThanOrEqual(190); // exponential: 200 ms, then 400 ms
      expect(flaky[2].at - flaky[1].at).toBeGreaterThanOrEqual(390);
      expect(ev.filter((e) => e.type === 'started' && e.id === 'bad')).toHaveLength(1);
      const again = await runStudy({ folder: await openStudyFolder(d, { command: 't', config: {} }), tasks, executor: exec, rebuild });
      expect(again.executed).toBe(2);
      expect(ev.filter((e) => e.type === 'started' && e.id === 'flaky')).toHaveLength(6);
    } finally {
      await exec.close();
      await w.stop('release');
    }
  });

  it('a worker SIGKILLed mid-run: its run is re-delivered after the stall interval and completes on another', async () => {
    const queue = `stall-${randomUUID()}`;
    const exec = new BullmqExecutor({ redis: db.redis.url, secret: TEST_SECRET, queue, handler: SYN, pollMs: 50 });
    const tasks = busy(2, 3e7);
    const running = collect(exec, tasks);
    const child = db.track(
      spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/helpers/synthetic-worker.ts'), db.redis.url, queue, '1'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      }),
    ); // a shipped worker does not serve the test handler
    let log = '';
    child.stderr!.on('data', (b) => (log += b));
    await until('a run to start', () => /run busy-\d started/.test(log), 110_000, 20);
    const victim = /run (busy-\d) started/.exec(log)![1];
    child.kill('SIGKILL');
    const ev: WorkerEvent[] = [];
    const killedAt = Date.now();
    const w = await worker(queue, ev, { stallSeconds: 1 });
    try {
      const recs = await running;
      expect(recs.map((r) => r.error)).toEqual([undefined, undefined]);
      expect(ev.filter((e) => e.type === 'started').map((e) => (e as { id: string }).id)).toContain(victim);
      const ref = await collect(new InProcessExecutor(SYN) as unknown as BullmqExecutor, tasks);
      expect(recs.map((r) => r.result)).toEqual(ref.map((r) => r.result));
      expect(Date.now() - killedAt).toBeLessThan(30_000);
    } finally {
      await exec.close();
      await w.stop('release');
    }
  });

  it('a stopping worker finishes the run in hand, or releases it to the queue at once', async () => {
    const queue = `stop-${randomUUID()}`;
    const exec = new BullmqExecutor({ redis: db.redis.url, secret: TEST_SECRET, queue, handler: SYN, pollMs: 50 });
    const running = collect(exec, busy(2, 2e7));
    const [evA, evB, evC]: WorkerEvent[][] = [[], [], []];
    const started = (ev: WorkerEvent[]) => until('a run to start', () => ev.some((e) => e.type === 'started'), 110_000, 10);
    const a = await serveQueue({ redis: db.redis.url, secret: TEST_SECRET, queue, concurrency: 1, onEvent: (e) => void evA.push(e) });
    await started(evA);
    await a.stop('finish');
    expect(evA.map((e) => e.type)).toEqual(['ready', 'started', 'finished']);
    const b = await serveQueue({ redis: db.redis.url, secret: TEST_SECRET, queue, concurrency: 1, onEvent: (e) => void evB.push(e) });
    await started(evB);
    const releasedAt = Date.now();
    await b.stop('release');
    expect(evB.map((e) => e.type)).toEqual(['ready', 'started', 'released']);
    const c = await serveQueue({ redis: db.redis.url, secret: TEST_SECRET, queue, concurrency: 1, stallSeconds: 30, onEvent: (e) => void evC.push(e) });
    try {
      const recs = await running;
      expect(recs.map((r) => r.error)).toEqual([undefined, undefined]);
      expect(evC.filter((e) => e.type === 'finished')).toHaveLength(1);
      expect(Date.now() - releasedAt).toBeLessThan(20_000); // taken at once, not after a 30 s stall
    } finally {
      await exec.close();
      await c.stop('release');
    }
  });

  it("workers need no access to the coordinator's files: checkpoint and data come through Redis, uploaded once", async () => {
    const queue = `ship-${randomUUID()}`;
    const src = await tmp();
    await fs.cp(FIX, src, { recursive: true });
    const tasks = seedsTasks(seedsConfig(src, 2));
    const reference = await collect(new InProcessExecutor(HANDLERS.losslens) as unknown as BullmqExecutor, tasks);
    let uploaded = -1;
    const exec = new BullmqExecutor({
      redis: db.redis.url,
      secret: TEST_SECRET,
      queue,
      handler: HANDLERS.losslens,
      pollMs: 100,
      onSubmitted: (s) => void (uploaded = s.uploadedBytes),
    });
    const running = collect(exec, tasks);
    while (uploaded < 0) await new Promise((r) => setTimeout(r, 20));
    await fs.rm(src, { recursive: true }); // gone before any worker starts
    const cacheDir = await tmp();
    const ev: WorkerEvent[] = [];
    const w = await worker(queue, ev, { cacheDir });
    try {
      const recs = await running;
      expect(recs.map((r) => r.error)).toEqual([undefined, undefined]);
      type Out = { result: { thetaHash: string; train: { loss: number } }; attachments: { theta: Float32Array } };
      expect(recs.map((r) => (r.result as Out).result)).toEqual(reference.map((r) => (r.result as Out).result));
      expect(Buffer.from((recs[1].result as Out).attachments.theta.buffer)).toEqual(Buffer.from((reference[1].result as Out).attachments.theta.buffer));
      expect(uploaded).toBeGreaterThan(1000);
      expect((await fs.readdir(cacheDir)).filter((n) => !n.startsWith('.'))).toHaveLength(3); // model, train, test trees
      expect(recs.map((r) => r.config)).toEqual(tasks.map((t) => t.config)); // records keep the coordinator's paths
    } finally {
      await exec.close();
      await w.stop('release');
    }
  });

  it('Redis unreachable: one line naming --redis, exit 2, no study folder', async () => {
    const out = path.join(await tmp(), 'study');
    const dead = 'redis://127.0.0.1:1';
    const r = await runCli(seedsArgs(FIX, 2, 1, ['--redis', dead, '--out', out]));
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/option --redis: cannot reach Redis at redis:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/);
    await expect(fs.stat(out)).rejects.toThrow();
    const w = await runCli(['worker', '--redis', dead]);
    expect([w.code, w.stderr.trim().split('\n').length]).toEqual([2, 1]);
    const bad = await runCli(['worker', '--redis', 'http://x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--redis: expected redis:\/\/host:port/);
  });

  it('out-of-range queue options: one line naming the option, exit 2, no study folder', async () => {
    const out = path.join(await tmp(), 'study');
    const seeds = seedsArgs(FIX, 2, 1, ['--redis', db.redis.url, '--out', out]);
    const cases: [string[], RegExp][] = [
      [[...seeds, '--attempts', '0'], /^losslens: option --attempts: must be an integer ≥ 1 and ≤ 100, got 0$/],
      [['worker', '--redis', db.redis.url, '--queue', 'a:b'], /^losslens: option --queue: /],
      [[...seeds, '--workers', '2'], /^losslens: option --workers: .*--concurrency/],
      [['worker', '--redis', db.redis.url, '--concurrency', '0'], /^losslens: option --concurrency: must be an integer ≥ 1 and ≤ 256/],
      [['worker', '--redis', db.redis.url, '--stall-seconds', '0.5'], /^losslens: option --stall-seconds: must be a number ≥ 1 and ≤ 3600/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args)));
    results.forEach((r, i) => expect([r.code, r.stderr.trim()], cases[i][0].join(' ')).toEqual([2, expect.stringMatching(cases[i][1])]));
    await expect(fs.stat(out)).rejects.toThrow();
  });

  it("end to end: two `losslens worker` processes, one SIGKILLed mid-run, the coordinator SIGKILLed and re-run; summary.json equals the local run's", async () => {
    const queue = `e2e-${randomUUID()}`;
    const root = await tmp();
    const common = seedsArgs(FIX, 4, 12, [
      '--test-data',
      path.join(FIX, 'test.csv'),
      '--lanczos-iter',
      '4',
      '--trace-probes',
      '2',
      '--directions',
      '2',
      '--quiet',
    ]);
    const workers = [0, 1].map((i) =>
      spawnCli(['worker', '--redis', db.redis.url, '--queue', queue, '--concurrency', '1', '--stall-seconds', '2', '--cache', path.join(root, `cache-${i}`)], {
        track: db.track,
      }),
    );
    const queued = [...common, '--redis', db.redis.url, '--queue', queue, '--attempts', '2', '--out', path.join(root, 'queued')];
    const first = spawnCli(queued, { track: db.track });
    await until('a worker to start a run', () => /started/.test(workers[0].log), 110_000, 20); // the test's own timeout is 120 s
    workers[0].child.kill('SIGKILL'); // a worker dies mid-run
    const runs = path.join(root, 'queued', 'runs');
    const persisted = async () => (await fs.readdir(runs).catch(() => [] as string[])).filter((n) => /^ckpt-seed\d\.json$/.test(n));
    while ((await persisted()).length === 0) await new Promise((r) => setTimeout(r, 50));
    first.child.kill('SIGKILL'); // and so does the coordinator
    const local = await runCli([...common, '--workers', '1', '--out', path.join(root, 'local')]);
    const q = await runCli(queued); // re-run: resumes, collecting what the workers finished meanwhile
    expect(q.stderr).toBe('');
    expect(q.code).toBe(0);
    expect(local.code).toBe(0);
    const [, executed, resumed] = /runs: (\d+) executed, (\d+) resumed/.exec(q.stdout)!.map(Number);
    expect(executed + resumed).toBe(4);
    expect(resumed).toBeGreaterThanOrEqual(1);
    const starts = (log: string) => (log.match(/run ckpt-seed\d started/g) ?? []).length;
    expect(starts(workers[0].log)).toBe(1);
    expect(starts(workers[1].log)).toBe(4); // the killed worker's run again, the other three once each
    const read = async (d: string) => JSON.parse(await fs.readFile(path.join(root, d, 'summary.json'), 'utf8'));
    const [a, b] = [await read('queued'), await read('local')];
    expect(a.widths[0].runs).toEqual(b.widths[0].runs);
    // equal apart from meta, which says where and how long this session ran
    expect(a.meta).toMatchObject({ command: 'seeds', executor: `queue ${queue}` });
    expect({ ...a, meta: undefined }).toEqual({ ...b, meta: undefined });
    workers[1].child.kill('SIGINT'); // idle: stops at once
    expect(await workers[1].exited()).toBe(130);
  });
});
