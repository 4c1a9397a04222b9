/** `losslens interpolate --from A --to B`: loss along the segment between two checkpoints, and its barrier (src/pipelines/interpolate.ts). */
import type { Argv } from 'yargs';
import { dataOptions, computeOptions, outputOptions, type CommonArgs } from '../options.js';
import { ANALYSIS_KEYS } from '../../src/pipelines/common.js';
import { INTERPOLATE_DEFAULTS as D } from '../../src/pipelines/defaults.js';
import { batchNormOptions, type BatchNormArgs } from '../batch-norm.js';
import { queueOptions, type QueueArgs } from '../study-options.js';

export const command = 'interpolate';
export const describe = 'loss and accuracy along (1−α)θ_A + αθ_B, with the barrier height (Goodfellow et al. 2015)';

export const builder = (y: Argv) =>
  queueOptions(batchNormOptions(outputOptions(computeOptions(dataOptions(y)))))
    .option('from', { type: 'string', demandOption: true, describe: 'checkpoint A (model.json or folder)' })
    .option('to', { type: 'string', demandOption: true, describe: 'checkpoint B (same architecture)' })
    .option('range', { type: 'string', default: D.range.join(':'), describe: 'α range LO:HI' })
    .option('points', { type: 'number', default: D.points, describe: 'points on the path' })
    .option('block-points', { type: 'number', describe: 'with --redis: path points per queued block (default: an eighth of the path)' });

type InterpArgs = Omit<CommonArgs, 'model'> &
  BatchNormArgs &
  Partial<QueueArgs> & { from: string; to: string; range: string; points: number; blockPoints?: number };

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
  const { usesQueue } = await import('../../src/studies/executors/queue-credentials.js');
  if (!usesQueue(args)) {
    if (args.blockPoints !== undefined)
      throw (await import('../../src/errors.js')).optionError('blockPoints', 'sets the blocks of a queued path: it needs {redis}');
    return runAnalysisCommand(interpolatePipeline, opts, args);
  }
  const { interpolateQueueStudy } = await import('../../src/pipelines/interpolate-queue.js');
  const { runStudyCommand, executorOptions } = await import('../study-runner.js');
  const run = { ...executorOptions(args), workers: undefined };
  const study = await interpolateQueueStudy({ ...opts, blockPoints: args.blockPoints }, run);
  await runStudyCommand(study.pipeline, { ...run, out: study.out, json: args.json, quiet: args.quiet });
}
