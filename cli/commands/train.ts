/**
 * `losslens train --model M --data D`: train the checkpoint's architecture (re-initialised from
 * --seed, or continued with --init checkpoint) and write checkpoints/step-<k>/, final/,
 * history.json, history.png and summary.json.
 */
import type { Argv } from 'yargs';
import { modelOption, dataOptions, computeOptions, outputOptions, type CommonArgs } from '../options.js';
import type { RunConfig } from '../../src/train/index.js';
import { RUN_DEFAULTS as R } from '../../src/train/run-config.js';
import { ANALYSIS_KEYS } from '../../src/pipelines/common.js';
import { SHARPNESS_DEFAULTS as SD } from '../../src/train/sharpness-tracker.js';

export const command = 'train';
export const describe = 'train the architecture on a dataset (seeded, reproducible), saving checkpoints and the history';

export const builder = (y: Argv) =>
  outputOptions(computeOptions(dataOptions(modelOption(y))))
    .option('batch-size', { type: 'number', default: R.batchSize, describe: 'minibatch size (the last batch of an epoch may be smaller)' })
    .option('optimizer', { type: 'string', default: R.optimizer, describe: 'sgd, momentum, nesterov, adagrad, adadelta, rmsprop, adam, adamax' })
    .option('lr', { type: 'number', describe: 'base learning rate (default 0.01; adadelta 1)' })
    .option('momentum', { type: 'number', describe: 'μ for momentum/nesterov (default 0.9)' })
    .option('beta1', { type: 'number', describe: 'adam/adamax β₁ (default 0.9)' })
    .option('beta2', { type: 'number', describe: 'adam/adamax β₂ (default 0.999)' })
    .option('rho', { type: 'number', describe: 'rmsprop/adadelta decay ρ (default 0.9; adadelta 0.95)' })
    .option('epsilon', { type: 'number', describe: 'ε of adaptive methods (default 1e-7; adadelta 1e-6)' })
    .option('weight-decay', { type: 'number', default: 0, describe: 'coupled L2: adds λθ to the gradient (not AdamW)' })
    .option('schedule', { type: 'string', default: 'constant', describe: 'constant, step, exponential, inverse-time, plateau' })
    .option('decay-rate', { type: 'number', describe: 'γ: drop factor (step, plateau), base (exponential), k of 1/t (inverse-time)' })
    .option('decay-steps', { type: 'number', describe: 'epochs (or steps, --schedule-unit step) per decay period (default 1)' })
    .option('schedule-unit', { type: 'string', default: 'epoch', describe: 'what t counts in step/exponential/inverse-time: epoch or step' })
    .option('patience', { type: 'number', describe: 'plateau: epochs without improvement before a drop (default 5)' })
    .option('min-lr', { type: 'number', describe: 'plateau: lowest learning rate (default 0)' })
    .option('clip-norm', { type: 'number', describe: 'clip the gradient to this global L2 norm' })
    .option('clip-value', { type: 'number', describe: 'clip each gradient component to [−c, c]' })
    .option('epochs', { type: 'number', default: R.epochs, describe: 'passes over the training split' })
    .option('max-steps', { type: 'number', describe: 'stop after this many updates' })
    .option('val-split', { type: 'number', default: R.valSplit, describe: 'fraction held out for validation (tail of a seeded permutation)' })
    .option('split-seed', { type: 'number', describe: 'seed of the validation split (default --seed)' })
    .option('early-stopping', {
      type: 'number',
      default: R.earlyStoppingPatience,
      describe: 'stop after this many epochs without validation improvement (0: off)',
    })
    .option('restore-best', {
      type: 'boolean',
      default: R.restoreBest,
      describe: 'with --early-stopping, return the best validation epoch (--no-restore-best: the last)',
    })
    .option('init', {
      type: 'string',
      default: R.init,
      describe:
        'checkpoint (continue from its weights), topology (its initializer configs), glorot-uniform, glorot-normal, he-uniform, he-normal, lecun-uniform, lecun-normal, orthogonal',
    })
    .option('save-every', { type: 'number', default: R.saveEvery, describe: 'write checkpoints/step-<k>/ every k steps and at step 0 (0: only final/)' })
    .option('shuffle', { type: 'boolean', default: R.shuffle, describe: 'reshuffle each epoch (seed·1000 + epoch)' })
    .option('training-mode', { type: 'boolean', default: R.trainingMode, describe: 'dropout/noise on and BatchNorm on batch statistics while training' })
    .option('track-sharpness', {
      type: 'number',
      describe: 'measure λmax (and λmax(P⁻¹H) for adaptive optimizers) at step 0 and every K steps into history.json and sharpness.png, against 2/lr',
    })
    .option('sharpness-iter', {
      type: 'number',
      describe: `with --track-sharpness: Lanczos steps (HVPs) per measurement at most, warm-started from the last top eigenvector (default ${SD.iterations})`,
    })
    .option('sharpness-samples', {
      type: 'number',
      describe: `with --track-sharpness and minibatch training: the fixed seeded training subset the Hessian is taken over; full-batch runs use the whole training split (default ${SD.samples})`,
    });

export type TrainArgs = CommonArgs & {
  optimizer: string;
  lr?: number;
  momentum?: number;
  beta1?: number;
  beta2?: number;
  rho?: number;
  epsilon?: number;
  weightDecay: number;
  schedule: string;
  decayRate?: number;
  decaySteps?: number;
  scheduleUnit: string;
  patience?: number;
  minLr?: number;
  clipNorm?: number;
  clipValue?: number;
  epochs: number;
  maxSteps?: number;
  valSplit: number;
  splitSeed?: number;
  earlyStopping: number;
  restoreBest: boolean;
  init: string;
  saveEvery: number;
  shuffle: boolean;
  trainingMode: boolean;
  trackSharpness?: number;
  sharpnessIter?: number;
  sharpnessSamples?: number;
};

/** The CLI arguments as a RunConfig (validated by resolveRunConfig). */
export function runConfigFromArgs(a: TrainArgs): RunConfig {
  return {
    seed: a.seed,
    splitSeed: a.splitSeed,
    init: a.init,
    optimizer: {
      name: a.optimizer,
      lr: a.lr,
      momentum: a.momentum,
      beta1: a.beta1,
      beta2: a.beta2,
      rho: a.rho,
      epsilon: a.epsilon,
      weightDecay: a.weightDecay,
    },
    schedule: {
      name: a.schedule,
      decayRate: a.decayRate,
      decaySteps: a.decaySteps,
      unit: a.scheduleUnit as 'epoch' | 'step',
      patience: a.patience,
      minLr: a.minLr,
    },
    clipNorm: a.clipNorm,
    clipValue: a.clipValue,
    batchSize: a.batchSize,
    epochs: a.epochs,
    maxSteps: a.maxSteps,
    valSplit: a.valSplit,
    earlyStoppingPatience: a.earlyStopping,
    restoreBest: a.restoreBest,
    saveEvery: a.saveEvery,
    shuffle: a.shuffle,
    trainingMode: a.trainingMode,
    regularizers: a.regularizers ?? true,
  };
}

export async function handler(args: TrainArgs): Promise<void> {
  const { trainPipeline } = await import('../../src/pipelines/train.js');
  const { runAnalysisCommand, fields } = await import('../run-analysis.js');
  await runAnalysisCommand(
    trainPipeline,
    {
      ...fields(args, ANALYSIS_KEYS),
      model: args.model,
      run: runConfigFromArgs(args),
      trackSharpness: args.trackSharpness,
      sharpnessIterations: args.sharpnessIter,
      sharpnessSamples: args.sharpnessSamples,
    },
    args,
  );
}
