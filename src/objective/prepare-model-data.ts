/**
 * A dataset matched to a model of any number of inputs and outputs: one input and one output
 * as prepareData does; several, array by array — each input's size against the model input's
 * shape, each output's targets in the form its own loss needs — every mismatch naming the file.
 */
import { inputError } from '../errors.js';
import type { DataPart, Dataset } from '../io/types.js';
import { inputsOf, isMultiIO } from '../model/architecture.js';
import { checkTargets } from '../model/targets-check.js';
import type { ModelBundle } from './model-bundle.js';
import { prepareData, targets, type PreparedData } from './prepare-data.js';
import { takeSharedRows, toShared } from '../io/sample-rows.js';

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** `ds` ready for `model`'s objective (targets checked against each output's loss first). */
export function prepareModelData(ds: Dataset, model: ModelBundle): PreparedData {
  if (!isMultiIO(model.arch)) {
    checkTargets(ds, model.loss, model.outDim, model.arch.inputShape);
    return prepareData(ds, model.arch.inputShape, model.outDim, model.loss, model.outClasses);
  }
  const ins = inputsOf(model.arch);
  if (!ds.parts) {
    const want = [...ins.map((i) => `${i.name}.npy`), ...model.heads.map((h) => `${h.name}.npy`)].join(', ');
    throw inputError(
      ds.source,
      `the model has inputs ${ins.map((i) => i.name).join(', ')} and outputs ${model.heads.map((h) => h.name).join(', ')}; give a folder with one .npy per input and output (${want}) or CSV columns by prefix (name:…)`,
    );
  }
  if (ds.n === 0) throw inputError(ds.source, 'dataset is empty');
  const inputs = ins.map((inp, k) => {
    const p = ds.parts!.inputs[k]!;
    if (prod(p.shape) !== prod(inp.shape)) {
      throw inputError(
        p.source,
        `input "${inp.name}": samples have ${prod(p.shape)} values (shape [${p.shape}]) but the model takes [${inp.shape}] (${prod(inp.shape)} values)`,
      );
    }
    return { name: inp.name, shape: inp.shape, x: p.values, xDivisor: p.divisor };
  });
  const tgts = model.heads.map((h, k) => {
    const p = ds.parts!.targets[k]!;
    const one = headDataset(ds, p);
    checkTargets(one, h.loss, h.outDim, model.arch.inputShape);
    return { name: h.name, y: toShared(targets(one, h.outDim, h.loss, h.outClasses)), k: h.outDim };
  });
  const first = inputs[0]!,
    t = tgts[0]!;
  return { n: ds.n, inputShape: first.shape, x: first.x, xDivisor: first.xDivisor, y: t.y, k: t.k, inputs, targets: tgts };
}

/** One output's targets as a dataset of their own, named by their file (the checks' messages name it). */
function headDataset(ds: Dataset, p: DataPart): Dataset {
  return { ...ds, source: p.source, y: p.values as Float32Array, yShape: p.shape, labelKind: p.labelKind, parts: undefined };
}

/** Rows `idx` of prepared data (every input and target), e.g. a BatchNorm subset. */
export function takePreparedRows(data: PreparedData, idx: ArrayLike<number>): PreparedData {
  const take = <T extends Float32Array | Uint8Array>(a: T, w: number) => takeSharedRows(a, w, idx, data.n);
  const inputs = data.inputs?.map((i) => ({ ...i, x: take(i.x, prod(i.shape)) }));
  const targets = data.targets?.map((t) => ({ ...t, y: take(t.y, t.k) }));
  const x = inputs ? inputs[0]!.x : take(data.x, prod(data.inputShape)),
    y = targets ? targets[0]!.y : take(data.y, data.k);
  return { ...data, n: idx.length, x, y, ...(inputs ? { inputs } : {}), ...(targets ? { targets } : {}) };
}
