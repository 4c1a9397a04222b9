/** eval: loss, accuracy, ‖∇L‖ and per-layer gradient norms of a checkpoint on its data (and held-out data). */
import { evaluatePoint } from '../objective/evaluate-point.js';
import { modelCard } from '../model/model-card.js';
import { formatTable, num } from '../report/text-table.js';
import { requireData, type AnalysisOptions } from './common.js';
import { withPassProgress } from './pass-progress.js';
import type { AnalysisPipeline } from './run-analysis.js';
import type { OutputMetrics } from '../objective/types.js';

/** The eval command's options: those of every analysis. */
export type EvalOptions = AnalysisOptions;

/** The eval command: loss and accuracy of a checkpoint on its data, for {@link runAnalysis}. */
export const evalPipeline: AnalysisPipeline<EvalOptions> = {
  command: 'eval',
  check: requireData,
  async run({ problem, progress }, opts) {
    const objective = problem.train!.objective;
    const train = await withPassProgress(objective, progress('eval (loss, gradient)'), () => evaluatePoint(objective));
    const test = problem.test
      ? await withPassProgress(problem.test.objective, progress('eval (test loss)'), () => problem.test!.objective.evaluate(problem.model.theta0))
      : undefined;
    // Each row is labelled by the role the user gave the file (--data, --test-data), not "train":
    // --data may well be a test set.
    const role = opts.data ? '--data' : '--x/--y';
    const dataSource = problem.train!.dataset.source;
    const summary = {
      model: modelCard(problem.model, { regularizers: problem.regularizers }),
      data: { option: role, source: dataSource },
      ...train,
      ...(test ? { test: { ...test, option: '--test-data', source: problem.test!.dataset.source } } : {}),
    };
    const rows: (string | number)[][] = [[role, dataSource, num(train.loss), num(train.accuracy), num(train.gradNorm), train.n]];
    if (test) rows.push(['--test-data', problem.test!.dataset.source, num(test.loss), num(test.accuracy), '', test.n]);
    const layers = Object.entries(train.gradNormPerLayer).map(([k, v]) => [k, num(v)]);
    const digest =
      formatTable(['data', 'file', 'loss', 'accuracy', '‖∇L‖', 'samples'], rows) +
      outputsTable(train.outputs, test?.outputs) +
      '\n\n' +
      formatTable(['layer', '‖∇L‖ (layer)'], layers);
    return { summary, digest };
  },
};

/** Each output's own loss, weight and accuracy (a model with several outputs; the total above is Σ weight · loss). */
function outputsTable(train: OutputMetrics[] | undefined, test: OutputMetrics[] | undefined): string {
  if (!train) return '';
  const rows = [...train.map((o) => ['--data', o]), ...(test ?? []).map((o) => ['--test-data', o])] as [string, OutputMetrics][];
  return (
    '\n\n' +
    formatTable(
      ['data', 'output', 'loss', 'weight', 'accuracy'],
      rows.map(([d, o]) => [d, `${o.name} (${o.lossName})`, num(o.loss), o.weight, num(o.accuracy)]),
    )
  );
}
