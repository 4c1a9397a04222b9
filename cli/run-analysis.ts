/**
 * The shape every analysis command shares: refuse a bad output folder before any work,
 * load the problem once, run, write the report into a staging folder, then publish it
 * in one rename. Interrupted or failed runs leave no half-written report.
 */
import { prepareOutputDir, defaultOutDir, type OutputDir } from '../src/io/output-dir.js';
import { loadProblem, type Problem, type DataSource } from '../src/problem.js';
import { writeReport, type ReportContent } from '../src/report/write-report.js';
import { buildMeta } from '../src/report/meta.js';
import { objectiveCard, type ObjectiveCard } from '../src/model/model-card.js';
import { onInterrupt } from './cleanup.js';
import { checkScale } from './parse.js';
import { createProgress, type Progress } from './progress.js';
import type { CommonArgs } from './options.js';

export interface AnalysisContext<A> {
  args: A;
  problem: Problem;
  progress: (title: string) => Progress;
  out: OutputDir;
}

export interface AnalysisOutput extends ReportContent {
  /** A short human table for stdout. */
  table: string;
}

export function dataSources(args: CommonArgs): { train?: DataSource; test?: DataSource } {
  const common = { labelColumn: args.labelColumn, samples: args.samples, seed: args.seed };
  const train = args.data || args.x ? { data: args.data, x: args.x, y: args.y, ...common } : undefined;
  const test = args.testData ? { data: args.testData, ...common, split: 'test' as const } : undefined;
  return { train, test };
}

export async function runAnalysis<A extends CommonArgs>(
  command: string,
  args: A,
  run: (ctx: AnalysisContext<A>) => Promise<AnalysisOutput>,
): Promise<void> {
  const started = Date.now();
  checkScale(args.scale);
  const out = await prepareOutputDir(args.out ?? defaultOutDir(command), { force: args.force });
  const dropStaging = onInterrupt(() => out.abort());
  let problem: Problem | undefined;
  try {
    const { train, test } = dataSources(args);
    problem = await loadProblem({
      model: args.model,
      train,
      test,
      loss: args.loss,
      backend: args.backend,
      batchSize: args.batchSize,
      hvp: args.hvp,
      workers: args.workers,
      bnSamples: args.bnSamples,
      regularizers: args.regularizers ?? true,
    });
    const ctx: AnalysisContext<A> = { args, problem, out, progress: (t) => createProgress(t, { quiet: args.quiet }) };
    const result = await run(ctx);
    const meta = buildMeta({ command, options: optionsOf(args), backend: problem.backend, workers: problem.workers, seed: args.seed, started });
    // every summary says which terms the analysed objective includes
    const objective = withDataOnlyNote(command, objectiveCard(problem.model, problem.regularizers));
    const summary = { ...result.summary, objective, meta };
    await writeReport(out, { ...result, summary });
    await out.commit();
    dropStaging();
    if (args.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    else process.stdout.write(`${result.table}\nobjective: ${objective.description}\nreport: ${out.finalPath}\n`);
  } catch (err) {
    await out.abort();
    dropStaging();
    throw err;
  } finally {
    await problem?.dispose();
  }
}

/**
 * Parts that run their own data-loss graph (the gradient-health profile) do not include the
 * regularizers; their summaries say so when the checkpoint has any. (Training includes them.)
 */
const DATA_ONLY: Record<string, string> = {
  gradients: 'the gradient profile uses the data term only',
  report: 'its gradient-health section uses the data term only',
};

function withDataOnlyNote(command: string, card: ObjectiveCard): ObjectiveCard {
  const note = DATA_ONLY[command];
  if (!note || card.regularizers !== 'included') return card;
  return { ...card, description: `${card.description} (${note})` };
}

/** The options as the user gave them, without yargs' aliases and internals. */
export function optionsOf(args: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).filter(([k]) => k !== '_' && k !== '$0' && !k.includes('-') && k.length > 1));
}
