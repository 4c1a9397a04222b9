/**
 * Directions from a training trajectory (Li et al. 2018, §7): the first principal components
 * of θ_i − θ_final over the saved checkpoints, their explained variance, and each checkpoint's
 * coordinates in that plane (for drawing the optimizer's path over the contours).
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { inputError } from '../errors.js';

/** Principal directions of a trajectory relative to its end, with the variance each explains. */
export interface PcaDirections {
  directions: Float64Array[];
  /** Fraction of the total variance of θ_i − θ_final explained by each component. */
  explainedVariance: number[];
  /** coords[i] = [⟨θ_i − θ_final, d₁⟩/‖d₁‖², ⟨…, d₂⟩/‖d₂‖²] */
  coords: number[][];
}

/**
 * The top-k principal directions of a training trajectory's θ snapshots relative to its final θ,
 * with their explained variance: the plane a trajectory mostly moves in.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { pcaDirections } from 'losslens/landscape';
 *
 * // snapshots on a line through the final θ: one direction explains all the variance
 * const final = Float32Array.of(0, 0, 0);
 * const path = [1, 2, 3, 4].map((t) => Float32Array.of(t, 2 * t, 0));
 * const { directions, explainedVariance } = pcaDirections(path, final, 1);
 * assert.ok(Math.abs(explainedVariance[0] - 1) < 1e-12);
 * assert.ok(Math.abs(Math.abs(directions[0][1] / directions[0][0]) - 2) < 1e-12);
 * ```
 */
export function pcaDirections(trajectory: Float32Array[], final: Float32Array, k = 2, source = 'trajectory'): PcaDirections {
  const m = trajectory.length;
  if (m < k) throw inputError(source, `needs at least ${k} checkpoints besides the final one, found ${m}`);
  const dim = final.length;
  const diffs = trajectory.map((t) => {
    const d = new Float64Array(dim);
    for (let i = 0; i < dim; i++) d[i] = t[i] - final[i];
    return d;
  });
  // Gram matrix G = M Mᵀ (m × m): its eigenvectors give the PCs without forming dim × dim.
  const G = new Matrix(m, m);
  for (let a = 0; a < m; a++) {
    for (let b = a; b < m; b++) {
      let s = 0;
      for (let i = 0; i < dim; i++) s += diffs[a][i] * diffs[b][i];
      G.set(a, b, s);
      G.set(b, a, s);
    }
  }
  const evd = new EigenvalueDecomposition(G, { assumeSymmetric: true });
  const order = evd.realEigenvalues.map((v, i) => [v, i]).sort((x, y) => y[0] - x[0]);
  const total = order.reduce((s, [v]) => s + Math.max(0, v), 0) || 1;
  const V = evd.eigenvectorMatrix;
  const directions: Float64Array[] = [];
  const explainedVariance: number[] = [];
  for (let c = 0; c < k; c++) {
    const [lambda, col] = order[c];
    const d = new Float64Array(dim);
    const s = lambda > 0 ? 1 / Math.sqrt(lambda) : 0;
    for (let a = 0; a < m; a++) {
      const w = V.get(a, col) * s;
      for (let i = 0; i < dim; i++) d[i] += w * diffs[a][i];
    }
    directions.push(d); // unit norm: ‖Mᵀu‖ = √λ
    explainedVariance.push(Math.max(0, lambda) / total);
  }
  const coords = diffs.map((d) =>
    directions.map((dir) => {
      let s = 0;
      for (let i = 0; i < dim; i++) s += d[i] * dir[i];
      return s;
    }),
  );
  return { directions, explainedVariance, coords };
}
