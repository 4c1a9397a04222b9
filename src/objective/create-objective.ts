/**
 * The one way callers get an Objective: in process for one worker, a worker-thread pool
 * (data-parallel shards) for more. Both serve the same async interface.
 */
import os from 'node:os';
import { selectBackend, activeBackend } from '../engine/index.js';
import { nativeKernelsInfo } from '../kernels/native-kernels.js';
import type { Checkpoint } from '../io/types.js';
import { LocalObjective, type ObjectiveOptions } from './local-objective.js';
import { loadModel } from './model-bundle.js';
import { PoolObjective } from './pool-objective.js';
import { checkRegularizers, regularize } from './regularized-objective.js';
import { parseArchitecture } from '../model/architecture.js';
import { buildLayout } from './layout.js';
import { guardHvpBatchSize } from './hvp-batch-guard.js';
import type { PreparedData } from './prepare-data.js';
import type { Objective } from './types.js';

/** How {@link createObjective} evaluates: worker threads, backend, loss override, batch size and HVP method. */
export interface CreateObjectiveOptions extends ObjectiveOptions {
  /** Worker threads (1 = in process, the default). */
  workers?: number;
  /** Backend to run on ('auto' by default); in process it is selected here, in a pool by each worker. */
  backend?: string;
  lossOverride?: string;
  /** Samples BatchNorm statistics are re-estimated on (default: `data`). */
  bnData?: PreparedData;
  /** Add the checkpoint's weight regularizers to the loss (default true, as Keras trained it); false: the data term alone. */
  regularizers?: boolean;
}

/** Samples a shard should have at least for another worker to pay for its start-up and transfers. */
export const MIN_SHARD_SAMPLES = 64;

/**
 * Default worker count: one per core, but no more than the shards of ≥ 64 samples (at least 1).
 * With the native kernels (OpenBLAS on all cores in one thread) one worker: data-parallel shards
 * would only compete with the BLAS threads (LeNet, 6 000 images: eval 7.6 s on 1 worker vs 12.3 s
 * on 2, train 8.7 vs 10.5 s, ≈ 45 % less memory).
 */
export function defaultWorkers(n: number): number {
  if (activeBackend()?.name === 'wasm' && nativeKernelsInfo()?.path === 'native') return 1;
  return Math.max(1, Math.min(os.availableParallelism(), Math.floor(n / MIN_SHARD_SAMPLES)));
}

/**
 * The objective L(θ) of a checkpoint on prepared data, with ∇L and exact Hessian-vector products on a flat
 * float32 θ; `workers` > 1 spreads the batches over worker threads. Call `dispose()` when done.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { readCheckpoint, loadDataset, loadModel, prepareData, createObjective, startEngine } from 'losslens';
 *
 * await startEngine();
 * const checkpoint = await readCheckpoint('fixtures/linreg');
 * const model = loadModel(checkpoint);
 * const data = prepareData(await loadDataset({ data: 'fixtures/linreg/data.csv' }), model.arch.inputShape, model.outDim, model.loss);
 * const objective = await createObjective(checkpoint, data);
 * try {
 *   // the mean squared error tfjs recorded for the fixture when it was made
 *   assert.ok(Math.abs((await objective.loss(objective.theta0)) - 0.009124412201344967) < 1e-7);
 * } finally {
 *   objective.dispose();
 * }
 * ```
 */
export async function createObjective(checkpoint: Checkpoint, data: PreparedData, opts: CreateObjectiveOptions = {}): Promise<Objective> {
  const { workers = 1, backend = 'auto', lossOverride, bnData, regularizers = true, ...options } = opts;
  // several inputs or outputs run in process: the pool's workers take one input and one target array
  if (workers <= 1 || data.inputs || data.targets) {
    await selectBackend(backend);
    const bundle = loadModel(checkpoint, lossOverride);
    checkRegularizers(bundle, regularizers);
    const local = guardHvpBatchSize(new LocalObjective(bundle, data, options, bnData), bundle, { ...options, backend: activeBackend()?.name });
    return regularize(local, bundle, regularizers);
  }
  const arch = parseArchitecture(checkpoint);
  const model = { checkpoint, arch, layout: buildLayout(arch) };
  checkRegularizers(model, regularizers);
  const pool = guardHvpBatchSize(await PoolObjective.create(checkpoint, data, { workers, backend, lossOverride, bnData, ...options }), model, {
    ...options,
    backend: activeBackend()?.name,
  });
  return regularize(pool, model, regularizers);
}
