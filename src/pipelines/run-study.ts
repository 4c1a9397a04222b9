/**
 * The shape every study pipeline shares: open (or resume) the study folder, run the missing runs
 * on an executor (worker pool, in process, or a BullMQ queue) with progress (runs done / total),
 * then rebuild summary.json and the figures. An interruption stops dispatching and keeps every
 * finished run; running the same study again resumes.
 */
import path from 'node:path';
import { openStudyFolder, configHash, type StudyFolder } from '../studies/study-folder.js';
import { runStudy, type StudyOutcome } from '../studies/run-study.js';
import { localExecutor } from './local-executor.js';
import { DEFAULT_HANDLER } from '../studies/tasks/index.js';
import { nativeThreadsProblem } from '../studies/native-thread-count.js';
import type { RunExecutor, RunRecord, RunTask } from '../studies/types.js';
import type { Figure } from '../render/figure.js';
import { LosslensError, optionError, type ErrorCode } from '../errors.js';
import { fromWireError } from '../workers/wire-error.js';
import { silent, type RunHooks } from './context.js';
import { VERSION } from '../version.js';
import type { QueueAccessOptions } from '../studies/executors/queue-credentials.js';

/** Where the runs execute: local threads (workers; 1 = in process) or a Redis queue. */
export interface ExecutorOptions extends QueueAccessOptions {
  /** Local worker threads (default: the cores, or 1, in process, for curvature studies: ./local-executor.ts). */
  workers?: number;
  queue?: string;
  attempts?: number;
  sharedFs?: boolean;
  /** Native kernel threads every job runs on (the job envelope's; default: this thread's count). */
  nativeThreads?: number;
}

/** One study command for {@link runStudyPipeline}: its config, tasks and how results become a report. */
export interface StudyPipeline<R> {
  command: string;
  /** What identifies the study (hashed into study.json). */
  config: unknown;
  tasks: RunTask[];
  /** The task handler module (default: train-and-measure). */
  handler?: URL;
  rebuild: (records: RunRecord<R>[], folder: StudyFolder) => Promise<{ summary: Record<string, unknown>; figures: Figure[] }>;
  /** The short plain-text digest of a summary. */
  digest: (summary: Record<string, unknown>, records: number) => string;
}

/** What {@link runStudyPipeline} returns: the outcome, the folder and the digest. */
export interface StudyRun<R> {
  outcome: StudyOutcome<R>;
  folder: string;
  digest: string;
  /** The error for the first failed run (exit 2 when it was the input's fault), after the summary was written. */
  failure?: LosslensError;
}

/**
 * Check the executor options (and, with redis, reach Redis) before any study folder is made: a
 * bad value or an unreachable Redis is one error with nothing written.
 */
export async function checkExecutorOptions(a: ExecutorOptions): Promise<void> {
  if (a.workers !== undefined && !(Number.isInteger(a.workers) && a.workers >= 1)) throw optionError('workers', `must be an integer ≥ 1, got ${a.workers}`);
  const threads = a.nativeThreads === undefined ? undefined : nativeThreadsProblem(a.nativeThreads);
  if (threads) throw optionError('nativeThreads', threads);
  const { usesQueue, resolveQueueAccess } = await import('../studies/executors/queue-credentials.js');
  if (!usesQueue(a)) return;
  if (a.workers !== undefined) throw optionError('workers', 'sets local threads; with {redis} each `losslens worker` sets its own --concurrency');
  const { probeRedis, QUEUE_NAME } = await import('../studies/executors/redis.js');
  const queue = a.queue ?? 'losslens';
  if (!QUEUE_NAME.test(queue)) throw optionError('queue', `letters, digits, '.', '_' and '-' only (at most 100), got "${queue}"`);
  const attempts = a.attempts ?? 3;
  if (!(Number.isInteger(attempts) && attempts >= 1 && attempts <= 100)) throw optionError('attempts', `must be an integer in [1, 100], got ${attempts}`);
  const access = await resolveQueueAccess(a);
  await probeRedis(access.url, undefined, access.ca);
}

/**
 * The executor the options ask for to run `todo`, with a status line for the queue (local: ./local-executor.ts, where
 * curvature studies run in process unless a worker count is given). Call checkExecutorOptions first.
 */
export async function createStudyExecutor(
  a: ExecutorOptions,
  todo: readonly RunTask[],
  handler: URL = DEFAULT_HANDLER,
  hooks: RunHooks = {},
): Promise<{ executor: RunExecutor; label: string; status: (bar: (label: string) => void) => void }> {
  const { usesQueue, resolveQueueAccess } = await import('../studies/executors/queue-credentials.js');
  if (!usesQueue(a)) return { ...localExecutor(a, todo, handler), status: () => undefined };
  const { BullmqExecutor } = await import('../studies/executors/bullmq-executor.js');
  const { redisWhere } = await import('../studies/executors/redis.js');
  const queue = a.queue ?? 'losslens';
  const access = await resolveQueueAccess(a);
  const where = redisWhere(access.url);
  let show: (label: string) => void = () => undefined;
  let last = '';
  const size = (b: number) => (b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${Math.ceil(b / 1024)} KiB`);
  const executor = new BullmqExecutor({
    redis: access.url,
    redisCa: access.ca,
    secret: access.secret,
    insecureNoSecret: access.insecureNoSecret,
    queue,
    handler,
    attempts: a.attempts ?? 3,
    sharedFs: a.sharedFs,
    nativeThreads: a.nativeThreads,
    onSubmitted: ({ runs, uploadedBytes }) =>
      hooks.notify?.(
        `${runs} run(s) on queue ${queue} at ${where}${uploadedBytes ? `, ${size(uploadedBytes)} of inputs uploaded` : ''}; serve them with: losslens worker ${a.redisUrlFile !== undefined ? `--redis-url-file ${a.redisUrlFile}` : a.redis ? `--redis ${where}` : ''}${queue !== 'losslens' ? ` --queue ${queue}` : ''} and this queue's secret`,
      ),
    onStatus: (s) => {
      const by = new Map<string, number>();
      for (const x of s.active) by.set(x.worker ?? '?', (by.get(x.worker ?? '?') ?? 0) + 1);
      const label = `${s.queued} queued, ${s.active.length} active${by.size ? ` (${[...by].map(([w, k]) => `${w}×${k}`).join(', ')})` : ''}, ${s.finished} finished, ${s.failed} failed`;
      show(label);
      if (!process.stderr.isTTY && label !== last) hooks.notify?.(`queue: ${label}`);
      last = label;
    },
  });
  return { executor, label: `queue ${queue}`, status: (bar) => (show = bar) };
}

/** A study with failed runs must not look like success: the error for the first failure. */
export function studyFailureError(
  outcome: { failures: RunRecord[]; records: unknown[] },
  dir: string,
  message: (e: Error) => string = (e) => e.message,
): LosslensError | undefined {
  const f = outcome.failures;
  if (f.length === 0) return undefined;
  const total = f.length + outcome.records.length;
  const code = (['BAD_INPUT', 'BAD_OPTION', 'UNSUPPORTED'] as string[]).includes(f[0].error?.code ?? '') ? (f[0].error!.code as ErrorCode) : 'INTERNAL';
  const first = f[0].error ? message(fromWireError(f[0].error)) : 'unknown error';
  return new LosslensError(code, `${dir}: ${f.length} of ${total} run(s) failed (finished runs are kept; re-run to retry); first: ${f[0].id}: ${first}`);
}

/** Where and how a study runs: the folder, whether a changed config may replace the old runs, and the executor. */
export interface StudyRunOptions extends ExecutorOptions {
  /** The study folder (default reports/studies/<command>-<config hash>). */
  out?: string;
  /** Accept a changed config: the old runs are moved aside. */
  force?: boolean;
}

/**
 * Runs a study pipeline into its folder: the missing runs on the executor chosen (in process, worker threads or
 * a queue), each persisted as it finishes, then the summary and figures rebuilt from every finished run.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
 * import { tmpdir } from 'node:os';
 * import path from 'node:path';
 * import { pathToFileURL } from 'node:url';
 * import { runStudyPipeline } from 'losslens/pipelines';
 *
 * const dir = await mkdtemp(path.join(tmpdir(), 'losslens-'));
 * const handler = path.join(dir, 'handler.mjs');
 * await writeFile(handler, 'export async function runTask(kind, config) { return { y: config.x ** 2 }; }\n');
 * const run = await runStudyPipeline<{ y: number }>(
 *   {
 *     command: 'squares',
 *     config: { xs: [1, 2, 3] },
 *     tasks: [1, 2, 3].map((x) => ({ id: `x${x}`, kind: 'square', config: { x } })),
 *     handler: pathToFileURL(handler),
 *     rebuild: async (records) => ({ summary: { ys: records.map((r) => r.result.y) }, figures: [] }),
 *     digest: (summary) => JSON.stringify(summary),
 *   },
 *   { out: path.join(dir, 'study'), workers: 1 },
 * );
 * assert.deepEqual(run.outcome.summary.ys, [1, 4, 9]);
 * assert.deepEqual(JSON.parse(await readFile(path.join(dir, 'study', 'summary.json'), 'utf8')).ys, [1, 4, 9]);
 * ```
 */
export async function runStudyPipeline<R>(p: StudyPipeline<R>, o: StudyRunOptions, hooks: RunHooks = {}, message?: (e: Error) => string): Promise<StudyRun<R>> {
  await checkExecutorOptions(o);
  const dir = o.out ?? path.join('reports', 'studies', `${p.command}-${configHash(p.config).slice(0, 12)}`);
  const folder = await openStudyFolder(dir, { command: p.command, config: p.config, force: o.force ?? false });
  const finished = await folder.finishedIds();
  const todoTasks = p.tasks.filter((t) => !finished.has(t.id));
  const todo = todoTasks.length;
  const { executor, label, status } = await createStudyExecutor(o, todoTasks, p.handler, hooks);
  const ctl = new AbortController();
  const drop = hooks.onInterrupt?.(() => ctl.abort()) ?? (() => undefined);
  const bar = (hooks.progress ?? silent)(`${p.command} (${label})`);
  let last = { sessionDone: 0, sessionTotal: todo };
  status((s) => bar(last.sessionDone, last.sessionTotal, s));
  try {
    const started = Date.now();
    // every summary carries meta, as the analyses' do: what ran, on which executor, how long (this invocation)
    const rebuild: typeof p.rebuild = async (records, f) => {
      const r = await p.rebuild(records, f);
      const meta = { losslens: VERSION, command: p.command, executor: label, startedAt: new Date(started).toISOString(), elapsedMs: Date.now() - started };
      return { ...r, summary: { ...r.summary, meta } };
    };
    const outcome = await runStudy<R>({
      folder,
      tasks: p.tasks,
      executor,
      signal: ctl.signal,
      rebuild,
      onProgress: (q) => {
        last = q;
        bar(q.sessionDone, q.sessionTotal, `runs ${q.done}/${q.total}${q.failed ? `, ${q.failed} failed` : ''}`);
      },
    });
    bar.done();
    return { outcome, folder: dir, digest: p.digest(outcome.summary, outcome.records.length), failure: studyFailureError(outcome, dir, message) };
  } catch (err) {
    // e.g. a full disk before any run finished: no study folder is left behind (finished runs stay: a re-run resumes them)
    await folder.discardIfEmpty().catch(() => undefined);
    throw err;
  } finally {
    bar.done();
    drop();
    await executor.close();
  }
}
