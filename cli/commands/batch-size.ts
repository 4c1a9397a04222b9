/**
 * `losslens batch-size --model M --data D --batch-sizes 16,64,256,1024 [--lr-scaling none|linear|sqrt]`:
 * the minima that small and large batches find (Keskar et al. 2017): losses, generalisation gap,
 * sharpness, and the line through the smallest- and largest-batch minima. A resumable study folder.
 */
import type { Argv } from 'yargs';
import { studyOptions, numberList, STUDY_KEYS, type StudyArgs } from '../study-options.js';
import { BATCH_SIZE_DEFAULTS as D } from '../../src/pipelines/defaults.js';
import type { BatchSizeOptions } from '../../src/pipelines/batch-size.js';
import { LR_SCALINGS } from '../../src/studies/batch-size-study.js';

export const command = 'batch-size';
export const describe = 'train at several batch sizes and compare the minima: gap, sharpness, the line between the smallest- and largest-batch minima';

export const builder = (y: Argv) =>
  studyOptions(y)
    .option('batch-sizes', { type: 'string', default: D.batchSizes.join(','), describe: 'comma-separated batch sizes to compare (replaces --batch-size)' })
    .option('lr-scaling', {
      type: 'string',
      choices: LR_SCALINGS as unknown as string[],
      default: D.lrScaling,
      describe: 'learning rate per batch size b: none (lr), linear (lr·b/b₀) or sqrt (lr·√(b/b₀))',
    })
    .option('base-batch-size', { type: 'number', describe: 'b₀, the batch size that trains at --lr (default: the smallest)' })
    .option('seeds', { type: 'number', default: D.seeds, describe: 'seeds per batch size (0..N−1)' })
    .option('optimizer', { type: 'string', default: D.optimizer, describe: 'optimizer of every run' })
    .option('lr', { type: 'number', describe: 'learning rate at b₀ (optimizer default when omitted)' })
    .option('slice-range', { type: 'string', default: D.sliceRange.join(':'), describe: 'α range lo:hi of θ(α) = (1−α)θ_small + αθ_large' })
    .option('slice-points', { type: 'number', default: D.slicePoints, describe: 'α points on that line (0 and 1 always included)' })
    .option('slice-directions', {
      type: 'number',
      default: D.sliceDirections,
      describe: 'random filter-normalised directions sliced around each of the two minima',
    })
    .option('slice-direction-range', { type: 'number', default: D.sliceDirectionRange, describe: 'half-width r of those slices (α ∈ [−r, r])' })
    .option('slice-direction-points', { type: 'number', default: D.sliceDirectionPoints, describe: 'points per random-direction slice' });

export type BatchSizeArgs = StudyArgs & {
  batchSizes: string;
  lrScaling: string;
  baseBatchSize?: number;
  seeds: number;
  optimizer: string;
  lr?: number;
  sliceRange: string;
  slicePoints: number;
  sliceDirections: number;
  sliceDirectionRange: number;
  sliceDirectionPoints: number;
};

export async function handler(args: BatchSizeArgs): Promise<void> {
  const { batchSizeStudy } = await import('../../src/pipelines/batch-size.js');
  const { runStudyCommand, executorOptions } = await import('../study-runner.js');
  const { fields } = await import('../run-analysis.js');
  const { optionError } = await import('../../src/errors.js');
  const { parseRange } = await import('../parse.js');
  if (process.argv.slice(2).some((a) => a === '--batch-size' || a.startsWith('--batch-size=')))
    throw optionError('batchSize', 'is set per run by this study; give {batchSizes}');
  const study = await batchSizeStudy({
    ...fields(
      args,
      STUDY_KEYS.filter((k) => k !== 'batchSize'),
    ),
    ...fields(args, ['seeds', 'optimizer', 'lr', 'baseBatchSize', 'slicePoints', 'sliceDirections', 'sliceDirectionRange', 'sliceDirectionPoints']),
    lrScaling: args.lrScaling,
    batchSizes: numberList('batchSizes', args.batchSizes) ?? [],
    sliceRange: parseRange(args.sliceRange, 'sliceRange', D.sliceRange),
  } as BatchSizeOptions);
  await runStudyCommand(study, { ...executorOptions(args), json: args.json, quiet: args.quiet });
}
