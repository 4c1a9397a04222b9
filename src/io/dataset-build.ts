/** A {@link Dataset} from arrays read off disk: the label kind decided, and seeded row subsets. */
import { inputError, optionError } from '../errors.js';
import { permutation } from '../random.js';
import { toShared, type InputArray } from './sample-rows.js';
import type { DataPart, Dataset, LabelKind } from './types.js';

/** Decide the label kind: [] integers → class-index; [k≥2] rows one-hot → one-hot; else float. */
export function buildDataset(source: string, n: number, xShape: number[], x: InputArray, yRest: number[], y: Float32Array, xDivisor = 1): Dataset {
  const { labelKind, yShape } = targetKind(n, yRest, y);
  return { source, n, xShape, x: toShared(x), xDivisor, yShape, y: toShared(y), labelKind };
}

/** A target array's label kind and per-sample shape (see buildDataset). */
export function targetKind(n: number, yRest: number[], y: Float32Array): { labelKind: LabelKind; yShape: number[] } {
  const k = yRest.reduce((a, b) => a * b, 1);
  if (yRest.length === 0 && y.every((v) => Number.isInteger(v))) return { labelKind: 'class-index', yShape: [] };
  if (yRest.length === 1 && k >= 2 && isOneHot(y, n, k)) return { labelKind: 'one-hot', yShape: yRest };
  return { labelKind: 'float', yShape: yRest.length === 0 ? [1] : yRest };
}

/** A dataset of named arrays (several inputs or outputs); x and y are the first input and target (one of each: a plain pair). */
export function buildPartsDataset(source: string, n: number, inputs: DataPart[], targets: DataPart[]): Dataset {
  const x = inputs[0]!,
    y = targets[0]!;
  const one = inputs.length === 1 && targets.length === 1; // as an x + y pair: every path reads it
  return {
    source,
    n,
    xShape: x.shape,
    x: x.values,
    xDivisor: x.divisor,
    yShape: y.shape,
    y: y.values as Float32Array,
    labelKind: y.labelKind,
    ...(one ? {} : { parts: { inputs, targets } }),
  };
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

/** A `samples` option checked before any data is read. */
export function checkSamples(samples: number | undefined): void {
  if (samples !== undefined && (!Number.isInteger(samples) || samples <= 0)) throw optionError('samples', `must be a positive integer, got ${samples}`);
}

/** The seeded subset of `samples` of `n` rows, sorted (file order): the same rows for the same seed. */
export function subsetRows(n: number, samples: number, seed: number, source: string): Uint32Array {
  checkSamples(samples);
  if (samples > n) throw inputError(source, `asked for ${samples} samples but the data has only ${n} rows`);
  return permutation(n, seed).slice(0, samples).sort();
}
