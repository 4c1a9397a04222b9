/**
 * An inputs file and a labels file (.npy or IDX, gzipped or not) into one {@link Dataset}. Both
 * headers are read and checked against each other and against the memory budget before any data
 * is allocated; then each file streams into one array of its final dtype (see array-sink.ts).
 * With `samples`, only the seeded subset's rows are stored, so a file too large to hold whole can
 * still be sampled.
 */
import { inputError } from '../errors.js';
import { ArraySink, sinkBytes, type SinkOptions } from './array-sink.js';
import { openArray, type OpenArray } from './array-stream.js';
import { buildDataset, subsetRows } from './dataset-build.js';
import { checkDataBudget, dataMemoryBudget } from './memory-budget.js';
import type { Dataset } from './types.js';

export interface PairOptions {
  /** Divide unsigned-byte inputs by 255 when a batch is taken. */
  scaleUint8: boolean;
  /** Keep a seeded subset of this many rows. */
  samples?: number;
  seed?: number;
  /** Bytes the dataset may take in memory (default {@link dataMemoryBudget}). */
  budget?: number;
}

export async function loadPair(xFile: string, yFile: string, opts: PairOptions): Promise<Dataset> {
  const xo = await openArray(xFile);
  const yo = await openArray(yFile).catch((err) => {
    xo.close();
    throw err;
  });
  try {
    const n = checkPair(xo, yo);
    const source = `${xFile} + ${yFile}`;
    const xOpts: SinkOptions = { keepBytes: true, role: 'value' };
    const yOpts: SinkOptions = { keepBytes: false, role: 'label' };
    const rowBytes = sinkBytes(xo.header, xOpts) / n + sinkBytes(yo.header, yOpts) / n;
    const kept = opts.samples ?? n;
    // the subset's row order costs 4 bytes a declared row, and is counted too
    const need = kept * rowBytes + (opts.samples === undefined ? 0 : 4 * n);
    checkDataBudget(xFile, need, opts.budget ?? dataMemoryBudget(), n, rowBytes);
    const rows = opts.samples === undefined ? undefined : subsetRows(n, opts.samples, opts.seed ?? 0, source);
    const ya = await yo.readInto(new ArraySink(yo.header, yFile, { ...yOpts, rows }));
    const xa = await xo.readInto(new ArraySink(xo.header, xFile, { ...xOpts, rows }));
    const x = xa.data;
    // bytes stay bytes (4× less memory); a batch divides them by 255 when it is taken
    const divisor = x instanceof Uint8Array && opts.scaleUint8 ? 255 : 1;
    return buildDataset(source, xa.shape[0], xa.shape.slice(1), x, ya.shape.slice(1), ya.data as Float32Array, divisor);
  } finally {
    xo.close();
    yo.close();
  }
}

/** The sample count both files declare; refuses 0-d arrays, a count mismatch and empty data. */
function checkPair(xo: OpenArray, yo: OpenArray): number {
  for (const o of [xo, yo]) if (o.header.shape.length === 0) throw inputError(o.file, 'array has no sample axis (0-d)');
  const n = xo.header.shape[0];
  if (yo.header.shape[0] !== n) throw inputError(`${xo.file} + ${yo.file}`, `x has ${n} samples but y has ${yo.header.shape[0]}`);
  if (n === 0) throw inputError(xo.file, 'empty data: 0 samples');
  return n;
}
