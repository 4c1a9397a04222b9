/**
 * Load a dataset from disk into a {@link Dataset}, and take seeded row subsets of it.
 * Sources: a .csv file; a folder with x.npy + y.npy or an IDX pair
 * (`*images*idx3-ubyte[.gz]` + `*labels*idx1-ubyte[.gz]`); an IDX images file whose
 * labels file sits next to it (train-images… → train-labels…); or x and y files given
 * directly (.npy or IDX, gzipped or not — gzip is detected by its magic bytes). A model with
 * several inputs or outputs reads a folder of one .npy per input and output, or a CSV whose
 * columns are grouped by prefix (dataset-folder.ts, dataset-csv-parts.ts).
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { inputError, optionError } from '../errors.js';
import { safeReadFile } from './safe-read.js';
import { permutation } from '../random.js';
import { parseCsv } from './dataset-csv.js';
import { IDX_IMAGES, IDX_LABELS, labelsNamesFor } from './dataset-idx.js';
import { buildDataset, buildPartsDataset, checkSamples, subsetRows } from './dataset-build.js';
import { loadPair, type PairOptions } from './dataset-pair.js';
import type { DataPart, Dataset, ModelIONames } from './types.js';
import { takeSharedRows } from './sample-rows.js';
import { loadNamedFolder } from './dataset-folder.js';
import { csvByPrefix, csvPartsDataset } from './dataset-csv-parts.js';
import { csvRecords } from './csv-records.js';

/** Where {@link loadDataset} reads the data (CSV, .npy, IDX; gzip allowed) and how: the columns, the label kind, the rows taken. */
export interface LoadDatasetOptions {
  /** A .csv file, a folder holding x.npy + y.npy or one IDX images/labels pair, or an IDX images file. */
  data?: string;
  /** Inputs file (.npy or IDX, optionally gzipped); needs `y`. */
  x?: string;
  /** Labels file (.npy or IDX, optionally gzipped); needs `x`. */
  y?: string;
  /** CSV label column name or prefix (default "label"). */
  labelColumn?: string;
  /** Keep a seeded subset of this many rows (in file order); from .npy and IDX files only these rows are stored. */
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
  /** The model's input and output names: a folder of named .npy files or a CSV by column prefix is matched to them. */
  model?: ModelIONames;
}

/**
 * Read a dataset (see {@link LoadDatasetOptions}); throws input errors naming the file.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadDataset } from 'losslens';
 *
 * // a CSV with columns x0..x4 and label: 256 rows of 5 features and a float target
 * const data = await loadDataset({ data: 'fixtures/linreg/data.csv' });
 * assert.equal(data.n, 256);
 * assert.deepEqual(data.xShape, [5]);
 * assert.equal(data.y[0], Math.fround(14.600361824035645)); // the first row's label, as float32
 * ```
 */
export async function loadDataset(opts: LoadDatasetOptions): Promise<Dataset> {
  checkSamples(opts.samples);
  if (opts.x !== undefined || opts.y !== undefined) {
    if (opts.x === undefined || opts.y === undefined) throw optionError(opts.x ? 'y' : 'x', 'x and y must be given together');
    return loadPair(opts.x, opts.y, pairOptions(opts));
  }
  if (opts.data !== undefined) return loadData(opts.data, opts);
  throw optionError('data', 'give a .csv file, a folder with x.npy + y.npy or an IDX pair, or x and y files');
}

const pairOptions = (opts: LoadDatasetOptions): PairOptions => ({ scaleUint8: opts.scaleUint8 ?? true, samples: opts.samples, seed: opts.seed });

async function loadData(data: string, opts: LoadDatasetOptions): Promise<Dataset> {
  const st = await fs.stat(data).catch(() => undefined);
  if (!st) throw inputError(data, 'dataset not found');
  if (!st.isFile() && !st.isDirectory()) throw inputError(data, 'dataset is not a regular file or a folder (a device, FIFO or socket cannot be read as data)');
  if (st.isFile() && IDX_IMAGES.test(data)) return loadIdxImages(data, opts);
  if (st.isFile()) return loadCsv(data, opts);
  return loadFolder(data, opts);
}

/** A folder: x.npy + y.npy, one IDX pair, or MNIST's layout with a pair per split. */
async function loadFolder(data: string, opts: LoadDatasetOptions): Promise<Dataset> {
  const names = await fs.readdir(data);
  if (names.includes('x.npy') && names.includes('y.npy')) {
    return loadPair(path.join(data, 'x.npy'), path.join(data, 'y.npy'), pairOptions(opts));
  }
  const images = names.filter((f) => IDX_IMAGES.test(f));
  const labels = names.filter((f) => IDX_LABELS.test(f));
  if (images.length === 1 && labels.length === 1) {
    return loadPair(path.join(data, images[0]), path.join(data, labels[0]), pairOptions(opts));
  }
  const chosen = images.length > 1 ? pickSplit(images, opts.split ?? 'train') : undefined;
  if (chosen) return loadIdxImages(path.join(data, chosen), opts);
  if (images.length > 1 || labels.length > 1) {
    throw inputError(
      data,
      `folder holds several IDX files (${[...images, ...labels].join(', ')}); point at one images file (its labels file is found next to it) or give x and y`,
    );
  }
  const npy = names.filter((f) => /\.npy$/i.test(f)).sort();
  if (npy.length > 0) return loadNamedFolder(data, npy, opts.model, pairOptions(opts));
  throw inputError(
    data,
    `folder holds neither x.npy + y.npy, one .npy per model input and output, nor an IDX pair (*images*idx3-ubyte + *labels*idx1-ubyte); found: ${names.join(', ') || 'nothing'}`,
  );
}

/** An IDX images file with its labels file found next to it by MNIST's naming. */
function loadIdxImages(data: string, opts: LoadDatasetOptions): Promise<Dataset> {
  const dir = path.dirname(data);
  const candidates = labelsNamesFor(path.basename(data)).map((f) => path.join(dir, f));
  const labels = candidates.find((f) => existsSync(f));
  if (!labels) throw inputError(data, `no labels file next to these IDX images (looked for ${candidates.join(' or ')})`);
  return loadPair(data, labels, pairOptions(opts));
}

async function loadCsv(data: string, opts: LoadDatasetOptions): Promise<Dataset> {
  if (!/\.csv$/i.test(data)) throw inputError(data, 'a dataset file must be .csv or an IDX images file; for .npy give x and y files, or a folder');
  const text = await safeReadFile(data, { what: 'CSV file', maxBytes: MAX_CSV_BYTES, remedy: 'save large data as x.npy + y.npy instead' });
  const csv = text.toString('utf8');
  const ds = csvByPrefix(csvRecords(csv, data).next().value?.fields ?? [], opts.model)
    ? csvPartsDataset(csv, data, opts.model)
    : labelCsv(csv, data, opts.labelColumn);
  return opts.samples === undefined ? ds : takeRows(ds, subsetRows(ds.n, opts.samples, opts.seed ?? 0, data));
}

function labelCsv(csv: string, data: string, labelColumn: string | undefined): Dataset {
  const table = parseCsv(csv, data, labelColumn);
  const yShape = table.labelColumns.length === 1 ? [] : [table.labelColumns.length];
  return buildDataset(data, table.n, [table.featureColumns.length], table.x, yShape, table.y);
}

/** The one images file of a split by MNIST's naming (train-…, t10k-… or test-…), or undefined. */
function pickSplit(images: string[], split: 'train' | 'test'): string | undefined {
  const re = split === 'train' ? /^train/i : /^(test|t10k)/i;
  const hits = images.filter((f) => re.test(f));
  return hits.length === 1 ? hits[0] : undefined;
}

/** CSV text is parsed in memory as one string; larger tables belong in .npy files. */
export const MAX_CSV_BYTES = 256 * 2 ** 20;

/**
 * A new Dataset holding rows `indices` of `ds`, in the order given (values are copied, dtype kept).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadDataset, takeRows } from 'losslens/io';
 *
 * const data = await loadDataset({ data: 'fixtures/linreg/data.csv' });
 * const two = takeRows(data, [3, 0]);
 * assert.equal(two.n, 2);
 * assert.deepEqual([...two.y], [data.y[3], data.y[0]]); // in the order asked
 * ```
 */
export function takeRows(ds: Dataset, indices: ArrayLike<number>): Dataset {
  const xw = ds.xShape.reduce((a, b) => a * b, 1);
  const yw = ds.yShape.reduce((a, b) => a * b, 1);
  try {
    if (ds.parts) {
      const part = (p: DataPart): DataPart => ({
        ...p,
        shape: [...p.shape],
        values: takeSharedRows(
          p.values,
          p.shape.reduce((a, b) => a * b, 1),
          indices,
          ds.n,
        ),
      });
      return buildPartsDataset(ds.source, indices.length, ds.parts.inputs.map(part), ds.parts.targets.map(part));
    }
    const x = takeSharedRows(ds.x, xw, indices, ds.n);
    const y = takeSharedRows(ds.y, yw, indices, ds.n);
    return { ...ds, n: indices.length, xShape: [...ds.xShape], yShape: [...ds.yShape], x, y };
  } catch (err) {
    if (err instanceof RangeError) throw new RangeError(`takeRows: ${err.message}`);
    throw err;
  }
}

/**
 * `parts` disjoint seeded subsets of `size` rows each (each in file order), e.g. for error bars.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadDataset, splitDisjoint } from 'losslens/io';
 *
 * // 3 disjoint subsets of 50 rows: no label row is drawn twice
 * const data = await loadDataset({ data: 'fixtures/linreg/data.csv' });
 * const parts = splitDisjoint(data, 3, 50, 0);
 * assert.deepEqual(
 *   parts.map((p) => p.n),
 *   [50, 50, 50],
 * );
 * assert.equal(new Set(parts.flatMap((p) => [...p.y])).size, 150);
 * ```
 */
export function splitDisjoint(ds: Dataset, parts: number, size: number, seed: number): Dataset[] {
  if (!Number.isInteger(parts) || parts <= 0) throw optionError('parts', `${parts} must be a positive integer`);
  if (!Number.isInteger(size) || size <= 0) throw optionError('size', `${size} must be a positive integer`);
  if (parts * size > ds.n) {
    throw inputError(ds.source, `cannot take ${parts} disjoint subsets of ${size} rows: the data has only ${ds.n} rows (needs ${parts * size})`);
  }
  const perm = permutation(ds.n, seed);
  return Array.from({ length: parts }, (_, r) => takeRows(ds, perm.slice(r * size, (r + 1) * size).sort()));
}
