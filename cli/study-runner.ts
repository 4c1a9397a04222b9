/**
 * The shape every study command shares: open (or resume) the study folder, run the missing runs
 * on an executor (worker pool, or in process with --workers 1) with a progress bar (runs done /
 * total, ETA), then rebuild summary.json and the figures. Ctrl-C stops dispatching and keeps
 * every finished run; re-running the same command resumes. With --redis the runs go to a BullMQ
 * queue served by `losslens worker` processes (see src/studies/executors/).
 */
import os from 'node:os';
import path from 'node:path';
import { openStudyFolder, configHash, type StudyFolder } from '../src/studies/study-folder.js';
import { runStudy, type StudyOutcome } from '../src/studies/run-study.js';
import { LocalPool } from '../src/studies/local-pool.js';
import { InProcessExecutor } from '../src/studies/in-process-executor.js';
import { DEFAULT_HANDLER } from '../src/studies/tasks/index.js';
import type { RunExecutor, RunRecord, RunTask } from '../src/studies/types.js';
import type { Figure } from '../src/report/write-report.js';
import { LosslensError, optionError, type ErrorCode } from '../src/errors.js';
import { onInterrupt } from './cleanup.js';
import { cliMessage } from './flags.js';
import { fromWireError } from '../src/workers/wire-error.js';
import { createProgress } from './progress.js';

export interface ExecutorArgs { workers?: number; redis?: string; queue?: string; attempts?: number; sharedFs?: boolean; quiet?: boolean }

export interface StudyCommand<R> {
  command: string;
  args: ExecutorArgs & { out?: string; force: boolean; json: boolean };
  /** What identifies the study (hashed into study.json). */
  config: unknown;
  tasks: RunTask[];
  rebuild: (records: RunRecord<R>[], folder: StudyFolder) => Promise<{ summary: Record<string, unknown>; figures: Figure[] }>;
  table: (summary: Record<string, unknown>) => string;
}

/**
 * A study with failed runs must not exit 0: the error for the first failure (its own code when it
 * was the input's fault, exit 2; otherwise internal, exit 1), after the summary was printed.
 */
export function studyFailureError(outcome: { failures: RunRecord[]; records: unknown[] }, dir: string): LosslensError | undefined {
  const f = outcome.failures;
  if (f.length === 0) return undefined;
  const total = f.length + outcome.records.length;
  const code = (['BAD_INPUT', 'BAD_OPTION', 'UNSUPPORTED'] as string[]).includes(f[0].error?.code ?? '') ? (f[0].error!.code as ErrorCode) : 'INTERNAL';
  return new LosslensError(code, `${dir}: ${f.length} of ${total} run(s) failed (finished runs are kept; re-run to retry); first: ${f[0].id}: ${f[0].error ? cliMessage(fromWireError(f[0].error)) : 'unknown error'}`);
}

/**
 * Check the executor flags (and, with --redis, reach Redis) before any study folder is made: a bad
 * value or an unreachable Redis is one line and exit 2 with nothing written.
 */
export async function checkExecutorArgs(a: ExecutorArgs): Promise<void> {
  if (a.workers !== undefined && !(Number.isInteger(a.workers) && a.workers >= 1)) throw optionError('workers', `must be an integer ≥ 1, got ${a.workers}`);
  if (a.redis === undefined) return;
  if (a.workers !== undefined) throw optionError('workers', 'sets local threads; with {redis} each `losslens worker` sets its own {concurrency}');
  const { probeRedis, QUEUE_NAME } = await import('../src/studies/executors/redis.js');
  const queue = a.queue ?? 'losslens';
  if (!QUEUE_NAME.test(queue)) throw optionError('queue', `letters, digits, '.', '_' and '-' only (at most 100), got "${queue}"`);
  const attempts = a.attempts ?? 3;
  if (!(Number.isInteger(attempts) && attempts >= 1 && attempts <= 100)) throw optionError('attempts', `must be an integer in [1, 100], got ${attempts}`);
  await probeRedis(a.redis);
}

/**
 * The executor a study command's flags ask for: a BullMQ queue with --redis (its progress, queued /
 * active on which worker / finished / failed, on stderr), else the local pool or in process.
 * Call {@link checkExecutorArgs} first.
 */
export async function createStudyExecutor(a: ExecutorArgs, todo: number, handler: URL = DEFAULT_HANDLER): Promise<{ executor: RunExecutor; label: string; status: (bar: (label: string) => void) => void }> {
  if (a.redis === undefined) {
    const n = Math.max(1, Math.min(a.workers ?? os.availableParallelism(), todo));
    const executor = n === 1 ? new InProcessExecutor(handler) : new LocalPool({ workers: n, handler });
    return { executor, label: `${n} worker${n > 1 ? 's' : ''}`, status: () => undefined };
  }
  const { BullmqExecutor } = await import('../src/studies/executors/bullmq-executor.js');
  const { redisWhere } = await import('../src/studies/executors/redis.js');
  const queue = a.queue ?? 'losslens';
  const attempts = a.attempts ?? 3;
  let show: (label: string) => void = () => undefined;
  let last = '';
  const executor = new BullmqExecutor({
    redis: a.redis, queue, handler, attempts, sharedFs: a.sharedFs,
    onSubmitted: ({ runs, uploadedBytes }) => { if (!a.quiet) process.stderr.write(`losslens: ${runs} run(s) on queue ${queue} at ${redisWhere(a.redis!)}${uploadedBytes ? `, ${uploadedBytes >= 2 ** 20 ? `${(uploadedBytes / 2 ** 20).toFixed(1)} MiB` : `${Math.ceil(uploadedBytes / 1024)} KiB`} of inputs uploaded` : ''}; serve them with: losslens worker --redis ${redisWhere(a.redis!)}${queue !== 'losslens' ? ` --queue ${queue}` : ''}\n`); },
    onStatus: (s) => {
      const by = new Map<string, number>();
      for (const x of s.active) by.set(x.worker ?? '?', (by.get(x.worker ?? '?') ?? 0) + 1);
      const label = `${s.queued} queued, ${s.active.length} active${by.size ? ` (${[...by].map(([w, k]) => `${w}×${k}`).join(', ')})` : ''}, ${s.finished} finished, ${s.failed} failed`;
      show(label);
      if (!a.quiet && !process.stderr.isTTY && label !== last) process.stderr.write(`losslens: queue: ${label}\n`);
      last = label;
    },
  });
  return { executor, label: `queue ${queue}`, status: (bar) => (show = bar) };
}

export async function runStudyCommand<R>(c: StudyCommand<R>): Promise<StudyOutcome<R>> {
  await checkExecutorArgs(c.args);
  const dir = c.args.out ?? path.join('reports', 'studies', `${c.command}-${configHash(c.config).slice(0, 12)}`);
  const folder = await openStudyFolder(dir, { command: c.command, config: c.config, force: c.args.force });
  const finished = await folder.finishedIds();
  const { executor, label, status } = await createStudyExecutor(c.args, c.tasks.filter((t) => !finished.has(t.id)).length);
  const ctl = new AbortController();
  const drop = onInterrupt(() => ctl.abort());
  const bar = createProgress(`${c.command} (${label})`, { quiet: c.args.quiet });
  let last = { sessionDone: 0, sessionTotal: 0 };
  status((s) => bar(last.sessionDone, last.sessionTotal, s));
  try {
    const outcome = await runStudy<R>({
      folder, tasks: c.tasks, executor, signal: ctl.signal, rebuild: c.rebuild,
      onProgress: (p) => { last = p; bar(p.sessionDone, p.sessionTotal, `runs ${p.done}/${p.total}${p.failed ? `, ${p.failed} failed` : ''}`); },
    });
    bar.done();
    if (c.args.json) process.stdout.write(JSON.stringify(outcome.summary, null, 2) + '\n');
    else {
      const failed = outcome.failures.length ? `\n${outcome.failures.length} run(s) failed (re-run to retry): ${outcome.failures.map((f) => `${f.id}: ${f.error ? cliMessage(fromWireError(f.error)) : ''}`).join('; ')}` : '';
      process.stdout.write(`${c.table(outcome.summary)}${failed}\nruns: ${outcome.executed} executed, ${outcome.resumed} resumed\nstudy: ${dir}\n`);
    }
    const failure = studyFailureError(outcome, dir);
    if (failure) throw failure;
    return outcome;
  } finally {
    bar.done();
    drop();
    await executor.close();
  }
}
