/**
 * The CLI's side of a study (src/pipelines/run-study.ts): progress bar and SIGINT hooks, the
 * digest or summary.json on stdout, failed runs listed with their flags, and exit ≠ 0 when any failed.
 */
import { runStudyPipeline, type StudyPipeline, type StudyRunOptions } from '../src/pipelines/run-study.js';
import type { StudyOutcome } from '../src/studies/run-study.js';
import { fromWireError } from '../src/workers/wire-error.js';
import { cliMessage } from './flags.js';
import { cliHooks } from './run-analysis.js';

export interface ExecutorArgs {
  redisUrlFile?: string;
  redisCaFile?: string;
  secretFile?: string;
  insecureNoSecret?: boolean;
  workers?: number;
  redis?: string;
  queue?: string;
  attempts?: number;
  sharedFs?: boolean;
  quiet?: boolean;
}

export async function runStudyCommand<R>(p: StudyPipeline<R>, a: StudyRunOptions & { json?: boolean; quiet?: boolean }): Promise<StudyOutcome<R>> {
  const { outcome, folder, digest, failure } = await runStudyPipeline(p, a, cliHooks(a), cliMessage);
  if (a.json) process.stdout.write(JSON.stringify(outcome.summary, null, 2) + '\n');
  else {
    const failed = outcome.failures.length
      ? `\n${outcome.failures.length} run(s) failed (re-run to retry): ${outcome.failures.map((f) => `${f.id}: ${f.error ? cliMessage(fromWireError(f.error)) : ''}`).join('; ')}`
      : '';
    process.stdout.write(`${digest}${failed}\nruns: ${outcome.executed} executed, ${outcome.resumed} resumed\nstudy: ${folder}\n`);
  }
  if (failure) throw failure;
  return outcome;
}

/** The executor options of a study's arguments. */
export const executorOptions = (a: ExecutorArgs & { out?: string; force?: boolean }): StudyRunOptions => ({
  workers: a.workers,
  redis: a.redis,
  redisUrlFile: a.redisUrlFile,
  redisCaFile: a.redisCaFile,
  secretFile: a.secretFile,
  insecureNoSecret: a.insecureNoSecret,
  queue: a.queue,
  attempts: a.attempts,
  sharedFs: a.sharedFs,
  out: a.out,
  force: a.force,
});
