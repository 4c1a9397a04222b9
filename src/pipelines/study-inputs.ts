/**
 * The inputs every training study shares (model, data, how each run trains and is measured), their
 * defaults and checks, as fields; and the one read of the checkpoint and data before a study starts.
 */
import path from 'node:path';
import { optionError } from '../errors.js';
import type { TrainMeasureConfig } from '../studies/tasks/train-and-measure.js';
import { checkScale, type DataOptions } from './common.js';

export interface StudyOptions extends DataOptions {
  model: string;
  backend?: string;
  scale?: number;
  /** Passes over the training split per run. */
  epochs: number;
  batchSize: number;
  /** Initializer of each run (topology or a named one). */
  init: string;
  valSplit?: number;
  evalBatchSize: number;
  /** Measure λmax, trace and random-direction sharpness of each minimum. */
  sharpness: boolean;
  lanczosIter: number;
  traceProbes: number;
  directions: number;
  /** Random-direction sharpness radius: max over α ∈ [−ε, ε] of L(θ+αd) − L(θ). */
  epsilon: number;
}

export const STUDY_DEFAULTS = {
  backend: 'auto',
  scale: 1,
  epochs: 30,
  batchSize: 32,
  init: 'topology',
  evalBatchSize: 512,
  sharpness: true,
  lanczosIter: 20,
  traceProbes: 20,
  directions: 10,
  epsilon: 0.1,
};

/** The task config every run of the study shares (paths absolute, so workers and resumes agree). */
export function baseTaskConfig(a: StudyOptions): Omit<TrainMeasureConfig, 'width'> {
  if (!a.data && !a.x) throw optionError('data', 'a study needs training data ({data}, or {x} with {y})');
  if (a.x && !a.y) throw optionError('y', '{x} needs {y}');
  checkScale(a.scale);
  if (!(Number.isInteger(a.evalBatchSize) && a.evalBatchSize >= 1)) throw optionError('evalBatchSize', `must be an integer ≥ 1, got ${a.evalBatchSize}`);
  if (a.sharpness) {
    for (const [field, v] of [
      ['lanczosIter', a.lanczosIter],
      ['traceProbes', a.traceProbes],
      ['directions', a.directions],
    ] as const) {
      if (!(Number.isInteger(v) && v >= 1)) throw optionError(field, `must be an integer ≥ 1, got ${v}`);
    }
    if (!(Number.isFinite(a.epsilon) && a.epsilon > 0)) throw optionError('epsilon', `must be > 0, got ${a.epsilon}`);
  }
  const abs = (p?: string) => (p ? path.resolve(p) : undefined);
  const src = { labelColumn: a.labelColumn, samples: a.samples, seed: 0 };
  return {
    model: path.resolve(a.model),
    data: { data: abs(a.data), x: abs(a.x), y: abs(a.y), ...src },
    ...(a.testData ? { testData: { data: abs(a.testData), ...src, split: 'test' as const } } : {}),
    loss: a.loss,
    backend: a.backend ?? STUDY_DEFAULTS.backend,
    evalBatchSize: a.evalBatchSize,
    run: { epochs: a.epochs, batchSize: a.batchSize, init: a.init, ...(a.valSplit !== undefined ? { valSplit: a.valSplit } : {}) },
    sharpness: a.sharpness
      ? { lanczosIter: a.lanczosIter, traceProbes: a.traceProbes, directions: a.directions, epsilon: a.epsilon, points: 9, seed: 0 }
      : null,
    snapshots: 0,
  };
}

/**
 * Read the checkpoint and the datasets once and check them against each other before the study
 * folder is opened: a bad file is one error (exit 2), not every run failing in its worker.
 */
export async function checkStudyInputs(base: Omit<TrainMeasureConfig, 'width'>): Promise<void> {
  const { readCheckpoint } = await import('../io/checkpoint-read.js');
  const { loadDataset } = await import('../io/dataset.js');
  const { loadModel } = await import('../objective/model-bundle.js');
  const { prepareData } = await import('../objective/prepare-data.js');
  const { selectBackend } = await import('../engine/index.js');
  await selectBackend(base.backend ?? 'auto'); // loadModel runs one tiny forward pass
  const model = loadModel(await readCheckpoint(base.model), base.loss);
  const { isMultiIO } = await import('../model/architecture.js');
  const { modelIONames } = await import('../objective/fit-inputs.js');
  const { prepareModelData } = await import('../objective/prepare-model-data.js');
  for (const src of [base.data, base.testData]) {
    if (src && isMultiIO(model.arch)) prepareModelData(await loadDataset({ ...src, model: modelIONames(model.arch) }), model);
    else if (src) prepareData(await loadDataset(src), model.arch.inputShape, model.outDim, model.loss, model.outClasses);
  }
}
