/**
 * The top and bottom eigenpairs of a symmetric operator (the Hessian), each with its residual,
 * an error bound and a converged flag, from one thick-restart Lanczos run
 * (thick-restart-lanczos.ts) that serves which = top | bottom | both under a matvec budget.
 *
 * Lanczos converges fastest at well-separated extremes, so a Hessian's top usually converges
 * within the first basis; its bottom end (a few negative outliers next to a dense cluster near
 * zero) has small relative gaps and needs the restarts. Convergence follows
 * convergence-rule.ts: relative to |θ| (as ARPACK), floored at the float32 HVP noise level
 * times ρ, so a bottom value is not called converged while its error exceeds its own size.
 * A pair that did not converge within the budget is returned flagged, never silently.
 */
import { optionError } from '../errors.js';
import { FLOAT32_HVP_FLOOR, ruleDefinition } from './convergence-rule.js';
import { thickRestartLanczos, type EigenPair } from './thick-restart-lanczos.js';
import type { MatVec, OnProgress } from './vector-ops.js';

/** extremeEigenpairs's options: pairs wanted at each end, the basis size, the matvec budget and the convergence rule. */
export interface ExtremeEigenOptions {
  /** Pairs at the top (≥ 0, top + bottom ≥ 1); default 1. */
  top?: number;
  /** Pairs at the bottom (≥ 0); default 1. */
  bottom?: number;
  /** Lanczos basis size (vectors held between restarts); default min(dim, 100), at least top + bottom + 2. */
  maxIter?: number;
  /** Matvec budget; default maxIter for a top-only run (one cycle, as plain Lanczos), 10·maxIter with a bottom end. */
  maxMatvecs?: number;
  /** Relative residual tolerance on |θ|; default 1e-6. */
  tol?: number;
  /** Absolute residual floor relative to ρ; default 8·2⁻²³ (float32 HVPs). */
  floor?: number;
  seed?: number;
  /** Return the normalised eigenvector estimates. */
  vectors?: boolean;
  onProgress?: OnProgress;
}

/** The eigenvalue estimates at one end of the spectrum, with per-value residuals, bounds and convergence flags. */
export interface EigenEnd {
  /** top: descending; bottom: ascending (most negative first). */
  values: number[];
  /** ‖Hv − λv‖ per value. */
  residuals: number[];
  /** min(r, r²/gap) per value: a bound on the distance to the eigenvalue. */
  errorBounds: number[];
  /** Per value: meets the convergence rule. */
  convergedEach: boolean[];
  /** Every wanted value at this end converged. */
  converged: boolean;
  vectors?: Float64Array[];
}

/** The extreme eigenpairs at both ends with their residuals and error bounds, the rule they were held to, and the products spent. */
export interface ExtremeEigenResult {
  top: EigenEnd;
  bottom: EigenEnd;
  method: string;
  /** Spectral-radius estimate ρ the floor is relative to. */
  radius: number;
  tol: number;
  floor: number;
  matvecs: number;
  restarts: number;
  /** The run hit maxMatvecs with unconverged pairs. */
  budgetExhausted: boolean;
  definition: string;
}

/**
 * The `top` largest and `bottom` smallest eigenpairs of a symmetric operator, each with its
 * residual and an error bound, by thick-restart Lanczos under a matvec budget; a value that did
 * not meet the convergence rule is flagged (a Ritz value, not an eigenvalue).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { rotatedSpectrumOperator, extremeEigenpairs } from 'losslens/curvature';
 *
 * const op = rotatedSpectrumOperator([-1, 0.5, 1, 2, 3, 8], 3);
 * const eig = await extremeEigenpairs(op.matvec, op.dim, { top: 1, bottom: 1, seed: 0 });
 * assert.ok(Math.abs(eig.top.values[0] - 8) < 1e-10 && Math.abs(eig.bottom.values[0] + 1) < 1e-10);
 * assert.equal(eig.top.convergedEach[0], true);
 * ```
 */
export async function extremeEigenpairs(matvec: MatVec, dim: number, options: ExtremeEigenOptions = {}): Promise<ExtremeEigenResult> {
  const top = options.top ?? 1;
  const bottom = options.bottom ?? 1;
  if (!Number.isInteger(top) || top < 0) throw optionError('top', `must be an integer ≥ 0, got ${top}`);
  if (!Number.isInteger(bottom) || bottom < 0) throw optionError('bottom', `must be an integer ≥ 0, got ${bottom}`);
  if (top + bottom < 1) throw optionError('top', 'top + bottom must be ≥ 1');
  if (!Number.isInteger(dim) || dim < 1) throw optionError('dim', `must be a positive integer, got ${dim}`);
  if (top + bottom > dim)
    throw optionError(
      'top',
      `${top} largest + ${bottom} smallest ({bottom}) eigenvalues are more than the ${dim} the Hessian has (one per trainable parameter)`,
    );
  if (options.maxIter !== undefined && Math.max(top, bottom) > options.maxIter)
    throw optionError(
      'maxIter',
      `a basis of ${options.maxIter} Lanczos vectors cannot resolve ${Math.max(top, bottom)} eigenvalues at one end; raise {maxIter} or ask for fewer`,
    );
  const kT = Math.min(top, dim),
    kB = Math.min(bottom, dim);
  const basis = Math.min(dim, Math.max(options.maxIter ?? 100, kT + kB + 2));
  const maxMatvecs = options.maxMatvecs ?? (kB > 0 ? 10 * basis : basis);
  const tol = options.tol ?? 1e-6,
    floor = options.floor ?? FLOAT32_HVP_FLOOR;
  const which = kB === 0 ? 'top' : kT === 0 ? 'bottom' : 'both';
  const r = await thickRestartLanczos(matvec, dim, {
    which,
    kTop: kT,
    kBottom: kB,
    tol,
    floor,
    basisSize: basis,
    maxMatvecs,
    seed: options.seed ?? 0,
    vectors: options.vectors,
    onProgress: options.onProgress,
  });
  return {
    top: endOf(r.top, options.vectors),
    bottom: endOf(r.bottom, options.vectors),
    method: `thick-restart lanczos (full reorthogonalization, locking; basis ${basis}, ${r.restarts} restarts)`,
    radius: r.radius,
    tol,
    floor,
    matvecs: r.matvecs,
    restarts: r.restarts,
    budgetExhausted: r.budgetExhausted,
    definition: ruleDefinition({ tol, floor }),
  };
}

function endOf(pairs: EigenPair[], withVectors?: boolean): EigenEnd {
  const out: EigenEnd = {
    values: pairs.map((p) => p.value),
    residuals: pairs.map((p) => p.residual),
    errorBounds: pairs.map((p) => p.errorBound),
    convergedEach: pairs.map((p) => p.converged),
    converged: pairs.every((p) => p.converged),
  };
  if (withVectors) out.vectors = pairs.map((p) => p.vector!);
  return out;
}
