/**
 * A folder with one .npy file per model input and per model output (dataset-roles.ts says which
 * name feeds which), for models with several inputs or outputs. Every header is read first: all
 * arrays must declare the same number of samples, and together they must fit the memory budget
 * before any data is stored; then each streams into one array of its final dtype (array-sink.ts),
 * keeping only the seeded subset's rows with `samples`.
 */
import path from 'node:path';
import { inputError } from '../errors.js';
import { ArraySink, sinkBytes, type SinkOptions } from './array-sink.js';
import { openArray, type OpenArray } from './array-stream.js';
import { buildPartsDataset, subsetRows, targetKind } from './dataset-build.js';
import type { PairOptions } from './dataset-pair.js';
import { assignRoles, type NamedArray } from './dataset-roles.js';
import { checkDataBudget, dataMemoryBudget } from './memory-budget.js';
import type { DataPart, Dataset, ModelIONames } from './types.js';

const INPUT: SinkOptions = { keepBytes: true, role: 'value' };
const TARGET: SinkOptions = { keepBytes: false, role: 'label' };

/** The dataset in folder `dir`, whose .npy files are `files`. */
export async function loadNamedFolder(dir: string, files: string[], io: ModelIONames | undefined, opts: PairOptions): Promise<Dataset> {
  const stems = new Map(files.map((f) => [f.replace(/\.npy$/i, ''), path.join(dir, f)]));
  const { inputs, targets } = assignRoles(stems, io, dir, '.npy');
  const all = [...inputs, ...targets];
  const open: OpenArray[] = [];
  try {
    for (const a of all) open.push(await openArray(a.item));
    const n = checkRows(open, dir);
    const rowBytes = open.reduce((s, o, i) => s + sinkBytes(o.header, i < inputs.length ? INPUT : TARGET) / n, 0);
    const kept = opts.samples ?? n;
    checkDataBudget(dir, kept * rowBytes + (opts.samples === undefined ? 0 : 4 * n), opts.budget ?? dataMemoryBudget(), n, rowBytes);
    const rows = opts.samples === undefined ? undefined : subsetRows(n, opts.samples, opts.seed ?? 0, dir);
    const parts: DataPart[] = [];
    for (const [i, o] of open.entries()) parts.push(await readPart(o, all[i]!, i < inputs.length, rows, opts.scaleUint8));
    return buildPartsDataset(dir, kept, parts.slice(0, inputs.length), parts.slice(inputs.length));
  } finally {
    for (const o of open) o.close();
  }
}

/** The sample count every array declares; refuses 0-d arrays, a count mismatch and empty data. */
function checkRows(open: OpenArray[], dir: string): number {
  for (const o of open) if (o.header.shape.length === 0) throw inputError(o.file, 'array has no sample axis (0-d)');
  const n = open[0]!.header.shape[0]!;
  const odd = open.find((o) => o.header.shape[0] !== n);
  if (odd)
    throw inputError(
      odd.file,
      `has ${odd.header.shape[0]} samples but ${path.basename(open[0]!.file)} has ${n}; every array of ${dir} needs one row per sample`,
    );
  if (n === 0) throw inputError(open[0]!.file, 'empty data: 0 samples');
  return n;
}

async function readPart(o: OpenArray, a: NamedArray<string>, input: boolean, rows: Uint32Array | undefined, scaleUint8: boolean): Promise<DataPart> {
  const arr = await o.readInto(new ArraySink(o.header, o.file, { ...(input ? INPUT : TARGET), rows }));
  const shape = arr.shape.slice(1);
  if (input) {
    const divisor = arr.data instanceof Uint8Array && scaleUint8 ? 255 : 1;
    return { name: a.name, source: o.file, shape, values: arr.data, divisor, labelKind: 'float' };
  }
  const y = arr.data as Float32Array;
  const kind = targetKind(arr.shape[0]!, shape, y);
  return { name: a.name, source: o.file, shape: kind.yShape, values: y, labelKind: kind.labelKind };
}
