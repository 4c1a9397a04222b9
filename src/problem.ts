/**
 * One place that turns paths and options into a ready analysis problem: backend started,
 * checkpoint and data read and checked against each other, θ₀ and the Objective built.
 * Every command shares it, so a report's parts share one data load and one backend.
 */
import { startEngine, type BackendInfo } from './engine/index.js';
import { readCheckpoint } from './io/checkpoint-read.js';
import { loadDataset } from './io/dataset.js';
import type { Dataset } from './io/types.js';
import { loadModel, type ModelBundle } from './objective/model-bundle.js';
import type { PreparedData } from './objective/prepare-data.js';
import { prepareModelData, takePreparedRows } from './objective/prepare-model-data.js';
import { fitModelToData, modelIONames } from './objective/fit-inputs.js';
import { createObjective, defaultWorkers } from './objective/create-objective.js';
import { checkRegularizers } from './objective/regularized-objective.js';
import type { Objective } from './objective/types.js';
import { optionError } from './errors.js';
import { permutation } from './random.js';

/** Where a dataset comes from: a CSV file or a folder (x.npy + y.npy, or an IDX pair), or x and y files apart; optionally a seeded subset of `samples`. */
export interface DataSource {
  /** A .csv file or a folder (x.npy + y.npy, or an IDX pair). */
  data?: string;
  x?: string;
  y?: string;
  labelColumn?: string;
  samples?: number;
  seed?: number;
  /** Which IDX pair a folder holding MNIST's train-… and t10k-… files stands for (default train). */
  split?: 'train' | 'test';
}

/**
 * loadProblem's options: the checkpoint, the training (and test) data, and how the objective
 * computes (backend, batch size, HVP method, workers, regularizers).
 */
export interface ProblemOptions {
  model: string;
  train?: DataSource;
  test?: DataSource;
  loss?: string;
  /** Analyse this output of a model with several alone (its own loss; θ is still every weight). */
  output?: string;
  /** The native kernels' CPU form (the engine's cpuForm); left as it is when not given. */
  cpuForm?: string;
  backend?: string;
  batchSize?: number;
  hvp?: 'exact' | 'fd';
  fdStep?: number;
  /** Worker threads for data-parallel loss/grad/HVP (1 = in process). */
  workers?: number;
  /**
   * Re-estimate BatchNorm statistics (Objective.batchNormMoments) on a seeded subset of this
   * many training samples (seed: train.seed) instead of the whole training set.
   */
  bnSamples?: number;
  /**
   * Include the checkpoint's weight regularizers (kernel/bias L1, L2, L1L2) in the objective, as
   * Keras trained it (default true); false analyses the data term alone.
   */
  regularizers?: boolean;
}

/** A loaded problem: the backend, the model, and an objective per dataset; `dispose()` stops the worker threads. */
export interface Problem {
  backend: BackendInfo;
  model: ModelBundle;
  /** Worker threads serving the training objective (1 = in process). */
  workers: number;
  /** The worker count the caller asked for (undefined: chosen by data size). */
  workersRequested?: number;
  /** Whether the objectives include the checkpoint's regularizers (ProblemOptions.regularizers). */
  regularizers: boolean;
  train?: { dataset: Dataset; prepared: PreparedData; objective: Objective };
  test?: { dataset: Dataset; prepared: PreparedData; objective: Objective };
  dispose(): Promise<void>;
}

/**
 * Paths and options to a ready analysis problem: the engine started on the backend, the
 * checkpoint and data read and checked against each other, and an {@link Objective} for the
 * training (and optionally test) data. `dispose()` stops the objective's worker threads.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadProblem } from 'losslens';
 *
 * const problem = await loadProblem({ model: 'fixtures/linreg', train: { data: 'fixtures/linreg/data.csv' }, workers: 1 });
 * try {
 *   const { loss } = await problem.train!.objective.evaluate(problem.train!.objective.theta0);
 *   assert.equal(problem.model.layout.dim, 6);
 *   assert.ok(Math.abs(loss - 0.009124412201344967) < 1e-7); // the loss tfjs recorded for the fixture
 * } finally {
 *   await problem.dispose();
 * }
 * ```
 */
export async function loadProblem(opts: ProblemOptions): Promise<Problem> {
  if (opts.workers !== undefined && !(Number.isInteger(opts.workers) && opts.workers >= 1)) {
    throw optionError('workers', `must be an integer ≥ 1, got ${opts.workers}`);
  }
  const engine = await startEngine({ backend: opts.backend ?? 'auto', cpuForm: opts.cpuForm });
  const backend = engine.backend;
  const read = await readCheckpoint(opts.model);
  const checkpoint = opts.output === undefined ? read : { ...read, io: { ...read.io, output: opts.output } };
  const model = loadModel(checkpoint, opts.loss);
  const regularizers = opts.regularizers ?? true;
  checkRegularizers(model, regularizers);
  const open = async (src: DataSource | undefined, bnSamples?: number) => {
    if (!src || (!src.data && !src.x)) return undefined;
    const dataset = await loadDataset({ ...src, model: modelIONames(model.arch) });
    // a model whose input lengths are null takes the data's (fit-inputs.ts)
    const fitted = fitModelToData(checkpoint, model, dataset, opts.loss);
    const prepared = prepareModelData(dataset, fitted.model);
    const bnData = bnSamples === undefined ? undefined : subsetOf(prepared, bnSamples, src.seed ?? 0, dataset.source);
    const objective = await createObjective(fitted.checkpoint, prepared, {
      workers: opts.workers ?? defaultWorkers(prepared.n),
      backend: backend.name,
      lossOverride: opts.loss,
      batchSize: opts.batchSize,
      hvp: opts.hvp,
      fdStep: opts.fdStep,
      bnData,
      regularizers,
    });
    return { dataset, prepared, objective, model: fitted.model };
  };
  const train = await open(opts.train, opts.bnSamples);
  const test = await open(opts.test);
  return {
    backend,
    model: train?.model ?? model,
    // several inputs or outputs run in process (createObjective): the summary's worker count says so
    workers: train?.prepared.inputs || train?.prepared.targets ? 1 : (opts.workers ?? (train ? defaultWorkers(train.prepared.n) : 1)),
    workersRequested: opts.workers,
    regularizers,
    train,
    test,
    dispose: async () => {
      for (const part of [train, test]) {
        const o = part?.objective as (Objective & { close?: () => Promise<void> }) | undefined;
        if (o?.close) await o.close();
        else o?.dispose();
      }
    },
  };
}

/** A seeded subset of `size` prepared samples (in data order), for BatchNorm re-estimation. */
function subsetOf(data: PreparedData, size: number, seed: number, source: string): PreparedData {
  if (!Number.isInteger(size) || size < 1) throw optionError('bnSamples', `must be a positive integer, got ${size}`);
  if (size > data.n) throw optionError('bnSamples', `${size} is more than the ${data.n} training samples of ${source}`);
  if (size === data.n) return data;
  const idx = permutation(data.n, seed ^ 0x5bd1e995)
    .slice(0, size)
    .sort();
  return takePreparedRows(data, idx);
}
