/**
 * `losslens double-descent`: model-wise (and epoch-wise) sweeps across the interpolation threshold.
 *   --mode model (default): MLP d → w → K per width and seed on --data/--test-data (or --preset
 *     mnist-like) with seeded --label-noise on the training labels; a resumable study folder with
 *     parallel workers, like `losslens seeds`.
 *   --mode rf (or --random-features): random ReLU features + minimum-norm least squares, seconds.
 * Writes double-descent.png, epochwise.png (model mode) and summary.json.
 */
import type { Argv } from 'yargs';
import { BACKEND_NAMES } from '../../src/engine/index.js';
import { queueOptions } from '../study-options.js';
import { DOUBLE_DESCENT_DEFAULTS as D } from '../../src/pipelines/defaults.js';

export const command = 'double-descent';
export const describe = 'model-wise and epoch-wise double descent: sweep model width through the interpolation threshold';

export const builder = (y: Argv) =>
  queueOptions(
    y
      .option('mode', {
        type: 'string',
        choices: ['model', 'rf'],
        default: D.mode,
        describe: 'model: train an MLP family; rf: random-features regression demonstrator (seconds)',
      })
      .option('random-features', { type: 'boolean', default: false, describe: 'same as --mode rf' })
      .option('preset', {
        type: 'string',
        choices: ['mnist-like', 'fashion-mnist'],
        describe:
          "bundled settings that show a model-wise peak: mnist-like (a fixture, ~2 min on 2 cores) or fashion-mnist (Debian's dataset-fashion-mnist, n = 500, 7×7 images; with --mode rf random features on the same images)",
      })
      .option('data', { alias: 'd', type: 'string', describe: 'training set with class-index labels (.csv, x.npy+y.npy folder, IDX pair)' })
      .option('test-data', { type: 'string', describe: 'test set (same formats)' })
      .option('label-column', { type: 'string', default: D.labelColumn, describe: 'CSV label column' })
      .option('samples', { type: 'number', describe: 'seeded subset of this many training samples' })
      .option('widths', { type: 'string', describe: 'hidden widths (rf: feature counts), e.g. 4,16,64 or a geometric range lo:hi:count' })
      .option('seeds', { type: 'number', default: D.seeds, describe: 'seeds per width (0..N−1)' })
      .option('label-noise', {
        type: 'number',
        default: D.labelNoise,
        describe: 'fraction of training labels replaced by another class (seeded; test labels untouched)',
      })
      .option('noise-seed', { type: 'number', default: D.noiseSeed, describe: 'seed of the label noise (one noisy training set for all runs)' })
      .option('loss', {
        type: 'string',
        choices: ['categoricalCrossentropy', 'meanSquaredError', 'ce', 'mse'],
        default: D.loss,
        describe: 'softmax cross-entropy, or squared loss on one-hot targets (linear output)',
      })
      .option('optimizer', { type: 'string', default: D.optimizer, describe: 'optimizer of every run' })
      .option('lr', { type: 'number', default: D.lr, describe: 'learning rate' })
      .option('epochs', { type: 'number', default: D.epochs, describe: 'epoch budget per run' })
      .option('batch-size', { type: 'number', default: D.batchSize, describe: 'minibatch size' })
      .option('eval-every', { type: 'number', describe: 'epochs between test evaluations for the epoch-wise curve (default epochs/20)' })
      .option('stop-at-interpolation', { type: 'boolean', default: D.stopAtInterpolation, describe: 'stop a run once its training error reaches 0' })
      .option('margin', {
        type: 'number',
        default: D.margin,
        describe: 'relative margin by which the error must fall after the peak (second descent) and rise to it',
      })
      .option('interpolation-tol', { type: 'number', describe: 'training error counted as ~0 (default 0.005; rf 1e-6)' })
      .option('n-train', { type: 'number', default: D.nTrain, describe: 'rf: training samples' })
      .option('noise', { type: 'number', default: D.noise, describe: 'rf: target-noise standard deviation' })
      .option('input-dim', { type: 'number', default: D.inputDim, describe: 'rf: input dimension' })
      .option('backend', { type: 'string', choices: BACKEND_NAMES as unknown as string[], default: D.backend, describe: 'tfjs backend in each worker' })
      .option('workers', { type: 'number', describe: 'worker threads running runs in parallel (default: core count; 1 = in process)' })
      .option('out', {
        alias: 'o',
        type: 'string',
        describe: 'study folder (default reports/studies/double-descent-<config hash>; rf: reports/double-descent-<time>)',
      })
      .option('force', { type: 'boolean', default: false, describe: 'accept a changed config (old runs moved aside) / replace an rf report' })
      .option('scale', { type: 'number', default: D.scale, describe: 'figure resolution multiplier (1 = 800×600)' })
      .option('json', { type: 'boolean', default: false, describe: 'print summary.json to stdout' }),
  );

export interface DoubleDescentArgs {
  redis?: string;
  redisUrlFile?: string;
  queue: string;
  attempts: number;
  sharedFs: boolean;
  mode: string;
  randomFeatures: boolean;
  preset?: string;
  data?: string;
  testData?: string;
  labelColumn: string;
  samples?: number;
  widths?: string;
  seeds: number;
  labelNoise: number;
  noiseSeed: number;
  loss: string;
  optimizer: string;
  lr: number;
  epochs: number;
  batchSize: number;
  evalEvery?: number;
  stopAtInterpolation: boolean;
  margin: number;
  interpolationTol?: number;
  nTrain: number;
  noise: number;
  inputDim: number;
  backend: string;
  workers?: number;
  out?: string;
  force: boolean;
  scale: number;
  json: boolean;
  quiet?: boolean;
}

/** "4,16,64" or a geometric range "lo:hi:count". */
export async function parseWidths(s: string | number | undefined): Promise<number[] | undefined> {
  if (s === undefined || s === '') return undefined;
  const { optionError } = await import('../../src/errors.js');
  const { geometricWidths } = await import('../../src/double-descent/random-features.js');
  const text = String(s);
  if (text.includes(':')) {
    const [lo, hi, count] = text.split(':').map(Number);
    if (!(Number.isInteger(lo) && Number.isInteger(hi) && Number.isInteger(count) && lo >= 1 && hi > lo && count >= 2))
      throw optionError('widths', `a range is lo:hi:count with integers 1 ≤ lo < hi and count ≥ 2, got "${text}"`);
    return geometricWidths(lo, hi, count);
  }
  const out = text.split(',').map((t) => Number(t.trim()));
  if (out.some((v) => !(Number.isInteger(v) && v >= 1))) throw optionError('widths', `expected comma-separated integers ≥ 1, got "${text}"`);
  return out;
}

export async function handler(args: DoubleDescentArgs): Promise<void> {
  const { doubleDescentStudy, randomFeaturesReport, checkDoubleDescent } = await import('../../src/pipelines/double-descent.js');
  const { optionError } = await import('../../src/errors.js');
  const { fields, cliHooks } = await import('../run-analysis.js');
  const opts = {
    ...fields(args, [
      'preset',
      'data',
      'testData',
      'labelColumn',
      'samples',
      'seeds',
      'labelNoise',
      'noiseSeed',
      'loss',
      'optimizer',
      'lr',
      'epochs',
      'batchSize',
      'evalEvery',
      'stopAtInterpolation',
      'margin',
      'interpolationTol',
      'nTrain',
      'noise',
      'inputDim',
      'backend',
      'out',
      'force',
      'scale',
    ]),
    widths: await parseWidths(args.widths),
    mode: args.randomFeatures || args.mode === 'rf' ? ('rf' as const) : ('model' as const),
  };
  checkDoubleDescent(opts);
  if (opts.mode === 'rf') {
    if (args.redis !== undefined || args.redisUrlFile !== undefined)
      throw optionError('redis', 'the random-features demonstrator runs in seconds in process; {redis} applies to model-wise sweeps');
    const r = await randomFeaturesReport(opts, cliHooks(args));
    process.stdout.write(args.json ? JSON.stringify(r.summary, null, 2) + '\n' : `${r.digest}\nreport: ${r.folder}\n`);
    return;
  }
  const { runStudyCommand, executorOptions } = await import('../study-runner.js');
  await runStudyCommand(await doubleDescentStudy(opts), { ...executorOptions(args), json: args.json, quiet: args.quiet });
}
