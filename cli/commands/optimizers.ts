/**
 * `losslens optimizers --model M --data D --optimizers sgd,momentum,adam --lrs 0.1,0.03,0.01`:
 * grid search per optimizer on validation loss, then the best settings compared: loss histories,
 * final losses, sharpness, steps to a target loss, and their paths on a PCA plane. Resumable.
 */
import type { Argv } from 'yargs';
import { studyOptions, numberList, STUDY_KEYS, type StudyArgs } from '../study-options.js';
import { OPTIMIZERS_DEFAULTS as D } from '../../src/pipelines/defaults.js';
import type { OptimizersOptions } from '../../src/pipelines/optimizers.js';

export const command = 'optimizers';
export const describe = 'compare optimizers: grid search on validation loss, then losses, sharpness and paths of the best settings';

export const builder = (y: Argv) =>
  studyOptions(y)
    .option('optimizers', { type: 'string', default: D.optimizers, describe: 'comma-separated optimizer names' })
    .option('lrs', { type: 'string', default: D.lrs, describe: 'learning-rate grid (adadelta: used as given)' })
    .option('momentums', { type: 'string', default: D.momentums, describe: 'momentum grid for momentum/nesterov' })
    .option('beta1s', { type: 'string', default: D.beta1s, describe: 'β₁ grid for adam/adamax' })
    .option('seeds', { type: 'number', default: D.seeds, describe: 'seeds per setting (0..N−1)' })
    .option('target-loss', { type: 'number', describe: 'train loss for "steps to target" (default: the worst best-setting median final loss)' })
    .option('snapshots', { type: 'number', default: D.snapshots, describe: 'θ snapshots per run for the PCA-plane figure' })
    .option('plane-points', { type: 'number', default: D.planePoints, describe: 'grid points per axis of the PCA-plane contours' });

export type OptimizersArgs = StudyArgs & {
  optimizers: string;
  lrs: string;
  momentums: string;
  beta1s: string;
  seeds: number;
  targetLoss?: number;
  snapshots: number;
  planePoints: number;
};

export async function handler(args: OptimizersArgs): Promise<void> {
  const { optimizersStudy } = await import('../../src/pipelines/optimizers.js');
  const { runStudyCommand, executorOptions } = await import('../study-runner.js');
  const { fields } = await import('../run-analysis.js');
  const study = await optimizersStudy({
    ...fields(args, STUDY_KEYS),
    ...fields(args, ['seeds', 'targetLoss', 'snapshots', 'planePoints']),
    optimizers: String(args.optimizers).split(','),
    lrs: numberList('--lrs', args.lrs) ?? [],
    momentums: numberList('--momentums', args.momentums),
    beta1s: numberList('--beta1s', args.beta1s),
  } as OptimizersOptions);
  await runStudyCommand(study, { ...executorOptions(args), json: args.json, quiet: args.quiet });
}
