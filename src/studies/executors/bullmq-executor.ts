/**
 * RunExecutor on a BullMQ queue in Redis: `run` submits each task as a job whose id is the run's
 * content address (see run-job.ts), uploads the inputs workers lack, then collects results as
 * `losslens worker` processes on any machine finish them.
 *
 * - Submitting a run that exists is a no-op (BullMQ keeps one job per id): a re-submitted study,
 *   or a second coordinator, waits on the same jobs; finished jobs are collected at once.
 * - A job left failed by an earlier run of the study is retried afresh (failures are retried on resume).
 * - A job that fails its last attempt becomes a failure record; a vanished job is submitted again.
 * - Jobs are signed with the queue secret and results checked before use (job-signature.ts): a
 *   result that fails the check is redone once, then recorded as a failure naming the reason.
 * - Each job carries the coordinator's native thread count (this thread's unless `nativeThreads` is
 *   given) in its envelope, signed with the rest; the worker applies it before the handler runs.
 * - An aborted signal stops collecting (INTERRUPTED); the jobs stay queued and workers go on, so
 *   re-running the command collects what finished meanwhile.
 */
import { Queue, Job, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ExecutorCallbacks, RunExecutor, RunRecord, RunTask } from '../types.js';
import { interrupted } from '../task-handler.js';
import { connectRedis, DEFAULT_QUEUE, handlerName } from './redis.js';
import { getAttachments, OUTPUT_TTL_S, uploadTrees } from './blob-store.js';
import { openResult, RefusedError, signJob } from './job-signature.js';
import { queueKey } from './queue-key.js';
import { encodeJson, prepareRun, type PreparedRun, type RunJobReturn } from './run-job.js';
import { coordinatorNativeThreads, nativeThreadsProblem } from '../native-thread-count.js';
import { optionError } from '../../errors.js';

/** Where {@link BullmqExecutor} queues runs: the Redis URL, the queue, the handler module, retries, the signing secret and status callbacks. */
export interface BullmqExecutorOptions {
  redis: string;
  queue?: string;
  /** Handler module (must be one of the registered ones, see redis.ts). */
  handler: string | URL;
  /** Tries per run before it is recorded as failed (default 3). */
  attempts?: number;
  /** First retry delay; doubles each retry (default 5000 ms). */
  backoffMs?: number;
  /** Workers read the task's paths themselves (a shared file system): nothing is uploaded. */
  sharedFs?: boolean;
  pollMs?: number;
  onStatus?: (s: QueueStatus) => void;
  /** After submission: how many bytes of inputs were uploaded. */
  onSubmitted?: (info: { runs: number; uploadedBytes: number }) => void;
  /** The queue secret shared with the workers: jobs are signed with it and results checked. */
  secret?: string | Buffer;
  /** Enqueue unsigned jobs and accept unsigned results: allowed only for a Redis on loopback (queue-key.ts). */
  insecureNoSecret?: boolean;
  /** CA certificate(s), PEM, for a rediss:// URL. */
  redisCa?: string | Buffer;
  /** Native kernel threads every job runs on, in [1, 1024] (default: the calling thread's count at each `run`). */
  nativeThreads?: number;
}

/** A queue's state: runs in total, queued, active (with their worker), finished and failed. */
export interface QueueStatus {
  total: number;
  queued: number;
  active: { id: string; worker?: string }[];
  finished: number;
  failed: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * A study executor on a BullMQ queue in Redis: runs are signed and queued, worker machines (serveQueue) take
 * them, and their signed results come back to `onResult` in completion order.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { runStudy, openStudyFolder } from 'losslens/studies';
 * import { BullmqExecutor } from 'losslens/queue';
 *
 * // the study's machine queues the runs; `losslens serve` (serveQueue) on other machines runs them
 * const executor = new BullmqExecutor({
 *   redis: 'rediss://queue-host:6380',
 *   handler: new URL('./handler.mjs', import.meta.url),
 *   secret: await readFile('/etc/losslens/queue.secret'),
 * });
 * const outcome = await runStudy<number>({
 *   folder: await openStudyFolder('reports/squares', { command: 'squares', config: { xs: [1, 2, 3] } }),
 *   executor,
 *   tasks: [1, 2, 3].map((x) => ({ id: `x${x}`, kind: 'square', config: { x } })),
 *   rebuild: async (records) => ({ summary: { ys: records.map((r) => r.result) }, figures: [] }),
 * });
 * console.log(outcome.summary.ys); // [1, 4, 9]
 * await executor.close();
 * ```
 */
export class BullmqExecutor implements RunExecutor {
  /** Unknown: workers join and leave the queue on their own. */
  readonly workers = 0;
  private conn?: Promise<{ redis: Redis; queue: Queue }>;
  private readonly queueName: string;
  private readonly handler: string;
  private readonly key: Buffer | undefined;

  constructor(private readonly o: BullmqExecutorOptions) {
    this.queueName = o.queue ?? DEFAULT_QUEUE;
    this.handler = handlerName(o.handler);
    this.key = queueKey(o.secret, o.insecureNoSecret, o.redis);
    const problem = o.nativeThreads === undefined ? undefined : nativeThreadsProblem(o.nativeThreads);
    if (problem) throw optionError('nativeThreads', problem);
  }

  private connect() {
    return (this.conn ??= connectRedis(this.o.redis, undefined, this.o.redisCa).then((redis) => {
      const queue = new Queue(this.queueName, { connection: redis });
      queue.on('error', () => undefined); // Redis gone for a while: ioredis reconnects, commands wait
      return { redis, queue };
    }));
  }

  private jobOpts(jobId: string): JobsOptions {
    return {
      jobId,
      attempts: this.o.attempts ?? 3,
      backoff: { type: 'exponential', delay: this.o.backoffMs ?? 5000 },
      removeOnComplete: { age: OUTPUT_TTL_S },
      removeOnFail: { age: OUTPUT_TTL_S },
    };
  }

  /** Sign and enqueue one job per task (stamped with the native thread count), upload the inputs workers lack, retry jobs left failed. */
  private async submit(tasks: RunTask[], redis: Redis, queue: Queue, prefix: string): Promise<PreparedRun[]> {
    const runs: PreparedRun[] = [];
    const threads = this.o.nativeThreads ?? coordinatorNativeThreads();
    for (const t of tasks) runs.push(await prepareRun(t, this.handler, this.o.sharedFs ?? false, threads));
    const uploadedBytes = this.o.sharedFs
      ? 0
      : await uploadTrees(
          redis,
          prefix,
          runs.flatMap((r) => r.trees),
        );
    await this.add(queue, runs);
    for (const r of runs) if ((await queue.getJobState(r.jobId)) === 'failed') await retry(queue, r.jobId, 'failed');
    this.o.onSubmitted?.({ runs: runs.length, uploadedBytes });
    return runs;
  }

  private add(queue: Queue, rs: PreparedRun[]) {
    return queue.addBulk(rs.map((r) => ({ name: r.data.kind, data: encodeJson(signJob(this.key, r.jobId, r.data)), opts: this.jobOpts(r.jobId) })));
  }

  async run<R>(tasks: RunTask[], cb: ExecutorCallbacks<R>): Promise<void> {
    if (cb.signal?.aborted) throw interrupted();
    cb.onProgress?.(0, tasks.length);
    if (tasks.length === 0) return;
    const { redis, queue } = await this.connect();
    const prefix = `bull:${this.queueName}`;
    const runs = await this.submit(tasks, redis, queue, prefix);

    // tasks with the same content share one job (and each gets its record)
    const pending = new Map<string, { run: PreparedRun; tasks: RunTask[] }>();
    runs.forEach((r, i) => {
      const p = pending.get(r.jobId);
      if (p) p.tasks.push(tasks[i]);
      else pending.set(r.jobId, { run: r, tasks: [tasks[i]] });
    });
    let done = 0;
    let failed = 0;
    const refused = new Set<string>(); // jobs whose result failed its signature check once
    const deliver = async (jobId: string, make: (t: RunTask) => RunRecord) => {
      const { tasks: same } = pending.get(jobId)!;
      pending.delete(jobId);
      for (const t of same) {
        await cb.onResult(make(t) as RunRecord<R>);
        done++;
        cb.onProgress?.(done, tasks.length);
      }
    };
    while (pending.size > 0) {
      if (cb.signal?.aborted) throw interrupted();
      const ids = [...pending.keys()];
      const states = await Promise.all(ids.map((id) => queue.getJobState(id)));
      const active: QueueStatus['active'] = [];
      for (const [k, id] of ids.entries()) {
        if (cb.signal?.aborted) throw interrupted();
        const {
          tasks: [task],
          run,
        } = pending.get(id)!;
        const state = states[k];
        if (state === 'unknown') await this.add(queue, [run]);
        else if (state === 'completed' || state === 'failed' || state === 'active') {
          const job = await Job.fromId<string, string>(queue, id);
          if (!job) continue;
          if (state === 'active') active.push({ id: task.id, worker: job.processedBy });
          else if (state === 'failed') {
            failed += pending.get(id)!.tasks.length;
            await deliver(id, (t) => record(t, null, job, { message: job.failedReason || 'failed' }));
          } else {
            const ret = checkedResult(this.key, id, job.returnvalue);
            if (ret instanceof RefusedError) {
              // not from a worker holding the secret: redo the run once, then record the refusal
              if (refused.has(id)) failed += pending.get(id)!.tasks.length;
              await (refused.has(id)
                ? deliver(id, (t) => record(t, null, job, { message: `result of run ${t.id} refused, twice: ${ret.reason}` }))
                : retry(queue, id, 'completed'));
              refused.add(id);
              continue;
            }
            const attachments = await getAttachments(redis, prefix, ret.attachments);
            if (!attachments)
              await retry(queue, id, 'completed'); // its outputs expired: redo the run
            else await deliver(id, (t) => record(t, ret.plain ? ret.result : { result: ret.result, attachments }, job, undefined, ret.elapsedMs));
          }
        }
      }
      this.o.onStatus?.({ total: tasks.length, queued: tasks.length - done - active.length, active, finished: done - failed, failed });
      if (pending.size > 0) await sleep(this.o.pollMs ?? 500, cb.signal);
    }
  }

  async close(): Promise<void> {
    const c = await this.conn?.catch(() => undefined);
    this.conn = undefined;
    if (!c) return;
    await c.queue.close();
    await c.redis.quit().catch(() => undefined);
  }
}

/** A job's return value once its signature holds, or why it was refused. */
function checkedResult(key: Buffer | undefined, id: string, raw: unknown): RunJobReturn | RefusedError {
  try {
    return openResult(key, id, raw);
  } catch (err) {
    if (err instanceof RefusedError) return err;
    throw err;
  }
}

async function retry(queue: Queue, id: string, from: 'failed' | 'completed') {
  const job = await Job.fromId(queue, id);
  // another coordinator may have retried it first: then it is no longer in that state
  await job?.retry(from, { resetAttemptsMade: true, resetAttemptsStarted: true }).catch(() => undefined);
}

function record(task: RunTask, result: unknown, job: Job, error?: { message: string }, elapsedMs?: number): RunRecord {
  const rec: RunRecord = {
    id: task.id,
    kind: task.kind,
    config: task.config,
    result,
    elapsedMs: elapsedMs ?? (job.finishedOn && job.processedOn ? job.finishedOn - job.processedOn : 0),
    finishedAt: new Date(job.finishedOn ?? Date.now()).toISOString(),
  };
  if (error) rec.error = error;
  return rec;
}
