/**
 * BENCH ONLY: the pre-#14 driver, kept verbatim for the before/after row of bench/hessian.ts.
 * The top and bottom eigenpairs of a symmetric operator (the Hessian), from as few matvecs
 * as we know how to spend.
 *
 * Method:
 *  1. One Lanczos run (full reorthogonalization) watching both ends of the spectrum.
 *     Lanczos converges fastest at the extremes, so the top usually converges in a few
 *     dozen steps; a Hessian's bottom end (a dense cluster near zero with a few negative
 *     outliers) has small relative gaps and converges slowly.
 *  2. If the bottom pairs have not converged, a second Lanczos run on the shifted operator
 *     B = σI − H with σ = the top Ritz value, whose largest eigenvalues σ − λ are H's
 *     smallest. Krylov spaces are shift-invariant (K(B, v) = K(H, v)), so the shift alone
 *     buys nothing: the gain comes from a fresh iteration budget spent on the bottom end
 *     only and from an explicit restart (Saad 1992) with the sum of phase 1's bottom Ritz
 *     vectors as the start vector, which is already rich in the wanted directions. The shift
 *     makes the wanted end the "largest" end. Phase 2's answer is kept when its largest
 *     bottom residual is no worse than phase 1's.
 * Residuals are ‖Hv − λv‖, tolerances relative to phase 1's spectral-radius estimate.
 */
import { optionError } from '../../src/errors.js';
import { lanczos, type LanczosResult } from '../../src/curvature/lanczos.js';
import { combine, type MatVec, type OnProgress } from '../../src/curvature/vector-ops.js';

export interface ExtremeEigenOptions {
  /** Pairs at the top (≥ 1); default 1. */
  top?: number;
  /** Pairs at the bottom (≥ 0); default 1. */
  bottom?: number;
  /** Most matvecs per Lanczos run; default min(dim, 100). */
  maxIter?: number;
  /** Residual tolerance relative to the spectral radius; default 1e-6. */
  tol?: number;
  seed?: number;
  /** Return the normalised eigenvector estimates. */
  vectors?: boolean;
  onProgress?: OnProgress;
}

export interface EigenEnd {
  /** top: descending; bottom: ascending (most negative first). */
  values: number[];
  /** ‖Hv − λv‖ per value. */
  residuals: number[];
  converged: boolean;
  vectors?: Float64Array[];
}

export interface ExtremeEigenResult {
  top: EigenEnd;
  bottom: EigenEnd;
  method: string;
  /** σ of the shifted run, or null when it was not needed. */
  shift: number | null;
  /** Spectral-radius estimate that tol was relative to. */
  radius: number;
  tol: number;
  matvecs: number;
}

export async function legacyExtremeEigenpairs(matvec: MatVec, dim: number, options: ExtremeEigenOptions = {}): Promise<ExtremeEigenResult> {
  const top = options.top ?? 1;
  const bottom = options.bottom ?? 1;
  if (!Number.isInteger(top) || top < 1) throw optionError('top', `must be a positive integer, got ${top}`);
  if (!Number.isInteger(bottom) || bottom < 0) throw optionError('bottom', `must be an integer ≥ 0, got ${bottom}`);
  const tol = options.tol ?? 1e-6;
  const seed = options.seed ?? 0;
  const common = { maxIter: options.maxIter, tol, keepBasis: true };
  const first = await lanczos(matvec, dim, {
    ...common, seed, which: bottom > 0 ? 'both' : 'largest', k: top, kSmallest: Math.max(bottom, 1),
    onProgress: options.onProgress,
  });
  const topEnd = endOf(first, top, 'top', tol, options.vectors);
  let bottomEnd = endOf(first, bottom, 'bottom', tol, options.vectors);
  let method = 'lanczos-full-reorth (one run, both ends)';
  let shift: number | null = null;
  let matvecs = first.matvecs;
  if (bottom > 0 && !bottomEnd.converged && !first.invariantSubspace) {
    shift = topEnd.values[0];
    const second = await shiftedBottomRun(matvec, dim, first, shift, bottom, { ...common, seed: seed + 1 }, options.onProgress);
    matvecs += second.matvecs;
    const candidate = endOf(second, bottom, 'shifted', tol, options.vectors, shift, first.radius);
    if (Math.max(...candidate.residuals) <= Math.max(...bottomEnd.residuals)) bottomEnd = candidate;
    method = 'lanczos-full-reorth (both ends) + restarted lanczos on σI−H for the bottom end';
  }
  return { top: topEnd, bottom: bottomEnd, method, shift, radius: first.radius, tol, matvecs };
}

async function shiftedBottomRun(
  matvec: MatVec, dim: number, first: LanczosResult, shift: number, bottom: number,
  common: { maxIter?: number; tol: number; keepBasis: boolean; seed: number }, onProgress?: OnProgress,
): Promise<LanczosResult> {
  const bottomVectors = first.wanted.flatMap((idx, j) => (idx < bottom ? [first.ritzVectors![j]] : []));
  const start = combine(bottomVectors, bottomVectors.map(() => 1), dim);
  const shifted: MatVec = async (v) => {
    const hv = await matvec(v);
    return Float64Array.from(hv, (x, i) => shift * v[i] - x);
  };
  return lanczos(shifted, dim, {
    ...common, which: 'largest', k: bottom, start, radius: first.radius,
    onProgress: onProgress && ((done, total) => onProgress(first.matvecs + done, first.matvecs + total)),
  });
}

/**
 * One end of the spectrum from a Lanczos result. 'shifted' reads the largest pairs of a run
 * on σI − H and maps them back to H's smallest: λ = σ − μ.
 */
function endOf(
  r: LanczosResult, count: number, end: 'top' | 'bottom' | 'shifted', tol: number,
  withVectors?: boolean, shift = 0, radius = r.radius,
): EigenEnd {
  const m = r.ritzValues.length;
  const n = Math.min(count, m);
  const idx = end === 'bottom' ? Array.from({ length: n }, (_, i) => i) : Array.from({ length: n }, (_, i) => m - 1 - i);
  const values = idx.map((i) => (end === 'shifted' ? shift - r.ritzValues[i] : r.ritzValues[i]));
  const residuals = idx.map((i) => r.residuals[i]);
  const out: EigenEnd = { values, residuals, converged: n === count && residuals.every((x) => x <= tol * radius) };
  if (withVectors && r.ritzVectors) out.vectors = idx.map((i) => r.ritzVectors![r.wanted.indexOf(i)]);
  return out;
}
