/**
 * 1-D and 2-D slices of the loss landscape: L(θ + α·d₁ [+ β·d₂]) on a grid, on training data
 * and optionally held-out data. Points are evaluated in order and reported as they finish.
 */
import type { Objective, EvalResult } from '../objective/types.js';
import { analysisMeta, type AnalysisMeta } from '../analysis-meta.js';
import type { BatchNormStats } from '../objective/batch-norm-stats.js';
import { optionError } from '../errors.js';
import { evaluateSlicePoint, linspace, sliceAxes, slicePoint } from './slice-point.js';

/** The grid of a slice: its dimension, α (and β) range and points per axis, progress, and BatchNorm statistics per point. */
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

/** A 1-D slice's values: loss[i] at alphas[i]. */
export interface SliceCurve {
  loss: number[];
  accuracy?: number[];
}

/** A 2-D slice's values: loss[j][i] at (alphas[i], betas[j]). */
export interface SliceGrid {
  loss: number[][];
  accuracy?: number[][];
}

interface SliceCommon {
  meta: AnalysisMeta;
  alphas: number[];
  /** Loss at the checkpoint (α = β = 0). */
  baseLoss: number;
  points: number;
  evaluations: number;
}

/** A 1-D slice: the loss (and accuracy) at each α, on training and optionally test data. */
export interface Slice1D extends SliceCommon {
  dims: 1;
  train: SliceCurve;
  test?: SliceCurve;
}

/** A 2-D slice: the loss (and accuracy) at each (α, β), on training and optionally test data. */
export interface Slice2D extends SliceCommon {
  dims: 2;
  betas: number[];
  train: SliceGrid;
  test?: SliceGrid;
}

/** A slice, discriminated by dims: narrow with `r.dims === 2` before reading a grid. */
export type SliceResult = Slice1D | Slice2D;

/**
 * Slice options with defaults filled in (1-D, α ∈ [−1, 1], 51 points), each checked and refused naming its
 * field.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { resolveSliceOptions } from 'losslens/landscape';
 *
 * const o = resolveSliceOptions({});
 * assert.deepEqual([o.dims, o.range, o.points], [1, [-1, 1], 51]);
 * assert.throws(() => resolveSliceOptions({ dims: 3 as 1 }), /option dims: must be 1 or 2/);
 * ```
 */
export function resolveSliceOptions(o: Partial<SliceOptions>): SliceOptions {
  const dims = o.dims ?? 1;
  if (dims !== 1 && dims !== 2) throw optionError('dims', `must be 1 or 2, got ${dims}`);
  const range = o.range ?? [-1, 1];
  if (!range.every((v) => Number.isFinite(v) && Math.abs(v) <= 1e6))
    throw optionError('range', `ends must be finite numbers within ±1e6, got ${range.join(':')}`);
  if (o.yRange && !o.yRange.every((v) => Number.isFinite(v) && Math.abs(v) <= 1e6))
    throw optionError('yRange', `ends must be finite numbers within ±1e6, got ${o.yRange.join(':')}`);
  if (!(range[0] < range[1])) throw optionError('range', `lower end must be below upper end, got ${range.join(':')}`);
  if (o.yRange && !(o.yRange[0] < o.yRange[1])) throw optionError('yRange', `lower end must be below upper end`);
  const points = o.points ?? 51;
  if (!Number.isInteger(points) || points < 2 || points > 1001) throw optionError('points', `must be an integer in [2, 1001], got ${points}`);
  return { dims, range, yRange: o.yRange, points, onProgress: o.onProgress, batchNormAt: o.batchNormAt };
}

export { linspace };

/** computeSlice's inputs as one object: `computeSlice(objective, { directions: [d], points: 21 })`. */
export interface SliceRequest extends Partial<SliceOptions> {
  /** One direction for a 1-D slice, two for a 2-D slice; `dims` defaults to their count. */
  directions: [Float64Array] | [Float64Array, Float64Array];
  /** The slice's centre (default: the objective's θ₀). */
  theta?: Float32Array;
  /** A held-out objective evaluated at the same points (its curves land in `test`). */
  test?: Objective;
}

type SliceArgs = [train: Objective, test: Objective | undefined, theta: Float32Array, d1: Float64Array, d2: Float64Array | undefined];
type PositionalTail = [test: Objective | undefined, theta: Float32Array, d1: Float64Array, d2: Float64Array | undefined, options: Partial<SliceOptions>];

/**
 * The loss (and accuracy, where the loss has one) at θ + α·d₁ [+ β·d₂] on a grid of α [and β],
 * on the training objective and optionally a test objective; α = β = 0 is the centre.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadProblem, computeSlice, randomDirection } from 'losslens';
 *
 * const problem = await loadProblem({ model: 'fixtures/linreg', train: { data: 'fixtures/linreg/data.csv' } });
 * try {
 *   const objective = problem.train!.objective;
 *   const d1 = randomDirection(objective.theta0, objective.layout, 1, { norm: 'filter', includeBias: true });
 *   const d2 = randomDirection(objective.theta0, objective.layout, 2, { norm: 'filter', includeBias: true });
 *   const s = await computeSlice(objective, { directions: [d1, d2], range: [-1, 1], points: 11 });
 *   assert.equal(s.dims, 2);
 *   assert.equal(s.train.loss[5][5], s.baseLoss); // the centre is the checkpoint
 * } finally {
 *   await problem.dispose();
 * }
 * ```
 */
export function computeSlice(train: Objective, request: SliceRequest & { directions: [Float64Array, Float64Array]; dims?: 2 }): Promise<Slice2D>;
export function computeSlice(train: Objective, request: SliceRequest & { directions: [Float64Array]; dims?: 1 }): Promise<Slice1D>;
export function computeSlice(train: Objective, request: SliceRequest): Promise<SliceResult>;
/** The positional form (test, centre, directions, options), kept for existing callers. */
export function computeSlice(...args: [...SliceArgs, options: Partial<SliceOptions> & { dims: 2 }]): Promise<Slice2D>;
export function computeSlice(...args: [...SliceArgs, options: Partial<SliceOptions> & { dims?: 1 }]): Promise<Slice1D>;
export function computeSlice(...args: [...SliceArgs, options: Partial<SliceOptions>]): Promise<SliceResult>;
export async function computeSlice(train: Objective, ...rest: [SliceRequest] | PositionalTail): Promise<SliceResult> {
  const [test, theta, d1, d2, options] = rest.length === 1 ? fromRequest(train, rest[0]) : rest;
  const started = Date.now();
  const o = resolveSliceOptions(options);
  if (o.dims === 2 && !d2) throw optionError('dims', '2-D slices need two directions');
  const { alphas, betas } = sliceAxes(o.dims, o.range, o.yRange, o.points);
  const total = alphas.length * betas.length;
  const point = new Float32Array(theta.length);
  const tr: EvalResult[][] = [];
  const te: EvalResult[][] = [];
  let done = 0;
  for (const b of betas) {
    const rowTr: EvalResult[] = [];
    const rowTe: EvalResult[] = [];
    for (const a of alphas) {
      const r = await evaluateSlicePoint(train, test, slicePoint(point, theta, d1, d2, a, b), o.batchNormAt);
      rowTr.push(r.train);
      if (r.test) rowTe.push(r.test);
      o.onProgress?.(++done, total);
    }
    tr.push(rowTr);
    te.push(rowTe);
  }
  const base = (await evaluateSlicePoint(train, undefined, theta, o.batchNormAt)).train.loss;
  return assembleSlice(o, { alphas, betas, train: tr, test: test ? te : undefined, baseLoss: base }, started);
}

/** Values at each grid point, row by row (β index, then α index), as evaluations give them. */
type PointValues = Pick<EvalResult, 'loss' | 'accuracy'>;

/**
 * A slice result from its evaluated grid: computeSlice's, and the queue's grid assembled from
 * blocks (../pipelines/slice-queue-study.ts), so both write the same summary.
 */
export function assembleSlice(
  o: Pick<SliceOptions, 'dims' | 'range' | 'yRange' | 'points'>,
  g: { alphas: number[]; betas: number[]; train: PointValues[][]; test?: PointValues[][]; baseLoss: number },
  started: number,
): SliceResult {
  const total = g.alphas.length * g.betas.length;
  const tail = { baseLoss: g.baseLoss, points: o.points, evaluations: total * (g.test ? 2 : 1) + 1 };
  const hasAcc = (v: PointValues[][]) => v[0][0]?.accuracy !== undefined;
  const grid = (v: PointValues[][]): SliceGrid => ({
    loss: v.map((r) => r.map((e) => e.loss)),
    ...(hasAcc(v) ? { accuracy: v.map((r) => r.map((e) => e.accuracy!)) } : {}),
  });
  const curve = (v: PointValues[][]): SliceCurve => ({ loss: v[0].map((e) => e.loss), ...(hasAcc(v) ? { accuracy: v[0].map((e) => e.accuracy!) } : {}) });
  const meta = analysisMeta(started, { dims: o.dims, range: o.range, yRange: o.yRange, points: o.points });
  const { alphas, betas } = g;
  if (o.dims === 2) return { meta, dims: 2, alphas, betas, train: grid(g.train), ...(g.test ? { test: grid(g.test) } : {}), ...tail };
  return { meta, dims: 1, alphas, train: curve(g.train), ...(g.test ? { test: curve(g.test) } : {}), ...tail };
}

function fromRequest(train: Objective, r: SliceRequest): PositionalTail {
  const { directions, theta, test, ...options } = r;
  return [test, theta ?? train.theta0, directions[0], directions[1], { dims: directions.length, ...options }];
}
