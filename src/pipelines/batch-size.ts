/**
 * batch-size: train one configuration at several batch sizes (N seeds each) and compare the minima
 * (Keskar et al. 2017): losses, accuracies, generalisation gap, sharpness, steps, wall time, and the
 * line through the smallest- and largest-batch minima. A resumable study (src/pipelines/run-study.ts).
 */
import { optionError } from '../errors.js';
import { batchSizeTasks, checkBatchSizeConfig, LR_SCALINGS, type BatchSizeStudyConfig, type LrScaling } from '../studies/batch-size-study.js';
import { rebuildBatchSize } from './batch-size-rebuild.js';
import { resolveRunConfig } from '../train/index.js';
import { formatTable, num } from '../report/text-table.js';
import { baseTaskConfig, checkStudyInputs, type StudyOptions } from './study-inputs.js';
import type { StudyPipeline } from './run-study.js';
import { BATCH_SIZE_DEFAULTS } from './defaults.js';

/** The batch-size study's options: the batch sizes, the seeds per size, and the training and sharpness settings. */
export interface BatchSizeOptions extends Omit<StudyOptions, 'batchSize'> {
  /** Batch sizes to compare (any order; distinct). */
  batchSizes: number[];
  /** Seeds 0..seeds−1 per batch size. */
  seeds: number;
  optimizer: string;
  /** The learning rate at the base batch size (optimizer default when omitted). */
  lr?: number;
  lrScaling: LrScaling;
  /** The batch size at which the learning rate is lr (default: the smallest). */
  baseBatchSize?: number;
  /** α range and points of the line through the smallest- and largest-batch minima. */
  sliceRange: [number, number];
  slicePoints: number;
  /** Random filter-normalised directions around each of the two minima, their half-width and points. */
  sliceDirections: number;
  sliceDirectionRange: number;
  sliceDirectionPoints: number;
}

export { BATCH_SIZE_DEFAULTS };

/**
 * The batch-size study (Keskar et al. 2017) as a pipeline for runStudyPipeline: a run per batch size and seed,
 * then sharpness and test loss per batch size.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { batchSizeStudy, BATCH_SIZE_DEFAULTS } from 'losslens/pipelines';
 *
 * // a run per batch size and seed: 3 sizes × 2 seeds
 * const study = await batchSizeStudy({
 *   ...BATCH_SIZE_DEFAULTS,
 *   batchSizes: [16, 64, 256],
 *   seeds: 2,
 *   model: 'fixtures/spiral-tanh',
 *   data: 'fixtures/spiral-tanh/train.csv',
 *   epochs: 5,
 *   init: 'topology',
 *   evalBatchSize: 512,
 *   sharpness: true,
 *   lanczosIter: 20,
 *   traceProbes: 20,
 *   directions: 10,
 *   epsilon: 0.1,
 * });
 * assert.equal(study.tasks.length, 6);
 * ```
 */
export async function batchSizeStudy(o: BatchSizeOptions): Promise<StudyPipeline<unknown>> {
  if (!(Number.isInteger(o.seeds) && o.seeds >= 1)) throw optionError('seeds', `must be an integer ≥ 1, got ${o.seeds}`);
  if (!(LR_SCALINGS as readonly string[]).includes(o.lrScaling))
    throw optionError('lrScaling', `unknown rule "${o.lrScaling}"; valid: ${LR_SCALINGS.join(', ')}`);
  const batchSizes = [...o.batchSizes].sort((a, b) => a - b);
  const base = baseTaskConfig({ ...o, batchSize: batchSizes[0] ?? 1 });
  base.run.optimizer = { name: o.optimizer, ...(o.lr !== undefined ? { lr: o.lr } : {}) };
  const config: BatchSizeStudyConfig = {
    base,
    batchSizes,
    seeds: Array.from({ length: o.seeds }, (_, i) => i),
    lrScaling: o.lrScaling,
    baseBatchSize: o.baseBatchSize ?? batchSizes[0],
    slices: {
      range: o.sliceRange,
      points: o.slicePoints,
      directions: o.sliceDirections,
      directionRange: o.sliceDirectionRange,
      directionPoints: o.sliceDirectionPoints,
      seed: 0,
    },
  };
  checkBatchSizeConfig(config);
  const tasks = batchSizeTasks(config);
  for (const t of tasks) resolveRunConfig(t.config.run);
  await checkStudyInputs(base);
  return {
    command: 'batch-size',
    config,
    tasks,
    rebuild: (records, folder) => rebuildBatchSize(config, records as never, folder, { scale: o.scale ?? 1 }),
    digest: batchSizeDigest,
  };
}

/** Medians over seeds per batch size, and the correlations. */
export function batchSizeDigest(s: Record<string, any>): string {
  const med = (g: any, k: string) => (g.stats[k] ? num(g.stats[k].median) : '');
  const rows = (s.batchSizes as any[]).map((g) => [
    g.batchSize,
    num(g.lr),
    g.runs.length,
    med(g, 'steps'),
    med(g, 'trainLoss'),
    med(g, 'testLoss'),
    med(g, 'gap'),
    med(g, 'testAccuracy'),
    med(g, 'lambdaMax'),
    med(g, 'trace'),
    med(g, 'randomDirectionSharpness'),
    g.stats.wallMs ? num(g.stats.wallMs.median / 1000) : '',
  ]);
  const held = s.gapAgainst === 'validation' ? 'val' : 'test';
  const table = formatTable(
    ['batch', 'lr', 'runs', 'steps', 'train loss', `${held} loss`, 'gap', `${held} acc`, 'λmax', 'trace', 'rd sharpness', 'wall s'],
    rows,
  );
  const rho = (c: { rho: number; n: number }) => (Number.isFinite(c.rho) ? c.rho.toFixed(2) : 'n/a');
  const line = s.slices
    ? `\nline θ(α) from batch ${s.slices.small.batchSize} to ${s.slices.large.batchSize} (seed ${s.slices.seed}): distance ${num(s.slices.line.distance)}, max train loss on [0, 1] ${num(Math.max(...s.slices.line.alphas.map((a: number, i: number) => (a >= 0 && a <= 1 ? s.slices.line.train.loss[i] : -Infinity))))}`
    : '';
  const scaling =
    s.lrScaling === 'none'
      ? `lr ${num(s.baseLr)} at every batch size`
      : `lr ${s.lrScaling === 'linear' ? '∝ b' : '∝ √b'} from ${num(s.baseLr)} at b₀ = ${s.baseBatchSize}`;
  return `${table}\n(medians over seeds; ${s.gapAgainst ? `gap = ${held} loss − train loss` : 'no held-out data, so no gap'}; ${scaling})\nSpearman ρ: λmax vs batch size ${rho(s.sharpnessVsBatchSize.lambdaMax)}, gap vs λmax ${rho(s.gapVsSharpness.lambdaMax)}; λmax(largest)/λmax(smallest) = ${num(s.sharpnessRatio)}${line}`;
}
