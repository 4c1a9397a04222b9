/** `losslens eval --model M --data D`: loss, accuracy, ‖∇L‖ and per-layer gradient norms. */
import type { Argv } from 'yargs';
import { modelOption, dataOptions, computeOptions, outputOptions, type CommonArgs } from '../options.js';
import { runAnalysis } from '../run-analysis.js';
import { formatTable, num } from '../table.js';

export const command = 'eval';
export const describe = 'evaluate a checkpoint on a dataset: loss, accuracy, gradient norms';

export const builder = (y: Argv) => outputOptions(computeOptions(dataOptions(modelOption(y))));

export async function handler(args: CommonArgs): Promise<void> {
  const { evaluatePoint } = await import('../../src/objective/evaluate-point.js');
  const { modelCard } = await import('../../src/model/model-card.js');
  const { requireData } = await import('../require-data.js');
  requireData(args);
  const { withPassProgress } = await import('../pass-progress.js');
  await runAnalysis('eval', args, async ({ problem, progress }) => {
    const objective = problem.train!.objective;
    const train = await withPassProgress(objective, progress('eval (loss, gradient)'), () => evaluatePoint(objective));
    const test = problem.test ? await withPassProgress(problem.test.objective, progress('eval (test loss)'), () => problem.test!.objective.evaluate(problem.model.theta0)) : undefined;
    // Each row is labelled by the role the user gave the file (--data, --test-data), not "train":
    // --data may well be a test set.
    const dataSource = problem.train!.dataset.source;
    const summary = {
      model: modelCard(problem.model, { regularizers: problem.regularizers }),
      data: { option: args.data ? '--data' : '--x/--y', source: dataSource },
      ...train,
      ...(test ? { test: { ...test, option: '--test-data', source: problem.test!.dataset.source } } : {}),
    };
    const rows: (string | number)[][] = [[args.data ? '--data' : '--x/--y', dataSource, num(train.loss), num(train.accuracy), num(train.gradNorm), train.n]];
    if (test) rows.push(['--test-data', problem.test!.dataset.source, num(test.loss), num(test.accuracy), '', test.n]);
    const layers = Object.entries(train.gradNormPerLayer).map(([k, v]) => [k, num(v)]);
    const table = formatTable(['data', 'file', 'loss', 'accuracy', '‖∇L‖', 'samples'], rows) + '\n\n' + formatTable(['layer', '‖∇L‖ (layer)'], layers);
    return { summary, table };
  });
}
