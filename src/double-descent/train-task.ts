/**
 * The task handler of model-wise sweeps (a module for the study executors: exports `runTask`).
 * Kind 'dd-mlp': train one width-w MLP with one seed on the (label-noised) training set, without
 * regularisation, for a fixed epoch budget — or until the training error first reaches 0 when
 * `stopAtZeroTrainError` — evaluating train and test loss/error every `evalEvery` epochs
 * (the epoch-wise curve) and at the end. Datasets are loaded once per worker and cached.
 */
import type { RunConfig } from '../train/run-config.js';
import type { LoadDatasetOptions } from '../io/dataset.js';
import type { Dataset } from '../io/types.js';
import type { PreparedData } from '../objective/prepare-data.js';
import type { TaskContext } from '../studies/task-handler.js';
import type { EpochPoint, SweepRun } from './types.js';
import type { MlpLoss } from './mlp-family.js';
import { LosslensError, inputError } from '../errors.js';

export type DataRef = Pick<LoadDatasetOptions, 'data' | 'x' | 'y' | 'labelColumn' | 'samples' | 'seed' | 'split'>;

export interface MlpTaskConfig {
  train: DataRef;
  test: DataRef;
  classes: number;
  width: number;
  seed: number;
  labelNoise: number;
  /** Seed of the label noise: the same for every run of a study (one fixed noisy training set). */
  noiseSeed: number;
  loss: MlpLoss;
  /** Optimizer, batch size, epochs… (seed and init are set from the task). */
  run: RunConfig;
  evalEvery: number;
  stopAtZeroTrainError: boolean;
  backend?: string;
  /** Average-pool images by this factor before flattening (./downsample.ts; default 1: as stored). */
  downsample?: number;
}

export interface MlpTaskResult extends SweepRun {
  status: string;
  steps: number;
  /** Epoch at which the training error first reached 0 (null: never). */
  interpolatedAt: number | null;
  flippedLabels: number;
  backend: string;
}

const cache = new Map<string, Promise<Dataset>>();

async function dataset(ref: DataRef, downsample = 1): Promise<Dataset> {
  const key = JSON.stringify([ref, downsample]);
  if (!cache.has(key)) {
    cache.set(
      key,
      (async () => {
        const ds = await (await import('../io/dataset.js')).loadDataset(ref);
        return downsample === 1 ? ds : (await import('./downsample.js')).averagePool(ds, downsample);
      })(),
    );
  }
  return cache.get(key)!;
}

/** Inputs flattened, class-index labels → one-hot targets (k classes). */
export function prepareClassification(ds: Dataset, labels: ArrayLike<number>, k: number): PreparedData {
  if (ds.labelKind !== 'class-index') throw inputError(ds.source, `double descent needs class-index labels, got ${ds.labelKind}`);
  const d = ds.xShape.reduce((a, b) => a * b, 1);
  const y = new Float32Array(ds.n * k);
  for (let i = 0; i < ds.n; i++) {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0 || c >= k) throw inputError(ds.source, `label ${c} of sample ${i} is outside 0..${k - 1}`);
    y[i * k + c] = 1;
  }
  return { n: ds.n, inputShape: [d], x: ds.x, xDivisor: ds.xDivisor, y, k };
}

export async function runTask(kind: string, config: unknown, ctx: TaskContext = {}): Promise<MlpTaskResult> {
  if (kind !== 'dd-mlp')
    throw new LosslensError('BAD_INPUT', `double-descent handler: unknown task kind ${JSON.stringify(String(kind).slice(0, 40))}; known: dd-mlp`);
  return trainMember(config as MlpTaskConfig, ctx);
}

export async function trainMember(c: MlpTaskConfig, ctx: TaskContext = {}): Promise<MlpTaskResult> {
  const { selectBackend } = await import('../engine/index.js');
  const { trainRun } = await import('../train/train-run.js');
  const { mlpBundle } = await import('./mlp-family.js');
  const { addLabelNoise } = await import('./label-noise.js');
  const { lossAndError } = await import('./evaluate.js');
  const backend = await selectBackend(c.backend ?? 'auto');
  const [trainDs, testDs] = await Promise.all([dataset(c.train, c.downsample), dataset(c.test, c.downsample)]);
  const noisy = addLabelNoise(trainDs.y, c.classes, c.labelNoise, c.noiseSeed);
  const train = prepareClassification(trainDs, noisy.labels, c.classes);
  const test = prepareClassification(testDs, testDs.y, c.classes);
  if (test.inputShape[0] !== train.inputShape[0])
    throw inputError(testDs.source, `test samples have ${test.inputShape[0]} values, training samples ${train.inputShape[0]}`);
  const model = mlpBundle({ inputDim: train.inputShape[0], width: c.width, classes: c.classes, loss: c.loss });
  const batch = c.run.batchSize ?? 32;
  const perEpoch = Math.ceil(train.n / batch);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  ctx.signal?.addEventListener('abort', onAbort);
  const epochs: EpochPoint[] = [];
  let interpolatedAt: number | null = null;
  let stoppedEarly = false;
  const evaluate = async (epoch: number, ckpt: Parameters<typeof lossAndError>[1]) => {
    const [tr, te] = [await lossAndError(model, ckpt, train), await lossAndError(model, ckpt, test)];
    const p = { epoch, trainLoss: tr.loss, trainError: tr.error, testLoss: te.loss, testError: te.error };
    if (epochs.at(-1)?.epoch !== epoch) epochs.push(p);
    if (tr.error === 0 && interpolatedAt === null) interpolatedAt = epoch;
    return p;
  };
  let out;
  try {
    out = await trainRun({ ...c.run, seed: c.seed, init: 'topology', saveEvery: perEpoch * c.evalEvery }, model, train, {
      signal: stop.signal,
      onCheckpoint: async (s) => {
        if (s.final) return;
        const p = await evaluate(s.epoch, s.checkpoint);
        if (c.stopAtZeroTrainError && p.trainError === 0 && s.epoch > 0) {
          stoppedEarly = true;
          stop.abort();
        }
      },
    });
  } catch (err) {
    if (!(stoppedEarly && !ctx.signal?.aborted && err instanceof LosslensError && err.code === 'INTERRUPTED')) throw err;
  } finally {
    ctx.signal?.removeEventListener('abort', onAbort);
  }
  let last = epochs.at(-1)!;
  if (out && out.result.returnedEpoch !== last.epoch) last = await evaluate(out.result.returnedEpoch, out.checkpoint);
  return {
    width: c.width,
    seed: c.seed,
    params: model.layout.dim,
    epochsRun: last.epoch,
    trainLoss: last.trainLoss,
    trainError: last.trainError,
    testLoss: last.testLoss,
    testError: last.testError,
    epochs,
    status: stoppedEarly ? 'interpolated' : out!.result.status,
    steps: out?.result.steps ?? last.epoch * perEpoch,
    interpolatedAt,
    flippedLabels: noisy.flipped.length,
    backend: backend.name,
  };
}
