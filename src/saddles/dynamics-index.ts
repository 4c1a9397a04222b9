/**
 * The index probe of the dynamics: saddle counts #{λ < −τ·λmax} of the Hessian at θ by
 * src/curvature/saddle-counts.ts (dense Sylvester-inertia counts up to its denseMaxDim under
 * auto, the iterative locking beyond), as fractions of d. Where λmax is not above the products'
 * noise radius the thresholds −τ·λmax mean nothing: the point has no counts and says why.
 */
import { saddleCounts, type SaddleCountOptions } from '../curvature/saddle-counts.js';
import type { DynamicsProblem, IndexProbe } from './dynamics-run.js';

/** A probe counting the Hessian's negative eigenvalues at θ at every τ of `o.taus`. */
export function saddleIndexProbe(p: Pick<DynamicsProblem, 'dim' | 'hvp'>, o: Partial<SaddleCountOptions>): IndexProbe {
  return async (theta) => {
    const at = Float64Array.from(theta);
    const r = await saddleCounts((v) => p.hvp(at, v), p.dim, o);
    const noise = r.dense?.noiseRadius ?? 0;
    // −τ·λmax is no threshold when λmax is not above the products' noise (e.g. a saturated softmax: H = 0)
    if (!(r.lambdaMax > noise))
      return {
        method: r.method,
        lambdaMax: r.lambdaMax,
        hvps: r.matvecs,
        thresholds: [],
        undefinedWhy: `λmax = ${r.lambdaMax.toExponential(2)} ≤ noise ${noise.toExponential(2)}`,
      };
    return {
      method: r.method,
      lambdaMax: r.lambdaMax,
      hvps: r.matvecs,
      thresholds: r.thresholds.map((c) => ({ tau: c.tau, count: c.count, estimate: c.estimate, fraction: c.estimate / p.dim, exact: c.exact })),
    };
  };
}
