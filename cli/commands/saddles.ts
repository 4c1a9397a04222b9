/**
 * `losslens saddles --model M --data D [--starts 20] [--trajectory-points 3]` (or `--preset
 * fashion-mnist-10`): critical points of the training loss from many starts by Newton-MR, each
 * verified (‖∇L‖ ratio) and measured (loss, accuracy, index at each τ); loss vs index with the
 * Spearman correlation (Dauphin et al. 2014, Fig. 1). A resumable study folder.
 */
import type { Argv } from 'yargs';
import { BACKEND_NAMES } from '../../src/engine/index.js';
import { queueOptions, numberList, type QueueArgs } from '../study-options.js';
import { dataOptions } from '../options.js';
import { SADDLES_DEFAULTS as D, SADDLES_PRESETS, type SaddlesOptions } from '../../src/pipelines/saddles.js';
import { SADDLE_METHODS } from '../../src/curvature/saddle-options.js';

export const command = 'saddles';
export const describe = 'critical points of the training loss from many starts (Newton-MR) and their loss vs saddle index (Dauphin et al. 2014, Fig. 1)';

const finderOptions = <T>(y: Argv<T>) =>
  y
    .option('grad-tol', { type: 'number', default: D.gradTol, describe: 'a point is critical when ‖∇L‖ ≤ this × ‖∇L‖ at its start' })
    .option('max-iter', { type: 'number', default: D.maxIter, describe: 'Newton-MR steps per start at most' })
    .option('minres-iter', { type: 'number', default: D.minresIter, describe: 'MINRES iterations (HVPs) per step at most' })
    .option('minres-tol', { type: 'number', default: D.minresTol, describe: 'MINRES relative residual per step' })
    .option('max-hvps', { type: 'number', default: D.maxHvps, describe: 'Hessian-vector products per start at most (the search; the index takes d more)' })
    .option('step-cap', { type: 'number', default: D.stepCap, describe: 'longest step, × max(1, ‖θ‖)' });

export const builder = (y: Argv) =>
  finderOptions(
    queueOptions(dataOptions(y))
      .option('model', { alias: 'm', type: 'string', describe: 'model.json whose architecture is used (each start re-initialises it); or --preset' })
      .option('preset', {
        type: 'string',
        choices: Object.keys(SADDLES_PRESETS),
        describe:
          "fashion-mnist-10: a 100 → 16 (tanh) → 10 softmax MLP (1 786 parameters) on 500 Fashion-MNIST images area-averaged to 10×10 (Debian's dataset-fashion-mnist)",
      })
      .option('starts', { type: 'number', default: D.starts, describe: 'starting points in all' })
      .option('trajectory-points', { type: 'number', default: D.trajectoryPoints, describe: 'starts along each SGD trajectory besides its initialisation' })
      .option('trajectory-steps', { type: 'number', default: D.trajectorySteps, describe: 'SGD steps to the last point of a trajectory' })
      .option('lr', { type: 'number', default: D.lr, describe: 'SGD learning rate of the trajectories' })
      .option('batch-size', { type: 'number', default: D.batchSize, describe: 'SGD minibatch size of the trajectories' })
      .option('eval-batch-size', { type: 'number', default: D.evalBatchSize, describe: 'samples per batch of the full-batch loss, gradient and HVPs' })
      .option('taus', { type: 'string', describe: 'thresholds τ of the index #{λ < −τ·λmax}, e.g. 1e-3,1e-4 (default 1e-3,1e-4,1e-5)' })
      .option('tau', { type: 'number', describe: 'τ of the correlation and the figure (default the first of --taus)' })
      .option('saddle-method', {
        type: 'string',
        choices: SADDLE_METHODS as unknown as string[],
        default: 'auto',
        describe: 'how the index is counted (as `hessian`)',
      })
      .option('saddle-dense-max', { type: 'number', describe: 'auto counts dense up to this many parameters (default 4000)' })
      .option('backend', { type: 'string', choices: BACKEND_NAMES as unknown as string[], default: 'auto', describe: 'tfjs backend in each worker' })
      .option('workers', {
        type: 'number',
        describe: 'worker threads running starts in parallel (default 1: in process, one start at a time, numbers that repeat to the bit)',
      })
      .option('out', { alias: 'o', type: 'string', describe: 'study folder (default reports/studies/saddles-<config hash>); re-running resumes it' })
      .option('force', { type: 'boolean', default: false, describe: 'accept a changed config: the old runs are moved to superseded-<time>/' })
      .option('scale', { type: 'number', default: 1, describe: 'figure resolution multiplier (1 = 800×600)' })
      .option('json', { type: 'boolean', default: false, describe: 'print summary.json to stdout' }),
  );

export type SaddlesArgs = QueueArgs &
  Omit<SaddlesOptions, 'taus'> & { taus?: string; workers?: number; out?: string; force: boolean; json: boolean; quiet?: boolean; x?: string; y?: string };

const KEYS = [
  'model',
  'preset',
  'data',
  'x',
  'y',
  'labelColumn',
  'samples',
  'loss',
  'backend',
  'scale',
  'starts',
  'trajectoryPoints',
  'trajectorySteps',
  'lr',
  'batchSize',
  'evalBatchSize',
  'tau',
  'saddleMethod',
  'saddleDenseMax',
  'gradTol',
  'maxIter',
  'minresIter',
  'minresTol',
  'maxHvps',
  'stepCap',
] as const;

export async function handler(args: SaddlesArgs): Promise<void> {
  const { saddlesStudy } = await import('../../src/pipelines/saddles.js');
  const { runStudyCommand, executorOptions } = await import('../study-runner.js');
  const { fields } = await import('../run-analysis.js');
  const study = await saddlesStudy({ ...fields(args, KEYS), taus: numberList('--taus', args.taus) } as SaddlesOptions);
  await runStudyCommand(study, { ...executorOptions(args), json: args.json, quiet: args.quiet });
}
