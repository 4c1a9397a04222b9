/**
 * From sweep runs to the double-descent verdict: per-width medians with min–max bands over seeds,
 * the interpolation threshold, the test-error peak and whether a second descent follows it.
 *
 * - Threshold (estimated): the smallest parameter count whose median training error is ≤
 *   `interpolationTol` (and stays so for every larger model); `expectedParams` = n_train × outputs
 *   is the classical count at which a model can first fit n·K numbers.
 * - Peak: the largest median test error AFTER the first descent (the leading run of points whose
 *   median falls), so an underfitting tiny model does not count as the peak. With a
 *   threshold and `peakNearThreshold`, only points within a factor of 4 of it in parameters count.
 * - Second descent: the lowest median test error after the peak is below peak·(1 − margin).
 *   A double descent is `observed` when, in addition, the peak rises above the lowest median
 *   before it by the same relative margin (a real bump, not a plateau).
 */
import { optionError } from '../errors.js';
import type { EpochPoint, Spread, SweepRun, WidthPoint } from './types.js';

/** What {@link analyzeSweep} needs besides the runs: the training size and outputs (for the threshold n·K) and the tolerances. */
export interface AnalysisOptions {
  /** Training samples (for the expected threshold n × outputs). */
  nTrain: number;
  /** Model outputs K (1 for scalar regression, classes for classification). */
  outputs: number;
  /** Median training error at or below this counts as interpolating (default 0.01). */
  interpolationTol?: number;
  /** Relative margin for the rise to and the fall after the peak (default 0.1 = 10 %). */
  margin?: number;
}

/** A double-descent sweep read: per-width points, the interpolation threshold found and expected, the test-error peak and its band. */
export interface DoubleDescentAnalysis {
  points: WidthPoint[];
  threshold: { params: number | null; width: number | null; expectedParams: number; interpolationTol: number };
  peak: { width: number; params: number; testError: number; band: Spread } | null;
  firstDescentMin: { width: number; params: number; testError: number } | null;
  secondDescent: { observed: boolean; margin: number; minAfterPeak: number | null; widthOfMin: number | null; relativeDrop: number | null };
  /** Peak rises ≥ margin above the best model before it AND the second descent is observed. */
  observed: boolean;
}

const median = (v: number[]) => {
  const s = v.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Median and min–max of values (NaNs ignored). */
export function spread(values: number[]): Spread {
  const v = values.filter((x) => !Number.isNaN(x));
  return { median: median(v), lo: v.length ? Math.min(...v) : NaN, hi: v.length ? Math.max(...v) : NaN };
}

/** Runs grouped by width (ascending), each group aggregated over its seeds. */
export function aggregateByWidth(runs: SweepRun[]): WidthPoint[] {
  const groups = new Map<number, SweepRun[]>();
  for (const r of runs) (groups.get(r.width) ?? groups.set(r.width, []).get(r.width)!).push(r);
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([width, rs]) => ({
      width,
      params: rs[0].params,
      seeds: rs.length,
      testError: spread(rs.map((r) => r.testError)),
      trainError: spread(rs.map((r) => r.trainError)),
      testLoss: spread(rs.map((r) => r.testLoss)),
      trainLoss: spread(rs.map((r) => r.trainLoss)),
    }));
}

/**
 * A width sweep's double-descent reading: medians and bands per width, the interpolation
 * threshold, the peak after the first descent and whether a second descent follows.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { randomFeaturesSweep, analyzeSweep } from 'losslens/studies';
 *
 * // random-features regression on n = 20 samples: the training error reaches zero at p = n parameters
 * const { runs } = randomFeaturesSweep({ nTrain: 20, nTest: 200, widths: [5, 10, 15, 20, 30, 60], seeds: 3 });
 * const a = analyzeSweep(runs, { nTrain: 20, outputs: 1 });
 * assert.equal(a.threshold.expectedParams, 20);
 * assert.equal(a.threshold.width, 20);
 * ```
 */
export function analyzeSweep(runs: SweepRun[], o: AnalysisOptions): DoubleDescentAnalysis {
  const tol = o.interpolationTol ?? 0.01;
  const margin = o.margin ?? 0.1;
  if (!(tol >= 0)) throw optionError('interpolationTol', `must be ≥ 0, got ${tol}`);
  if (!(margin > 0 && margin < 1)) throw optionError('margin', `must be in (0, 1), got ${margin}`);
  const points = aggregateByWidth(runs);
  const expectedParams = o.nTrain * o.outputs;
  let ti = points.length;
  while (ti > 0 && points[ti - 1].trainError.median <= tol) ti--;
  const threshold = {
    params: ti < points.length ? points[ti].params : null,
    width: ti < points.length ? points[ti].width : null,
    expectedParams,
    interpolationTol: tol,
  };
  const te = points.map((p) => p.testError.median);
  let start = 0;
  while (start + 1 < te.length && !(te[start + 1] > te[start])) start++;
  let peakIdx = -1;
  const near = threshold.params ?? expectedParams;
  for (let i = start + 1; i < te.length; i++) {
    if (points[i].params < near / 4 || points[i].params > near * 4) continue;
    if (peakIdx < 0 || te[i] > te[peakIdx]) peakIdx = i;
  }
  if (peakIdx < 0) for (let i = start + 1; i < te.length; i++) if (peakIdx < 0 || te[i] > te[peakIdx]) peakIdx = i;
  const none = { observed: false, margin, minAfterPeak: null, widthOfMin: null, relativeDrop: null };
  if (peakIdx < 0) return { points, threshold, peak: null, firstDescentMin: null, secondDescent: none, observed: false };
  const pk = points[peakIdx];
  const peak = { width: pk.width, params: pk.params, testError: pk.testError.median, band: pk.testError };
  const before = argMin(te, 0, peakIdx);
  const after = argMin(te, peakIdx + 1, te.length);
  const firstDescentMin = { width: points[before].width, params: points[before].params, testError: te[before] };
  const secondDescent =
    after < 0
      ? none
      : {
          observed: te[after] <= peak.testError * (1 - margin),
          margin,
          minAfterPeak: te[after],
          widthOfMin: points[after].width,
          relativeDrop: 1 - te[after] / peak.testError,
        };
  const rises = te[before] <= peak.testError * (1 - margin);
  return { points, threshold, peak, firstDescentMin, secondDescent, observed: rises && secondDescent.observed };
}

function argMin(v: number[], from: number, to: number): number {
  let k = -1;
  for (let i = from; i < to; i++) if (k < 0 || v[i] < v[k]) k = i;
  return k;
}

/** Epoch-wise curves: for each width, the median over seeds of test/train error at each epoch. */
export function epochCurves(runs: SweepRun[]): { width: number; params: number; epoch: number[]; testError: Spread[]; trainError: Spread[] }[] {
  const byWidth = new Map<number, SweepRun[]>();
  for (const r of runs) if (r.epochs?.length) (byWidth.get(r.width) ?? byWidth.set(r.width, []).get(r.width)!).push(r);
  return [...byWidth.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([width, rs]) => {
      const epochs = [...new Set(rs.flatMap((r) => r.epochs!.map((e) => e.epoch)))].sort((a, b) => a - b);
      const at = (r: SweepRun, e: number): EpochPoint | undefined => r.epochs!.find((p) => p.epoch === e);
      const col = (e: number, k: 'testError' | 'trainError') => spread(rs.map((r) => at(r, e)?.[k] ?? NaN));
      return {
        width,
        params: rs[0].params,
        epoch: epochs,
        testError: epochs.map((e) => col(e, 'testError')),
        trainError: epochs.map((e) => col(e, 'trainError')),
      };
    });
}
