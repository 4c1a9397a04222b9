/**
 * The `losslens batch-size` study (Keskar et al. 2017, "On large-batch training for deep learning:
 * generalization gap and sharp minima"): one training configuration at several batch sizes, N seeds
 * each, all on one train/validation split. One 'train-and-measure' task per (batch size, seed), so
 * it runs unchanged on every executor (in process, worker pool, BullMQ).
 *
 * Learning-rate scaling relative to a base batch size b₀ (default: the smallest batch size):
 *   none    lr(b) = lr₀
 *   linear  lr(b) = lr₀ · b/b₀            (Goyal et al. 2017)
 *   sqrt    lr(b) = lr₀ · √(b/b₀)         (Krizhevsky 2014; Hoffer et al. 2017)
 * lr₀ is the optimizer's learning rate as given (or its default).
 */
import type { RunTask } from './types.js';
import type { TrainMeasureConfig } from './tasks/train-and-measure.js';
import { optionError } from '../errors.js';
import { resolveOptimizerConfig } from '../train/optimizers.js';

export const LR_SCALINGS = ['none', 'linear', 'sqrt'] as const;
export type LrScaling = (typeof LR_SCALINGS)[number];

/** The landscape pictures of the smallest- and largest-batch minima (Keskar et al. Figure 3). */
export interface BatchSliceOptions {
  /** α range of θ(α) = (1−α)θ_small + αθ_large (Keskar: [−1, 2]; default [−0.5, 1.5]). */
  range: [number, number];
  /** α points on that line (0 and 1 are always added). */
  points: number;
  /** Filter-normalised random directions drawn around each of the two minima. */
  directions: number;
  /** Half-width of the random-direction slices, in filter-norm units (default 1). */
  directionRange: number;
  /** Points per random-direction slice. */
  directionPoints: number;
  /** Seed of the random directions. */
  seed: number;
}

export const BATCH_SLICE_DEFAULTS: BatchSliceOptions = { range: [-0.5, 1.5], points: 21, directions: 2, directionRange: 1, directionPoints: 21, seed: 0 };

export interface BatchSizeStudyConfig {
  /** Everything but batch size, learning rate and seed; `run.optimizer` holds the base lr. */
  base: Omit<TrainMeasureConfig, 'width'>;
  /** Distinct batch sizes, ascending. */
  batchSizes: number[];
  seeds: number[];
  lrScaling: LrScaling;
  /** b₀: the batch size at which the learning rate is the base lr. */
  baseBatchSize: number;
  slices: BatchSliceOptions;
}

/** lr(b) for a scaling rule (see the file comment). */
export function scaledLr(baseLr: number, batchSize: number, baseBatchSize: number, scaling: LrScaling): number {
  const r = batchSize / baseBatchSize;
  return scaling === 'linear' ? baseLr * r : scaling === 'sqrt' ? baseLr * Math.sqrt(r) : baseLr;
}

/** Check a study config (fields named as the pipeline's options). */
export function checkBatchSizeConfig(c: BatchSizeStudyConfig): void {
  checkBatchSizes(c.batchSizes);
  if (c.seeds.length === 0) throw optionError('seeds', 'needs at least one seed');
  if (!(LR_SCALINGS as readonly string[]).includes(c.lrScaling))
    throw optionError('lrScaling', `unknown rule "${c.lrScaling}"; valid: ${LR_SCALINGS.join(', ')}`);
  if (!(Number.isInteger(c.baseBatchSize) && c.baseBatchSize >= 1)) throw optionError('baseBatchSize', `must be an integer ≥ 1, got ${c.baseBatchSize}`);
  checkSlices(c.slices);
}

function checkBatchSizes(batchSizes: number[]): void {
  const c = { batchSizes };
  if (c.batchSizes.length === 0) throw optionError('batchSizes', 'needs at least one batch size');
  for (const b of c.batchSizes)
    if (!(Number.isInteger(b) && b >= 1 && b <= 2 ** 20)) throw optionError('batchSizes', `each batch size must be an integer in [1, ${2 ** 20}], got ${b}`);
  if (new Set(c.batchSizes).size !== c.batchSizes.length) throw optionError('batchSizes', `batch sizes must be distinct, got ${c.batchSizes.join(',')}`);
  if (c.batchSizes.some((b, i) => i > 0 && b <= c.batchSizes[i - 1])) throw optionError('batchSizes', 'must be ascending');
}

function checkSlices(s: BatchSliceOptions): void {
  if (!(s.range.every(Number.isFinite) && s.range[0] < s.range[1] && Math.abs(s.range[0]) <= 100 && Math.abs(s.range[1]) <= 100))
    throw optionError('sliceRange', `must be lo < hi within ±100, got ${s.range.join(':')}`);
  for (const [f, v, lo] of [
    ['slicePoints', s.points, 2],
    ['sliceDirections', s.directions, 0],
    ['sliceDirectionPoints', s.directionPoints, 3],
  ] as const) {
    if (!(Number.isInteger(v) && v >= lo && v <= 1001)) throw optionError(f, `must be an integer in [${lo}, 1001], got ${v}`);
  }
  if (!(s.directionRange > 0 && s.directionRange <= 100)) throw optionError('sliceDirectionRange', `must be in (0, 100], got ${s.directionRange}`);
}

/** The base learning rate lr₀: the optimizer's as given, or its default. */
export const baseLr = (c: BatchSizeStudyConfig): number => resolveOptimizerConfig(c.base.run.optimizer ?? { name: 'sgd' }).lr;

export const batchLabel = (b: number, pad: number) => `b${String(b).padStart(pad, '0')}`;

export function batchSizeTasks(c: BatchSizeStudyConfig): RunTask<TrainMeasureConfig>[] {
  checkBatchSizeConfig(c);
  const lr0 = baseLr(c);
  const bp = String(Math.max(...c.batchSizes)).length;
  const sp = String(Math.max(...c.seeds)).length;
  return c.batchSizes.flatMap((b) => {
    const optimizer = { ...(c.base.run.optimizer ?? { name: 'sgd' }), lr: scaledLr(lr0, b, c.baseBatchSize, c.lrScaling) };
    return c.seeds.map((seed) => ({
      id: `${batchLabel(b, bp)}-seed${String(seed).padStart(sp, '0')}`,
      kind: 'train-and-measure',
      config: { ...c.base, width: null, run: { ...c.base.run, batchSize: b, optimizer, seed, splitSeed: c.base.run.splitSeed ?? 0 } },
    }));
  });
}
