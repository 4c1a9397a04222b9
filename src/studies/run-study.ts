/**
 * Run a study into its folder: the tasks not yet finished go to the executor; each result is
 * persisted as it arrives (attachments, then the record); then the summary and figures are
 * rebuilt from all finished runs. Re-running resumes: finished runs are never repeated.
 *
 * Interrupted (signal) → the runs persisted so far stay, nothing is rebuilt, INTERRUPTED is thrown.
 * Failed runs are stored as failures and retried on the next run; `rebuild` sees only successes.
 */
import type { RunExecutor, RunRecord, RunTask } from './types.js';
import type { StudyFolder } from './study-folder.js';
import type { Figure } from '../report/write-report.js';
import { isTaskOutput } from './task-handler.js';

/** Progress of a study: runs done of the total (with those resumed from disk) and failed. */
export interface StudyProgress {
  /** Runs finished (including those found on disk) out of all runs of the study. */
  done: number;
  total: number;
  /** Runs executed in this invocation so far / to execute in this invocation. */
  sessionDone: number;
  sessionTotal: number;
  failed: number;
}

/** runStudy's inputs: the folder, the tasks, the executor, how to rebuild the summary, and progress and interrupt hooks. */
export interface RunStudyOptions<R> {
  folder: StudyFolder;
  tasks: RunTask[];
  executor: RunExecutor;
  signal?: AbortSignal;
  onProgress?: (p: StudyProgress) => void;
  /** Called once per persisted record (after it is on disk). */
  onRecord?: (r: RunRecord<R>) => void;
  /** Build the summary and figures from the finished records (sorted by id). */
  rebuild: (records: RunRecord<R>[], folder: StudyFolder) => Promise<{ summary: Record<string, unknown>; figures: Figure[] }>;
}

/** A finished study: the records and failures, how many runs executed now and how many were resumed, the summary and files written. */
export interface StudyOutcome<R> {
  records: RunRecord<R>[];
  failures: RunRecord[];
  /** Runs executed in this invocation (the rest were resumed from disk). */
  executed: number;
  resumed: number;
  summary: Record<string, unknown>;
  files: string[];
}

/**
 * Runs a study's missing tasks on an executor, persisting each finished run as it arrives, then rebuilds the
 * summary and figures from every finished run.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { mkdtemp } from 'node:fs/promises';
 * import { tmpdir } from 'node:os';
 * import path from 'node:path';
 * import { runStudy, InProcessExecutor, openStudyFolder } from 'losslens/studies';
 *
 * const dir = path.join(await mkdtemp(path.join(tmpdir(), 'losslens-')), 'study');
 * const study = async () =>
 *   runStudy<{ y: number }>({
 *     folder: await openStudyFolder(dir, { command: 'squares', config: { xs: [1, 2, 3] } }),
 *     executor: new InProcessExecutor(async (_kind, config) => ({ y: (config as { x: number }).x ** 2 })),
 *     tasks: [1, 2, 3].map((x) => ({ id: `x${x}`, kind: 'square', config: { x } })),
 *     rebuild: async (records) => ({ summary: { ys: records.map((r) => r.result.y) }, figures: [] }),
 *   });
 * const first = await study();
 * assert.deepEqual([first.summary.ys, first.executed, first.resumed], [[1, 4, 9], 3, 0]);
 * const second = await study(); // nothing left to run: every run is resumed from disk
 * assert.deepEqual([second.summary.ys, second.executed, second.resumed], [[1, 4, 9], 0, 3]);
 * ```
 */
export async function runStudy<R>(o: RunStudyOptions<R>): Promise<StudyOutcome<R>> {
  const ids = new Set(o.tasks.map((t) => t.id));
  if (ids.size !== o.tasks.length) throw new Error('runStudy: task ids must be unique');
  const finished = await o.folder.finishedIds();
  const todo = o.tasks.filter((t) => !finished.has(t.id));
  const resumed = o.tasks.length - todo.length;
  let done = 0;
  let failed = 0;
  const report = (sessionDone: number) => o.onProgress?.({ done: resumed + done, total: o.tasks.length, sessionDone, sessionTotal: todo.length, failed });
  await o.executor.run<unknown>(todo, {
    signal: o.signal,
    onProgress: (d) => report(d),
    onResult: async (rec) => {
      if (rec.error) {
        failed++;
        await o.folder.writeRun(rec);
        return;
      }
      const out = isTaskOutput(rec.result) ? rec.result : { result: rec.result, attachments: {} };
      const stored: RunRecord = { ...rec, result: out.result };
      await o.folder.writeRun(stored, out.attachments);
      done++;
      o.onRecord?.(stored as RunRecord<R>);
    },
  });
  const now = await o.folder.finishedIds();
  const records = await o.folder.loadRecords<R>(o.tasks.map((t) => t.id).filter((id) => now.has(id)));
  const failures = (await o.folder.loadFailures()).filter((f) => ids.has(f.id) && !now.has(f.id));
  const { summary, figures } = await o.rebuild(records, o.folder);
  const full = { ...summary, runs: { total: o.tasks.length, finished: records.length, failed: failures.map((f) => ({ id: f.id, error: f.error })) } };
  const files = await o.folder.writeOutputs(full, figures);
  return { records, failures, executed: todo.length, resumed, summary: full, files };
}
