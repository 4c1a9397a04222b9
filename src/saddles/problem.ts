/**
 * The problem of one `saddles` start, as a worker builds it: the architecture (a checkpoint's
 * topology, or the preset's MLP), the fixed full-batch training subset, and the starting point —
 * a seeded initialisation (weight i from mixSeed(seed, i)) or θ after `sgdSteps` minibatch SGD
 * steps from it. Models and datasets are read once per worker and cached.
 */
import { readCheckpoint } from '../io/checkpoint-read.js';
import { loadDataset } from '../io/dataset.js';
import type { Checkpoint, Dataset } from '../io/types.js';
import type { DataSource } from '../problem.js';
import { loadModel, type ModelBundle } from '../objective/model-bundle.js';
import { prepareData, type PreparedData } from '../objective/prepare-data.js';
import { initialTheta, trainRun } from '../train/index.js';
import { areaResize } from './area-resize.js';
import { mlpCheckpoint, type MlpLoss } from '../double-descent/mlp-family.js';
import { prepareClassification } from '../double-descent/train-task.js';

/** The preset's one-hidden-layer MLP (../double-descent/mlp-family.ts). */
export interface MlpArch {
  inputDim: number;
  width: number;
  classes: number;
  loss: MlpLoss;
  /** Hidden activation: tanh keeps ∇L continuous, which Newton-MR's line search on ‖∇L‖ needs (ReLU kinks stall it). */
  activation: 'relu' | 'tanh';
}

export interface StartSpec {
  /** Seed of the initialisation and of the SGD shuffles. */
  seed: number;
  /** 0: the initialisation itself; k > 0: θ after k SGD steps from it. */
  sgdSteps: number;
}

export interface TrajectorySpec {
  lr: number;
  batchSize: number;
}

export interface ProblemSpec {
  /** A checkpoint whose topology is used (absent with `mlp`). */
  model?: string;
  mlp?: MlpArch;
  data: DataSource;
  /** Area-average the images to resize×resize first (./area-resize.ts); null: as stored. */
  resize: number | null;
  loss?: string;
}

const datasets = new Map<string, Promise<Dataset>>();

function dataset(src: DataSource, resize: number | null): Promise<Dataset> {
  const key = JSON.stringify([src, resize]);
  if (!datasets.has(key))
    datasets.set(
      key,
      loadDataset(src).then((ds) => (resize === null ? ds : areaResize(ds, resize))),
    );
  return datasets.get(key)!;
}

/** The preset's MLP checkpoint with its hidden activation set. */
function mlpOf(a: MlpArch): Checkpoint {
  const c = mlpCheckpoint(a);
  const topo = structuredClone(c.modelTopology) as { config: { layers: { config: { activation: string } }[] } };
  topo.config.layers[0].config.activation = a.activation;
  return { ...c, modelTopology: topo };
}

/** The model bundle (weights as the checkpoint has them: every start re-initialises) and the prepared data. */
export async function loadProblem(p: ProblemSpec): Promise<{ bundle: ModelBundle; data: PreparedData }> {
  const ds = await dataset(p.data, p.resize);
  if (p.mlp) return { bundle: loadModel(mlpOf(p.mlp)), data: prepareClassification(ds, ds.y as ArrayLike<number>, p.mlp.classes) };
  const bundle = loadModel(await readCheckpoint(p.model!), p.loss);
  return { bundle, data: prepareData(ds, bundle.arch.inputShape, bundle.outDim, bundle.loss, bundle.outClasses) };
}

/** θ of a start: the seeded initialisation, or the end of sgdSteps SGD steps (no validation split) from it. */
export async function startTheta(bundle: ModelBundle, data: PreparedData, s: StartSpec, t: TrajectorySpec, signal?: AbortSignal): Promise<Float32Array> {
  if (s.sgdSteps === 0) return initialTheta(bundle, 'topology', s.seed);
  const perEpoch = Math.ceil(data.n / t.batchSize);
  const run = {
    seed: s.seed,
    init: 'topology',
    optimizer: { name: 'sgd', lr: t.lr },
    batchSize: t.batchSize,
    epochs: Math.ceil(s.sgdSteps / perEpoch),
    maxSteps: s.sgdSteps,
  };
  return (await trainRun(run, bundle, data, { signal })).theta;
}
