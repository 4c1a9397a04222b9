/**
 * The CLI's side of an analysis: the pipeline (src/pipelines/) runs with a progress bar on stderr
 * and the SIGINT hooks; the digest (or summary.json with --json) goes to stdout.
 */
import { runAnalysis, type AnalysisPipeline } from '../src/pipelines/run-analysis.js';
import type { AnalysisOptions } from '../src/pipelines/common.js';
import type { RunHooks } from '../src/pipelines/context.js';
import { onInterrupt } from './cleanup.js';
import { createProgress } from './progress.js';

export function cliHooks(a: { quiet?: boolean }): RunHooks {
  return {
    progress: (title) => createProgress(title, { quiet: a.quiet }),
    onInterrupt,
    notify: (line) => {
      if (!a.quiet) process.stderr.write(`losslens: ${line}\n`);
    },
  };
}

export async function runAnalysisCommand<O extends AnalysisOptions>(
  pipeline: AnalysisPipeline<O>,
  opts: O,
  a: { json?: boolean; quiet?: boolean },
): Promise<void> {
  const run = await runAnalysis(pipeline, opts, cliHooks(a));
  if (a.json) process.stdout.write(JSON.stringify(run.summary, null, 2) + '\n');
  else process.stdout.write(`${run.digest}\nobjective: ${run.summary.objective.description}\nreport: ${run.folder}\n`);
}

/** The typed options of a pipeline from the argument bag: only the named fields travel. */
export function fields<T extends object>(args: T, keys: readonly (keyof T)[]): Partial<T> {
  const out: Partial<T> = {};
  for (const k of keys) if (args[k] !== undefined) out[k] = args[k];
  return out;
}
