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
    const summary = { model: modelCard(problem.model), ...train, ...(test ? { test } : {}) };
    const rows: (string | number)[][] = [['train', num(train.loss), num(train.accuracy), num(train.gradNorm), train.n]];
    if (test) rows.push(['test', num(test.loss), num(test.accuracy), '', test.n]);
    const layers = Object.entries(train.gradNormPerLayer).map(([k, v]) => [k, num(v)]);
    const table = formatTable(['data', 'loss', 'accuracy', '‖∇L‖', 'samples'], rows) + '\n\n' + formatTable(['layer', '‖∇L‖ (layer)'], layers);
    return { summary, table };
  });
}
