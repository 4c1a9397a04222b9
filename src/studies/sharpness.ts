/**
 * Sharpness of a minimum θ, three ways:
 *   λmax  top Hessian eigenvalue by Lanczos (few iterations; `converged` says if its residual met tol),
 *   trace Hutchinson estimate of tr(H) with its standard error,
 *   random-direction sharpness  the mean over K filter-normalised Gaussian directions d
 *         (Li et al. 2018: biases zeroed) of max_{α ∈ [−ε, ε]} L(θ + α·d) − L(θ), on a grid of
 *         `points` α values. Filter normalisation makes ε relative: α = ε moves each filter by
 *         ε times its own norm. Defaults K = 10, ε = 0.1, 9 points. Directions are seeded by
 *         `seed + k`, independent of the run, so minima are probed the same way.
 */
import type { Objective } from '../objective/types.js';
import { hessianMatVec } from '../curvature/analyze-hessian.js';
import { extremeEigenpairs } from '../curvature/extreme-eigenvalues.js';
import { hutchinsonTrace, meanAndStderr } from '../curvature/hutchinson-trace.js';
import { randomDirection } from '../landscape/directions.js';
import { linspace } from '../landscape/slice.js';

/** measureSharpness's options: Lanczos iterations, trace probes, random directions, the radius ε and points per direction, the seed. */
export interface SharpnessOptions {
  lanczosIter: number;
  traceProbes: number;
  directions: number;
  epsilon: number;
  points: number;
  seed: number;
}

/** measureSharpness's defaults. */
export const SHARPNESS_DEFAULTS: SharpnessOptions = { lanczosIter: 20, traceProbes: 20, directions: 10, epsilon: 0.1, points: 9, seed: 0 };

/** A minimum's sharpness by several measures: λmax, the trace, and the worst and mean loss rise within ε. */
export interface Sharpness {
  lambdaMax: number;
  lambdaMaxConverged: boolean;
  trace: number;
  traceStderr: number | null;
  traceProbes: number;
  randomDirection: { mean: number; stderr: number | null; values: number[]; directions: number; epsilon: number; points: number };
  hvps: number;
}

/**
 * Sharpness of a minimum by several measures at once: λmax (Lanczos), the Hessian trace
 * (Hutchinson) and the worst loss rise over random filter-normalised directions within ε.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { loadProblem } from 'losslens';
 * import { measureSharpness, SHARPNESS_DEFAULTS } from 'losslens/studies';
 *
 * // linear regression: H = 2·X̃ᵀX̃/N, whose λmax (41.1138) and trace (54.0793) the fixture's data give in float64
 * const problem = await loadProblem({ model: 'fixtures/linreg', train: { data: 'fixtures/linreg/data.csv' } });
 * try {
 *   const objective = problem.train!.objective;
 *   const s = await measureSharpness(objective, objective.theta0, SHARPNESS_DEFAULTS);
 *   assert.ok(Math.abs(s.lambdaMax - 41.11382788) < 1e-5 * 41.11382788);
 *   assert.ok(Math.abs(s.trace - 54.07932039) < 4 * s.traceStderr!);
 * } finally {
 *   await problem.dispose();
 * }
 * ```
 */
export async function measureSharpness(objective: Objective, theta: Float32Array, o: SharpnessOptions = SHARPNESS_DEFAULTS): Promise<Sharpness> {
  const dim = objective.layout.dim;
  const { matvec, calls } = hessianMatVec(objective, theta);
  const eig = await extremeEigenpairs(matvec, dim, { top: 1, bottom: 0, maxIter: Math.max(2, Math.min(o.lanczosIter, dim)), tol: 1e-3, seed: o.seed });
  const tr = await hutchinsonTrace(matvec, dim, { probes: o.traceProbes, seed: o.seed + 1 });
  const base = await objective.loss(theta);
  const alphas = linspace(-o.epsilon, o.epsilon, o.points).filter((a) => a !== 0);
  const p = new Float32Array(dim);
  const values: number[] = [];
  for (let k = 0; k < o.directions; k++) {
    const d = randomDirection(theta, objective.layout, o.seed + 1000 + k, { norm: 'filter', includeBias: false });
    let peak = -Infinity;
    for (const a of alphas) {
      for (let i = 0; i < dim; i++) p[i] = theta[i] + a * d[i];
      peak = Math.max(peak, await objective.loss(p));
    }
    values.push(peak - base);
  }
  const rd = meanAndStderr(values);
  return {
    lambdaMax: eig.top.values[0],
    lambdaMaxConverged: eig.top.converged,
    trace: tr.estimate,
    traceStderr: tr.stderr,
    traceProbes: tr.probes,
    randomDirection: { mean: rd.mean, stderr: rd.stderr, values, directions: o.directions, epsilon: o.epsilon, points: o.points },
    hvps: calls(),
  };
}
