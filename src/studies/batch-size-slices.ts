/**
 * Keskar et al. 2017, Figure 3: the loss along the line through the smallest- and largest-batch
 * minima, θ(α) = (1−α)·θ_small + α·θ_large (α = 0 and 1 always on the grid, so the curve passes
 * through both minima's own losses), on train and held-out data; and 1-D slices along K
 * filter-normalised random directions around each minimum (Li et al. 2018; biases zeroed),
 * L(θ + α·d) for α ∈ [−r, r]. Direction k is drawn from the same seed for both minima, and
 * filter normalisation makes α relative to each minimum's own filter norms, so the widths of the
 * two basins compare fairly.
 */
import type { Objective } from '../objective/types.js';
import { interpolate } from '../landscape/interpolate.js';
import { computeSlice } from '../landscape/slice.js';
import { randomDirection } from '../landscape/directions.js';
import type { BatchSliceOptions } from './batch-size-study.js';

export interface Curve {
  loss: number[];
  accuracy?: number[];
}

export interface MinimumSlices {
  id: string;
  batchSize: number;
  /** One curve per direction, at `directions.alphas`. */
  train: Curve[];
  test?: Curve[];
}

export interface BatchSlices {
  seed: number;
  small: { id: string; batchSize: number };
  large: { id: string; batchSize: number };
  line: { alphas: number[]; train: Curve; test?: Curve; distance: number };
  directions: { alphas: number[]; count: number; seed: number; around: MinimumSlices[] };
}

export interface SliceMinimum {
  id: string;
  batchSize: number;
  theta: Float32Array;
}

export async function batchSlices(
  train: Objective,
  test: Objective | undefined,
  small: SliceMinimum,
  large: SliceMinimum,
  o: BatchSliceOptions & { runSeed: number },
  onProgress?: (done: number, total: number) => void,
): Promise<BatchSlices> {
  const total = o.points + 2 * o.directions * o.directionPoints;
  let base = 0;
  const line = await interpolate(train, test, small.theta, large.theta, { range: o.range, points: o.points, onProgress: (d) => onProgress?.(d, total) });
  base = line.alphas.length;
  const around: MinimumSlices[] = [];
  let alphas: number[] = [];
  for (const m of [small, large]) {
    const tr: Curve[] = [];
    const te: Curve[] = [];
    for (let k = 0; k < o.directions; k++) {
      const d = randomDirection(m.theta, train.layout, o.seed + 2000 + k, { norm: 'filter', includeBias: false });
      const s = await computeSlice(train, test, m.theta, d, undefined, {
        dims: 1,
        range: [-o.directionRange, o.directionRange],
        points: o.directionPoints,
        onProgress: (dd) => onProgress?.(base + dd, total),
      });
      base += o.directionPoints;
      alphas = s.alphas;
      tr.push(curve(s.train));
      if (s.test) te.push(curve(s.test));
    }
    around.push({ id: m.id, batchSize: m.batchSize, train: tr, ...(test ? { test: te } : {}) });
  }
  return {
    seed: o.runSeed,
    small: { id: small.id, batchSize: small.batchSize },
    large: { id: large.id, batchSize: large.batchSize },
    line: { alphas: line.alphas, train: line.train, ...(line.test ? { test: line.test } : {}), distance: line.distance },
    directions: { alphas, count: o.directions, seed: o.seed, around },
  };
}

const curve = (c: { loss: number[] | number[][]; accuracy?: number[] | number[][] }): Curve => ({
  loss: c.loss as number[],
  ...(c.accuracy ? { accuracy: c.accuracy as number[] } : {}),
});
