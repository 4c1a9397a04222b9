/**
 * One point of the interpolation path (1−α)θ_A + αθ_B, the same code wherever it runs: the local
 * `interpolate` loop (./interpolate.ts) and a queue worker's block of path points
 * (../studies/tasks/landscape-block.ts), so a path assembled from blocks is the local path to the bit.
 */
import type { EvalResult, Objective } from '../objective/types.js';
import type { BatchNormStats } from '../objective/batch-norm-stats.js';
import { linspace } from './slice-point.js';

/** BatchNorm statistics at the point θ(α) (undefined: the objective's own). */
export type PathBatchNormAt = (theta: Float32Array, alpha: number) => Promise<BatchNormStats | undefined>;

/** The α grid of a path: `points` values over the range, plus both ends (0 and 1) where the range holds them, ascending. */
export function pathAlphas(range: [number, number], points: number): number[] {
  const alphas = linspace(range[0], range[1], points);
  for (const end of [0, 1]) if (end >= range[0] && end <= range[1] && !alphas.includes(end)) alphas.push(end);
  return alphas.sort((x, y) => x - y);
}

/** (1−α)θ_A + αθ_B into `out` (float64 arithmetic per weight, rounded once to float32). */
export function pathPoint(out: Float32Array, thetaA: Float32Array, thetaB: Float32Array, a: number): Float32Array {
  for (let k = 0; k < out.length; k++) out[k] = (1 - a) * thetaA[k] + a * thetaB[k];
  return out;
}

/** The loss (and accuracy) at `point` = θ(α) on the training objective and, when given, the test objective, with the same BatchNorm statistics. */
export async function evaluatePathPoint(
  train: Objective,
  test: Objective | undefined,
  point: Float32Array,
  a: number,
  batchNormAt?: PathBatchNormAt,
): Promise<{ train: EvalResult; test?: EvalResult }> {
  const batchNorm = await batchNormAt?.(point, a);
  const tr = await train.evaluate(point, { batchNorm });
  return test ? { train: tr, test: await test.evaluate(point, { batchNorm }) } : { train: tr };
}
