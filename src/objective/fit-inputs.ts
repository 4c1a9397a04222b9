/**
 * A model whose input dimensions were saved as null (a sequence of any length: batch_input_shape
 * [null, null, 52]) takes the lengths of its data. The data's per-sample shape fixes them — the
 * whole shape when it has the input's rank, else the one null dimension from the data's size — and
 * must agree with every dimension the model does fix; the checkpoint then carries the shapes
 * (Checkpoint.io.inputShapes), so every later reader (pool workers too) builds the same graph.
 */
import { inputError } from '../errors.js';
import type { Checkpoint, Dataset, ModelIONames } from '../io/types.js';
import { inputsOf, outputsOf, type Architecture } from '../model/architecture.js';
import type { ModelInput } from '../model/model-io.js';
import { loadModel, type ModelBundle } from './model-bundle.js';

/** The names a dataset of several arrays is matched by: the model's inputs, its outputs, and the analysed ones. */
export function modelIONames(arch: Architecture): ModelIONames {
  const all = arch.allOutputs ?? outputsOf(arch);
  return { inputs: inputsOf(arch).map((i) => i.name), outputs: all.map((o) => o.name), used: outputsOf(arch).map((o) => o.name) };
}

/** Whether any input of the model has a null dimension. */
export const hasNullDims = (arch: Architecture): boolean => inputsOf(arch).some((i) => i.declared.includes(null));

/** Each input's shape with its null dimensions fixed by `ds`. */
export function dataInputShapes(arch: Architecture, ds: Dataset): number[][] {
  return inputsOf(arch).map((inp, k) => {
    const part = ds.parts?.inputs[k];
    return fitShape(inp, part?.shape ?? ds.xShape, part?.source ?? ds.source);
  });
}

function fitShape(inp: ModelInput, have: number[], source: string): number[] {
  const d = inp.declared,
    size = have.reduce((a, b) => a * b, 1);
  const shown = `[${d.map((v) => v ?? 'null')}]`;
  if (have.length === d.length && d.every((v, i) => v === null || v === have[i])) return have.slice();
  const nulls = d.filter((v) => v === null).length;
  const known = d.reduce<number>((a, v) => a * (v ?? 1), 1);
  if (have.length !== d.length && nulls === 1 && size % known === 0 && size >= known) return d.map((v) => v ?? size / known);
  throw inputError(
    source,
    `input "${inp.name}" takes ${shown} per sample; samples of shape [${have}] (${size} values) do not fit it${nulls > 1 ? " (give the data in the input's own shape to fix its several null dimensions)" : ''}`,
  );
}

/** The checkpoint and model with the data's input shapes when the model left any dimension null; unchanged otherwise. */
export function fitModelToData(checkpoint: Checkpoint, model: ModelBundle, ds: Dataset, lossOverride?: string): { checkpoint: Checkpoint; model: ModelBundle } {
  if (!hasNullDims(model.arch)) return { checkpoint, model };
  const fitted = { ...checkpoint, io: { ...checkpoint.io, inputShapes: dataInputShapes(model.arch, ds) } };
  return { checkpoint: fitted, model: loadModel(fitted, lossOverride) };
}
