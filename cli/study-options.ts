/** Options shared by the study commands (seeds, optimizers): data, training, measurement, study folder. */
import type { Argv } from 'yargs';
import { modelOption, dataOptions } from './options.js';
import { BACKEND_NAMES } from '../src/engine/index.js';
import { optionError } from '../src/errors.js';
import { STUDY_DEFAULTS as S } from '../src/pipelines/study-inputs.js';
import { queueCredentialOptions, type QueueCredentialArgs } from './queue-credential-options.js';

/** Where a study's runs execute beyond this machine: a BullMQ queue on Redis (see `losslens worker`). */
export const queueOptions = <T>(y: Argv<T>) =>
  queueCredentialOptions(y)
    .option('redis', {
      type: 'string',
      describe:
        'enqueue the runs on Redis (redis://host:port, no password; bare: REDIS_URL; or give --redis-url-file) for `losslens worker` processes on any machine, instead of local workers',
    })
    .option('queue', { type: 'string', default: 'losslens', describe: 'with --redis: queue name (workers serve the same name)' })
    .option('attempts', { type: 'number', default: 3, describe: 'with --redis: tries per run (retried with backoff) before it is recorded as failed' })
    .option('shared-fs', {
      type: 'boolean',
      default: false,
      describe:
        'with --redis: workers read the model and data at these same paths (a shared file system; each worker started with --shared-fs ROOT above them) instead of copies through Redis',
    });

export interface QueueArgs extends QueueCredentialArgs {
  redis?: string;
  queue: string;
  attempts: number;
  sharedFs: boolean;
}

export const studyOptions = <T>(y: Argv<T>) =>
  queueOptions(dataOptions(modelOption(y)))
    .option('backend', { type: 'string', choices: BACKEND_NAMES as unknown as string[], default: S.backend, describe: 'tfjs backend in each worker' })
    .option('workers', { type: 'number', describe: 'worker threads running runs in parallel (default: core count; 1 = in process)' })
    .option('out', { alias: 'o', type: 'string', describe: 'study folder (default reports/studies/<command>-<config hash>); re-running resumes it' })
    .option('force', { type: 'boolean', default: false, describe: 'accept a changed config: the old runs are moved to superseded-<time>/' })
    .option('scale', { type: 'number', default: S.scale, describe: 'figure resolution multiplier (1 = 800×600)' })
    .option('json', { type: 'boolean', default: false, describe: 'print summary.json to stdout' })
    .option('epochs', { type: 'number', default: S.epochs, describe: 'passes over the training split per run' })
    .option('batch-size', { type: 'number', default: S.batchSize, describe: 'minibatch size' })
    .option('init', { type: 'string', default: S.init, describe: 'initializer of each run (topology or a named one)' })
    .option('val-split', { type: 'number', describe: 'fraction held out for validation (same split for every run)' })
    .option('eval-batch-size', { type: 'number', default: S.evalBatchSize, describe: 'samples per evaluation batch' })
    .option('sharpness', { type: 'boolean', default: S.sharpness, describe: 'measure λmax, trace and random-direction sharpness of each minimum' })
    .option('lanczos-iter', { type: 'number', default: S.lanczosIter, describe: 'Lanczos iterations for λmax' })
    .option('trace-probes', { type: 'number', default: S.traceProbes, describe: 'Hutchinson probes for the trace' })
    .option('directions', { type: 'number', default: S.directions, describe: 'K filter-normalised directions for random-direction sharpness' })
    .option('epsilon', { type: 'number', default: S.epsilon, describe: 'ε: random-direction sharpness is max over α∈[−ε, ε] of L(θ+αd) − L(θ)' });

/** The flags every study command takes as yargs gives them: model and data, backend and workers, the output folder. */
export interface StudyRunArgs extends QueueArgs {
  model: string;
  data?: string;
  x?: string;
  y?: string;
  labelColumn?: string;
  samples?: number;
  loss?: string;
  backend: string;
  workers?: number;
  out?: string;
  force: boolean;
  scale: number;
  json: boolean;
  quiet?: boolean;
}

/** The study flags as yargs gives them; their fields are StudyOptions' (src/pipelines/study-inputs.ts). */
export interface StudyArgs extends StudyRunArgs {
  testData?: string;
  verbose?: boolean;
  epochs: number;
  batchSize: number;
  init: string;
  valSplit?: number;
  evalBatchSize: number;
  sharpness: boolean;
  lanczosIter: number;
  traceProbes: number;
  directions: number;
  epsilon: number;
}

export const STUDY_KEYS = [
  'model',
  'data',
  'x',
  'y',
  'testData',
  'labelColumn',
  'samples',
  'loss',
  'backend',
  'scale',
  'epochs',
  'batchSize',
  'init',
  'valSplit',
  'evalBatchSize',
  'sharpness',
  'lanczosIter',
  'traceProbes',
  'directions',
  'epsilon',
] as const;

/** Comma-separated numbers, e.g. "8,32,128" (each checked to be finite). */
export function numberList(field: string, s: string | number | undefined): number[] | undefined {
  if (s === undefined || s === '') return undefined;
  const out = String(s)
    .split(',')
    .map((t) => Number(t.trim()));
  if (out.some((v) => !Number.isFinite(v))) throw optionError(field, `expected comma-separated numbers, got "${s}"`);
  return out;
}
