/**
 * Targets that cannot mean what the loss needs, refused with the sample named before any work:
 * a fractional single-column label under a categorical loss (not a class index), and rows of a
 * categorical target table that are not distributions (multi-hot rows, rows summing to 0).
 */
import { inputError } from '../errors.js';
import type { Dataset } from '../io/types.js';
import { isCategorical, type LossName } from './loss.js';

export function checkTargets(ds: Dataset, loss: LossName, outDim: number, inputShape: number[]): void {
  // inputs of the wrong width are the first thing to report (prepareData does)
  if (ds.xShape.reduce((a, b) => a * b, 1) !== inputShape.reduce((a, b) => a * b, 1)) return;
  if (!isCategorical(loss) || ds.labelKind !== 'float') return;
  const width = ds.yShape.reduce((a, b) => a * b, 1);
  if (width === 1) {
    const i = ds.y.findIndex((v) => !Number.isInteger(v));
    if (i >= 0)
      throw inputError(ds.source, `label ${ds.y[i]} of sample ${i} is not a class index; ${loss} needs integer labels 0..${outDim - 1} (or one-hot rows)`);
    return;
  }
  if (width !== outDim) return; // the column-count message comes from prepareData
  // a sequence or per-pixel target ([T, C], [H, W, C]) holds one distribution per position, over its last axis
  const c = ds.yShape.length >= 2 ? ds.yShape[ds.yShape.length - 1]! : width;
  for (let r = 0; r < ds.n * (width / c); r++) checkRow(ds, loss, r, c, width / c);
}

/** Row `r` of `c` values (position r mod `per` of sample ⌊r / per⌋) is a distribution: non-negative, summing to 1. */
function checkRow(ds: Dataset, loss: LossName, r: number, c: number, per: number): void {
  let sum = 0;
  let ones = 0;
  const sample = Math.floor(r / per),
    where = per > 1 ? `sample ${sample}, position ${r % per}` : `sample ${sample}`;
  for (let j = 0; j < c; j++) {
    const v = ds.y[r * c + j]!;
    if (v < 0) throw inputError(ds.source, `target ${v} in ${where} is negative; ${loss} needs one-hot or probability rows`);
    sum += v;
    if (v === 1) ones++;
  }
  if (Math.abs(sum - 1) > 1e-3) {
    const hint = ones > 1 ? ` (${ones} ones: a multi-hot row; use binaryCrossentropy for multi-label targets)` : '';
    throw inputError(ds.source, `target row of ${where} sums to ${+sum.toPrecision(6)}${hint}; ${loss} needs one-hot or probability rows that sum to 1`);
  }
}
