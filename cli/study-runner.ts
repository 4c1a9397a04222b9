/**
 * The shape every study command shares: open (or resume) the study folder, run the missing runs
 * on an executor (worker pool, or in process with --workers 1) with a progress bar (runs done /
 * total, ETA), then rebuild summary.json and the figures. Ctrl-C stops dispatching and keeps
 * every finished run; re-running the same command resumes.
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
import { createProgress } from './progress.js';

export interface StudyCommand<R> {
  command: string;
  args: { out?: string; force: boolean; workers?: number; quiet?: boolean; json: boolean };
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
  return new LosslensError(code, `${dir}: ${f.length} of ${total} run(s) failed (finished runs are kept; re-run to retry); first: ${f[0].id}: ${f[0].error?.message ?? 'unknown error'}`);
}

export function createExecutor(workers: number | undefined, tasks: number): RunExecutor {
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1)) throw optionError('--workers', `must be an integer ≥ 1, got ${workers}`);
  const n = Math.max(1, Math.min(workers ?? os.availableParallelism(), tasks));
  return n === 1 ? new InProcessExecutor(DEFAULT_HANDLER) : new LocalPool({ workers: n, handler: DEFAULT_HANDLER });
}

export async function runStudyCommand<R>(c: StudyCommand<R>): Promise<StudyOutcome<R>> {
  const dir = c.args.out ?? path.join('reports', 'studies', `${c.command}-${configHash(c.config).slice(0, 12)}`);
  const folder = await openStudyFolder(dir, { command: c.command, config: c.config, force: c.args.force });
  const finished = await folder.finishedIds();
  const executor = createExecutor(c.args.workers, c.tasks.filter((t) => !finished.has(t.id)).length);
  const ctl = new AbortController();
  const drop = onInterrupt(() => ctl.abort());
  const bar = createProgress(`${c.command} (${executor.workers} worker${executor.workers > 1 ? 's' : ''})`, { quiet: c.args.quiet });
  try {
    const outcome = await runStudy<R>({
      folder, tasks: c.tasks, executor, signal: ctl.signal, rebuild: c.rebuild,
      onProgress: (p) => bar(p.sessionDone, p.sessionTotal, `runs ${p.done}/${p.total}${p.failed ? `, ${p.failed} failed` : ''}`),
    });
    bar.done();
    if (c.args.json) process.stdout.write(JSON.stringify(outcome.summary, null, 2) + '\n');
    else {
      const failed = outcome.failures.length ? `\n${outcome.failures.length} run(s) failed (re-run to retry): ${outcome.failures.map((f) => `${f.id}: ${f.error?.message}`).join('; ')}` : '';
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
