/**
 * Pairwise geometry of a set of minima: Euclidean distances ‖θ_i − θ_j‖ and linear-interpolation
 * barriers max_{α∈[0,1]} L((1−α)θ_i + αθ_j) − max(L(θ_i), L(θ_j)) on `points` evenly spaced α
 * (Goodfellow et al. 2015; ../landscape/interpolate.ts). Matrices are symmetric with a zero diagonal.
 */
import type { Objective } from '../objective/types.js';
import { interpolate } from '../landscape/interpolate.js';

export interface PairwiseResult {
  ids: string[];
  distance: number[][];
  barrier: number[][];
  points: number;
}

export async function pairwise(
  objective: Objective,
  minima: { id: string; theta: Float32Array }[],
  points: number,
  onPair?: (done: number, total: number) => void,
): Promise<PairwiseResult> {
  const n = minima.length;
  const zero = () => Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const distance = zero();
  const barrier = zero();
  const total = (n * (n - 1)) / 2;
  let done = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const r = await interpolate(objective, undefined, minima[i].theta, minima[j].theta, { range: [0, 1], points });
      distance[i][j] = distance[j][i] = r.distance;
      barrier[i][j] = barrier[j][i] = r.barrier;
      onPair?.(++done, total);
    }
  }
  return { ids: minima.map((m) => m.id), distance, barrier, points };
}

/** The strict upper triangle of a square matrix, row by row. */
export function upperTriangle(m: number[][]): number[] {
  return m.flatMap((row, i) => row.slice(i + 1));
}
