/** seeds: train N seeds (optionally across widths) and compare their minima: losses, distances, barriers, sharpness. */
import { optionError } from '../errors.js';
import { seedsTasks } from '../studies/seeds-study.js';
import { rebuildSeeds } from './seeds-rebuild.js';
import { resolveRunConfig } from '../train/index.js';
import { formatTable, num } from '../report/text-table.js';
import { baseTaskConfig, checkStudyInputs, type StudyOptions } from './study-inputs.js';
import type { StudyPipeline } from './run-study.js';
import { SEEDS_DEFAULTS } from './defaults.js';

/** The seeds study's options: the number of seeds, the widths, the optimizer and rate, and the barrier's grid. */
export interface SeedsOptions extends StudyOptions {
  /** Seeds 0..seeds−1. */
  seeds: number;
  /** Hidden Dense widths to compare (default: the checkpoint's). */
  widths?: number[];
  optimizer: string;
  lr?: number;
  /** α points per pairwise interpolation. */
  barrierPoints: number;
}

export { SEEDS_DEFAULTS };

/**
 * The seeds study as a pipeline for runStudyPipeline: runs per seed (and width), the spread of their minima and
 * the barriers between them.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { seedsStudy, SEEDS_DEFAULTS } from 'losslens/pipelines';
 *
 * // the study as data: one training run per seed (runStudyPipeline runs and resumes them)
 * const study = await seedsStudy({
 *   ...SEEDS_DEFAULTS,
 *   seeds: 4,
 *   model: 'fixtures/spiral-tanh',
 *   data: 'fixtures/spiral-tanh/train.csv',
 *   epochs: 5,
 *   batchSize: 32,
 *   init: 'topology',
 *   evalBatchSize: 512,
 *   sharpness: false,
 *   lanczosIter: 20,
 *   traceProbes: 20,
 *   directions: 10,
 *   epsilon: 0.1,
 * });
 * assert.equal(study.command, 'seeds');
 * assert.equal(study.tasks.length, 4);
 * ```
 */
export async function seedsStudy(o: SeedsOptions): Promise<StudyPipeline<unknown>> {
  if (!(Number.isInteger(o.seeds) && o.seeds >= 1)) throw optionError('seeds', `must be an integer ≥ 1, got ${o.seeds}`);
  if (!(Number.isInteger(o.barrierPoints) && o.barrierPoints >= 3)) throw optionError('barrierPoints', `must be an integer ≥ 3, got ${o.barrierPoints}`);
  if (o.widths?.some((w) => !(Number.isInteger(w) && w >= 1))) throw optionError('widths', `each width must be an integer ≥ 1, got ${o.widths.join(',')}`);
  const base = baseTaskConfig(o);
  base.run.optimizer = { name: o.optimizer, ...(o.lr !== undefined ? { lr: o.lr } : {}) };
  resolveRunConfig(base.run);
  await checkStudyInputs(base);
  const config = { base, seeds: Array.from({ length: o.seeds }, (_, i) => i), widths: o.widths ?? [null], barrierPoints: o.barrierPoints };
  return {
    command: 'seeds',
    config,
    tasks: seedsTasks(config),
    rebuild: (records, folder) => rebuildSeeds(config, records as never, folder, { scale: o.scale ?? 1 }),
    digest: seedsDigest,
  };
}

function seedsDigest(s: Record<string, unknown>): string {
  const widths = (s as { widths: any[] }).widths;
  const rows = widths.map((w) => [
    w.label,
    w.params,
    w.runs.length,
    `${num(w.trainLoss.mean)} ± ${num(w.trainLoss.std)}`,
    w.testLoss ? `${num(w.testLoss.mean)} ± ${num(w.testLoss.std)}` : '',
    w.lambdaMax ? num(w.lambdaMax.median) : '',
    w.trace ? num(w.trace.median) : '',
    w.barrier ? num(w.barrier.median) : '',
    w.distance ? num(w.distance.median) : '',
  ]);
  return formatTable(['width', 'params', 'runs', 'train loss', 'test loss', 'λmax (med)', 'trace (med)', 'barrier (med)', 'distance (med)'], rows);
}
