/**
 * 1-D and 2-D slices of the loss landscape: L(θ + α·d₁ [+ β·d₂]) on a grid, on training data
 * and optionally held-out data. Points are evaluated in order and reported as they finish.
 */
import type { Objective, EvalResult } from '../objective/types.js';
import type { BatchNormStats } from '../objective/batch-norm-stats.js';
import { optionError } from '../errors.js';

export interface SliceOptions {
  dims: 1 | 2;
  /** [lo, hi] for α (and β unless yRange). Li et al. 2018 default [-1, 1]. */
  range: [number, number];
  yRange?: [number, number];
  /** Points per axis (default 51). */
  points: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * BatchNorm statistics to evaluate each point with (e.g. recomputeBatchNorm at that point);
   * absent or undefined: the checkpoint's moving statistics. Used for train and test alike.
   */
  batchNormAt?: (theta: Float32Array) => Promise<BatchNormStats | undefined>;
}

export interface SliceCurves {
  /** 1-D: loss[i] at alphas[i]. 2-D: loss[j][i] at (alphas[i], betas[j]). */
  loss: number[] | number[][];
  accuracy?: number[] | number[][];
}

export interface SliceResult {
  dims: 1 | 2;
  alphas: number[];
  betas?: number[];
  train: SliceCurves;
  test?: SliceCurves;
  /** Loss at the checkpoint (α = β = 0). */
  baseLoss: number;
  points: number;
  evaluations: number;
}

export function resolveSliceOptions(o: Partial<SliceOptions>): SliceOptions {
  const dims = o.dims ?? 1;
  if (dims !== 1 && dims !== 2) throw optionError('dims', `must be 1 or 2, got ${dims}`);
  const range = o.range ?? [-1, 1];
  if (!range.every((v) => Number.isFinite(v) && Math.abs(v) <= 1e6)) throw optionError('range', `ends must be finite numbers within ±1e6, got ${range.join(':')}`);
  if (o.yRange && !o.yRange.every((v) => Number.isFinite(v) && Math.abs(v) <= 1e6)) throw optionError('yRange', `ends must be finite numbers within ±1e6, got ${o.yRange.join(':')}`);
  if (!(range[0] < range[1])) throw optionError('range', `lower end must be below upper end, got ${range.join(':')}`);
  if (o.yRange && !(o.yRange[0] < o.yRange[1])) throw optionError('yRange', `lower end must be below upper end`);
  const points = o.points ?? 51;
  if (!Number.isInteger(points) || points < 2 || points > 1001) throw optionError('points', `must be an integer in [2, 1001], got ${points}`);
  return { dims, range, yRange: o.yRange, points, onProgress: o.onProgress, batchNormAt: o.batchNormAt };
}

export function linspace(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? lo : lo + ((hi - lo) * i) / (n - 1)));
}

export async function computeSlice(
  train: Objective,
  test: Objective | undefined,
  theta: Float32Array,
  d1: Float64Array,
  d2: Float64Array | undefined,
  options: Partial<SliceOptions>,
): Promise<SliceResult> {
  const o = resolveSliceOptions(options);
  if (o.dims === 2 && !d2) throw optionError('dims', '2-D slices need two directions');
  const alphas = linspace(o.range[0], o.range[1], o.points);
  const betas = o.dims === 2 ? linspace(...(o.yRange ?? o.range), o.points) : [0];
  const total = alphas.length * betas.length;
  const point = new Float32Array(theta.length);
  const tr: EvalResult[][] = [];
  const te: EvalResult[][] = [];
  let done = 0;
  for (const b of betas) {
    const rowTr: EvalResult[] = [];
    const rowTe: EvalResult[] = [];
    for (const a of alphas) {
      for (let i = 0; i < theta.length; i++) point[i] = theta[i] + a * d1[i] + (d2 ? b * d2[i] : 0);
      const batchNorm = await o.batchNormAt?.(point);
      rowTr.push(await train.evaluate(point, { batchNorm }));
      if (test) rowTe.push(await test.evaluate(point, { batchNorm }));
      o.onProgress?.(++done, total);
    }
    tr.push(rowTr);
    te.push(rowTe);
  }
  const base = (await train.evaluate(theta, { batchNorm: await o.batchNormAt?.(theta) })).loss;
  const curves = (g: EvalResult[][]): SliceCurves => {
    const pick = (f: (e: EvalResult) => number) => (o.dims === 1 ? g[0].map(f) : g.map((r) => r.map(f)));
    return { loss: pick((e) => e.loss), ...(g[0][0]?.accuracy !== undefined ? { accuracy: pick((e) => e.accuracy!) } : {}) };
  };
  return {
    dims: o.dims,
    alphas,
    ...(o.dims === 2 ? { betas } : {}),
    train: curves(tr),
    ...(test ? { test: curves(te) } : {}),
    baseLoss: base,
    points: o.points,
    evaluations: total * (test ? 2 : 1) + 1,
  };
}
