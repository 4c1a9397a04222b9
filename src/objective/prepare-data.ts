/**
 * Check a dataset against a model and bring its targets into the form the loss needs:
 * inputs reshaped to the model's input shape, targets as [n, k] floats (one-hot for the
 * categorical losses). Every mismatch is an input error naming the dataset file.
 */
import type { Dataset } from '../io/types.js';
import { baseLoss, isCategorical, type LossName } from '../model/loss.js';
import { inputError } from '../errors.js';
import { toShared, type InputArray } from '../io/sample-rows.js';

/**
 * Samples ready for a model, still in JS memory (never uploaded whole to a backend: objectives
 * take one batch at a time). `x` keeps the stored dtype; input values are x[i] / xDivisor
 * (see io/sample-rows.ts). Both arrays normally live on SharedArrayBuffers.
 */
export interface PreparedData {
  n: number;
  inputShape: number[];
  x: InputArray;
  /** 255 for images stored as bytes; absent or 1 otherwise. */
  xDivisor?: number;
  /** Targets, row-major [n, k]. */
  y: Float32Array;
  k: number;
  /** A model with several inputs: every input in the model's order (x above is the first). */
  inputs?: PreparedInput[];
  /** A model with several outputs: the targets of each analysed output (y above is the first's). */
  targets?: PreparedTarget[];
}

/** One model input ready for the objective: its name, per-sample shape and values. */
export interface PreparedInput {
  name: string;
  shape: number[];
  x: InputArray;
  xDivisor?: number;
}
/** One model output's targets ready for the objective: its name, values and width k. */
export interface PreparedTarget {
  name: string;
  y: Float32Array;
  k: number;
}

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/**
 * A dataset checked against the model's input shape, output width and loss, its labels turned into the targets
 * the loss reads (class indices → one-hot rows for categorical losses).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { readCheckpoint, loadDataset, loadModel, prepareData } from 'losslens';
 *
 * const model = loadModel(await readCheckpoint('fixtures/linreg'));
 * const data = prepareData(await loadDataset({ data: 'fixtures/linreg/data.csv' }), model.arch.inputShape, model.outDim, model.loss);
 * assert.equal(data.n, 256);
 * const spiral = await loadDataset({ data: 'fixtures/spiral-tanh/train.csv' }); // 2 features where the model takes 5
 * assert.throws(() => prepareData(spiral, model.arch.inputShape, model.outDim, model.loss), /train\.csv/);
 * ```
 */
export function prepareData(ds: Dataset, inputShape: number[], outDim: number, loss: LossName, outClasses: number | null = null): PreparedData {
  if (ds.n === 0) throw inputError(ds.source, 'dataset is empty');
  const want = prod(inputShape);
  const have = prod(ds.xShape);
  if (want !== have) {
    throw inputError(ds.source, `samples have ${have} values (shape [${ds.xShape}]) but the model expects input shape [${inputShape}] (${want} values)`);
  }
  return { n: ds.n, inputShape, x: ds.x, xDivisor: ds.xDivisor, y: toShared(targets(ds, outDim, loss, outClasses)), k: outDim };
}

/**
 * The targets `loss` reads for an output of `k` values a sample. `outClasses`: the output's last axis when its samples have
 * positions (ModelBundle.outClasses); only then are integer targets with one value per position read as class indices per step.
 */
export function targets(
  ds: Pick<Dataset, 'source' | 'n' | 'y' | 'yShape' | 'labelKind'>,
  k: number,
  loss: LossName,
  outClasses: number | null = null,
): Float32Array {
  const width = ds.yShape.length === 0 ? 1 : prod(ds.yShape);
  const categorical = isCategorical(loss),
    binary = baseLoss(loss) === 'binaryCrossentropy';
  if (ds.labelKind === 'class-index' && categorical) return oneHot(ds, k);
  // a sequence output [T, C] with [T] or [T, 1] class indices (sparse targets per step): one-hot per step; a flat [k] output never
  const perStep = outClasses !== null && width > 1 && width * outClasses === k;
  if (categorical && perStep && ds.y.every(Number.isInteger)) return oneHot(ds, outClasses, width);
  if (ds.labelKind === 'class-index' && binary && k === 1) {
    checkRange(ds, 2);
    return Float32Array.from(ds.y);
  }
  if (width !== k) {
    throw inputError(ds.source, `targets have ${width} column(s) but the model has ${k} output(s) (loss ${loss})`);
  }
  if (categorical || binary) {
    for (let i = 0; i < ds.y.length; i++) {
      const v = ds.y[i];
      if (!(v >= 0 && v <= 1)) throw inputError(ds.source, `target ${v} in sample ${Math.floor(i / k)} is outside [0, 1] required by ${loss}`);
    }
  }
  return ds.y;
}

function checkRange(ds: Pick<Dataset, 'source' | 'n' | 'y'>, k: number, per = 1): void {
  for (let i = 0; i < ds.n * per; i++) {
    const c = ds.y[i];
    if (!Number.isInteger(c) || c < 0 || c >= k) {
      const where = per > 1 ? `sample ${Math.floor(i / per)}, step ${i % per}` : `sample ${i}`;
      throw inputError(ds.source, `label ${c} of ${where} is out of range: the model has ${k} classes (labels 0..${k - 1})`);
    }
  }
}

/** `per` class indices per sample, each as a one-hot row of k. */
function oneHot(ds: Pick<Dataset, 'source' | 'n' | 'y'>, k: number, per = 1): Float32Array {
  checkRange(ds, k, per);
  const y = new Float32Array(ds.n * per * k);
  for (let i = 0; i < ds.n * per; i++) y[i * k + ds.y[i]] = 1;
  return y;
}
