/**
 * Serve a study queue: a BullMQ worker taking up to `concurrency` runs at once, each executed in
 * its own worker thread (see thread-slots.ts). For each job: check its signature with the queue
 * secret before anything else (job-signature.ts; a refused job fails at once), materialise its input trees from Redis
 * into the local cache (once per tree), point the config at them, run the handler on the job's
 * native thread count (the envelope's nativeThreads, applied in the run's thread), store the
 * attachments in Redis and return the JSON result. The worker never needs the coordinator's disk.
 *
 * Faults: a throwing run is retried with backoff by BullMQ up to the job's attempts, except
 * bad-input errors (deterministic: the same seed fails the same way) which fail at once; a worker
 * killed mid-run loses its lock and the run is re-delivered elsewhere after `stallSeconds`.
 * `stop('finish')` takes no new runs and finishes those in hand; `stop('release')` puts the runs
 * in hand back in the queue (another worker starts them afresh: runs are seeded, so idempotent).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker, UnrecoverableError, WaitingError, type Job } from 'bullmq';
import { connectRedis, DEFAULT_QUEUE } from './redis.js';
import { materialiseTree, putAttachments } from './blob-store.js';
import { encodeJson, type RunJobData, type RunJobReturn } from './run-job.js';
import { checkJobData } from './job-checks.js';
import { sharedPaths, treePaths } from './job-paths.js';
import { CacheQuota, DEFAULT_CACHE_MAX_BYTES } from './cache-quota.js';
import { safeReason } from './failure-reason.js';
import { ThreadSlots } from './thread-slots.js';
import { openJob, RefusedError, signResult } from './job-signature.js';
import { queueKey } from './queue-key.js';
import { isTaskOutput, type TaskEnvelope } from '../task-handler.js';
import { LosslensError, optionError } from '../../errors.js';

/** How {@link serveQueue} serves a queue: the Redis URL, the queue, the concurrency, the file cache and the signing secret. */
export interface ServeOptions {
  redis: string;
  queue?: string;
  concurrency: number;
  /** Seconds without a lock renewal after which a run counts as stalled and is re-delivered. */
  stallSeconds?: number;
  cacheDir?: string;
  /** Size limit of the cache (default 10 GiB): least recently used trees are evicted to stay under it. */
  cacheMaxBytes?: number;
  /** Files one job may ship (default 1000). */
  maxJobFiles?: number;
  /** Jobs that ship no trees may read local paths under this folder only; without it they are refused. */
  sharedFs?: string;
  /** Shown as the run's worker on the coordinator (default host:pid). */
  name?: string;
  onEvent?: (e: WorkerEvent) => void;
  /** The queue secret shared with the coordinator (queue-credentials.ts reads it from a file or the environment). */
  secret?: string | Buffer;
  /** Serve unsigned jobs: allowed only for a Redis on loopback (queue-key.ts). */
  insecureNoSecret?: boolean;
  /** CA certificate(s), PEM, for a rediss:// URL. */
  redisCa?: string | Buffer;
}
/** What a queue worker reports: ready, a run started, finished, failed, released or refused. */
export type WorkerEvent =
  | { type: 'ready'; name: string; queue: string }
  | { type: 'started'; id: string; attempt: number }
  | { type: 'finished'; id: string; elapsedMs: number }
  | { type: 'failed'; id: string; message: string; attempt: number; final: boolean }
  | { type: 'released'; id: string }
  /** A job not signed with the queue secret (or altered): nothing of it was used. */
  | { type: 'refused'; job: string; reason: string };

/** A running queue worker: its name, the runs in hand, and `stop()` (finishing them or releasing them to the queue). */
export interface QueueServer {
  readonly name: string;
  /** Runs in hand now. */
  inHand(): number;
  stop(mode: 'finish' | 'release'): Promise<void>;
}

const BAD_INPUT = new Set(['BAD_INPUT', 'BAD_OPTION', 'UNSUPPORTED']);
const RELEASED = new Error('released');

/**
 * Serves a study queue's runs on this machine until stopped: checks each job's signature and inputs, runs it,
 * and sends back a signed result.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { serveQueue } from 'losslens/queue';
 *
 * const server = await serveQueue({
 *   redis: 'rediss://queue-host:6380',
 *   concurrency: 2,
 *   secret: await readFile('/etc/losslens/queue.secret'),
 *   onEvent: (e) => console.log(e.type),
 * });
 * process.on('SIGTERM', () => void server.stop('finish')); // finish the runs in hand, then exit
 * ```
 */
export async function serveQueue(o: ServeOptions): Promise<QueueServer> {
  const key = queueKey(o.secret, o.insecureNoSecret, o.redis);
  const connection = await connectRedis(o.redis, undefined, o.redisCa);
  const queue = o.queue ?? DEFAULT_QUEUE;
  const prefix = `bull:${queue}`;
  const name = o.name ?? `${os.hostname()}:${process.pid}`;
  const cacheDir = path.resolve(o.cacheDir ?? path.join(os.tmpdir(), 'losslens-worker-cache'));
  const quota = new CacheQuota(cacheDir, o.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES);
  const limits = { maxFiles: o.maxJobFiles ?? 1000, maxBytes: quota.maxBytes };
  const sharedRoot = o.sharedFs === undefined ? undefined : await sharedRootOf(o.sharedFs);
  const threads = new ThreadSlots(o.concurrency);
  const releasing = new AbortController();
  const hand = new Set<string>();
  const stall = (o.stallSeconds ?? 30) * 1000;

  const processor = async (job: Job<string>, token?: string): Promise<string> => {
    const data = openedJob(job);
    const handler = checkedJob(job, data);
    const attempt = job.attemptsMade + 1;
    hand.add(job.id!);
    o.onEvent?.({ type: 'started', id: data.id, attempt });
    const started = Date.now();
    const pinned: string[] = [];
    try {
      const config = await localConfig(data, pinned);
      const envelope: TaskEnvelope = { id: data.id, kind: data.kind, config, nativeThreads: data.nativeThreads };
      const output = await threads.run(handler.href, envelope, releasing.signal);
      const out = isTaskOutput(output) ? output : { result: output, attachments: {} };
      const ret: RunJobReturn = {
        plain: !isTaskOutput(output),
        result: out.result,
        attachments: await putAttachments(connection, prefix, out.attachments ?? {}),
        elapsedMs: Date.now() - started,
        worker: name,
      };
      o.onEvent?.({ type: 'finished', id: data.id, elapsedMs: ret.elapsedMs });
      return encodeJson(signResult(key, job.id!, ret));
    } catch (err) {
      if (err === RELEASED) {
        await job.moveToWait(token);
        o.onEvent?.({ type: 'released', id: data.id });
        throw new WaitingError();
      }
      const code = (err as { code?: string }).code;
      const final = (code !== undefined && BAD_INPUT.has(code)) || attempt >= (job.opts.attempts ?? 1);
      o.onEvent?.({ type: 'failed', id: data.id, message: (err as Error).message, attempt, final });
      const reason = safeReason((err as Error).message); // what Redis keeps: no file content
      throw final && code !== undefined && BAD_INPUT.has(code) ? new UnrecoverableError(reason) : new Error(reason);
    } finally {
      hand.delete(job.id!);
      for (const h of pinned) quota.unpin(h);
    }
  };

  /** The job's data once its signature holds; else one event and a failure reason naming no job content. */
  const openedJob = (job: Job<string>): RunJobData => {
    try {
      return openJob(key, String(job.id), job.data);
    } catch (err) {
      if (!(err instanceof RefusedError)) throw err;
      o.onEvent?.({ type: 'refused', job: String(job.id), reason: err.reason });
      throw new UnrecoverableError(`job refused: ${err.reason}`);
    }
  };

  /** The job's handler once its data passes job-checks.ts; else one event and a one-line refusal. */
  const checkedJob = (job: Job<string>, data: RunJobData): URL => {
    try {
      return checkJobData(data, limits);
    } catch (err) {
      if (!(err instanceof LosslensError)) throw err;
      const reason = err.message.replace(/^job refused: /, ''); // quotes only the job's own values, never a file
      o.onEvent?.({ type: 'refused', job: String(job.id), reason });
      throw new UnrecoverableError(`job refused: ${reason}`);
    }
  };

  /** The config with its paths confined and made local (job-paths.ts); its trees pinned in the cache while it runs. */
  const localConfig = async (data: RunJobData, pinned: string[]): Promise<unknown> => {
    if (!data.trees) return sharedPaths(data.config, sharedRoot);
    const dirs = new Map<string, string>();
    for (const [hash, files] of Object.entries(data.trees)) {
      quota.pin(hash);
      pinned.push(hash);
      dirs.set(hash, await materialiseTree(connection, prefix, quota, hash, files));
    }
    return treePaths(data.config, data.trees, dirs);
  };

  const worker = new Worker<string, string>(queue, processor, {
    connection,
    concurrency: o.concurrency,
    name,
    lockDuration: stall,
    stalledInterval: stall,
    maxStalledCount: 2,
    autorun: false,
  });
  worker.on('error', () => undefined); // connection blips: ioredis reconnects
  await worker.waitUntilReady();
  o.onEvent?.({ type: 'ready', name, queue });
  void worker.run().catch(() => undefined); // resolves when closed

  let stopping: Promise<void> | undefined;
  return {
    name,
    inHand: () => hand.size,
    async stop(mode) {
      if (mode === 'release') releasing.abort(RELEASED);
      stopping ??= worker.close().then(async () => {
        await threads.close();
        await connection.quit().catch(() => undefined);
      });
      await stopping;
    },
  };
}

/** The --shared-fs folder as a realpath (every job path is compared with it). */
async function sharedRootOf(dir: string): Promise<string> {
  const real = await fs.realpath(dir).catch(() => undefined);
  if (!real || !(await fs.stat(real)).isDirectory()) throw optionError('sharedFs', `${dir} is not a folder`);
  return real;
}
