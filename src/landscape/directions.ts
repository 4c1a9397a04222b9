/**
 * Directions for slices: seeded Gaussian directions normalised per filter / layer / not at all,
 * directions read from files, and a second direction optionally orthogonalised to the first.
 */
import { createRng } from '../random.js';
import { dot, norm } from '../curvature/vector-ops.js';
import type { ParamLayout } from '../objective/types.js';
import { normalizeDirection, type NormalizeOptions } from './filter-normalize.js';

export { dot, norm };

export interface DirectionInfo {
  /** Where it came from: "random", "file:<path>", "hessian:<k>", "pca:<k>". */
  source: string;
  seed?: number;
  norm?: string;
  includeBias?: boolean;
  /** ‖d‖ after normalisation. */
  norm2: number;
}

/**
 * A seeded N(0, I) direction in θ's layout, normalised as asked (Li et al. 2018 defaults: filter, no biases).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadProblem, randomDirection } from 'losslens';
 *
 * // filter normalisation (Li et al. 2018): each output unit's weights get that unit's norm in θ; biases stay 0
 * const problem = await loadProblem({ model: 'fixtures/linreg', train: { data: 'fixtures/linreg/data.csv' } });
 * try {
 *   const { theta0, layout } = problem.train!.objective;
 *   const d = randomDirection(theta0, layout, 0, { norm: 'filter', includeBias: false });
 *   const norm = (v: ArrayLike<number>) => Math.hypot(...Array.from(v));
 *   assert.ok(Math.abs(norm(d.subarray(0, 5)) - norm(theta0.subarray(0, 5))) < 1e-6);
 *   assert.equal(d[5], 0);
 * } finally {
 *   await problem.dispose();
 * }
 * ```
 */
export function randomDirection(theta: Float32Array, layout: ParamLayout, seed: number, opts: NormalizeOptions): Float64Array {
  const rng = createRng(seed);
  const d = new Float64Array(layout.dim);
  for (let i = 0; i < d.length; i++) d[i] = rng.normal();
  return normalizeDirection(d, theta, layout, opts);
}

/**
 * d2 with its component along d1 removed, rescaled back to d2's original norm
 * (so the axis keeps its scale; per-filter norms then hold only approximately — documented).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { orthogonalizeTo, cosine } from 'losslens/landscape';
 *
 * const d1 = Float64Array.of(1, 0, 0);
 * const d2 = orthogonalizeTo(Float64Array.of(3, 4, 0), d1);
 * assert.deepEqual([...d2], [0, 5, 0]); // the component along d1 removed, the norm (5) kept
 * assert.equal(cosine(d1, d2), 0);
 * ```
 */
export function orthogonalizeTo(d2: Float64Array, d1: Float64Array): Float64Array {
  const n0 = norm(d2);
  const n1 = dot(d1, d1);
  if (n1 === 0 || n0 === 0) return d2;
  const c = dot(d1, d2) / n1;
  const out = new Float64Array(d2.length);
  for (let i = 0; i < d2.length; i++) out[i] = d2[i] - c * d1[i];
  const k = n0 / norm(out);
  for (let i = 0; i < out.length; i++) out[i] *= k;
  return out;
}

/**
 * cos∠(a, b).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { cosine } from 'losslens/landscape';
 *
 * assert.equal(cosine(Float64Array.of(1, 0), Float64Array.of(2, 0)), 1);
 * assert.ok(Math.abs(cosine(Float64Array.of(1, 0), Float64Array.of(1, 1)) - Math.SQRT1_2) < 1e-15); // 45°
 * ```
 */
export function cosine(a: Float64Array, b: Float64Array): number {
  return dot(a, b) / (norm(a) * norm(b) || 1);
}
