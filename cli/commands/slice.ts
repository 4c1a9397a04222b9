/** `losslens slice`: 1-D or 2-D loss slices along filter-normalised (or chosen) directions (src/pipelines/slice.ts). */
import type { Argv } from 'yargs';
import { modelOption, dataOptions, computeOptions, outputOptions, type CommonArgs } from '../options.js';
import type { DirectionOptions } from '../../src/pipelines/direction-sources.js';
import { ANALYSIS_KEYS } from '../../src/pipelines/common.js';
import { SLICE_DEFAULTS as D } from '../../src/pipelines/defaults.js';
import { batchNormOptions, type BatchNormArgs } from '../batch-norm.js';
import { queueOptions, type QueueArgs } from '../study-options.js';

export const command = 'slice';
export const describe = 'loss along 1 or 2 directions around the checkpoint (Li et al. 2018)';

export const builder = (y: Argv) =>
  queueOptions(batchNormOptions(outputOptions(computeOptions(dataOptions(modelOption(y))))))
    .option('dims', { type: 'number', choices: [1, 2], default: D.dims, describe: '1-D curve or 2-D surface' })
    .option('range', { type: 'string', default: '-1:1', describe: 'α range LO:HI (write --range=-1:1 or --range -1:1)' })
    .option('y-range', { type: 'string', describe: 'β range for 2-D (default: --range)' })
    .option('points', { type: 'number', default: D.points, describe: 'points per axis' })
    .option('norm', { type: 'string', choices: ['filter', 'layer', 'none'], default: D.norm, describe: 'direction normalisation' })
    .option('include-bias', { type: 'boolean', default: D.includeBias, describe: 'perturb 1-D parameters (biases, BatchNorm) too' })
    .option('orthogonalize', { type: 'boolean', default: D.orthogonalize, describe: 'make direction 2 orthogonal to direction 1' })
    .option('dir1', { type: 'string', describe: 'direction 1 from a float32 file in θ layout (.f32 or .npy)' })
    .option('dir2', { type: 'string', describe: 'direction 2 from a file' })
    .option('hessian-dirs', { type: 'string', describe: 'report folder of `losslens hessian --save-eigenvectors`: slice along the top eigenvectors' })
    .option('trajectory', { type: 'string', describe: 'folder of checkpoints: slice in their PCA plane' })
    .option('log', { type: 'boolean', describe: 'log colour scale (default: when the loss spans > 2 decades)' })
    .option('linear', { type: 'boolean', describe: 'linear colour scale' })
    .option('block-points', {
      type: 'number',
      describe: 'with --redis: grid points per queued block (default: one row of a 2-D grid, an eighth of a 1-D curve)',
    });

type SliceArgs = CommonArgs &
  BatchNormArgs &
  Partial<QueueArgs> &
  DirectionOptions & { dims: number; range: string; yRange?: string; points: number; log?: boolean; linear?: boolean; blockPoints?: number };

const SLICE_KEYS = ['points', 'norm', 'includeBias', 'orthogonalize', 'dir1', 'dir2', 'hessianDirs', 'trajectory', 'recomputeBn', 'bnSamples'] as const;

export async function handler(args: SliceArgs): Promise<void> {
  const { slicePipeline } = await import('../../src/pipelines/slice.js');
  const { runAnalysisCommand, fields } = await import('../run-analysis.js');
  const { parseRange } = await import('../parse.js');
  const { optionError } = await import('../../src/errors.js');
  const range = parseRange(args.range, '--range', D.range);
  const opts = {
    ...fields(args, ANALYSIS_KEYS),
    ...fields(args, SLICE_KEYS),
    model: args.model,
    dims: args.dims === 2 ? (2 as const) : (1 as const),
    range,
    yRange: args.yRange ? parseRange(args.yRange, '--y-range', range) : undefined,
    colorScale: args.linear ? ('linear' as const) : args.log ? ('log' as const) : undefined,
  };
  const { usesQueue } = await import('../../src/studies/executors/queue-credentials.js');
  if (!usesQueue(args)) {
    if (args.blockPoints !== undefined) throw optionError('blockPoints', 'sets the blocks of a queued slice: it needs {redis}');
    return runAnalysisCommand(slicePipeline, opts, args);
  }
  const { sliceQueueStudy } = await import('../../src/pipelines/slice-queue.js');
  const { runStudyCommand, executorOptions } = await import('../study-runner.js');
  const run = { ...executorOptions(args), workers: undefined };
  const study = await sliceQueueStudy({ ...opts, blockPoints: args.blockPoints }, run);
  await runStudyCommand(study.pipeline, { ...run, out: study.out, json: args.json, quiet: args.quiet });
}
