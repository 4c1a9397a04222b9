/** eval: loss, accuracy, ‖∇L‖ and per-layer gradient norms of a checkpoint on its data (and held-out data). */
import { evaluatePoint } from '../objective/evaluate-point.js';
import { modelCard } from '../model/model-card.js';
import { formatTable, num } from '../report/text-table.js';
import { requireData, type AnalysisOptions } from './common.js';
import { withPassProgress } from './pass-progress.js';
import type { AnalysisPipeline } from './run-analysis.js';
import { outputsTable } from './output-metrics.js';

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
      (train.outputs
        ? `\n\n${outputsTable([
            ['--data', train.outputs],
            ['--test-data', test?.outputs],
          ])}`
        : '') +
      '\n\n' +
      formatTable(['layer', '‖∇L‖ (layer)'], layers);
    return { summary, digest };
  },
};
