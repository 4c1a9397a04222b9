/**
 * createObjective in the browser bundle (swapped for src/objective/create-objective.ts by
 * scripts/build-browser.mjs): the in-process objective, as the Node module builds it for one worker — the same
 * LocalObjective, HVP batch guard and weight regularizers. No worker threads in a page: `workers` > 1 is refused.
 */
import { selectBackend, activeBackend } from '../../engine/index.js';
import type { Checkpoint } from '../../io/types.js';
import { LocalObjective } from '../../objective/local-objective.js';
import { loadModel } from '../../objective/model-bundle.js';
import { checkRegularizers, regularize } from '../../objective/regularized-objective.js';
import { guardHvpBatchSize } from '../../objective/hvp-batch-guard.js';
import type { PreparedData } from '../../objective/prepare-data.js';
import type { Objective } from '../../objective/types.js';
import type { CreateObjectiveOptions } from '../../objective/create-objective.js';
import { optionError } from '../../errors.js';

/** One worker: the in-process objective is all a browser runs. */
export function defaultWorkers(): number {
  return 1;
}

/** The objective L(θ) of a checkpoint on prepared data, in process (see src/objective/create-objective.ts). */
export async function createObjective(checkpoint: Checkpoint, data: PreparedData, opts: CreateObjectiveOptions = {}): Promise<Objective> {
  const { workers = 1, backend = 'auto', lossOverride, bnData, regularizers = true, ...options } = opts;
  if (workers > 1) throw optionError('workers', 'worker threads need Node; in a browser the objective runs in process (workers 1)');
  await selectBackend(backend);
  const bundle = loadModel(checkpoint, lossOverride);
  checkRegularizers(bundle, regularizers);
  const local = guardHvpBatchSize(new LocalObjective(bundle, data, options, bnData), bundle, { ...options, backend: activeBackend()?.name });
  return regularize(local, bundle, regularizers);
}
