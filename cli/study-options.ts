/** Options shared by the study commands (seeds, optimizers): data, training, measurement, study folder. */
import type { Argv } from 'yargs';
import path from 'node:path';
import { modelOption, dataOptions } from './options.js';
import { BACKEND_NAMES } from '../src/engine/index.js';
import { optionError } from '../src/errors.js';
import type { TrainMeasureConfig } from '../src/studies/tasks/train-and-measure.js';
import { checkScale } from './parse.js';

/** Where a study's runs execute beyond this machine: a BullMQ queue on Redis (see `losslens worker`). */
export const queueOptions = <T>(y: Argv<T>) =>
  y.option('redis', { type: 'string', describe: 'enqueue the runs on Redis (redis://host:port) for `losslens worker` processes on any machine, instead of local workers' })
    .option('queue', { type: 'string', default: 'losslens', describe: 'with --redis: queue name (workers serve the same name)' })
    .option('attempts', { type: 'number', default: 3, describe: 'with --redis: tries per run (retried with backoff) before it is recorded as failed' })
    .option('shared-fs', { type: 'boolean', default: false, describe: 'with --redis: workers read the model and data at these same paths (a shared file system) instead of copies through Redis' });

export interface QueueArgs { redis?: string; queue: string; attempts: number; sharedFs: boolean }

export const studyOptions = <T>(y: Argv<T>) =>
  queueOptions(dataOptions(modelOption(y)))
    .option('backend', { type: 'string', choices: BACKEND_NAMES as unknown as string[], default: 'auto', describe: 'tfjs backend in each worker' })
    .option('workers', { type: 'number', describe: 'worker threads running runs in parallel (default: core count; 1 = in process)' })
    .option('out', { alias: 'o', type: 'string', describe: 'study folder (default reports/studies/<command>-<config hash>); re-running resumes it' })
    .option('force', { type: 'boolean', default: false, describe: 'accept a changed config: the old runs are moved to superseded-<time>/' })
    .option('scale', { type: 'number', default: 1, describe: 'figure resolution multiplier (1 = 800×600)' })
    .option('json', { type: 'boolean', default: false, describe: 'print summary.json to stdout' })
    .option('epochs', { type: 'number', default: 30, describe: 'passes over the training split per run' })
    .option('batch-size', { type: 'number', default: 32, describe: 'minibatch size' })
    .option('init', { type: 'string', default: 'topology', describe: 'initializer of each run (topology or a named one)' })
    .option('val-split', { type: 'number', describe: 'fraction held out for validation (same split for every run)' })
    .option('eval-batch-size', { type: 'number', default: 512, describe: 'samples per evaluation batch' })
    .option('sharpness', { type: 'boolean', default: true, describe: 'measure λmax, trace and random-direction sharpness of each minimum' })
    .option('lanczos-iter', { type: 'number', default: 20, describe: 'Lanczos iterations for λmax' })
    .option('trace-probes', { type: 'number', default: 20, describe: 'Hutchinson probes for the trace' })
    .option('directions', { type: 'number', default: 10, describe: 'K filter-normalised directions for random-direction sharpness' })
    .option('epsilon', { type: 'number', default: 0.1, describe: 'ε: random-direction sharpness is max over α∈[−ε, ε] of L(θ+αd) − L(θ)' });

export interface StudyArgs extends QueueArgs {
  model: string; data?: string; x?: string; y?: string; testData?: string; labelColumn?: string; samples?: number; loss?: string;
  backend: string; workers?: number; out?: string; force: boolean; scale: number; json: boolean; quiet?: boolean; verbose?: boolean;
  epochs: number; batchSize: number; init: string; valSplit?: number; evalBatchSize: number;
  sharpness: boolean; lanczosIter: number; traceProbes: number; directions: number; epsilon: number;
}

/** Comma-separated numbers, e.g. "8,32,128" (each checked to be finite). */
export function numberList(field: string, s: string | number | undefined): number[] | undefined {
  if (s === undefined || s === '') return undefined;
  const out = String(s).split(',').map((t) => Number(t.trim()));
  if (out.some((v) => !Number.isFinite(v))) throw optionError(field, `expected comma-separated numbers, got "${s}"`);
  return out;
}

/** The task config every run of the study shares (paths absolute, so workers and resumes agree). */
export function baseTaskConfig(a: StudyArgs): Omit<TrainMeasureConfig, 'width'> {
  if (!a.data && !a.x) throw optionError('data', 'a study needs training data ({data}, or --x with --y)');
  if (a.x && !a.y) throw optionError('y', '--x needs --y');
  checkScale(a.scale);
  if (!(Number.isInteger(a.evalBatchSize) && a.evalBatchSize >= 1)) throw optionError('evalBatchSize', `must be an integer ≥ 1, got ${a.evalBatchSize}`);
  if (a.sharpness) {
    for (const [field, v] of [['--lanczos-iter', a.lanczosIter], ['--trace-probes', a.traceProbes], ['--directions', a.directions]] as const) {
      if (!(Number.isInteger(v) && v >= 1)) throw optionError(field, `must be an integer ≥ 1, got ${v}`);
    }
    if (!(Number.isFinite(a.epsilon) && a.epsilon > 0)) throw optionError('epsilon', `must be > 0, got ${a.epsilon}`);
  }
  const abs = (p?: string) => (p ? path.resolve(p) : undefined);
  const src = { labelColumn: a.labelColumn, samples: a.samples, seed: 0 };
  return {
    model: path.resolve(a.model),
    data: { data: abs(a.data), x: abs(a.x), y: abs(a.y), ...src },
    ...(a.testData ? { testData: { data: abs(a.testData), ...src, split: 'test' as const } } : {}),
    loss: a.loss, backend: a.backend, evalBatchSize: a.evalBatchSize,
    run: { epochs: a.epochs, batchSize: a.batchSize, init: a.init, ...(a.valSplit !== undefined ? { valSplit: a.valSplit } : {}) },
    sharpness: a.sharpness ? { lanczosIter: a.lanczosIter, traceProbes: a.traceProbes, directions: a.directions, epsilon: a.epsilon, points: 9, seed: 0 } : null,
    snapshots: 0,
  };
}

/**
 * Read the checkpoint and the datasets once and check them against each other before the study
 * folder is opened: a bad file is one error (exit 2), not every run failing in its worker.
 */
export async function checkStudyInputs(base: Omit<TrainMeasureConfig, 'width'>): Promise<void> {
  const { readCheckpoint } = await import('../src/io/checkpoint-read.js');
  const { loadDataset } = await import('../src/io/dataset.js');
  const { loadModel } = await import('../src/objective/model-bundle.js');
  const { prepareData } = await import('../src/objective/prepare-data.js');
  const { selectBackend } = await import('../src/engine/index.js');
  await selectBackend(base.backend ?? 'auto'); // loadModel runs one tiny forward pass
  const model = loadModel(await readCheckpoint(base.model), base.loss);
  for (const src of [base.data, base.testData]) {
    if (src) prepareData(await loadDataset(src), model.arch.inputShape, model.outDim, model.loss);
  }
}
