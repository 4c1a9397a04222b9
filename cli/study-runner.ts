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
import { optionError } from '../src/errors.js';
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
    return outcome;
  } finally {
    bar.done();
    drop();
    await executor.close();
  }
}
