/**
 * Dense symmetric eigenvalues in float64: Householder tridiagonalisation (O(4n³/3) flops, the
 * whole cost) then implicit QL with Wilkinson-type shifts on T (O(n²), values only), and exact
 * counts below a shift by Sylvester's law of inertia on T: the number of negative pivots of
 * the LDLᵀ factorisation of T − σI (the Sturm count, Kahan's recurrence) is the number of
 * eigenvalues below σ. Both are backward stable: the values and counts are those of a matrix
 * within c·n·ε·‖A‖ of A, so a count is exact unless an eigenvalue lies that close to σ.
 */
import { householderTridiagonalize, tridiagonalBasis, type Tridiagonal } from './symmetric-eigen-householder.js';
import { tridiagonalEigen, tridiagonalEigenvalues } from './tridiagonal-eigen.js';

export { householderTridiagonalize, type Tridiagonal } from './symmetric-eigen-householder.js';

/** Every eigenvalue of a dense symmetric matrix (float64, ascending), with the similar tridiagonal matrix for exact Sturm counts. */
export interface SymmetricEigenvalues {
  /** All eigenvalues, ascending. */
  values: Float64Array;
  /** The tridiagonal matrix similar to A, for exact counts (sturmCount). */
  tridiagonal: Tridiagonal;
}

/**
 * Eigenvalues of the symmetric n×n matrix A (row-major; only the lower triangle is read).
 * A is overwritten unless `preserve` is set (then a copy is reduced: n² more doubles).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { symmetricEigenvalues } from 'losslens/curvature';
 *
 * // [[2, 1, 0], [1, 2, 1], [0, 1, 2]]: eigenvalues 2 − √2, 2, 2 + √2
 * const a = Float64Array.of(2, 1, 0, 1, 2, 1, 0, 1, 2);
 * const { values } = symmetricEigenvalues(a, 3, { preserve: true });
 * [2 - Math.SQRT2, 2, 2 + Math.SQRT2].forEach((want, i) => assert.ok(Math.abs(values[i] - want) < 1e-14));
 * ```
 */
export function symmetricEigenvalues(a: Float64Array, n: number, options: { preserve?: boolean } = {}): SymmetricEigenvalues {
  const work = options.preserve ? a.slice(0, n * n) : a;
  const tridiagonal = householderTridiagonalize(work, n);
  return { values: tridiagonalEigenvalues(tridiagonal.alpha, tridiagonal.beta), tridiagonal };
}

/**
 * Eigenvalues (ascending) and unit eigenvectors of a small dense symmetric matrix given by rows
 * (a Rayleigh–Ritz projection of a few hundred rows): the same Householder reduction, with Q
 * accumulated, then the implicit QL iteration rotating Q's columns (EISPACK tred2 + tql2).
 * Only (a + aᵀ)/2 is used; vectors[j] belongs to values[j].
 */
export function symmetricEigenpairs(a: ArrayLike<number>[], n: number): { values: number[]; vectors: Float64Array[] } {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) m[i * n + j] = (a[i][j] + a[j][i]) / 2;
  const taus = new Float64Array(n);
  const { alpha, beta } = householderTridiagonalize(m, n, taus);
  const { values, vectors } = tridiagonalEigen(alpha, beta, tridiagonalBasis(m, n, taus));
  return { values: Array.from(values), vectors };
}

/** Underflow guard of the LDLᵀ recurrence (LAPACK's pivmin: safe minimum times max βᵢ²). */
function pivotFloor(t: Tridiagonal): number {
  let m = 1;
  for (let i = 0; i < t.beta.length; i++) m = Math.max(m, t.beta[i] * t.beta[i]);
  return 2 ** -1021 * m;
}

/**
 * #{λ < σ} for the symmetric tridiagonal T: the negative pivots dᵢ of T − σI = LDLᵀ,
 * d₀ = α₀ − σ, dᵢ = (αᵢ − σ) − βᵢ₋₁²/dᵢ₋₁ (a zero pivot is nudged to −pivmin, as LAPACK's
 * dlaneg does, which counts an eigenvalue exactly at σ as below it only when rounding says so).
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { symmetricEigenvalues, sturmCount } from 'losslens/curvature';
 *
 * // eigenvalues 2 − √2 ≈ 0.59, 2, 2 + √2 ≈ 3.41: how many lie below each σ, exactly
 * const { tridiagonal } = symmetricEigenvalues(Float64Array.of(2, 1, 0, 1, 2, 1, 0, 1, 2), 3);
 * assert.deepEqual(
 *   [0, 1, 2.5, 4].map((sigma) => sturmCount(tridiagonal, sigma)),
 *   [0, 1, 2, 3],
 * );
 * ```
 */
export function sturmCount(t: Tridiagonal, sigma: number): number {
  const n = t.alpha.length;
  if (n === 0) return 0;
  const pivmin = pivotFloor(t);
  let q = t.alpha[0] - sigma;
  if (Math.abs(q) < pivmin) q = -pivmin;
  let count = q < 0 ? 1 : 0;
  for (let i = 1; i < n; i++) {
    q = t.alpha[i] - sigma - (t.beta[i - 1] * t.beta[i - 1]) / q;
    if (Math.abs(q) < pivmin) q = -pivmin;
    if (q < 0) count++;
  }
  return count;
}
