/**
 * One point of a loss slice, the same code wherever it runs: the local `slice` loop
 * (./slice.ts) and a queue worker's block of grid points (../studies/tasks/landscape-block.ts)
 * both build θ + α·d₁ [+ β·d₂] in float32 and evaluate it here, so a grid assembled from blocks
 * is the local grid to the bit (same point, same objective, same batch order and accumulation).
 */
import type { EvalResult, Objective } from '../objective/types.js';
import type { BatchNormStats } from '../objective/batch-norm-stats.js';

/** BatchNorm statistics to evaluate a point with (undefined: the checkpoint's moving statistics). */
export type BatchNormAt = (theta: Float32Array) => Promise<BatchNormStats | undefined>;

/** θ + α·d₁ [+ β·d₂] into `out` (float64 arithmetic per weight, rounded once to float32). */
export function slicePoint(out: Float32Array, theta: Float32Array, d1: Float64Array, d2: Float64Array | undefined, a: number, b: number): Float32Array {
  for (let i = 0; i < theta.length; i++) out[i] = theta[i] + a * d1[i] + (d2 ? b * d2[i] : 0);
  return out;
}

/** The loss (and accuracy) at `point` on the training objective and, when given, the test objective, with the same BatchNorm statistics. */
export async function evaluateSlicePoint(
  train: Objective,
  test: Objective | undefined,
  point: Float32Array,
  batchNormAt?: BatchNormAt,
): Promise<{ train: EvalResult; test?: EvalResult }> {
  const batchNorm = await batchNormAt?.(point);
  const tr = await train.evaluate(point, { batchNorm });
  return test ? { train: tr, test: await test.evaluate(point, { batchNorm }) } : { train: tr };
}

/** The α (and β) grid of a slice: `points` values per axis, evenly spaced over the ranges; 1-D slices have β = [0]. */
export function sliceAxes(dims: 1 | 2, range: [number, number], yRange: [number, number] | undefined, points: number): { alphas: number[]; betas: number[] } {
  const alphas = linspace(range[0], range[1], points);
  const betas = dims === 2 ? linspace(...(yRange ?? range), points) : [0];
  return { alphas, betas };
}

/** `n` evenly spaced values from lo to hi (both included). */
export function linspace(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? lo : lo + ((hi - lo) * i) / (n - 1)));
}
