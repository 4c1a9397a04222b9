/**
 * Load a dataset from disk into a {@link Dataset}, and take seeded row subsets of it.
 * Sources: a .csv file; a folder with x.npy + y.npy or an IDX pair
 * (`*images*idx3-ubyte[.gz]` + `*labels*idx1-ubyte[.gz]`); an IDX images file whose
 * labels file sits next to it (train-images… → train-labels…); or x and y files given
 * directly (.npy or IDX, gzipped or not — gzip is detected by its magic bytes).
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { inputError, optionError } from '../errors.js';
import { gunzipBounded, isGzip, safeReadFile } from './safe-read.js';
import { permutation } from '../random.js';
import { parseCsv } from './dataset-csv.js';
import { IDX_IMAGES, IDX_LABELS, idxDeclaredBytes, isIdx, labelsNamesFor, parseIdx } from './dataset-idx.js';
import { isNpy, npyDeclaredBytes, parseNpy, type NdArray } from './dataset-npy.js';
import type { Dataset, LabelKind } from './types.js';
import { takeSharedRows, toShared, type InputArray } from './sample-rows.js';

export interface LoadDatasetOptions {
  /** A .csv file, a folder holding x.npy + y.npy or one IDX images/labels pair, or an IDX images file. */
  data?: string;
  /** Inputs file (.npy or IDX, optionally gzipped); needs `y`. */
  x?: string;
  /** Labels file (.npy or IDX, optionally gzipped); needs `x`. */
  y?: string;
  /** CSV label column name or prefix (default "label"). */
  labelColumn?: string;
  /** Keep a seeded subset of this many rows (in file order). */
  samples?: number;
  /** Seed of the subset (default 0). */
  seed?: number;
  /**
   * Scale inputs stored as unsigned bytes (IDX ubyte, npy |u1) by 1/255 into [0, 1]
   * (default true). Labels are never scaled.
   */
  scaleUint8?: boolean;
  /**
   * Which set a folder with several IDX pairs stands for (MNIST's layout: train-images… and
   * t10k-images… side by side): 'train' (default) takes the one images file named train*,
   * 'test' the one named test* or t10k*.
   */
  split?: 'train' | 'test';
}

/** Read a dataset (see {@link LoadDatasetOptions}); throws input errors naming the file. */
export async function loadDataset(opts: LoadDatasetOptions): Promise<Dataset> {
  let ds: Dataset;
  if (opts.x !== undefined || opts.y !== undefined) {
    if (opts.x === undefined || opts.y === undefined) throw optionError(opts.x ? 'y' : 'x', 'x and y must be given together');
    ds = await loadPair(opts.x, opts.y, opts.scaleUint8 ?? true);
  } else if (opts.data !== undefined) {
    ds = await loadData(opts.data, opts);
  } else {
    throw optionError('data', 'give a .csv file, a folder with x.npy + y.npy or an IDX pair, or x and y files');
  }
  if (opts.samples === undefined) return ds;
  return takeRows(ds, subsetIndices(ds, opts.samples, opts.seed ?? 0));
}

async function loadData(data: string, opts: LoadDatasetOptions): Promise<Dataset> {
  const st = await fs.stat(data).catch(() => undefined);
  if (!st) throw inputError(data, 'dataset not found');
  if (!st.isFile() && !st.isDirectory()) throw inputError(data, 'dataset is not a regular file or a folder (a device, FIFO or socket cannot be read as data)');
  if (st.isFile() && IDX_IMAGES.test(data)) {
    const dir = path.dirname(data);
    const candidates = labelsNamesFor(path.basename(data)).map((f) => path.join(dir, f));
    const labels = candidates.find((f) => existsSync(f));
    if (!labels) throw inputError(data, `no labels file next to these IDX images (looked for ${candidates.join(' or ')})`);
    return loadPair(data, labels, opts.scaleUint8 ?? true);
  }
  if (st.isFile()) {
    if (!/\.csv$/i.test(data)) throw inputError(data, 'a dataset file must be .csv or an IDX images file; for .npy give x and y files, or a folder');
    const text = await safeReadFile(data, { what: 'CSV file', maxBytes: MAX_CSV_BYTES, remedy: 'save large data as x.npy + y.npy instead' });
    const table = parseCsv(text.toString('utf8'), data, opts.labelColumn);
    const yShape = table.labelColumns.length === 1 ? [] : [table.labelColumns.length];
    return build(data, table.n, [table.featureColumns.length], table.x, yShape, table.y);
  }
  const names = await fs.readdir(data);
  if (names.includes('x.npy') && names.includes('y.npy')) {
    return loadPair(path.join(data, 'x.npy'), path.join(data, 'y.npy'), opts.scaleUint8 ?? true);
  }
  const images = names.filter((f) => IDX_IMAGES.test(f));
  const labels = names.filter((f) => IDX_LABELS.test(f));
  if (images.length === 1 && labels.length === 1) {
    return loadPair(path.join(data, images[0]), path.join(data, labels[0]), opts.scaleUint8 ?? true);
  }
  const chosen = images.length > 1 ? pickSplit(images, opts.split ?? 'train') : undefined;
  if (chosen) return loadData(path.join(data, chosen), opts); // as an images file: finds its labels beside it
  if (images.length > 1 || labels.length > 1) {
    throw inputError(data, `folder holds several IDX files (${[...images, ...labels].join(', ')}); point at one images file (its labels file is found next to it) or give x and y`);
  }
  throw inputError(data, `folder holds neither x.npy + y.npy nor an IDX pair (*images*idx3-ubyte + *labels*idx1-ubyte); found: ${names.join(', ') || 'nothing'}`);
}

/** The one images file of a split by MNIST's naming (train-…, t10k-… or test-…), or undefined. */
function pickSplit(images: string[], split: 'train' | 'test'): string | undefined {
  const re = split === 'train' ? /^train/i : /^(test|t10k)/i;
  const hits = images.filter((f) => re.test(f));
  return hits.length === 1 ? hits[0] : undefined;
}

async function loadPair(xFile: string, yFile: string, scaleUint8: boolean): Promise<Dataset> {
  const xa = await readArray(xFile);
  const ya = await readArray(yFile);
  if (xa.shape.length === 0 || ya.shape.length === 0) throw inputError(xa.shape.length ? yFile : xFile, 'array has no sample axis (0-d)');
  const n = xa.shape[0];
  if (ya.shape[0] !== n) throw inputError(`${xFile} + ${yFile}`, `x has ${n} samples but y has ${ya.shape[0]}`);
  if (n === 0) throw inputError(xFile, 'empty data: 0 samples');
  const xShape = xa.shape.slice(1);
  const width = xShape.reduce((a, b) => a * b, 1);
  const x = xa.data;
  if (x instanceof Float32Array) {
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(x[i])) throw inputError(xFile, `sample ${Math.floor(i / width)} has a ${Number.isNaN(x[i]) ? 'NaN' : 'non-finite'} value`);
    }
  }
  const y = ya.data instanceof Float32Array ? ya.data : toShared(Float32Array.from(ya.data));
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i])) throw inputError(yFile, `sample ${Math.floor(i / (y.length / n))} has a NaN or non-finite label`);
  }
  // bytes stay bytes (4× less memory); a batch divides them by 255 when it is taken
  const divisor = x instanceof Uint8Array && scaleUint8 ? 255 : 1;
  return build(`${xFile} + ${yFile}`, n, xShape, x, ya.shape.slice(1), y, divisor);
}

/** CSV text is parsed in memory as one string; larger tables belong in .npy files. */
export const MAX_CSV_BYTES = 256 * 2 ** 20;

/**
 * Read a .npy or IDX file (regular files only, at most 2 GiB), gunzipping first when it starts
 * with the gzip magic bytes — inflated only up to the size the array's header declares.
 */
async function readArray(file: string): Promise<NdArray> {
  let buf: Uint8Array = await safeReadFile(file, { what: 'array file', remedy: 'split the data or subsample it' });
  if (isGzip(buf)) buf = await gunzipBounded(buf, file, (head) => (isNpy(head) ? npyDeclaredBytes(head) : isIdx(head) ? idxDeclaredBytes(head) : head.length >= 16 ? -1 : undefined));
  if (isNpy(buf)) return parseNpy(buf, file);
  if (isIdx(buf) || /idx\d-ubyte/i.test(file)) return parseIdx(buf, file);
  throw inputError(file, 'not a .npy or IDX file (unknown magic bytes)');
}

/** Decide the label kind: [] integers → class-index; [k≥2] rows one-hot → one-hot; else float. */
function build(source: string, n: number, xShape: number[], x: InputArray, yRest: number[], y: Float32Array, xDivisor = 1): Dataset {
  const k = yRest.reduce((a, b) => a * b, 1);
  let labelKind: LabelKind = 'float';
  let yShape = yRest.length === 0 ? [1] : yRest;
  if (yRest.length === 0 && y.every((v) => Number.isInteger(v))) {
    labelKind = 'class-index';
    yShape = [];
  } else if (yRest.length === 1 && k >= 2 && isOneHot(y, n, k)) {
    labelKind = 'one-hot';
  }
  return { source, n, xShape, x: toShared(x), xDivisor, yShape, y: toShared(y), labelKind };
}

function isOneHot(y: Float32Array, n: number, k: number): boolean {
  for (let r = 0; r < n; r++) {
    let ones = 0;
    for (let j = 0; j < k; j++) {
      const v = y[r * k + j];
      if (v === 1) ones++;
      else if (v !== 0) return false;
    }
    if (ones !== 1) return false;
  }
  return true;
}

function subsetIndices(ds: Dataset, samples: number, seed: number): Uint32Array {
  if (!Number.isInteger(samples) || samples <= 0) throw optionError('samples', `must be a positive integer, got ${samples}`);
  if (samples > ds.n) throw inputError(ds.source, `asked for ${samples} samples but the data has only ${ds.n} rows`);
  return permutation(ds.n, seed).slice(0, samples).sort();
}

/** A new Dataset holding rows `indices` of `ds`, in the order given (values are copied, dtype kept). */
export function takeRows(ds: Dataset, indices: ArrayLike<number>): Dataset {
  const xw = ds.xShape.reduce((a, b) => a * b, 1);
  const yw = ds.yShape.reduce((a, b) => a * b, 1);
  try {
    const x = takeSharedRows(ds.x, xw, indices, ds.n);
    const y = takeSharedRows(ds.y, yw, indices, ds.n);
    return { ...ds, n: indices.length, xShape: [...ds.xShape], yShape: [...ds.yShape], x, y };
  } catch (err) {
    if (err instanceof RangeError) throw new RangeError(`takeRows: ${err.message}`);
    throw err;
  }
}

/** `parts` disjoint seeded subsets of `size` rows each (each in file order), e.g. for error bars. */
export function splitDisjoint(ds: Dataset, parts: number, size: number, seed: number): Dataset[] {
  if (!Number.isInteger(parts) || parts <= 0) throw optionError('parts', `${parts} must be a positive integer`);
  if (!Number.isInteger(size) || size <= 0) throw optionError('size', `${size} must be a positive integer`);
  if (parts * size > ds.n) {
    throw inputError(ds.source, `cannot take ${parts} disjoint subsets of ${size} rows: the data has only ${ds.n} rows (needs ${parts * size})`);
  }
  const perm = permutation(ds.n, seed);
  return Array.from({ length: parts }, (_, r) => takeRows(ds, perm.slice(r * size, (r + 1) * size).sort()));
}
