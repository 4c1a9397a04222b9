/** `losslens interpolate --from A --to B`: loss along the segment between two checkpoints, and its barrier (src/pipelines/interpolate.ts). */
import type { Argv } from 'yargs';
import { dataOptions, computeOptions, outputOptions, type CommonArgs } from '../options.js';
import { ANALYSIS_KEYS } from '../../src/pipelines/common.js';
import { INTERPOLATE_DEFAULTS as D } from '../../src/pipelines/defaults.js';
import { batchNormOptions, type BatchNormArgs } from '../batch-norm.js';

export const command = 'interpolate';
export const describe = 'loss and accuracy along (1−α)θ_A + αθ_B, with the barrier height (Goodfellow et al. 2015)';

export const builder = (y: Argv) =>
  batchNormOptions(outputOptions(computeOptions(dataOptions(y))))
    .option('from', { type: 'string', demandOption: true, describe: 'checkpoint A (model.json or folder)' })
    .option('to', { type: 'string', demandOption: true, describe: 'checkpoint B (same architecture)' })
    .option('range', { type: 'string', default: D.range.join(':'), describe: 'α range LO:HI' })
    .option('points', { type: 'number', default: D.points, describe: 'points on the path' });

type InterpArgs = Omit<CommonArgs, 'model'> & BatchNormArgs & { from: string; to: string; range: string; points: number };

export async function handler(args: InterpArgs): Promise<void> {
  const { interpolatePipeline, withModelFrom } = await import('../../src/pipelines/interpolate.js');
  const { runAnalysisCommand, fields } = await import('../run-analysis.js');
  const { parseRange } = await import('../parse.js');
  const opts = withModelFrom({
    ...fields(args as unknown as CommonArgs, ANALYSIS_KEYS),
    from: args.from,
    to: args.to,
    points: args.points,
    recomputeBn: args.recomputeBn,
    range: parseRange(args.range, '--range', D.range),
  });
  await runAnalysisCommand(interpolatePipeline, opts, args);
}
