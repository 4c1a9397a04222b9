/** `losslens eval --model M --data D`: loss, accuracy, ‖∇L‖ and per-layer gradient norms (src/pipelines/eval.ts). */
import type { Argv } from 'yargs';
import { modelOption, dataOptions, computeOptions, outputOptions, type CommonArgs } from '../options.js';
import { ANALYSIS_KEYS } from '../../src/pipelines/common.js';

export const command = 'eval';
export const describe = 'evaluate a checkpoint on a dataset: loss, accuracy, gradient norms';

export const builder = (y: Argv) => outputOptions(computeOptions(dataOptions(modelOption(y))));

export async function handler(args: CommonArgs): Promise<void> {
  const { evalPipeline } = await import('../../src/pipelines/eval.js');
  const { runAnalysisCommand, fields } = await import('../run-analysis.js');
  await runAnalysisCommand(evalPipeline, { ...fields(args, ANALYSIS_KEYS), model: args.model }, args);
}
