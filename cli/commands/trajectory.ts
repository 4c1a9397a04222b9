/**
 * `losslens trajectory --checkpoints DIR --data D [--analyses loss,lambda-max,trace,density,slice]`:
 * the analyses of every checkpoint of a training run against the step, one task per checkpoint on
 * local workers or a Redis queue (--redis), in a resumable study folder (src/pipelines/trajectory.ts).
 */
import type { Argv } from 'yargs';
import { BACKEND_NAMES } from '../../src/engine/index.js';
import { queueOptions, type QueueArgs } from '../study-options.js';
import { curvatureOptions, CURVATURE_KEYS } from '../curvature-options.js';
import { dataOptions } from '../options.js';
import { parseRange } from '../parse.js';
import { TRAJECTORY_DEFAULTS as D } from '../../src/pipelines/trajectory-defaults.js';
import type { TrajectoryOptions } from '../../src/pipelines/trajectory.js';
import type { CheckpointAnalysis } from '../../src/studies/tasks/checkpoint-analysis.js';

export const command = 'trajectory';
export const describe = "a training run's checkpoints: loss, λmax (vs 2/η), trace, spectral density and 1-D slices against the step";

export const builder = (y: Argv) =>
  curvatureOptions(queueOptions(dataOptions(y)), D, ' per checkpoint')
    .option('checkpoints', {
      alias: 'c',
      type: 'string',
      demandOption: true,
      describe: 'a `train --save-every` output folder, or a folder of checkpoint subfolders named by step (epoch-3, step-100)',
    })
    .option('analyses', { type: 'string', default: D.analyses.join(','), describe: 'per checkpoint, any of loss,lambda-max,trace,density,slice' })
    .option('backend', { type: 'string', choices: BACKEND_NAMES as unknown as string[], default: D.backend, describe: 'tfjs backend in each worker' })
    .option('batch-size', { type: 'number', describe: 'samples per batch of the loss and HVPs (default: by memory, as the analysis commands)' })
    .option('seed', { type: 'number', default: 0, describe: 'seed of the Lanczos start, the probes and the slice direction (as hessian and slice)' })
    .option('regularizers', { type: 'boolean', default: true, describe: "include the checkpoint's weight regularizers in the loss" })
    .option('points', { type: 'number', default: D.points, describe: 'slice: points along the direction' })
    .option('range', { type: 'string', describe: 'slice: α range LO:HI (default -1:1)' })
    .option('lr', { type: 'number', describe: "learning rate for 2/η where the checkpoints' training config names none" })
    .option('workers', {
      type: 'number',
      describe: "worker threads running checkpoints in parallel (default 1: in process, numbers that repeat to the bit and equal the queue's)",
    })
    .option('out', { alias: 'o', type: 'string', describe: 'study folder (default reports/studies/trajectory-<config hash>); re-running resumes it' })
    .option('force', { type: 'boolean', default: false, describe: 'accept a changed config: the old runs are moved to superseded-<time>/' })
    .option('scale', { type: 'number', default: 1, describe: 'figure resolution multiplier (1 = 800×600)' })
    .option('json', { type: 'boolean', default: false, describe: 'print summary.json to stdout' });

export type TrajectoryArgs = QueueArgs &
  Omit<TrajectoryOptions, 'analyses' | 'range'> & {
    analyses: string;
    range?: string;
    workers?: number;
    out?: string;
    force: boolean;
    json: boolean;
    quiet?: boolean;
  };

const KEYS = [
  'checkpoints',
  'data',
  'x',
  'y',
  'labelColumn',
  'samples',
  'loss',
  'backend',
  'batchSize',
  'seed',
  'regularizers',
  'scale',
  ...CURVATURE_KEYS,
  'points',
  'lr',
] as const;

export async function handler(args: TrajectoryArgs): Promise<void> {
  const { trajectoryStudy } = await import('../../src/pipelines/trajectory.js');
  const { runStudyCommand, executorOptions } = await import('../study-runner.js');
  const { fields } = await import('../run-analysis.js');
  const analyses = String(args.analyses)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean) as CheckpointAnalysis[];
  const range = args.range === undefined ? undefined : parseRange(args.range, 'range', D.range);
  const study = await trajectoryStudy({ ...fields(args, KEYS), analyses, range } as TrajectoryOptions);
  await runStudyCommand(study, { ...executorOptions(args), json: args.json, quiet: args.quiet });
}
