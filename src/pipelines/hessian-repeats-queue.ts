/**
 * `hessian --repeats R` on a Redis queue: one 'checkpoint-analysis' job per disjoint subset (the
 * subset's recipe and its seed in the config, the checkpoint and data shipped as content-addressed
 * inputs), each the analysis the local repeats run on that subset, assembled by the same
 * summarizeRepeats: the queued result equals the local one. No study folder: the repeats are one
 * stage of one analysis, and a failed subset fails the command (after the queue's retries).
 */
import path from 'node:path';
import { LosslensError, optionError } from '../errors.js';
import { repeatOptions, summarizeRepeats, type RepeatRun, type RepeatsResult } from '../curvature/hessian-repeats.js';
import type { HessianOptions } from '../curvature/hessian-options.js';
import type { CheckpointAnalysisConfig, CheckpointAnalysisResult } from '../studies/tasks/checkpoint-analysis.js';
import type { QueueAccessOptions } from '../studies/executors/queue-credentials.js';
import type { RunTask } from '../studies/types.js';
import { fromWireError } from '../workers/wire-error.js';
import { ANALYSIS_DEFAULTS, type AnalysisOptions } from './common.js';
import { checkExecutorOptions, createStudyExecutor, type ExecutorOptions } from './run-study.js';
import type { Progress, RunHooks } from './context.js';

/** The queue fields of the hessian options (its `workers` are data-parallel threads, not a study's). */
export interface RepeatsQueueOptions extends QueueAccessOptions {
  queue?: string;
  attempts?: number;
  sharedFs?: boolean;
}

/** Whether the options send the repeats to a queue. */
export const repeatsOnQueue = (o: RepeatsQueueOptions) => o.redis !== undefined || o.redisUrlFile !== undefined;

function queueFields(o: RepeatsQueueOptions): ExecutorOptions {
  const { redis, redisUrlFile, redisCaFile, secretFile, insecureNoSecret, queue, attempts, sharedFs } = o;
  return { redis, redisUrlFile, redisCaFile, secretFile, insecureNoSecret, queue, attempts, sharedFs };
}

/** The R subset jobs: the local repeats' subsets (split seed: seed + 1) and seeds (repeatOptions). */
export function repeatTasks(o: AnalysisOptions, opts: HessianOptions, repeats: number, size: number): RunTask<CheckpointAnalysisConfig>[] {
  if (o.output !== undefined) throw optionError('output', 'is not sent to the queue: run --repeats locally for one output of several');
  const abs = (p?: string) => (p ? path.resolve(p) : undefined);
  const seed = o.seed ?? ANALYSIS_DEFAULTS.seed;
  const data = { data: abs(o.data), x: abs(o.x), y: abs(o.y), labelColumn: o.labelColumn ?? ANALYSIS_DEFAULTS.labelColumn, seed };
  return Array.from({ length: repeats }, (_, i) => ({
    id: `repeat${i}`,
    kind: 'checkpoint-analysis',
    config: {
      model: path.resolve(o.model),
      data,
      ...(o.loss ? { loss: o.loss } : {}),
      backend: o.backend ?? ANALYSIS_DEFAULTS.backend,
      ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
      hvp: o.hvp ?? ANALYSIS_DEFAULTS.hvp,
      regularizers: o.regularizers ?? ANALYSIS_DEFAULTS.regularizers,
      subset: { parts: repeats, size, seed, index: i },
      analyses: ['hessian'],
      hessian: repeatOptions(opts, i),
    },
  }));
}

/**
 * Run the subset jobs on the queue and summarise them as the local repeats do; every job runs on
 * `nativeThreads` (the local repeats' count; default this thread's), stamped by the executor.
 */
export async function queuedRepeats(
  o: AnalysisOptions & RepeatsQueueOptions,
  opts: HessianOptions,
  repeats: number,
  bar: Progress,
  hooks: RunHooks = {},
  nativeThreads?: number,
): Promise<RepeatsResult> {
  const q = queueFields(o);
  await checkExecutorOptions(q);
  const tasks = repeatTasks(o, opts, repeats, o.samples!);
  const { executor } = await createStudyExecutor({ ...q, nativeThreads }, tasks, undefined, hooks);
  const runs: (RepeatRun | undefined)[] = new Array(repeats);
  const failed: { id: string; error: Error }[] = [];
  try {
    await executor.run<CheckpointAnalysisResult>(tasks, {
      onProgress: (d, t) => bar(d, t),
      onResult: async (rec) => {
        if (rec.error) failed.push({ id: rec.id, error: fromWireError(rec.error) });
        else runs[Number(rec.id.slice('repeat'.length))] = rec.result.hessian;
      },
    });
  } finally {
    bar.done();
    await executor.close();
  }
  if (failed.length) throw failed[0].error;
  const got = runs.filter((r) => r !== undefined).length;
  if (got < repeats) throw new LosslensError('INTERRUPTED', `the queue returned ${got} of ${repeats} subsets`);
  return summarizeRepeats(runs as RepeatRun[], o.samples!);
}
