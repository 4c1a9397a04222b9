/**
 * Task kind 'train-and-measure': train one configuration from one seed (optionally at another
 * hidden width), then measure the minimum: final train/validation/test loss and accuracy and its
 * sharpness (see ../sharpness.ts). Returns the JSON result plus attachments `theta` (final θ) and,
 * with `snapshots > 0`, `trajectory` (θ at ~snapshots evenly spaced steps, step 0 and the end
 * included, concatenated). No timings in the result: same config ⇒ same result.
 *
 * The model and data are read once per worker and cached (keyed by their paths and options).
 */
import { readCheckpoint } from '../../io/checkpoint-read.js';
import { loadDataset } from '../../io/dataset.js';
import type { Checkpoint } from '../../io/types.js';
import { selectBackend } from '../../engine/index.js';
import { loadModel, type ModelBundle } from '../../objective/model-bundle.js';
import { prepareData, type PreparedData } from '../../objective/prepare-data.js';
import { prepareModelData } from '../../objective/prepare-model-data.js';
import { modelIONames } from '../../objective/fit-inputs.js';
import { isMultiIO, parseArchitecture } from '../../model/architecture.js';
import { LocalObjective } from '../../objective/local-objective.js';
import type { DataSource } from '../../problem.js';
import { trainRun, resolveRunConfig, type RunConfig, type RunStatus } from '../../train/index.js';
import { optionError } from '../../errors.js';
import { withHiddenWidth } from '../width.js';
import { measureSharpness, SHARPNESS_DEFAULTS, type Sharpness, type SharpnessOptions } from '../sharpness.js';
import type { TaskContext, TaskOutput } from '../task-handler.js';

export interface TrainMeasureConfig {
  /** model.json (or its folder); its topology is trained (re-initialised from run.seed). */
  model: string;
  data: DataSource;
  testData?: DataSource;
  loss?: string;
  backend: string;
  /** Hidden Dense width (see ../width.ts); null keeps the checkpoint's widths. */
  width: number | null;
  run: RunConfig;
  /** Samples per evaluation batch. */
  evalBatchSize: number;
  sharpness: SharpnessOptions | null;
  /** θ snapshots to keep along the way (0: none). */
  snapshots: number;
}

export interface Measured {
  loss: number;
  accuracy?: number;
}

export interface TrainMeasureResult {
  width: number | null;
  seed: number;
  paramCount: number;
  status: RunStatus;
  steps: number;
  epochsRun: number;
  thetaHash: string;
  thetaNorm: number;
  train: Measured;
  val?: Measured;
  test?: Measured;
  /** Inference-mode losses per epoch (epoch 0 = initial). */
  epochs: { epoch: number; step: number; trainLoss: number; valLoss?: number }[];
  sharpness: Sharpness | null;
  /** Steps of the rows of the `trajectory` attachment. */
  trajectorySteps?: number[];
}

interface Loaded {
  ckpt: Checkpoint;
  train: DataSource;
  test?: DataSource;
  data: Map<string, { train: PreparedData; test?: PreparedData }>;
  datasets: Promise<[Awaited<ReturnType<typeof loadDataset>>, Awaited<ReturnType<typeof loadDataset>> | undefined]>;
}
const cache = new Map<string, Promise<Loaded>>();

async function load(c: TrainMeasureConfig): Promise<Loaded> {
  const key = JSON.stringify([c.model, c.data, c.testData]);
  if (!cache.has(key)) {
    cache.set(
      key,
      (async () => {
        const ckpt = await readCheckpoint(c.model);
        // several inputs or outputs: the arrays are matched to the model's names (one .npy or CSV prefix each)
        const arch = parseArchitecture(ckpt),
          model = isMultiIO(arch) ? modelIONames(arch) : undefined;
        const read = (s: DataSource) => loadDataset(model ? { ...s, model } : s);
        return { ckpt, train: c.data, test: c.testData, data: new Map(), datasets: Promise.all([read(c.data), c.testData ? read(c.testData) : undefined]) };
      })(),
    );
  }
  return cache.get(key)!;
}

async function problem(c: TrainMeasureConfig): Promise<{ bundle: ModelBundle; train: PreparedData; test?: PreparedData }> {
  const l = await load(c);
  const ckpt = c.width === null ? l.ckpt : withHiddenWidth(l.ckpt, c.width);
  const bundle = loadModel(ckpt, c.loss);
  const [tr, te] = await l.datasets;
  const prepare = (ds: typeof tr) =>
    isMultiIO(bundle.arch) ? prepareModelData(ds, bundle) : prepareData(ds, bundle.arch.inputShape, bundle.outDim, bundle.loss, bundle.outClasses);
  return { bundle, train: prepare(tr), test: te && prepare(te) };
}

export async function trainAndMeasure(c: TrainMeasureConfig, ctx: TaskContext = {}): Promise<TaskOutput<TrainMeasureResult>> {
  await selectBackend(c.backend);
  const cfg = resolveRunConfig(c.run);
  if (c.width !== null && cfg.init === 'checkpoint')
    throw optionError('init', 'a width-changed model cannot continue from the checkpoint; use topology or a named initializer');
  const { bundle, train, test } = await problem(c);
  const stepsPerEpoch = Math.ceil((train.n - Math.round(train.n * cfg.valSplit)) / cfg.batchSize);
  const saveEvery = c.snapshots > 0 ? Math.max(1, Math.floor((stepsPerEpoch * cfg.epochs) / c.snapshots)) : 0;
  const snaps: { step: number; theta: Float32Array }[] = [];
  const out = await trainRun({ ...c.run, saveEvery }, bundle, train, {
    signal: ctx.signal,
    onCheckpoint: (s) => void (c.snapshots > 0 && snaps.push({ step: s.step, theta: s.theta })),
  });
  const r = out.result;
  const trained = loadModel(out.checkpoint, bundle.loss);
  const objTrain = new LocalObjective(trained, train, { batchSize: c.evalBatchSize });
  const objTest = test ? new LocalObjective(trained, test, { batchSize: c.evalBatchSize }) : undefined;
  try {
    const sharpness = c.sharpness ? await measureSharpness(objTrain, out.theta, { ...SHARPNESS_DEFAULTS, ...c.sharpness }) : null;
    const testEval = objTest ? await objTest.evaluate(out.theta) : undefined;
    const f = r.final;
    const result: TrainMeasureResult = {
      width: c.width,
      seed: cfg.seed,
      paramCount: r.paramCount,
      status: r.status,
      steps: r.steps,
      epochsRun: r.epochsRun,
      thetaHash: r.thetaHash,
      thetaNorm: Math.sqrt(out.theta.reduce((a, v) => a + v * v, 0)),
      train: { loss: f.trainLoss, ...(f.trainAccuracy !== undefined ? { accuracy: f.trainAccuracy } : {}) },
      ...(f.valLoss !== undefined ? { val: { loss: f.valLoss, ...(f.valAccuracy !== undefined ? { accuracy: f.valAccuracy } : {}) } } : {}),
      ...(testEval ? { test: { loss: testEval.loss, ...(testEval.accuracy !== undefined ? { accuracy: testEval.accuracy } : {}) } } : {}),
      epochs: r.history.epochs.map((e) => ({
        epoch: e.epoch,
        step: e.step,
        trainLoss: e.trainLoss,
        ...(e.valLoss !== undefined ? { valLoss: e.valLoss } : {}),
      })),
      sharpness,
    };
    const attachments: Record<string, Float32Array> = { theta: out.theta };
    if (c.snapshots > 0) {
      const dim = out.theta.length;
      const traj = new Float32Array(snaps.length * dim);
      snaps.forEach((s, i) => traj.set(s.theta, i * dim));
      attachments.trajectory = traj;
      result.trajectorySteps = snaps.map((s) => s.step);
    }
    return { result, attachments };
  } finally {
    objTrain.dispose();
    objTest?.dispose();
  }
}

/**
 * Train/test objectives of a task's problem at a given θ layout (width), for study-level
 * analyses in the main thread (barriers, landscape slices). The caller disposes them.
 */
export async function studyObjectives(c: TrainMeasureConfig): Promise<{ train: LocalObjective; test?: LocalObjective }> {
  await selectBackend(c.backend);
  const { bundle, train, test } = await problem(c);
  return {
    train: new LocalObjective(bundle, train, { batchSize: c.evalBatchSize }),
    test: test && new LocalObjective(bundle, test, { batchSize: c.evalBatchSize }),
  };
}
