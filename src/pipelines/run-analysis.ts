/**
 * The shape every analysis pipeline shares: refuse a bad output folder before any work, load the
 * problem once, run, write the report into a staging folder, then publish it in one rename. An
 * interrupted or failed run leaves no half-written report. The CLI and library users call this.
 */
import { prepareOutputDir, defaultOutDir } from '../io/output-dir.js';
import { loadProblem, type Problem } from '../problem.js';
import { writeReport, type ReportContent } from '../report/write-report.js';
import { buildMeta, type RunMeta } from '../report/meta.js';
import { hvpMethod } from '../objective/rop/hvp.js';
import { inferenceMode } from '../model/inference-mode.js';
import { objectiveCard, type ObjectiveCard } from '../model/model-card.js';
import { checkScale, problemOptions, type AnalysisOptions } from './common.js';
import { silent, type PipelineContext, type RunHooks } from './context.js';

/** A pipeline's report content plus the short plain-text digest a terminal shows. */
export interface PipelineOutput extends ReportContent {
  digest: string;
}

/** One analysis command for {@link runAnalysis}: its name, its option checks and how it runs on a loaded problem. */
export interface AnalysisPipeline<O extends AnalysisOptions> {
  command: string;
  /** Checks that need no files (option values and combinations), run before anything is made. */
  check?: (opts: O) => void;
  /** The problem to load (default: the common options as given). */
  problem?: (opts: O) => AnalysisOptions;
  run: (ctx: PipelineContext, opts: O) => Promise<PipelineOutput>;
  /** Parts that run their own data-loss graph and leave the regularizers out say so here. */
  dataOnlyNote?: string;
}

/** What {@link runAnalysis} returns: the summary written, its digest and the report folder. */
export interface AnalysisRun {
  summary: Record<string, unknown> & { meta: RunMeta; objective: ObjectiveCard };
  digest: string;
  /** The published report folder. */
  folder: string;
}

/**
 * Runs one command's pipeline as the CLI does: checks the options (naming fields), loads the
 * problem, runs the analysis and writes the report folder (summary.json, figures, report.md)
 * through a staging folder that is committed atomically at the end. `hooks` carry progress and
 * interrupts.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { runAnalysis, evalPipeline } from 'losslens/pipelines';
 *
 * const run = await runAnalysis(evalPipeline, { model: 'fixtures/linreg', data: 'fixtures/linreg/data.csv', out: 'reports/lib-eval', force: true });
 * assert.equal(run.folder, 'reports/lib-eval');
 * assert.ok(Math.abs((run.summary.loss as number) - 0.009124412201344967) < 1e-7); // the fixture's recorded loss
 * ```
 */
export async function runAnalysis<O extends AnalysisOptions>(pipeline: AnalysisPipeline<O>, opts: O, hooks: RunHooks = {}): Promise<AnalysisRun> {
  const started = Date.now();
  checkScale(opts.scale);
  pipeline.check?.(opts);
  const out = await prepareOutputDir(opts.out ?? defaultOutDir(pipeline.command), { force: opts.force ?? false });
  const dropStaging = hooks.onInterrupt?.(() => out.abort()) ?? (() => undefined);
  let problem: Problem | undefined;
  try {
    problem = await loadProblem(problemOptions(pipeline.problem?.(opts) ?? opts));
    const result = await pipeline.run({ problem, progress: hooks.progress ?? silent, out }, opts);
    const hvp = hvpMethod(problem.model.arch, (opts as { hvp?: 'exact' | 'fd' }).hvp);
    const meta = buildMeta({
      command: pipeline.command,
      options: { ...opts } as Record<string, unknown>,
      backend: problem.backend,
      workers: problem.workers,
      seed: opts.seed,
      hvp,
      inference: inferenceMode(problem.model.arch),
      started,
    });
    // every summary says which terms the analysed objective includes
    const objective = withDataOnlyNote(pipeline.dataOnlyNote, objectiveCard(problem.model, problem.regularizers));
    const summary = { ...result.summary, objective, meta };
    await writeReport(out, { ...result, summary });
    await out.commit();
    dropStaging();
    return { summary, digest: result.digest, folder: out.finalPath };
  } catch (err) {
    await out.abort();
    dropStaging();
    throw err;
  } finally {
    await problem?.dispose();
  }
}

function withDataOnlyNote(note: string | undefined, card: ObjectiveCard): ObjectiveCard {
  if (!note || card.regularizers !== 'included') return card;
  return { ...card, description: `${card.description} (${note})` };
}
