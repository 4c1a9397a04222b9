/**
 * optimizers: grid search per optimizer on validation loss, then the best settings compared: loss
 * histories, final losses, sharpness, steps to a target loss, and their paths on a PCA plane.
 */
import { optionError } from '../errors.js';
import { optimizersTasks, gridSettings } from '../studies/optimizers-study.js';
import { rebuildOptimizers } from './optimizers-rebuild.js';
import { resolveRunConfig } from '../train/index.js';
import { OPTIMIZER_NAMES } from '../train/optimizers.js';
import { formatTable, num } from '../report/text-table.js';
import { baseTaskConfig, checkStudyInputs, type StudyOptions } from './study-inputs.js';
import type { StudyPipeline } from './run-study.js';
import { OPTIMIZERS_DEFAULTS } from './defaults.js';

/** The optimizers study's options: the optimizers, the learning-rate grid and their hyperparameters. */
export interface OptimizersOptions extends StudyOptions {
  optimizers: string[];
  /** The grid: learning rates for every optimizer, momentum for momentum/nesterov, β₁ for adam/adamax. */
  lrs: number[];
  momentums?: number[];
  beta1s?: number[];
  seeds: number;
  /** Train loss for "steps to target" (default: the worst best-setting median final loss). */
  targetLoss?: number;
  /** θ snapshots per run for the PCA-plane figure. */
  snapshots: number;
  planePoints: number;
}

export { OPTIMIZERS_DEFAULTS };

/**
 * The optimizers study as a pipeline for runStudyPipeline: runs per optimizer and seed, their minima's sharpness
 * and their paths in a PCA plane.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { optimizersStudy } from 'losslens/pipelines';
 *
 * // a run per optimizer, learning rate and seed: 2 × 2 × 1
 * const study = await optimizersStudy({
 *   optimizers: ['sgd', 'adam'],
 *   lrs: [0.1, 0.01],
 *   seeds: 1,
 *   snapshots: 5,
 *   planePoints: 9,
 *   model: 'fixtures/spiral-tanh',
 *   data: 'fixtures/spiral-tanh/train.csv',
 *   epochs: 5,
 *   batchSize: 32,
 *   init: 'topology',
 *   evalBatchSize: 512,
 *   sharpness: true,
 *   lanczosIter: 20,
 *   traceProbes: 20,
 *   directions: 10,
 *   epsilon: 0.1,
 * });
 * assert.equal(study.tasks.length, 4);
 * ```
 */
export async function optimizersStudy(o: OptimizersOptions): Promise<StudyPipeline<unknown>> {
  if (!(Number.isInteger(o.seeds) && o.seeds >= 1)) throw optionError('seeds', `must be an integer ≥ 1, got ${o.seeds}`);
  if (!(Number.isInteger(o.snapshots) && o.snapshots >= 0)) throw optionError('snapshots', `must be an integer ≥ 0, got ${o.snapshots}`);
  if (!(Number.isInteger(o.planePoints) && o.planePoints >= 2)) throw optionError('planePoints', `must be an integer ≥ 2, got ${o.planePoints}`);
  const names = o.optimizers.map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw optionError('optimizers', `name at least one of ${OPTIMIZER_NAMES.join(', ')}`);
  const unknown = names.find((n) => !(OPTIMIZER_NAMES as readonly string[]).includes(n.toLowerCase()));
  if (unknown) throw optionError('optimizers', `unknown optimizer "${unknown}"; valid: ${OPTIMIZER_NAMES.join(', ')}`);
  if (o.lrs.length === 0 || o.lrs.some((v) => !(v > 0))) throw optionError('lrs', `each learning rate must be > 0, got "${o.lrs.join(',')}"`);
  const grid = { lr: o.lrs, momentum: o.momentums, beta1: o.beta1s };
  const optimizers = names.map((name) => ({ name, ...grid }));
  const base = baseTaskConfig({ ...o, valSplit: o.valSplit ?? OPTIMIZERS_DEFAULTS.valSplit });
  base.snapshots = o.snapshots;
  for (const g of optimizers) for (const s of gridSettings(g)) resolveRunConfig({ ...base.run, optimizer: s });
  await checkStudyInputs(base);
  const config = { base, optimizers, seeds: Array.from({ length: o.seeds }, (_, i) => i), targetLoss: o.targetLoss ?? null, planePoints: o.planePoints };
  return {
    command: 'optimizers',
    config,
    tasks: optimizersTasks(config),
    rebuild: (records, folder) => rebuildOptimizers(config, records as never, folder, { scale: o.scale ?? 1 }),
    digest: optimizersDigest,
  };
}

function optimizersDigest(s: Record<string, unknown>): string {
  const { best, targetLoss, selectedOn } = s as { best: any[]; targetLoss: number; selectedOn: string };
  const rows = best.map((b) => [
    b.name,
    b.setting.key,
    num(b.setting.selectionLoss),
    num(b.trainLoss.median),
    b.testLoss ? num(b.testLoss.median) : '',
    b.lambdaMax ? num(b.lambdaMax.median) : '',
    b.trace ? num(b.trace.median) : '',
    b.stepsToTargetMedian ?? 'never',
  ]);
  return `${formatTable(['optimizer', 'best setting', `${selectedOn} loss`, 'train loss', 'test loss', 'λmax', 'trace', `steps to ${num(targetLoss)}`], rows)}\n(medians over seeds)`;
}
