/**
 * RunConfig: everything that decides a training run, as plain JSON. With the checkpoint and
 * the data it determines the run exactly (initialisation, split, shuffles, dropout masks).
 */
import { optionError } from '../errors.js';
import { resolveOptimizerConfig, type OptimizerConfig, type ResolvedOptimizerConfig } from './optimizers.js';
import { resolveScheduleConfig, type ScheduleConfig, type ResolvedScheduleConfig } from './schedules.js';
import { checkInitName } from './initializers.js';

/** One training run: seeds, initialisation, epochs, batch size, optimizer, schedule, validation and stopping rules. */
export interface RunConfig {
  /** Seeds initialisation (mixSeed(seed, weight)), shuffles (seed·1000+epoch) and noise layers. Default 0. */
  seed?: number;
  /** Seeds the train/validation split; default `seed`. Fix it to compare seeds on one split. */
  splitSeed?: number;
  /** 'topology' (default), 'checkpoint' (continue from its weights) or a named initializer. */
  init?: string;
  optimizer?: OptimizerConfig;
  schedule?: ScheduleConfig;
  /** Clip the gradient to this global L2 norm (null: off). */
  clipNorm?: number | null;
  /** Clip each gradient component to [−c, c] (null: off). Applied after clipNorm. */
  clipValue?: number | null;
  /** Samples per minibatch; the last batch of an epoch may be smaller. Default 32. */
  batchSize?: number;
  /** Default 10. */
  epochs?: number;
  /** Stop after this many steps (null: no limit). */
  maxSteps?: number | null;
  /** Fraction of the samples held out for validation (the tail of a seeded permutation). Default 0. */
  valSplit?: number;
  /** Stop when the validation loss has not improved for this many epochs (0: off). */
  earlyStoppingPatience?: number;
  /** With early stopping: return the θ of the best validation epoch. Default true. */
  restoreBest?: boolean;
  /** Report a θ snapshot every this many steps, and at step 0 (0: only the final θ). */
  saveEvery?: number;
  /** Reshuffle the training samples every epoch. Default true. */
  shuffle?: boolean;
  /** Dropout/noise layers active and BatchNorm on batch statistics while training. Default true. */
  trainingMode?: boolean;
  /**
   * Add the checkpoint's kernel/bias regularizers to the training loss and its gradient, as Keras
   * trains (and reports) it. Default true; false trains the data term alone.
   */
  regularizers?: boolean;
}

/** {@link RunConfig} with every default filled in. */
export interface ResolvedRunConfig extends Required<Omit<RunConfig, 'optimizer' | 'schedule'>> {
  optimizer: ResolvedOptimizerConfig;
  schedule: ResolvedScheduleConfig;
}

/** The defaults of a training run (the CLI's `train` flags read them; one source). */
export const RUN_DEFAULTS = {
  init: 'topology',
  optimizer: 'sgd',
  batchSize: 32,
  epochs: 10,
  valSplit: 0,
  earlyStoppingPatience: 0,
  restoreBest: true,
  saveEvery: 0,
  shuffle: true,
  trainingMode: true,
};

/**
 * A run config with its defaults filled in, each field checked and refused naming it.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { resolveRunConfig } from 'losslens/train';
 *
 * const r = resolveRunConfig({ seed: 7, optimizer: { name: 'sgd' } });
 * assert.equal(r.splitSeed, 7); // the split follows the seed unless fixed
 * assert.equal(r.optimizer.lr, 0.01);
 * assert.throws(() => resolveRunConfig({ epochs: -1 }), /epochs/);
 * ```
 */
export function resolveRunConfig(c: RunConfig = {}): ResolvedRunConfig {
  const seed = c.seed ?? 0;
  const r: ResolvedRunConfig = {
    seed,
    splitSeed: c.splitSeed ?? seed,
    init: c.init ?? RUN_DEFAULTS.init,
    optimizer: resolveOptimizerConfig(c.optimizer ?? { name: RUN_DEFAULTS.optimizer }),
    schedule: resolveScheduleConfig(c.schedule),
    clipNorm: c.clipNorm ?? null,
    clipValue: c.clipValue ?? null,
    batchSize: c.batchSize ?? RUN_DEFAULTS.batchSize,
    epochs: c.epochs ?? RUN_DEFAULTS.epochs,
    maxSteps: c.maxSteps ?? null,
    valSplit: c.valSplit ?? RUN_DEFAULTS.valSplit,
    earlyStoppingPatience: c.earlyStoppingPatience ?? RUN_DEFAULTS.earlyStoppingPatience,
    restoreBest: c.restoreBest ?? RUN_DEFAULTS.restoreBest,
    saveEvery: c.saveEvery ?? RUN_DEFAULTS.saveEvery,
    shuffle: c.shuffle ?? RUN_DEFAULTS.shuffle,
    trainingMode: c.trainingMode ?? RUN_DEFAULTS.trainingMode,
    regularizers: c.regularizers ?? true,
  };
  const int = (field: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw optionError(field, `must be an integer ≥ ${min}, got ${v}`);
  };
  int('seed', r.seed, 0);
  int('splitSeed', r.splitSeed, 0);
  checkInitName(r.init);
  if (r.clipNorm !== null && !(r.clipNorm > 0)) throw optionError('clipNorm', `must be > 0, got ${r.clipNorm}`);
  if (r.clipValue !== null && !(r.clipValue > 0)) throw optionError('clipValue', `must be > 0, got ${r.clipValue}`);
  int('batchSize', r.batchSize, 1);
  int('epochs', r.epochs, 1);
  if (r.maxSteps !== null) int('maxSteps', r.maxSteps, 1);
  if (!(r.valSplit >= 0 && r.valSplit < 1)) throw optionError('valSplit', `must be in [0, 1), got ${r.valSplit}`);
  int('earlyStopping', r.earlyStoppingPatience, 0);
  if (r.earlyStoppingPatience > 0 && r.valSplit === 0) throw optionError('earlyStopping', 'needs a validation split ({valSplit} > 0)');
  int('saveEvery', r.saveEvery, 0);
  return r;
}
